import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { REPORT_BUCKETS } from './report-range.js';

export const REPORT_FORMATS = ['json', 'csv'] as const;

/** `GET /v1/reports/*`: the range is checked by reportRange (luxon), the shapes here. */
export class ReportQueryDto {
  // Required, but checked by reportRange so that its absence is said in the report's own words.
  @ApiProperty({
    description:
      'Start: an ISO 8601 date (that day from 00:00 in timeZone) or a date-time with offset.',
    example: '2026-10-01',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiProperty({
    description:
      'End: an ISO 8601 date (inclusive: that whole day in timeZone) or a date-time with offset (exclusive).',
    example: '2026-10-31',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ enum: REPORT_BUCKETS, default: 'day' })
  @IsOptional()
  @IsIn(REPORT_BUCKETS)
  bucket?: (typeof REPORT_BUCKETS)[number];

  @ApiPropertyOptional({
    description: 'An IANA time zone for the bucket boundaries and labels.',
    default: 'UTC',
    example: 'Europe/Berlin',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({
    enum: REPORT_FORMATS,
    description: 'Overrides the Accept header: csv for a spreadsheet, json for machines.',
  })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: (typeof REPORT_FORMATS)[number];
}
