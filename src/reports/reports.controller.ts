import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPerson } from '../auth/auth.guard.js';
import type { Person } from '../directory/person.js';
import { wantsOtherFormat } from '../common/answer-format.js';
import { ApiErrors } from '../openapi/api-responses.js';
import { ref } from '../openapi/json-schema.js';
import { writeReportCsv } from './report-csv.js';
import type { ReportSubject } from './report-query.js';
import { ReportQueryDto } from './report-query.dto.js';
import { ReportsService } from './reports.service.js';

const CSV = { format: 'csv', mediaType: 'text/csv' };

const DESCRIPTION =
  'Supervisors and integrations (403 for anyone else). from/to are ISO 8601 dates or date-times with offset, ' +
  'read in timeZone (IANA, default UTC); bucket is hour, day (default) or week, cut at local boundaries ' +
  '(a day across a daylight-saving change lasts 23 or 25 hours); at most 1000 buckets. ' +
  'JSON, or text/csv (Accept: text/csv or ?format=csv). Definitions: docs/api.md, "Reports".';

const answers = (schema: string) =>
  ApiResponse({
    status: 200,
    description: 'The report: JSON, or the same rows as text/csv with a header line',
    content: {
      'application/json': { schema: ref(schema) },
      'text/csv': { schema: { type: 'string', description: 'RFC 4180 CSV, one row per bucket' } },
    },
  });

@ApiTags('reports')
@ApiBearerAuth()
@ApiErrors(401, 400, 403)
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('queues')
  @ApiOperation({
    operationId: 'getQueueReport',
    summary: 'Service level, speed of answer, abandonment, first-time fix per queue over time',
    description: DESCRIPTION,
  })
  @answers('QueueReport')
  async queues(
    @CurrentPerson() caller: Person,
    @Query() query: ReportQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.answer('queue', caller, query, request, response);
  }

  @Get('experts')
  @ApiOperation({
    operationId: 'getExpertReport',
    summary: 'The same figures per expert who took the calls',
    description: DESCRIPTION,
  })
  @answers('ExpertReport')
  async experts(
    @CurrentPerson() caller: Person,
    @Query() query: ReportQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.answer('expert', caller, query, request, response);
  }

  private async answer(
    subject: ReportSubject,
    caller: Person,
    query: ReportQueryDto,
    request: Request,
    response: Response,
  ): Promise<void> {
    const report = await this.reports.report(caller, subject, query);
    response.setHeader('vary', 'Accept');
    // The response is written here (not returned): a CSV is streamed, and Nest must not answer again.
    if (!wantsOtherFormat(CSV, query.format, request)) {
      response.json(report);
      return;
    }
    response
      .type('text/csv; charset=utf-8')
      .setHeader(
        'content-disposition',
        `attachment; filename="${subject}-report-${report.from.slice(0, 10)}.csv"`,
      );
    await writeReportCsv(report, response);
  }
}
