import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, type TimerHandle } from '../common/clock.js';
import { ForbiddenError } from '../common/broker-error.js';
import { DirectoryService, hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import type { CallRecord } from '../calls/call.model.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import { ROOT_LOGGER } from '../logging/logger.js';
// The presence events' types (declaration merging into the event map).
import './routing-facts.js';
import {
  afterCallEnded,
  afterConnect,
  afterOfferOutcome,
  afterWrapUp,
  DEFAULT_OFFLINE_GRACE_MS,
  isWrappingUp,
  offlineDue,
  withStatus,
  wrapUpWanted,
  type OfferOutcome,
} from './presence-rules.js';
import type { ExpertPresence, ExpertStanding, SettablePresence } from './routing.model.js';
import { BookedSessions } from './booked-sessions.port.js';
import {
  inBookedSession,
  MAX_BOOKING_GUARD_MINUTES,
  nextSessionStart,
} from './booked-session-rules.js';
import { RoutingRepository } from './routing.repository.js';

export interface PresenceOptions {
  /** No socket for this long: offline (the contract says 30 s). */
  offlineGraceMs: number;
  /**
   * Experts the grace never sets offline: demo mode's demo experts, who have no dashboard and
   * stay available however often someone opens and closes one of theirs.
   */
  withoutGrace?: readonly string[];
}

/** DI token for PresenceOptions (RoutingModule provides config.routing). */
export const PRESENCE_OPTIONS = Symbol('PRESENCE_OPTIONS');

/** Whether the person still has a socket anywhere in the cluster (the gateway answers). */
export type ConnectedCheck = (personId: string) => boolean | Promise<boolean>;

/**
 * Experts' presence: what they set, what their sockets imply (the offline grace), and what their
 * offers imply (two timeouts in a row: away). Stored in the database, so every instance sees the
 * same value; the gateway only reports sockets and delivers `presence.updated`.
 */
@Injectable()
export class PresenceService {
  private readonly graceTimers = new Map<string, TimerHandle>();
  /** When each expert's after-call work runs out, on this instance (the sweep covers the rest). */
  private readonly wrapUpTimers = new Map<string, TimerHandle>();
  /** Ends of after-call work a timer started and that are still being written (idle() waits). */
  private readonly endingWrapUps = new Set<Promise<void>>();
  private readonly graceMs: number;
  private readonly withoutGrace: ReadonlySet<string>;

  constructor(
    private readonly repository: RoutingRepository,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly bus: EventBus,
    @Optional() @Inject(PRESENCE_OPTIONS) options?: PresenceOptions,
    // src/appointments provides it globally; a broker (or a spec) without it has no sessions.
    @Optional() private readonly sessions?: BookedSessions,
  ) {
    this.graceMs = options?.offlineGraceMs ?? DEFAULT_OFFLINE_GRACE_MS;
    this.withoutGrace = new Set(options?.withoutGrace);
  }

  /** `PUT /v1/presence/me` and socket `presence.set`; only experts have a presence. */
  async set(person: Person, status: SettablePresence): Promise<ExpertPresence> {
    if (!hasRole(person, 'expert'))
      throw new ForbiddenError('only experts have a presence; this person is not an expert');
    return this.change(person.id, (current, at) => withStatus(current, status, at));
  }

  /** One of the person's sockets connected (on this instance). */
  async connected(personId: string): Promise<void> {
    if (!this.isExpert(personId)) return;
    this.clock.clearTimeout(this.graceTimers.get(personId));
    this.graceTimers.delete(personId);
    await this.change(personId, (current, at) => afterConnect(current, at));
  }

  /**
   * One of the person's sockets went away. The grace runs from now; when it is over and
   * `stillConnected` says no socket of theirs is left anywhere, they are offline.
   */
  async disconnected(personId: string, stillConnected: ConnectedCheck): Promise<void> {
    if (!this.isExpert(personId)) return;
    await this.change(personId, (current, at) => ({ ...current, lastSocketAt: at }));
    this.clock.clearTimeout(this.graceTimers.get(personId));
    const timer = this.clock.setTimeout(() => {
      this.graceTimers.delete(personId);
      this.expireIfGone(personId, stillConnected).catch((error: unknown) =>
        this.logger.error({ err: error, personId }, 'the offline grace check failed'),
      );
    }, this.graceMs);
    this.graceTimers.set(personId, timer);
  }

  /**
   * Start-up (and any sweep): experts left available or away by an instance that stopped,
   * with no socket for longer than the grace, are offline.
   */
  async expireStale(stillConnected: ConnectedCheck): Promise<void> {
    for (const presence of await this.repository.allPresence()) {
      if (presence.status !== 'offline') await this.expireIfGone(presence.expertId, stillConnected);
    }
  }

  /** An offer of theirs was accepted, declined or timed out. */
  async offerEnded(expertId: string, outcome: OfferOutcome): Promise<ExpertPresence> {
    return this.change(expertId, (current, at) => afterOfferOutcome(current, outcome, at));
  }

  /**
   * Their call ended: they are idle from now on (for `longest_idle`), and `wrap_up` (busy) for
   * the queue's `wrapUpSeconds` when given, until they submit or a timer says the time ran out.
   */
  async callEnded(
    expertId: string,
    call?: Pick<CallRecord, 'id' | 'status' | 'queueId'>,
  ): Promise<ExpertPresence> {
    const queue = call?.queueId ? this.directory.queue(call.queueId) : undefined;
    const wrapUp = call ? wrapUpWanted(call, queue) : null;
    const after = await this.change(expertId, (current, at) => afterCallEnded(current, at, wrapUp));
    this.timeWrapUp(after);
    return after;
  }

  /** They submitted the wrap-up of `callId`: after-call work is over (if it was that call's). */
  async wrappedUp(expertId: string, callId: string): Promise<ExpertPresence> {
    const after = await this.change(expertId, (current, at) =>
      afterWrapUp(current, Date.parse(at), callId),
    );
    if (after.wrapUp === null) {
      this.clock.clearTimeout(this.wrapUpTimers.get(expertId));
      this.wrapUpTimers.delete(expertId);
    }
    return after;
  }

  /**
   * Start-up and the leader's sweep: after-call work whose time ran out (its timer died with an
   * instance, or never ran here) is cleared; the rest gets a timer on this instance.
   */
  async settleWrapUps(): Promise<void> {
    const nowMs = this.clock.now();
    for (const presence of await this.repository.allPresence()) {
      if (presence.wrapUp === null) continue;
      if (isWrappingUp(presence, nowMs)) this.timeWrapUp(presence);
      else await this.wrapUpRanOut(presence.expertId);
    }
  }

  /**
   * What routing needs of every expert now: presence, busy-ness (a booked session that has
   * started counts), idle time, and when their next booked session starts (the queues' guard).
   */
  async standing(): Promise<Map<string, ExpertStanding>> {
    const nowMs = this.clock.now();
    const [stored, busy, sessions] = await Promise.all([
      this.repository.allPresence(),
      this.repository.busyExperts(),
      this.sessions?.near(nowMs, MAX_BOOKING_GUARD_MINUTES * 60_000) ?? [],
    ]);
    return new Map(
      stored.map((presence) => [
        presence.expertId,
        {
          status: presence.status,
          busy:
            busy.has(presence.expertId) ||
            isWrappingUp(presence, nowMs) ||
            inBookedSession(sessions, presence.expertId, nowMs),
          idleSinceMs: presence.idleSince === null ? null : Date.parse(presence.idleSince),
          nextSessionAtMs: nextSessionStart(sessions, presence.expertId, nowMs),
        },
      ]),
    );
  }

  /** Timers of this instance still waiting; for shutdown and tests. */
  get pendingGraceChecks(): number {
    return this.graceTimers.size;
  }

  /** Resolves once the ends of after-call work that timers started are written (tests). */
  async wrapUpsIdle(): Promise<void> {
    while (this.endingWrapUps.size > 0) await Promise.allSettled([...this.endingWrapUps]);
  }

  /** After-call work timers of this instance still waiting; for shutdown and tests. */
  get pendingWrapUps(): number {
    return this.wrapUpTimers.size;
  }

  onModuleDestroy(): void {
    for (const timer of [...this.graceTimers.values(), ...this.wrapUpTimers.values()])
      this.clock.clearTimeout(timer);
    this.graceTimers.clear();
    this.wrapUpTimers.clear();
  }

  private timeWrapUp(presence: ExpertPresence): void {
    if (presence.wrapUp === null) return;
    const { expertId } = presence;
    this.clock.clearTimeout(this.wrapUpTimers.get(expertId));
    const delayMs = Math.max(0, Date.parse(presence.wrapUp.until) - this.clock.now());
    const timer = this.clock.setTimeout(() => {
      this.wrapUpTimers.delete(expertId);
      const ending = this.wrapUpRanOut(expertId).catch((error: unknown) =>
        this.logger.error({ err: error, expertId }, 'ending after-call work failed'),
      );
      this.endingWrapUps.add(ending);
      void ending.finally(() => this.endingWrapUps.delete(ending));
    }, delayMs);
    this.wrapUpTimers.set(expertId, timer);
  }

  private async wrapUpRanOut(expertId: string): Promise<void> {
    await this.change(expertId, (current, at) => afterWrapUp(current, Date.parse(at)));
  }

  private async expireIfGone(personId: string, stillConnected: ConnectedCheck): Promise<void> {
    if (this.withoutGrace.has(personId)) return;
    const connectedNow = await stillConnected(personId);
    await this.change(personId, (current, at) =>
      offlineDue(current, connectedNow, Date.parse(at), this.graceMs)
        ? withStatus(current, 'offline', at)
        : current,
    );
  }

  private isExpert(personId: string): boolean {
    const person = this.directory.find(personId);
    return person !== undefined && hasRole(person, 'expert');
  }

  private async change(
    expertId: string,
    rule: (current: ExpertPresence, at: string) => ExpertPresence,
  ): Promise<ExpertPresence> {
    const at = this.clock.isoNow();
    const { before, after } = await this.repository.updatePresence(expertId, at, (current) =>
      rule(current, at),
    );
    // After-call work starting or ending changes what routing and people see, as a status does.
    if (after.status !== before.status || after.wrapUp !== before.wrapUp)
      this.bus.afterCommit([brokerEvent('presence.changed', { presence: after })]);
    return after;
  }
}
