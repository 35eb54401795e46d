import { Injectable } from '@nestjs/common';
import {
  NOT_PLACED,
  toCallView,
  type CallRecord,
  type CallView,
  type QueuePlacement,
} from './call.model.js';

/**
 * Where each queued call stands in its queue, as routing last worked it out. A position changes
 * without the call changing (others ahead are accepted), so it is kept beside the records, never
 * in them; every view of a call that clients get asks here.
 */
@Injectable()
export class QueuePlacements {
  private placements = new Map<string, QueuePlacement>();

  of(callId: string): QueuePlacement {
    return this.placements.get(callId) ?? NOT_PLACED;
  }

  /** The call as clients see it, with its place in the queue while queued. */
  view(call: CallRecord): CallView {
    return toCallView(call, this.of(call.id));
  }

  /** Takes routing's latest placements; returns the calls whose placement changed. */
  replace(next: ReadonlyMap<string, QueuePlacement>): string[] {
    const changed = [...next.entries()]
      .filter(([callId, placement]) => !samePlacement(this.placements.get(callId), placement))
      .map(([callId]) => callId);
    this.placements = new Map(next);
    return changed;
  }
}

function samePlacement(a: QueuePlacement | undefined, b: QueuePlacement): boolean {
  return (
    a?.position === b.position &&
    a.estimatedWaitSeconds === b.estimatedWaitSeconds &&
    a.nobodyCanTake === b.nobodyCanTake &&
    a.statusLine === b.statusLine
  );
}
