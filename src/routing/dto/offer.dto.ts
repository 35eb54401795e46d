import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import type { OfferStatus } from '../routing.model.js';

/** Offer ids are UUIDs the broker made; anything else is refused before the database. */
const OFFER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const OFFER_ID_RULE = '$property must be an offer id (1 to 64 letters, digits, ".", "_" or "-")';

/** The `:id` of /v1/offers/:id. */
export class OfferIdParam {
  @ApiProperty({ description: 'The offer id', pattern: OFFER_ID.source })
  @IsString()
  @Matches(OFFER_ID, { message: OFFER_ID_RULE })
  id!: string;
}

/** `offer.accept` / `offer.decline` over a socket. */
export class OfferAnswerPayload {
  @ApiProperty({ description: 'The offer id from offer.created', pattern: OFFER_ID.source })
  @IsString()
  @Matches(OFFER_ID, { message: OFFER_ID_RULE })
  offerId!: string;
}

export class ListOffersQuery {
  @ApiPropertyOptional({ enum: ['pending'], default: 'pending' })
  @IsOptional()
  @IsIn(['pending'])
  status?: Extract<OfferStatus, 'pending'>;
}
