import { Injectable } from '@nestjs/common';
import type { QueuePlacement } from '../calls/call.model.js';
import { CallRepository } from '../calls/call.repository.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { DirectoryService } from '../directory/directory.service.js';
import { onCallExpert } from '../directory/opening-hours.js';
import type { Queue } from '../directory/queue.js';
import { brokerEvent, type BrokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { AcceptHistory } from './accept-history.js';
import { PresenceService } from './presence.service.js';
import { routedOnCall } from './on-call-rules.js';
import { queuePositions } from './queue-order.js';
import { queueStatusLine } from './queue-status.js';
import type { Offer, QueuedRequest } from './routing.model.js';
import { RoutingRepository } from './routing.repository.js';
import { requestWait } from './wait-estimate.js';
import './routing-facts.js';

/**
 * Each waiting request's position, estimate and whether anyone can take it; those that changed
 * are told (`call.placed`), and a request nobody can take tells its technician at once
 * (`call.nobody_can_take`, once each time it comes to that).
 */
@Injectable()
export class QueuePlacer {
  constructor(
    private readonly calls: CallRepository,
    private readonly placements: QueuePlacements,
    private readonly presence: PresenceService,
    private readonly directory: DirectoryService,
    private readonly history: AcceptHistory,
    private readonly bus: EventBus,
    private readonly routing: RoutingRepository,
  ) {}

  async place(requests: readonly QueuedRequest[], nowMs: number): Promise<void> {
    const positions = queuePositions([...requests]);
    const [standing, offers] = await Promise.all([
      this.presence.standing(),
      requests.length === 0
        ? Promise.resolve([] as Offer[])
        : this.routing.offersOfCalls(requests.map((request) => request.callId)),
    ]);
    // Only the people who can be experts are looked at per request (a large directory).
    const experts = this.directory.all().filter((person) => person.roles.includes('expert'));
    const next = new Map<string, QueuePlacement>();
    for (const request of requests) {
      const queue = this.directory.queue(request.queueId);
      const position = positions.get(request.callId) ?? null;
      const wait = queue
        ? requestWait(
            queue,
            experts,
            standing,
            request,
            offers,
            position,
            this.history.recent(request.queueId),
            nowMs,
          )
        : { takers: 0, estimatedWaitSeconds: null };
      next.set(request.callId, {
        position,
        estimatedWaitSeconds: wait.estimatedWaitSeconds,
        nobodyCanTake: wait.takers === 0,
        statusLine: queue
          ? queueStatusLine(
              queue,
              Date.parse(request.queuedAt),
              wait.takers,
              this.onCallName(queue, nowMs),
            )
          : null,
      });
    }
    const before = new Map(
      requests.map((request) => [request.callId, this.placements.of(request.callId)]),
    );
    const changed = this.placements.replace(next);
    if (changed.length === 0) return;
    const calls = await this.calls.findMany(changed);
    const events: BrokerEvent[] = [];
    for (const call of calls) {
      if (call.status !== 'queued') continue;
      const view = this.placements.view(call);
      const technicianId = call.technician.id;
      events.push(brokerEvent('call.placed', { call: view, technicianId }));
      if (view.queue?.nobodyCanTake && !before.get(call.id)?.nobodyCanTake)
        events.push(brokerEvent('call.nobody_can_take', { call: view, technicianId }));
    }
    this.bus.afterCommit(events);
  }

  /** Outside an `on_call` queue's hours: the name of the expert on call now, to say who is paged. */
  private onCallName(queue: Queue, nowMs: number): string | undefined {
    if (!routedOnCall(queue, nowMs)) return undefined;
    const expertId = onCallExpert(queue, nowMs);
    return expertId === undefined ? undefined : this.directory.find(expertId)?.displayName;
  }
}
