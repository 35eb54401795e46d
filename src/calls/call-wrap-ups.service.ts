import { Injectable } from '@nestjs/common';
import { ConflictError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { CallChange } from './call-change.js';
import { CallLedger } from './call-ledger.service.js';
import { callSummaryOf, type CallSummary } from './call-summary.js';
import type { CallRecord } from './call.model.js';
import { StaleCallError } from './call.repository.js';
import { CallsService } from './calls.service.js';
import type { RatingDto, WrapUpDto } from './dto/wrap-up.dto.js';
import {
  assertEditable,
  assertMayRate,
  assertMayWrapUp,
  nextWrapUp,
  WRAP_UP_LIMITS,
  webLinkOf,
} from './wrap-up.js';

/** What is recorded after a call: the expert's wrap-up, the technician's rating, the summary. */
@Injectable()
export class CallWrapUps {
  constructor(
    private readonly calls: CallsService,
    private readonly ledger: CallLedger,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
  ) {}

  /** `PUT /v1/calls/:id/wrap-up`: the first version, or an edit while the window is open. */
  async wrapUp(caller: Person, id: string, dto: WrapUpDto): Promise<CallSummary> {
    const input = {
      outcome: dto.outcome,
      firstTimeFix: dto.firstTimeFix,
      notes: dto.notes ?? '',
      // Validated (IsWebLink): stored in the standard form a work order system gets.
      links: (dto.links ?? []).map((link) => webLinkOf(link) ?? link),
    };
    return this.change(caller, id, (call, change) => {
      assertMayWrapUp(caller, call);
      assertEditable(call, this.editHoursOf(call), change.at, 'wrap-up');
      change.recordWrapUp(nextWrapUp(call.wrapUp, input, caller, change.at));
    });
  }

  /** `PUT /v1/calls/:id/rating`: the technician's rating, under the wrap-up's edit window. */
  async rate(caller: Person, id: string, dto: RatingDto): Promise<CallSummary> {
    return this.change(caller, id, (call, change) => {
      assertMayRate(caller, call);
      assertEditable(call, this.editHoursOf(call), change.at, 'rating');
      change.recordRating({ rating: dto.rating, comment: dto.comment ?? null, at: change.at });
    });
  }

  /** `GET /v1/calls/:id/summary`: whoever may see the call may read its summary. */
  async summary(caller: Person, id: string): Promise<CallSummary> {
    return callSummaryOf(await this.calls.get(caller, id));
  }

  /** Hours after its end during which a call's wrap-up and rating may change. */
  private editHoursOf(call: CallRecord): number {
    const queue = call.queueId === null ? undefined : this.directory.queue(call.queueId);
    return queue?.wrapUpEditHours ?? WRAP_UP_LIMITS.defaultEditHours;
  }

  private async change(
    caller: Person,
    id: string,
    apply: (call: CallRecord, change: CallChange) => void,
  ): Promise<CallSummary> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const call = await this.calls.get(caller, id);
      const change = new CallChange(call, this.clock.isoNow());
      apply(call, change);
      try {
        await this.ledger.record(change);
      } catch (error) {
        if (error instanceof StaleCallError) continue;
        throw error;
      }
      return callSummaryOf(change.call);
    }
    throw new ConflictError(`call ${id} keeps changing; try again`);
  }
}
