import type { Logger } from 'pino';
import type { Person } from '../directory/person.js';
import type { BrokerServer } from './calls.gateway.js';
import type { CallFallbackPayload, FallbackOfferedNotice } from './realtime-events.js';
import { personRoom } from './rooms.js';

/** The fallback meeting of a person's call, as their socket hears it; null once it is gone. */
export type FallbackLookup = (
  person: Person,
  callId: string,
) => Promise<CallFallbackPayload | null>;

/**
 * Delivers call.fallback, the web meeting offered instead of an xAssist call, to the technician's
 * sockets on every instance, without the meeting's password ever crossing Redis: a room emit
 * would travel through the Redis stream to every instance, readable by anyone with access to
 * Redis. So this instance emits to its own sockets only (`local`), and tells the other instances
 * just which call it is (a server-side emit); each of them looks the meeting up in the database
 * for its own sockets of that technician, if it has any.
 */
export class FallbackNotices {
  constructor(
    private readonly server: BrokerServer,
    private readonly lookup: FallbackLookup,
    /** Several instances (REDIS_URL): the adapter carries server-side emits. */
    private readonly clustered: boolean,
    private readonly logger: Logger,
  ) {}

  /** Hears the other instances' notices. */
  listen(): void {
    this.server.on('call.fallback_offered', (notice) => {
      this.deliverHere(notice).catch((error: unknown) =>
        this.logger.warn(
          { err: error, callId: notice.callId },
          "a call's fallback meeting could not be sent to its technician here",
        ),
      );
    });
  }

  /** Committed on this instance: its sockets get the meeting, the others are told which call. */
  offered(technicianId: string, payload: CallFallbackPayload): void {
    this.server.local.to(personRoom(technicianId)).emit('call.fallback', payload);
    if (this.clustered)
      this.server.serverSideEmit('call.fallback_offered', {
        callId: payload.call.id,
        technicianId,
      });
  }

  private async deliverHere({ callId, technicianId }: FallbackOfferedNotice): Promise<void> {
    const room = personRoom(technicianId);
    const [socket] = await this.server.local.in(room).fetchSockets();
    if (!socket) return;
    const payload = await this.lookup(socket.data.person, callId);
    if (payload) this.server.local.to(room).emit('call.fallback', payload);
  }
}
