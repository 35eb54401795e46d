import { Inject } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import { errorAnswer, logServerSide } from '../common/error-answer.js';
import { validatePayload } from '../common/validation.js';
import { hasRole } from '../directory/directory.service.js';
import { OnEvent } from '../events/on-event.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { QuotasService } from '../quotas/quotas.service.js';
import { OfferAnswerPayload } from '../routing/dto/offer.dto.js';
import { SetPresenceDto } from '../routing/dto/set-presence.dto.js';
import { PresenceService } from '../routing/presence.service.js';
import { RoutedCalls } from '../routing/routed-calls.service.js';
import type {
  CallPlaced,
  NobodyCanTake,
  OfferCreated,
  OfferEnded,
  PresenceUpdated,
  QueueEscalated,
} from '../routing/routing-facts.js';
import type { SocketPresence } from '../routing/socket-presence.js';
import { ownPresenceView } from '../routing/routing.model.js';
import type { BrokerServer, BrokerSocket } from './calls.gateway.js';
import { socketErrorAnswer, type OfferAnswerAck, type PresenceSetAck } from './realtime-events.js';
import { EVERY_CALL_ROOM, QUEUE_WATCHERS_ROOM, SUPERVISORS_ROOM, personRoom } from './rooms.js';

/** How long asking the other instances for a person's sockets may take (an offer's transaction waits). */
const SOCKET_LOOKUP_TIMEOUT_MS = 1_000;

/**
 * Routing over sockets: reports experts' sockets to presence (the offline grace runs there),
 * takes offer.accept / offer.decline / presence.set, and delivers routing's events to the rooms
 * they concern; it decides nothing. The handshake and the calls belong to CallsGateway, on the
 * same server.
 */
@WebSocketGateway()
export class RoutingGateway implements OnGatewayConnection, SocketPresence {
  @WebSocketServer() private server!: BrokerServer;
  private readonly logger: Logger;

  constructor(
    private readonly presence: PresenceService,
    private readonly routed: RoutedCalls,
    private readonly quotas: QuotasService,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'routing-gateway' });
  }

  @OnEvent('offer.created', 'after-commit')
  offerCreated(notice: OfferCreated): void {
    this.server.to(personRoom(notice.offer.expertId)).emit('offer.created', notice);
  }

  @OnEvent('offer.ended', 'after-commit')
  offerEnded(notice: OfferEnded): void {
    this.server.to(personRoom(notice.offer.expertId)).emit('offer.ended', notice);
  }

  @OnEvent('presence.updated', 'after-commit')
  presenceUpdated(notice: PresenceUpdated): void {
    this.server
      .to([SUPERVISORS_ROOM, personRoom(notice.expert.id)])
      .emit('presence.updated', notice);
  }

  @OnEvent('queue.escalated', 'after-commit')
  queueEscalated(notice: QueueEscalated): void {
    this.server.to(SUPERVISORS_ROOM).emit('queue.escalated', notice);
  }

  @OnEvent('call.placed', 'after-commit')
  callPlaced({ call, technicianId }: CallPlaced): void {
    this.server
      .to([personRoom(technicianId), EVERY_CALL_ROOM, QUEUE_WATCHERS_ROOM])
      .emit('call.updated', { call, events: [] });
  }

  /** The glasses show it at once: nobody can take the request now, and what happens next. */
  @OnEvent('call.nobody_can_take', 'after-commit')
  nobodyCanTake({ call, technicianId }: NobodyCanTake): void {
    this.server
      .to([personRoom(technicianId), EVERY_CALL_ROOM])
      .emit('call.nobody_can_take', { call });
  }

  async handleConnection(socket: BrokerSocket): Promise<void> {
    const person = socket.data.person;
    if (!person || !hasRole(person, 'expert')) return;
    socket.once('disconnect', () => {
      this.presence
        .disconnected(person.id, (personId) => this.stillConnected(personId))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, personId: person.id }, 'reporting a disconnect failed'),
        );
    });
    try {
      await this.presence.connected(person.id);
      for (const pending of await this.routed.pending(person))
        socket.emit('offer.created', pending);
    } catch (error) {
      this.logger.error({ err: error, personId: person.id }, 'greeting an expert failed');
    }
  }

  @SubscribeMessage('offer.accept')
  accept(@ConnectedSocket() socket: BrokerSocket, @MessageBody() payload: unknown) {
    return this.answer<OfferAnswerAck>(socket, 'offer.accept', async () => {
      const { offerId } = validatePayload(OfferAnswerPayload, payload);
      return this.routed.accept(socket.data.person, offerId);
    });
  }

  @SubscribeMessage('offer.decline')
  decline(@ConnectedSocket() socket: BrokerSocket, @MessageBody() payload: unknown) {
    return this.answer<OfferAnswerAck>(socket, 'offer.decline', async () => {
      const { offerId } = validatePayload(OfferAnswerPayload, payload);
      return this.routed.decline(socket.data.person, offerId);
    });
  }

  @SubscribeMessage('presence.set')
  setPresence(@ConnectedSocket() socket: BrokerSocket, @MessageBody() payload: unknown) {
    return this.answer<PresenceSetAck>(socket, 'presence.set', async () => {
      const { status } = validatePayload(SetPresenceDto, payload);
      return { presence: ownPresenceView(await this.presence.set(socket.data.person, status)) };
    });
  }

  /** Every message counts towards the person's rate; every refusal is an error acknowledgement. */
  private async answer<T>(
    socket: BrokerSocket,
    what: string,
    work: () => Promise<T>,
  ): Promise<T | ReturnType<typeof socketErrorAnswer>> {
    try {
      await this.quotas.admitMessage(socket.data.person);
      return await work();
    } catch (error) {
      const answer = errorAnswer(error);
      const context = { personId: socket.data.person.id, socketId: socket.id };
      logServerSide(this.logger, error, answer, context, what);
      return socketErrorAnswer(answer);
    }
  }

  /**
   * SocketPresence (paging asks before paging an offer, the presence sweep before setting someone
   * offline): whether the person has a socket open on any instance. Rejects when it cannot tell.
   */
  hasSocket(personId: string): Promise<boolean> {
    return this.stillConnected(personId);
  }

  /**
   * A socket here answers at once; otherwise every instance is asked through the socket.io
   * adapter (Redis), within SOCKET_LOOKUP_TIMEOUT_MS. When they cannot be asked (Redis down, an
   * instance silent) this rejects rather than guess: the asker decides what "unknown" means (the
   * offer pager pages anyway; the offline grace and the sweep leave the presence for a later check).
   */
  private async stillConnected(personId: string): Promise<boolean> {
    const room = personRoom(personId);
    if ((this.server.sockets.adapter.rooms.get(room)?.size ?? 0) > 0) return true;
    const sockets = await this.server.in(room).timeout(SOCKET_LOOKUP_TIMEOUT_MS).fetchSockets();
    return sockets.length > 0;
  }
}
