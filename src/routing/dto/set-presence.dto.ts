import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { SETTABLE_PRESENCE, type SettablePresence } from '../routing.model.js';

export class SetPresenceDto {
  @ApiProperty({
    enum: SETTABLE_PRESENCE,
    description: '`offline` follows from having no socket; `busy` from offers and calls.',
  })
  @IsIn(SETTABLE_PRESENCE)
  status!: SettablePresence;
}
