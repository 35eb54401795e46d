import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { IsPlainText } from '../../common/text-rules.js';
import { IsWholeNumberText } from '../../common/validation.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../outbox/outbox.model.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../webhook-events.js';

export const WEBHOOK_LIMITS = { urlMaxLength: 2048, descriptionMaxLength: 200 } as const;

export class CreateWebhookDto {
  @ApiProperty({
    description:
      'Where to POST: an https URL whose host resolves to public addresses only (WEBHOOK_ALLOWED_HOSTS names exceptions).',
    maxLength: WEBHOOK_LIMITS.urlMaxLength,
    example: 'https://erp.example.com/hooks/broker',
  })
  @IsString()
  @Length(1, WEBHOOK_LIMITS.urlMaxLength)
  url!: string;

  @ApiProperty({
    type: [String],
    enum: WEBHOOK_EVENT_TYPES,
    minItems: 1,
    uniqueItems: true,
    description: 'The events to deliver.',
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `each value in eventTypes must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  eventTypes!: WebhookEventType[];

  @ApiPropertyOptional({ maxLength: WEBHOOK_LIMITS.descriptionMaxLength })
  @IsOptional()
  @IsString()
  @Length(1, WEBHOOK_LIMITS.descriptionMaxLength)
  @IsPlainText()
  description?: string;
}

/** The ids the broker gives webhooks and deliveries. */
export const WEBHOOK_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The `:id` of /v1/webhooks/:id and /v1/deliveries/:id, checked before it reaches the database. */
export class OutboxIdParam {
  @ApiProperty({ description: 'The id the broker gave it' })
  @Matches(WEBHOOK_ID, {
    message: 'id must be 1 to 64 letters, digits, "_" or "-"',
  })
  id!: string;
}

export const DELIVERY_PAGE = { default: 50, max: 500 } as const;

export class ListDeliveriesQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: 'Only deliveries in this state.' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: DELIVERY_PAGE.max,
    default: DELIVERY_PAGE.default,
    type: Number,
  })
  @IsOptional()
  @IsWholeNumberText(1, DELIVERY_PAGE.max)
  limit?: string;
}

export const WEBHOOK_PAGE = { default: 25, max: 100 } as const;

export class ListWebhooksQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: WEBHOOK_PAGE.max,
    default: WEBHOOK_PAGE.default,
    type: Number,
  })
  @IsOptional()
  @IsWholeNumberText(1, WEBHOOK_PAGE.max)
  limit?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,512}$/, { message: 'cursor is not one this server handed out' })
  cursor?: string;
}
