import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/realtime/realtime-events.js';

export type BrokerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/** A real socket.io client that records everything the broker sends it. */
export class RecordingClient {
  readonly socket: BrokerSocket;
  readonly received: Array<{ event: EventName; payload: any }> = [];

  /** `reconnection`: reconnect as real clients do (off: a test sees every drop). */
  constructor(url: string, token: string | undefined, reconnection = false) {
    this.socket = io(url, {
      auth: token === undefined ? {} : { token },
      transports: ['websocket'],
      reconnection,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      forceNew: true,
    });
    this.socket.onAny((event: EventName, payload: unknown) =>
      this.received.push({ event, payload }),
    );
  }

  static async connect(url: string, token: string, reconnection = false): Promise<RecordingClient> {
    const client = new RecordingClient(url, token, reconnection);
    await new Promise<void>((resolve, reject) => {
      client.socket.once('connect', () => resolve());
      client.socket.once('connect_error', reject);
    });
    return client;
  }

  all<E extends EventName>(event: E): Payload<E>[] {
    return this.received.filter((entry) => entry.event === event).map((entry) => entry.payload);
  }

  /** Waits for an event that satisfies `predicate` (looking at what already arrived first). */
  async next<E extends EventName>(
    event: E,
    predicate: (payload: Payload<E>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Payload<E>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.all(event).find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no ${event} matching within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * An acknowledged round trip (a call.subscribe the broker answers 404): everything it sent this
   * socket before has arrived, as socket.io keeps one connection's packets in order.
   */
  async flush(): Promise<void> {
    await this.socket.emitWithAck('call.subscribe', { callId: 'flush', afterSeq: 0 });
  }

  /** Every event of one call from call.updated, flattened in arrival order. */
  eventsOf(callId: string): any[] {
    return this.all('call.updated')
      .filter((update) => update.call.id === callId)
      .flatMap((update) => update.events);
  }

  close(): void {
    this.socket.close();
  }
}

/** The handshake's connect_error (message and data); rejects when the broker accepts it. */
export async function refusalError(
  url: string,
  token: string | undefined,
): Promise<Error & { data?: any }> {
  const client = new RecordingClient(url, token);
  try {
    return await new Promise<Error & { data?: any }>((resolve, reject) => {
      client.socket.once('connect_error', resolve);
      client.socket.once('connect', () => reject(new Error('the broker accepted the handshake')));
    });
  } finally {
    client.close();
  }
}

export async function refusal(url: string, token: string | undefined): Promise<string> {
  return (await refusalError(url, token)).message;
}

/** The sockets a test opened, closed together after it (`afterEach(() => clients.closeAll())`). */
export class SocketClients {
  private readonly open: RecordingClient[] = [];

  /** `broker` is read at each connect: suites start theirs in beforeAll. */
  constructor(private readonly broker: () => { url: string; token(personId: string): string }) {}

  async connect(personId: string): Promise<RecordingClient> {
    const broker = this.broker();
    const client = await RecordingClient.connect(broker.url, broker.token(personId));
    this.open.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.open.splice(0)) client.close();
  }
}
