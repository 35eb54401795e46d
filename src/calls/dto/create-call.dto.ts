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
  Matches,
} from 'class-validator';
import {
  CALL_REASONS,
  CALL_TYPES,
  type CallReason,
  type CallType,
} from '../../xassist-contract/xassist-contract.js';
import { MAX_STORED_INTEGER } from '../../common/limits.js';
import { QUEUE_ID } from '../../directory/queue.js';
import { PRIORITIES, type Priority } from '../call.model.js';
import { IsPlainText, PERSON_ID, PERSON_ID_RULE } from '../../common/text-rules.js';
import { IsInstantText, IsWholeNumberText } from '../../common/validation.js';
import { CALL_SEARCH_DAYS, CALL_SEARCH_MAX_DAYS, CALL_SEARCH_MAX_LENGTH } from '../call-search.js';
import {
  CALL_CONTEXT_LIMITS,
  IsCallMetadata,
  IsExternalRef,
  IsMultilineText,
} from './call-context.validation.js';

export class CreateCallDto {
  @ApiPropertyOptional({
    description: 'The glasses user; a technician may omit it or give their own id.',
    pattern: PERSON_ID.source,
  })
  @IsOptional()
  @IsString()
  @Matches(PERSON_ID, { message: `$property ${PERSON_ID_RULE}` })
  technicianId?: string;

  @ApiPropertyOptional({
    type: [String],
    description:
      'One or more directory people with the role expert, rung at once; or give queueId instead (exactly one of the two).',
    minItems: 1,
    maxItems: 20,
    uniqueItems: true,
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(PERSON_ID, { each: true, message: `each value in $property ${PERSON_ID_RULE}` })
  expertIds?: string[];

  @ApiPropertyOptional({
    pattern: QUEUE_ID.source,
    example: 'pumps',
    description:
      'A queue of the directory file: the broker offers the call to an available expert with its skills (docs/routing.md). Instead of expertIds.',
  })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_ID, { message: '$property must be 1 to 64 letters, digits or ._-' })
  queueId?: string;

  @ApiPropertyOptional({
    enum: PRIORITIES,
    description:
      'With queueId: urgent requests are offered before every normal one. Default normal.',
  })
  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: Priority;

  @ApiProperty({
    minLength: 1,
    maxLength: 200,
    example: 'Pump 7 vibration',
    description:
      'Shown on xAssist. Trimmed; refused when blank or containing control characters or bidirectional overrides.',
  })
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  title!: string;

  @ApiPropertyOptional({ enum: CALL_REASONS, description: 'Default STANDARD.' })
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

  @ApiPropertyOptional({ description: 'Default false.' })
  @IsOptional()
  @IsBoolean()
  anonymousJoinAllowed?: boolean;

  @ApiPropertyOptional({
    maxLength: CALL_CONTEXT_LIMITS.descriptionMaxLength,
    description: 'What the technician needs help with; line breaks allowed.',
  })
  @IsOptional()
  @IsString()
  @Length(0, CALL_CONTEXT_LIMITS.descriptionMaxLength)
  @IsMultilineText()
  description?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: CALL_CONTEXT_LIMITS.externalRefMaxLength,
    pattern: CALL_CONTEXT_LIMITS.externalRefPattern,
    example: 'SAP-WO-4711',
    description: 'The ERP or ticket id; GET /v1/calls?externalRef= finds the call by it.',
  })
  @IsOptional()
  @IsExternalRef()
  externalRef?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'string',
      maxLength: CALL_CONTEXT_LIMITS.metadataValueMaxLength,
    },
    maxProperties: CALL_CONTEXT_LIMITS.metadataMaxKeys,
    example: { site: 'Plant 3', asset: 'P-7' },
    description: `Your own key/value context: keys match ${CALL_CONTEXT_LIMITS.metadataKeyPattern}, at most ${CALL_CONTEXT_LIMITS.metadataMaxBytes} bytes as JSON.`,
  })
  @IsOptional()
  @IsCallMetadata()
  metadata?: Record<string, string>;
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

  @ApiPropertyOptional({
    maxLength: CALL_CONTEXT_LIMITS.externalRefMaxLength,
    description:
      'Only calls created with this externalRef (combine with status=all for ended ones).',
  })
  @IsOptional()
  @IsExternalRef()
  externalRef?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: CALL_SEARCH_MAX_LENGTH,
    example: 'WO-4711',
    description:
      'Only calls whose title, externalRef or technician (id or name) contains this text, ignoring case; % and _ are plain characters (combine with status=all for ended ones).',
  })
  @IsOptional()
  @IsString()
  @Length(1, CALL_SEARCH_MAX_LENGTH, {
    message: `q must be 1 to ${CALL_SEARCH_MAX_LENGTH} characters`,
  })
  @IsPlainText()
  q?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-11-01T00:00:00Z',
    description: `Only calls created at or after this instant (ISO-8601 date or date-time with a time zone). With q it defaults to ${CALL_SEARCH_DAYS} days before to, and from..to may span at most ${CALL_SEARCH_MAX_DAYS} days.`,
  })
  @IsOptional()
  @IsInstantText()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-12-01T00:00:00Z',
    description: 'Only calls created before this instant; with q it defaults to now.',
  })
  @IsOptional()
  @IsInstantText()
  to?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,512}$/, { message: 'cursor is not one this server handed out' })
  cursor?: string;
}

export class EventsQuery {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_STORED_INTEGER, default: 0, type: Number })
  @IsOptional()
  @IsWholeNumberText(0, MAX_STORED_INTEGER)
  afterSeq?: string;
}
