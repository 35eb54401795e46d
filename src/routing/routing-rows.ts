import type { Selectable } from 'kysely';
import type { ExpertPresenceTable, OffersTable } from '../database/routing.schema.js';
import type { ExpertPresence, Offer, OfferStatus, PresenceStatus } from './routing.model.js';

/** How presence and offers map onto their rows (SQLite and PostgreSQL alike). */

export function presenceFromRow(row: Selectable<ExpertPresenceTable>): ExpertPresence {
  return {
    expertId: row.expert_id,
    status: row.status as PresenceStatus,
    since: row.since,
    idleSince: row.idle_since,
    consecutiveTimeouts: Number(row.consecutive_timeouts),
    lastSocketAt: row.last_socket_at,
    wrapUp:
      row.wrap_up_call_id && row.wrap_up_until
        ? { callId: row.wrap_up_call_id, until: row.wrap_up_until }
        : null,
  };
}

export function offerToRow(offer: Offer): OffersTable {
  return {
    id: offer.id,
    call_id: offer.callId,
    expert_id: offer.expertId,
    status: offer.status,
    offered_at: offer.offeredAt,
    expires_at: offer.expiresAt,
    ended_at: offer.endedAt,
  };
}

export function offerFromRow(row: Selectable<OffersTable>): Offer {
  return {
    id: row.id,
    callId: row.call_id,
    expertId: row.expert_id,
    status: row.status as OfferStatus,
    offeredAt: row.offered_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
  };
}
