import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateBy,
} from 'class-validator';
import { isWebLink, WRAP_UP_LIMITS, WRAP_UP_OUTCOMES, type WrapUpOutcome } from '../wrap-up.js';
import { IsMultilineText } from './call-context.validation.js';

function IsWebLink(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWebLink',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isWebLink(value),
        defaultMessage: (args) =>
          `each value in ${args?.property} must be an absolute http or https URL`,
      },
    },
    { each: true },
  );
}

/** `PUT /v1/calls/:id/wrap-up`: the whole wrap-up each time (an edit replaces it). */
export class WrapUpDto {
  @ApiProperty({ enum: WRAP_UP_OUTCOMES, description: 'What came of the call.' })
  @IsIn(WRAP_UP_OUTCOMES)
  outcome!: WrapUpOutcome;

  @ApiProperty({ description: 'Whether the call fixed the problem without another visit.' })
  @IsBoolean()
  firstTimeFix!: boolean;

  @ApiPropertyOptional({
    maxLength: WRAP_UP_LIMITS.notesMaxLength,
    description: 'Plain text for the work order; line breaks allowed. Default empty.',
  })
  @IsOptional()
  @IsString()
  @Length(1, WRAP_UP_LIMITS.notesMaxLength)
  @IsMultilineText()
  notes?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: WRAP_UP_LIMITS.linksMaxCount,
    description: `Reference links (photos in your DMS, reports): absolute http(s) URLs of at most ${WRAP_UP_LIMITS.linkMaxLength} characters. Default none.`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(WRAP_UP_LIMITS.linksMaxCount)
  @IsString({ each: true })
  @Length(1, WRAP_UP_LIMITS.linkMaxLength, { each: true })
  @IsWebLink()
  links?: string[];
}

/** `PUT /v1/calls/:id/rating`: the technician's say. */
export class RatingDto {
  @ApiProperty({ minimum: 1, maximum: 5, description: '1 (poor) to 5 (excellent).' })
  @IsInt()
  @Min(1)
  @Max(5)
  rating!: number;

  @ApiPropertyOptional({
    maxLength: WRAP_UP_LIMITS.commentMaxLength,
    description: 'Plain text; line breaks allowed.',
  })
  @IsOptional()
  @IsString()
  @Length(1, WRAP_UP_LIMITS.commentMaxLength)
  @IsMultilineText()
  comment?: string;
}

export const SUMMARY_FORMATS = ['html', 'json'] as const;

export class SummaryQuery {
  @ApiPropertyOptional({
    enum: SUMMARY_FORMATS,
    description: 'Overrides the Accept header: html for people, json for machines.',
  })
  @IsOptional()
  @IsIn(SUMMARY_FORMATS)
  format?: (typeof SUMMARY_FORMATS)[number];
}
