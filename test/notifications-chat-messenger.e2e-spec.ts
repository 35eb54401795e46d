import { DEFAULT_CHANNEL_HTTP } from '../src/notifications/channel-http.js';
import { ChatMessengerChannel } from '../src/notifications/chat-messenger.channel.js';
import type { Notification } from '../src/notifications/notification.js';
import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { capturedLogger } from './support/log-capture.js';

const erika = {
  id: 'erika',
  displayName: 'Erika Expert',
  channels: { chatMessenger: { email: 'erika@acme.example' } },
};
const ed = {
  id: 'ed',
  displayName: 'Ed Expert',
  channels: { chatMessenger: { email: 'ed@acme.example' } },
};
const max = { id: 'max', displayName: 'Max Unknown' };
const page = (id = 'n1', mentions = [erika, ed, max]): Notification => ({
  id,
  title: 'Help wanted: pump P-101',
  lines: ['Queue pumps, waiting 2 min'],
  mentions,
  links: [{ label: 'Accept', url: 'https://broker.example/accept/abc' }],
});

describe('Chat&Messenger channel against its stand-in', () => {
  let cam: ChatMessengerStandIn;
  const channels: ChatMessengerChannel[] = [];
  const channel = (
    options: { room?: string; apiToken?: string; requestTimeoutMs?: number } = {},
  ) => {
    const created = new ChatMessengerChannel(
      {
        id: 'cam',
        serverUrl: cam.serverUrl,
        apiToken: options.apiToken ?? 'cam-token',
        room: options.room,
        http: {
          ...DEFAULT_CHANNEL_HTTP,
          connectTimeoutMs: 500,
          requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
          breaker: { threshold: 3, window: 3, openMs: 60_000, openMaxMs: 60_000 },
        },
      },
      capturedLogger().logger,
    );
    channels.push(created);
    return created;
  };

  beforeEach(async () => {
    cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
  });
  afterEach(async () => {
    await Promise.all(channels.splice(0).map((c) => c.close()));
    await cam.close();
  });

  it('sends a direct message form-encoded with the token header, to the emails it knows, naming the others', async () => {
    const result = await channel().send(page());
    expect(result).toEqual({ status: 'sent', detail: '{"result":"ok"}' });
    expect(cam.received[0].path).toBe('/api/sendMessage');
    expect(cam.messages).toEqual([
      {
        panelName: 'messenger',
        message:
          'Help wanted: pump P-101\nQueue pumps, waiting 2 min\nAccept: https://broker.example/accept/abc\nFor: Max Unknown',
        isOpened: false,
        generalPurposes: { users: 'erika@acme.example,ed@acme.example' },
      },
    ]);
  });

  it('posts to a room, where the users become mentions', async () => {
    expect((await channel({ room: 'Maintenance' }).send(page('n1', [erika]))).status).toBe('sent');
    expect(cam.messages[0]).toMatchObject({
      panelName: 'Maintenance',
      generalPurposes: { users: 'erika@acme.example' },
    });
  });

  it('a direct message to nobody CAM knows is a permanent failure, not an error, and is never sent', async () => {
    expect(await channel().send(page('n1', [max]))).toMatchObject({ status: 'failed' });
    expect(cam.received).toHaveLength(0);
  });

  it('a wrong token is refused by the server: a permanent failure', async () => {
    expect(await channel({ apiToken: 'stolen' }).send(page())).toEqual({
      status: 'failed',
      reason: 'Chat&Messenger refused the credentials (401)',
    });
    expect(cam.messages).toHaveLength(0);
  });

  it('sends a batch of direct messages as one sendMessages JSON file', async () => {
    const result = await channel().sendBatch([page('a', [erika]), page('b', [ed, max])]);
    expect(result.status).toBe('sent');
    expect(cam.received).toHaveLength(1);
    expect(cam.batches).toEqual([
      [
        {
          message: expect.stringContaining('Help wanted'),
          property: { users: 'erika@acme.example' },
        },
        {
          message: expect.stringContaining('For: Max Unknown'),
          property: { users: 'ed@acme.example' },
        },
      ],
    ]);
  });

  it('429 with Retry-After, 5xx and a timeout are retries; the circuit opens after repeated failures and sends nothing', async () => {
    const camChannel = channel({ requestTimeoutMs: 200 });
    cam.script({ kind: 'status', status: 429, retryAfter: '30' });
    expect(await camChannel.send(page())).toMatchObject({ status: 'retry', afterMs: 30_000 });
    cam.script({ kind: 'status', status: 503, retryAfter: 'Wed, 21 Oct 2099 07:28:00 GMT' });
    const unavailable = await camChannel.send(page());
    expect(unavailable).toMatchObject({ status: 'retry', reason: 'Chat&Messenger answered 503' });
    expect(unavailable.status === 'retry' && unavailable.afterMs).toBeGreaterThan(60_000);
    cam.script({ kind: 'slow', delayMs: 5_000 }, 2);
    expect(await camChannel.send(page())).toMatchObject({ status: 'retry', afterMs: 0 });
    expect(await camChannel.send(page())).toMatchObject({ status: 'retry', afterMs: 0 });
    const requestsSoFar = cam.received.length;
    expect(camChannel['http'].circuitState()).toBe('open');
    expect(await camChannel.send(page())).toMatchObject({
      status: 'retry',
      afterMs: 60_000,
      reason: 'Chat&Messenger circuit is open; sendMessage not sent',
    });
    expect(cam.received).toHaveLength(requestsSoFar);
  });
});
