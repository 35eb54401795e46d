import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
} from 'class-validator';
import {
  CALL_REASONS,
  CALL_TYPES,
  type CallReason,
  type CallType,
} from '../../xassist-contract/xassist-contract.js';
import { IsWholeNumberText } from '../../common/validation.js';

export class CreateCallDto {
  @ApiPropertyOptional({
    description: 'The glasses user; a technician may omit it or give their own id.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  technicianId?: string;

  @ApiProperty({
    type: [String],
    description: 'One or more directory people with the role expert.',
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  expertIds!: string[];

  @ApiProperty({ example: 'Pump 7 vibration' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiPropertyOptional({ enum: CALL_REASONS, default: 'STANDARD' })
  @IsOptional()
  @IsIn(CALL_REASONS)
  reason?: CallReason;

  @ApiPropertyOptional({
    enum: CALL_TYPES,
    description: 'Default MESH for one expert, SFU for more.',
  })
  @IsOptional()
  @IsIn(CALL_TYPES)
  callType?: CallType;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  anonymousJoinAllowed?: boolean;
}

export const PAGE_LIMIT = { default: 20, max: 100 } as const;

export class ListCallsQuery {
  @ApiPropertyOptional({ enum: ['active', 'ended', 'all'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'ended', 'all'])
  status?: 'active' | 'ended' | 'all';

  @ApiPropertyOptional({
    minimum: 1,
    maximum: PAGE_LIMIT.max,
    default: PAGE_LIMIT.default,
    type: Number,
  })
  @IsOptional()
  @IsWholeNumberText(1, PAGE_LIMIT.max)
  limit?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class EventsQuery {
  @ApiPropertyOptional({ minimum: 0, default: 0, type: Number })
  @IsOptional()
  @IsWholeNumberText(0, Number.MAX_SAFE_INTEGER)
  afterSeq?: string;
}
