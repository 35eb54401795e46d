import { Injectable } from '@nestjs/common';
import { CallRepository } from '../calls/call.repository.js';
import { Clock } from '../common/clock.js';
import { ForbiddenError } from '../common/broker-error.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import { isOpen, nextOpening, onCallExpert } from '../directory/opening-hours.js';
import { personRef, type Person, type PersonRef } from '../directory/person.js';
import type { RoutingStrategy } from '../directory/queue.js';
import type { PresenceStatus } from './routing.model.js';
import { RoutingRepository } from './routing.repository.js';
import { callbackRefusal } from './callback-rules.js';
import { routedOnCall } from './on-call-rules.js';
import { eligibleExperts } from './routing-rules.js';
import { PresenceService } from './presence.service.js';
import { isWrappingUp, shownPresence } from './presence-rules.js';

/** An expert as `GET /v1/experts` shows them. */
export interface ExpertView {
  id: string;
  displayName: string;
  skills: string[];
  /** The stored status, or `wrap_up` during after-call work (docs/routing.md, "Presence"). */
  presence: PresenceStatus | 'wrap_up';
  /** Derived: holding an accepted offer, in an active call, or in after-call work. */
  busy: boolean;
  /** When after-call work ends at the latest; null when there is none. */
  wrapUpUntil: string | null;
  /** When `presence` last changed; null for an expert never seen. */
  presenceSince: string | null;
  idleSince: string | null;
  currentCall: { id: string } | null;
}

/** A queue as `GET /v1/queues` shows it. */
export interface QueueView {
  id: string;
  name: string;
  skills: string[];
  strategy: RoutingStrategy;
  /** Requests waiting now. */
  waiting: number;
  longestWaitSeconds: number | null;
  /** Callbacks waiting for an expert to call back (docs/routing.md, "Callbacks"). */
  callbacks: number;
  /** Experts who could be offered a request of this queue right now. */
  availableExperts: number;
  /** Inside its business hours (always, for a queue without `hours`). */
  open: boolean;
  /** While closed: when it opens next (ISO with the queue's offset); null while open. */
  nextOpensAt: string | null;
  /** While an `on_call` queue is closed: whom a request now is paged to; null otherwise. */
  onCall: PersonRef | null;
  /** Whether the caller may take this queue's callbacks (callback-rules.ts, the one rule). */
  mayCallBack: boolean;
}

/** Whole seconds the oldest waiting request has waited; null when none waits. */
function longestWait(queuedAtMs: readonly number[], nowMs: number): number | null {
  if (queuedAtMs.length === 0) return null;
  return Math.max(0, Math.floor((nowMs - Math.min(...queuedAtMs)) / 1000));
}

/** Read-only views of presence and queues for supervisors, integrations and experts. */
@Injectable()
export class RoutingOverviewService {
  constructor(
    private readonly directory: DirectoryService,
    private readonly repository: RoutingRepository,
    private readonly presence: PresenceService,
    private readonly clock: Clock,
    private readonly calls: CallRepository,
  ) {}

  async experts(caller: Person): Promise<ExpertView[]> {
    if (!hasRole(caller, 'supervisor', 'integration', 'expert'))
      throw new ForbiddenError('only supervisors, integrations and experts may list experts');
    return this.expertViews(this.directory.withRole('expert'));
  }

  /** One expert's view, for `presence.updated`; undefined for someone who is not an expert. */
  async expert(expertId: string): Promise<ExpertView | undefined> {
    const person = this.directory.find(expertId);
    if (!person || !hasRole(person, 'expert')) return undefined;
    return (await this.expertViews([person]))[0];
  }

  private async expertViews(experts: Person[]): Promise<ExpertView[]> {
    const [stored, busy, standing] = await Promise.all([
      this.repository.allPresence(),
      this.repository.busyExperts(),
      this.presence.standing(),
    ]);
    const byId = new Map(stored.map((presence) => [presence.expertId, presence]));
    const nowMs = this.clock.now();
    return experts.map((expert) => {
      const presence = byId.get(expert.id);
      const callId = busy.get(expert.id);
      const wrappingUp = presence !== undefined && isWrappingUp(presence, nowMs);
      return {
        id: expert.id,
        displayName: expert.displayName,
        skills: expert.skills,
        presence: presence ? shownPresence(presence, nowMs) : 'offline',
        // standing's busy adds a booked session that has started.
        busy: callId !== undefined || wrappingUp || standing.get(expert.id)?.busy === true,
        wrapUpUntil: wrappingUp ? presence.wrapUp!.until : null,
        presenceSince: presence?.since ?? null,
        idleSince: presence?.idleSince ?? null,
        currentCall: callId === undefined ? null : { id: callId },
      };
    });
  }

  /** Each queue as `caller` sees it: the figures are everyone's, `mayCallBack` is theirs. */
  async queues(caller: Person): Promise<QueueView[]> {
    const nowMs = this.clock.now();
    const [standing, waitingCalls] = await Promise.all([
      this.presence.standing(),
      this.calls.withStatus(['queued', 'callback_pending']),
    ]);
    const queued = waitingCalls.filter((call) => call.status === 'queued');
    const callbacks = new Map<string | null, number>();
    for (const call of waitingCalls)
      if (call.status === 'callback_pending')
        callbacks.set(call.queueId, (callbacks.get(call.queueId) ?? 0) + 1);
    const people = this.directory.all();
    const waitingSince = (queueId: string) =>
      queued
        .filter((call) => call.queueId === queueId)
        .map((call) => Date.parse(call.queuedAt ?? call.createdAt));
    // A request queued now: escalation steps not reached, nobody refused yet.
    const fresh = { callId: '', queuedAt: new Date(nowMs).toISOString(), requesters: [] };
    return this.directory.queues().map((queue) => {
      const open = isOpen(queue, nowMs);
      const onCallId = !open && routedOnCall(queue, nowMs) ? onCallExpert(queue, nowMs) : undefined;
      const onCall = onCallId === undefined ? undefined : this.directory.find(onCallId);
      return {
        id: queue.id,
        name: queue.name,
        skills: queue.skills,
        strategy: queue.strategy,
        waiting: waitingSince(queue.id).length,
        longestWaitSeconds: longestWait(waitingSince(queue.id), nowMs),
        callbacks: callbacks.get(queue.id) ?? 0,
        availableExperts: eligibleExperts(queue, people, standing, fresh, [], nowMs).length,
        open,
        nextOpensAt: open ? null : nextOpening(queue, nowMs),
        onCall: onCall ? personRef(onCall) : null,
        mayCallBack: callbackRefusal(caller, queue) === null,
      };
    });
  }
}
