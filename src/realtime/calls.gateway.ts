import { Inject } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { AuthService } from '../auth/auth.service.js';
import type { CallCommitted, CallFactEvent } from '../calls/call-facts.js';
import { callInvite } from '../calls/call-invite.js';
import { audienceOf, invitesOnConnect } from '../calls/call-notices.js';
import { CallsService } from '../calls/calls.service.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import { Clock } from '../common/clock.js';
import { errorAnswer, logRoundFailure, logServerSide } from '../common/error-answer.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { validatePayload } from '../common/validation.js';
import type { Person } from '../directory/person.js';
import { OnEvent } from '../events/on-event.js';
import { QuotasService } from '../quotas/quotas.service.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { CallSubscribeDto } from './call-subscribe.dto.js';
import { onTokenExpiry } from './session-expiry.js';
import {
  socketErrorAnswer,
  type CallFallbackPayload,
  type CallSubscribeAck,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
} from './realtime-events.js';
import { FallbackNotices } from './fallback-notices.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { personRoom, roomsOfAudience, roomsOfPerson } from './rooms.js';

export interface SocketData {
  person: Person;
  /** The handshake token's `exp`: the socket is closed then. */
  expiresAt: Date;
  /** The person's socket slot (QuotasService), given back on disconnect. */
  leaseId: string;
}

export type BrokerServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type BrokerSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

const SESSION_EXPIRED = 'token has expired; connect again with a fresh token';

/**
 * The socket.io face of the broker: authenticates the handshake, sends each person the calls
 * they may see, and delivers the calls' events to the rooms calls/call-notices.ts names (the
 * glasses are rung on `call.expert_joined`). It decides nothing itself.
 */
// The io server's options are IO_SERVER_OPTIONS, applied by BrokerIoAdapter (src/edge).
@WebSocketGateway()
export class CallsGateway implements OnGatewayInit, OnGatewayConnection {
  @WebSocketServer() private server!: BrokerServer;
  private readonly logger: Logger;
  private fallbacks?: FallbackNotices;

  constructor(
    private readonly auth: AuthService,
    private readonly calls: CallsService,
    private readonly clock: Clock,
    private readonly quotas: QuotasService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
    private readonly placements: QueuePlacements,
  ) {
    this.logger = logger.child({ component: 'calls-gateway' });
  }

  afterInit(server: BrokerServer): void {
    const clustered = this.config.cluster.redisUrl !== undefined;
    this.fallbacks = new FallbackNotices(
      server,
      (person, id) => this.openFallback(person, id),
      clustered,
      this.logger,
    );
    this.fallbacks.listen();
    server.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: unknown) => next(this.refusal(error)),
      );
    });
  }

  /** The handshake: a valid token, and a free socket slot for its person. */
  private async admit(socket: BrokerSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: string } | undefined;
    const token = auth?.token;
    // Read once, then dropped: a handshake travels to other instances (fetchSockets, over Redis).
    if (auth) delete auth.token;
    const { person, expiresAt } = await this.auth.authenticate(token);
    socket.data.person = person;
    socket.data.expiresAt = expiresAt;
    socket.data.leaseId = await this.quotas.admitSocket(person);
  }

  /** What `connect_error` tells the client: the message, and the error answer as `data`. */
  private refusal(error: unknown): Error {
    const answer = errorAnswer(error);
    logServerSide(this.logger, error, answer, {}, 'socket handshake');
    return Object.assign(new Error(answer.body.message), {
      data: socketErrorAnswer(answer).error,
    });
  }

  async handleConnection(socket: BrokerSocket): Promise<void> {
    const { person, expiresAt } = socket.data;
    if (!person) return void socket.disconnect(true);
    const expiry = onTokenExpiry(this.clock, expiresAt, () => {
      socket.emit('session.expired', { message: SESSION_EXPIRED });
      socket.disconnect(true);
    });
    socket.once('disconnect', () => {
      expiry.cancel();
      this.quotas.releaseSocket(socket.data.leaseId).catch((error: unknown) => {
        this.logger.warn({ err: error, personId: person.id }, 'releasing a socket lease failed');
      });
    });
    this.metrics.socketConnected(socket);
    await socket.join(roomsOfPerson(person));
    try {
      const page = await this.calls.list(person, {
        status: 'active',
        limit: this.config.quotas.snapshotMaxCalls,
      });
      // With an acknowledgement: socket.io keeps no such packet for connection state recovery,
      // so a snapshot per connect does not pile up in memory for minutes.
      socket.emit(
        'calls.snapshot',
        {
          calls: page.calls.map((call) => this.placements.view(call)),
          nextCursor: page.nextCursor,
        },
        () => undefined,
      );
      // (A technician's active calls are capped far below a snapshot page, so it holds them all.)
      for (const invite of invitesOnConnect(person, page.calls, this.joinUrlTemplate))
        socket.emit('call.invite', invite);
      // To this socket on this instance only: with connection state recovery a socket.emit goes
      // through the adapter, which would put the meeting's password on the Redis stream.
      for (const { call, meeting } of await this.calls.openFallbacks(person))
        this.server.local
          .to(socket.id)
          .emit('call.fallback', { call: this.placements.view(call), meeting });
    } catch (error) {
      logRoundFailure(this.logger, error, { personId: person.id }, 'sending the snapshot failed');
    }
  }

  @SubscribeMessage('call.subscribe')
  async subscribe(
    @ConnectedSocket() socket: BrokerSocket,
    @MessageBody() payload: unknown,
  ): Promise<CallSubscribeAck> {
    try {
      await this.quotas.admitMessage(socket.data.person);
      const { callId, afterSeq } = validatePayload(CallSubscribeDto, payload);
      const { call, events } = await this.calls.withEvents(socket.data.person, callId, afterSeq);
      return { call: this.placements.view(call), events };
    } catch (error) {
      const answer = errorAnswer(error);
      const context = { personId: socket.data.person.id, socketId: socket.id };
      logServerSide(this.logger, error, answer, context, 'call.subscribe');
      return socketErrorAnswer(answer);
    }
  }

  /** A technician's fallback meeting of one call, while it has not expired. */
  private async openFallback(person: Person, callId: string): Promise<CallFallbackPayload | null> {
    const open = await this.calls.openFallbacks(person);
    const found = open.find(({ call }) => call.id === callId);
    return found ? { call: this.placements.view(found.call), meeting: found.meeting } : null;
  }

  private get joinUrlTemplate(): string | null {
    return this.config.glasses.joinUrlTemplate;
  }

  /**
   * Delivered on the next turn of the event loop, in commit order (setImmediate is FIFO): the
   * broadcast to every watching socket must not hold up the request that made the change.
   */
  @OnEvent('call.committed', 'after-commit')
  committed(committed: CallCommitted): void {
    setImmediate(() => {
      const call = this.placements.view(committed.call);
      this.server
        ?.to(roomsOfAudience(audienceOf(committed)))
        .emit('call.updated', { call, events: committed.events });
    });
  }

  /** Ring the glasses: an expert joined the xAssist call. */
  @OnEvent('call.expert_joined', 'after-commit')
  expertJoined({ call }: CallFactEvent<'expert_joined'>): void {
    const invite = callInvite(call, this.joinUrlTemplate);
    if (invite)
      setImmediate(() =>
        this.server?.to(personRoom(call.technician.id)).emit('call.invite', invite),
      );
  }

  /**
   * The technician alone hears the meeting and its password (the experts get it by chat), and
   * the password never crosses Redis: FallbackNotices.
   */
  @OnEvent('call.fallback_offered', 'after-commit')
  fallbackOffered({ call, meeting }: CallFactEvent<'fallback_offered'>): void {
    const payload = { call: this.placements.view(call), meeting };
    setImmediate(() => this.fallbacks?.offered(call.technician.id, payload));
  }
}
