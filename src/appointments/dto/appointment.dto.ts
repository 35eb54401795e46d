import {
  ApiProperty,
  ApiPropertyOptional,
  IntersectionType,
  PartialType,
  PickType,
} from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PERSON_ID, PERSON_ID_RULE } from '../../common/text-rules.js';
import { IsInstantText, IsWholeNumberText } from '../../common/validation.js';
import { CreateCallDto } from '../../calls/dto/create-call.dto.js';
import { DURATION_MINUTES } from '../booking-rules.js';

/** The longest list page. */
export const APPOINTMENT_PAGE_LIMIT = { default: 100, max: 500 } as const;

/** When a session is; shared by booking and rescheduling. */
class SessionTimeDto {
  @ApiProperty({
    format: 'date-time',
    example: '2027-03-29T09:00:00+02:00',
    description:
      "The start, ISO-8601 with its offset (Z or the time zone's own offset on that day); refused without one, in the past, or over 366 days ahead.",
  })
  @IsString()
  @Length(1, 40)
  startsAt!: string;

  @ApiProperty({
    example: 'Europe/Berlin',
    description: 'The IANA time zone the session is booked in: local times and the .ics use it.',
  })
  @IsString()
  @Length(1, 64)
  timeZone!: string;

  @ApiPropertyOptional({
    minimum: DURATION_MINUTES.min,
    maximum: DURATION_MINUTES.max,
    default: DURATION_MINUTES.default,
  })
  @IsOptional()
  @IsInt()
  @Min(DURATION_MINUTES.min)
  @Max(DURATION_MINUTES.max)
  durationMinutes?: number;
}

/**
 * POST /v1/appointments: the call's own fields (title, reason, callType, context, technicianId,
 * queueId) as POST /v1/calls takes them, exactly one named expert, and the session's time.
 */
export class CreateAppointmentDto extends IntersectionType(
  PickType(CreateCallDto, [
    'technicianId',
    'queueId',
    'title',
    'reason',
    'callType',
    'anonymousJoinAllowed',
    'description',
    'externalRef',
    'metadata',
  ] as const),
  SessionTimeDto,
) {
  @ApiPropertyOptional({
    type: [String],
    minItems: 1,
    maxItems: 1,
    description:
      'Exactly one directory expert, who must be free for the whole session; or give queueId instead.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1, { message: 'expertIds must name exactly one expert for a booked session' })
  @IsString({ each: true })
  @Matches(PERSON_ID, { each: true, message: `each value in $property ${PERSON_ID_RULE}` })
  expertIds?: string[];
}

/** PATCH /v1/appointments/:id: a new start, zone or duration (at least one). */
export class RescheduleAppointmentDto extends PartialType(SessionTimeDto) {}

export class ListAppointmentsQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only sessions ending after this instant (ISO-8601 with a time zone).',
  })
  @IsOptional()
  @IsInstantText()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only sessions starting before this instant.',
  })
  @IsOptional()
  @IsInstantText()
  to?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: APPOINTMENT_PAGE_LIMIT.max,
    default: APPOINTMENT_PAGE_LIMIT.default,
    type: Number,
  })
  @IsOptional()
  @IsWholeNumberText(1, APPOINTMENT_PAGE_LIMIT.max)
  limit?: string;

  @ApiPropertyOptional({
    description:
      "Only this expert's sessions (among those the caller may see): a supervisor who is also an expert lists their own.",
    pattern: PERSON_ID.source,
  })
  @IsOptional()
  @IsString()
  @Matches(PERSON_ID, { message: `$property ${PERSON_ID_RULE}` })
  expertId?: string;
}
