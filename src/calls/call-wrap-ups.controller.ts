import { Body, Controller, Get, Param, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ref } from '../openapi/json-schema.js';
import type { Request, Response } from 'express';
import { CurrentPerson } from '../auth/auth.guard.js';
import type { Person } from '../directory/person.js';
import { wantsOtherFormat } from '../common/answer-format.js';
import { ApiErrors, ApiJson } from '../openapi/api-responses.js';
import { callSummaryPage, SUMMARY_PAGE_CSP } from './call-summary-page.js';
import type { CallSummary } from './call-summary.js';
import { CallWrapUps } from './call-wrap-ups.service.js';
import { CallIdParam } from './dto/call-id.param.js';
import { RatingDto, SummaryQuery, WrapUpDto } from './dto/wrap-up.dto.js';

const HTML = { format: 'html', mediaType: 'text/html' };

@ApiTags('calls')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('v1/calls')
export class CallWrapUpsController {
  constructor(private readonly wrapUps: CallWrapUps) {}

  @Put(':id/wrap-up')
  @ApiOperation({
    operationId: 'putCallWrapUp',
    summary: "Record or edit the call's wrap-up (its expert or a supervisor)",
    description:
      'Only for a call that ended (status ended; else 409). Each request gives the whole wrap-up; ' +
      "edits are accepted until the queue's wrapUpEditHours after the call ended (default 24), then 409. " +
      "Each version is an event of the call's log (wrap_up.submitted, wrap_up.edited) and a call.wrapped_up webhook; " +
      "the first ends the expert's wrap_up presence.",
  })
  @ApiJson(200, 'CallSummary', 'The call summary with the wrap-up as recorded')
  @ApiErrors(400, 403, 404, 409)
  async wrapUp(
    @CurrentPerson() caller: Person,
    @Param() { id }: CallIdParam,
    @Body() body: WrapUpDto,
  ): Promise<CallSummary> {
    return this.wrapUps.wrapUp(caller, id, body);
  }

  @Put(':id/rating')
  @ApiOperation({
    operationId: 'putCallRating',
    summary: 'Rate the call 1-5 with an optional comment (its technician)',
    description:
      "Only for a call that ended (status ended; else 409), until the wrap-up's edit window closes (409). " +
      "Each rating is an event of the call's log (rating.given, rating.edited).",
  })
  @ApiJson(200, 'CallSummary', 'The call summary with the rating')
  @ApiErrors(400, 403, 404, 409)
  async rate(
    @CurrentPerson() caller: Person,
    @Param() { id }: CallIdParam,
    @Body() body: RatingDto,
  ): Promise<CallSummary> {
    return this.wrapUps.rate(caller, id, body);
  }

  @Get(':id/summary')
  @ApiOperation({
    operationId: 'getCallSummary',
    summary: 'The call for the work order: who joined when, wait, talk time, outcome',
    description:
      'JSON for machines; a printable HTML page for people when Accept prefers text/html or ?format=html.',
  })
  @ApiResponse({
    status: 200,
    description: 'The summary: JSON, or the printable page as text/html',
    content: {
      'application/json': { schema: ref('CallSummary') },
      'text/html': { schema: { type: 'string', description: 'A printable HTML page' } },
    },
  })
  @ApiErrors(400, 404)
  async summary(
    @CurrentPerson() caller: Person,
    @Param() { id }: CallIdParam,
    @Query() query: SummaryQuery,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CallSummary | string> {
    const summary = await this.wrapUps.summary(caller, id);
    response.setHeader('vary', 'Accept');
    if (!wantsOtherFormat(HTML, query.format, request)) return summary;
    response
      .type('text/html; charset=utf-8')
      .setHeader('content-security-policy', SUMMARY_PAGE_CSP);
    return callSummaryPage(summary);
  }
}
