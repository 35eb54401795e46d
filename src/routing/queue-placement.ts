import { Injectable } from '@nestjs/common';
import type { QueuePlacement } from '../calls/call.model.js';
import { CallRepository } from '../calls/call.repository.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { DirectoryService } from '../directory/directory.service.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { AcceptHistory } from './accept-history.js';
import { PresenceService } from './presence.service.js';
import { estimatedWaitSeconds, queuePositions } from './queue-order.js';
import type { QueuedRequest } from './routing.model.js';
import { eligibleExperts } from './routing-rules.js';
import './routing-facts.js';

/** Each waiting request's position and estimate; those that changed are told (`call.placed`). */
@Injectable()
export class QueuePlacer {
  constructor(
    private readonly calls: CallRepository,
    private readonly placements: QueuePlacements,
    private readonly presence: PresenceService,
    private readonly directory: DirectoryService,
    private readonly history: AcceptHistory,
    private readonly bus: EventBus,
  ) {}

  async place(requests: readonly QueuedRequest[], nowMs: number): Promise<void> {
    const positions = queuePositions([...requests]);
    const standing = await this.presence.standing();
    const people = this.directory.all();
    const available = new Map<string, number>();
    const fresh = { callId: '', queuedAt: new Date(nowMs).toISOString(), requesters: [] };
    for (const queue of this.directory.queues())
      available.set(queue.id, eligibleExperts(queue, people, standing, fresh, [], nowMs).length);
    const next = new Map<string, QueuePlacement>();
    for (const request of requests) {
      const position = positions.get(request.callId) ?? null;
      const estimate =
        position === null
          ? null
          : estimatedWaitSeconds(
              position,
              this.history.recent(request.queueId),
              available.get(request.queueId) ?? 0,
            );
      next.set(request.callId, { position, estimatedWaitSeconds: estimate });
    }
    const changed = this.placements.replace(next);
    if (changed.length === 0) return;
    const calls = await this.calls.findMany(changed);
    this.bus.afterCommit(
      calls
        .filter((call) => call.status === 'queued')
        .map((call) =>
          brokerEvent('call.placed', {
            call: this.placements.view(call),
            technicianId: call.technician.id,
          }),
        ),
    );
  }
}
