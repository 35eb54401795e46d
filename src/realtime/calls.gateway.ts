import { Inject, type OnModuleDestroy } from '@nestjs/common';
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
import { toCallView, type CallRecord, type CallUpdate } from '../calls/call.model.js';
import { CallUpdatesBus } from '../calls/call-updates.bus.js';
import { callInvite } from '../calls/call-invite.js';
import { CallsService } from '../calls/calls.service.js';
import { seesEveryCall } from '../calls/call-access.js';
import { Clock } from '../common/clock.js';
import { errorAnswer, logServerSide } from '../common/error-answer.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MAX_BODY_BYTES } from '../common/limits.js';
import { validatePayload } from '../common/validation.js';
import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { QuotasService } from '../quotas/quotas.service.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { CallSubscribeDto } from './call-subscribe.dto.js';
import { onTokenExpiry } from './session-expiry.js';
import {
  socketErrorAnswer,
  type CallSubscribeAck,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from './realtime-events.js';
import { MetricsService } from '../metrics/metrics.service.js';

interface SocketData {
  person: Person;
  /** The handshake token's `exp`: the socket is closed then. */
  expiresAt: Date;
  /** The person's socket slot (QuotasService), given back on disconnect. */
  leaseId: string;
}

type BrokerServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type BrokerSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

const EVERY_CALL_ROOM = 'calls:all';
const SESSION_EXPIRED = 'token has expired; connect again with a fresh token';
const personRoom = (personId: string) => `person:${personId}`;

/** Rooms that must hear about a call: its technician, its experts, and everyone who sees all calls. */
function roomsFor(call: CallRecord): string[] {
  return [
    EVERY_CALL_ROOM,
    personRoom(call.technician.id),
    ...call.experts.map((expert) => personRoom(expert.id)),
  ];
}

/**
 * The socket.io face of the broker: authenticates the handshake, sends each person the calls
 * they may see, and rings the technician only once an expert has joined.
 */
@WebSocketGateway({
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
  pingInterval: 10_000,
  pingTimeout: 10_000,
  maxHttpBufferSize: MAX_BODY_BYTES,
})
export class CallsGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  @WebSocketServer() private server!: BrokerServer;
  private unsubscribe?: () => void;
  private readonly logger: Logger;

  constructor(
    private readonly auth: AuthService,
    private readonly calls: CallsService,
    private readonly bus: CallUpdatesBus,
    private readonly clock: Clock,
    private readonly quotas: QuotasService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
  ) {
    this.logger = logger.child({ component: 'calls-gateway' });
  }

  afterInit(server: BrokerServer): void {
    server.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: unknown) => next(this.refusal(error)),
      );
    });
    this.unsubscribe = this.bus.subscribe((update) => this.push(update));
  }

  /** The handshake: a valid token, and a free socket slot for its person. */
  private async admit(socket: BrokerSocket): Promise<void> {
    const token = (socket.handshake.auth as { token?: string } | undefined)?.token;
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

  onModuleDestroy(): void {
    // Closing the server drops the transports, which clients take as a cue to reconnect (to
    // this instance once back, or another). An explicit disconnect would tell them to stay away.
    this.unsubscribe?.();
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
    await socket.join(
      seesEveryCall(person) ? [personRoom(person.id), EVERY_CALL_ROOM] : [personRoom(person.id)],
    );
    try {
      const page = await this.calls.list(person, 'active', this.config.quotas.snapshotMaxCalls);
      // With an acknowledgement: socket.io keeps no such packet for connection state recovery,
      // so a snapshot per connect does not pile up in memory for minutes.
      socket.emit(
        'calls.snapshot',
        { calls: page.calls.map(toCallView), nextCursor: page.nextCursor },
        () => undefined,
      );
      // A glasses app that was offline when the expert joined is rung now. (A technician's
      // active calls are capped far below a snapshot page, so the page holds them all.)
      for (const call of page.calls) {
        if (
          call.status === 'expert_joined' &&
          call.technician.id === person.id &&
          hasRole(person, 'technician')
        ) {
          this.emitInvite(socket, call);
        }
      }
    } catch (error) {
      this.logger.error({ err: error, personId: person.id }, 'sending the snapshot failed');
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
      return { call: toCallView(call), events };
    } catch (error) {
      const answer = errorAnswer(error);
      const context = { personId: socket.data.person.id, socketId: socket.id };
      logServerSide(this.logger, error, answer, context, 'call.subscribe');
      return socketErrorAnswer(answer);
    }
  }

  private push(update: CallUpdate): void {
    if (!this.server) return;
    const call = toCallView(update.call);
    this.server.to(roomsFor(update.call)).emit('call.updated', { call, events: update.events });
    // Ring the glasses once, when the expert's Join arrives; not if the technician is already in.
    const expertJustJoined = update.events.some((event) => event.type === 'status.expert_joined');
    if (expertJustJoined && update.call.status === 'expert_joined') {
      this.emitInvite(this.server.to(personRoom(update.call.technician.id)), update.call);
    }
  }

  private emitInvite(
    target: Pick<BrokerSocket, 'emit'> | ReturnType<BrokerServer['to']>,
    call: CallRecord,
  ): void {
    const invite = callInvite(call, this.config.glasses.joinUrlTemplate);
    if (invite) target.emit('call.invite', invite);
  }
}
