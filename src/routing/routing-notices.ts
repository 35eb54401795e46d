import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { CallView } from '../calls/call.model.js';
import type { EscalationStep } from '../directory/queue.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import type { Offer } from './routing.model.js';
import type { ExpertView } from './routing-overview.service.js';

/**
 * What routing decided that people must hear, as typed values: the gateway (and later chat and
 * webhooks) subscribe and deliver; none of them decides anything.
 */
export interface RoutingNoticeMap {
  /** To the offered expert. */
  'offer.created': { offer: Offer; call: CallView };
  /** To the offer's expert: accepted, declined, timed out or rescinded. */
  'offer.ended': { offer: Offer };
  /** To supervisors and to that expert. */
  'presence.updated': { expert: ExpertView };
  /** To supervisors, for a step with notifySupervisors. */
  'queue.escalated': { call: CallView; step: EscalationStep & { index: number } };
  /** A queued call's position or estimate changed (no event): to its technician and watchers. */
  'call.placed': { call: CallView; technicianId: string };
}

export type RoutingNoticeKind = keyof RoutingNoticeMap;
type Listener<K extends RoutingNoticeKind> = (notice: RoutingNoticeMap[K]) => void;

@Injectable()
export class RoutingNotices {
  private readonly listeners = new Map<RoutingNoticeKind, Set<Listener<never>>>();

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  on<K extends RoutingNoticeKind>(kind: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(kind) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(kind, set);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends RoutingNoticeKind>(kind: K, notice: RoutingNoticeMap[K]): void {
    for (const listener of this.listeners.get(kind) ?? []) {
      try {
        (listener as Listener<K>)(notice);
      } catch (error) {
        // A failing transport must neither undo routing's decision nor starve the others.
        this.logger.error({ err: error, kind }, 'a routing notice listener failed');
      }
    }
  }
}
