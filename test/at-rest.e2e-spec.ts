import type { Kysely } from 'kysely';
import { randomBytes, randomUUID } from 'node:crypto';
import { DATABASE } from '../src/database/database.module.js';
import { RetentionSweeper } from '../src/database/retention-sweeper.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { BrokerHarness, PEOPLE, waitFor } from './support/broker-harness.js';
import { camChannel, ChannelsFile } from './support/channels-file.js';
import { brokerDatabases } from './support/environment.js';
import { outboxRow } from './support/outbox-rows.js';
import { SocketClients } from './support/socket-client.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** erika is known to Chat&Messenger by her email: offers and fallback meetings reach her directly. */
const AT_REST_PEOPLE = PEOPLE.map((person) =>
  person.id === 'erika'
    ? { ...person, channels: { chatMessenger: { email: 'erika@acme.example' } } }
    : person,
);
const QUEUES = [
  { id: 'pumps', name: 'Pumps', skills: ['pumps'], strategy: 'ring_all', maxWaitSeconds: 60 },
];
const K1 = { id: 'k1', key: randomBytes(32) };
const K2 = { id: 'k2', key: randomBytes(32) };
const HOUR_MS = 3_600_000;

/**
 * Issue 18 item 8: what the database keeps. Secrets the broker needs again are encrypted with
 * DATA_ENCRYPTION_KEYS; those it never needs again are wiped; settled rows are pruned. Each test
 * reads the database itself, every table, as an attacker with a copy of it would.
 */
describe.each(await brokerDatabases('at rest'))('secrets at rest on $name', ({ create }) => {
  let sut: BrokerHarness;
  let cam: ChatMessengerStandIn;
  let receiver: WebhookReceiver;
  const channelsFile = new ChannelsFile();
  const clients = new SocketClients(() => sut);
  const db = () => sut.app!.get<Kysely<BrokerDatabase>>(DATABASE);
  const sweeper = () => sut.app!.get(RetentionSweeper);

  /** Every row of every table as text: what a stolen copy of the database shows. */
  async function everything(): Promise<string> {
    const tables = await db().introspection.getTables();
    const dumps = await Promise.all(
      tables.map(async (table) =>
        JSON.stringify(await (db() as Kysely<any>).selectFrom(table.name).selectAll().execute()),
      ),
    );
    return dumps.join('\n');
  }

  async function restartWithKeys(keys: (typeof K1)[]): Promise<void> {
    await sut.stopBroker();
    sut.config.atRest = { ...sut.config.atRest, keys };
    await sut.startBroker();
  }

  async function newWebhook(): Promise<{ id: string; secret: string }> {
    const created = await sut.api('POST', '/v1/webhooks', {
      as: 'erp',
      body: { url: `${receiver.url}/hooks`, eventTypes: ['call.created'] },
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  /** A call asked for and cancelled; resolves once the receiver verified its call.created. */
  async function verifiedDelivery(): Promise<void> {
    const { body: call } = await sut.api('POST', '/v1/calls', {
      as: 'erp',
      body: { technicianId: 'tom', expertIds: ['ed'], title: 'Valve 3 stuck' },
    });
    await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'erp' });
    const hooks = await waitFor(
      async () => receiver.ofCall(call.id),
      (found) => found.length >= 1,
      10_000,
    );
    expect(hooks.map((hook) => hook.type)).toEqual(['call.created']);
  }

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
    const file = channelsFile.write({
      channels: [camChannel('cam-direct', cam)],
      paging: { rules: [{ queue: 'pumps', channel: 'cam-direct', on: ['offered'] }] },
      fallback: { channel: 'cam-direct', meetingMinutes: 30 },
    });
    sut = await new BrokerHarness({
      people: AT_REST_PEOPLE,
      queues: QUEUES,
      database: create,
      publicUrl: true,
      env: {
        CHANNELS_FILE: file,
        CAM_TOKEN: 'cam-token',
        ACCEPT_LINK_SECRET: 'accept-link-secret-for-e2e-0123456789',
        DATA_ENCRYPTION_KEYS: `${K1.id}:${K1.key.toString('base64')}`,
        WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry,
        WEBHOOK_RETRY_BASE_MS: '500',
        OUTBOX_POLL_INTERVAL_MS: '50',
        ROUTING_TICK_MS: '50',
      },
    }).start();
  });
  afterEach(() => {
    clients.closeAll();
    sut.simulator.clearFaults();
    cam.clearScript();
  });
  afterAll(async () => {
    await sut.stop();
    await cam.close();
    await receiver.close();
    channelsFile.remove();
  });

  it('keeps no webhook signing secret in plain text, and the receiver still verifies', async () => {
    const webhook = await newWebhook();
    receiver.trust(webhook.secret);
    const text = await everything();
    expect(text).not.toContain(webhook.secret);
    expect(text).not.toContain(webhook.secret.slice('whsec_'.length));
    const [row] = await db()
      .selectFrom('webhooks')
      .select('secret')
      .where('id', '=', webhook.id)
      .execute();
    expect(row.secret).toMatch(/^enc:v1:k1:/);
    await verifiedDelivery();
    expect(receiver.refusedSignatures).toEqual([]);
    // The receiver trusts one secret at a time: the next test's webhook gets the calls.
    await sut.api('DELETE', `/v1/webhooks/${webhook.id}`, { as: 'erp' });
  });

  it('rotates the key: a new key first reseals every secret at start-up; then the old key can go', async () => {
    const webhook = await newWebhook();
    receiver.trust(webhook.secret);
    await restartWithKeys([K2, K1]);
    const rows = await db().selectFrom('webhooks').select(['id', 'secret']).execute();
    const live = rows.filter((row) => row.secret !== '');
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((row) => row.secret.startsWith('enc:v1:k2:'))).toBe(true);
    await verifiedDelivery();
    await restartWithKeys([K2]);
    await verifiedDelivery();
    expect(receiver.refusedSignatures).toEqual([]);
    expect(await everything()).not.toContain(webhook.secret.slice('whsec_'.length));
  });

  it('keeps nothing of a deleted webhook’s secret', async () => {
    const webhook = await newWebhook();
    expect((await sut.api('DELETE', `/v1/webhooks/${webhook.id}`, { as: 'erp' })).status).toBe(200);
    const [row] = await db()
      .selectFrom('webhooks')
      .select(['secret', 'deleted_at'])
      .where('id', '=', webhook.id)
      .execute();
    expect(row.deleted_at).not.toBeNull();
    expect(row.secret).toBe('');
  });

  it('keeps a waiting page’s accept link encrypted, and wipes it once the page is delivered', async () => {
    expect(
      (await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } }))
        .status,
    ).toBe(200);
    // The vendor asks for 2 s: the page waits in its row meanwhile.
    cam.script({ kind: 'status', status: 429, retryAfter: '2' });
    const asked = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { title: 'Pump 12 humming', queueId: 'pumps' },
    });
    expect(asked.status).toBe(201);
    const waiting = await waitFor(
      async () =>
        db()
          .selectFrom('outbox')
          .select(['status', 'attempts', 'payload'])
          .where('call_id', '=', asked.body.id)
          .where('event_type', '=', 'page.offered')
          .execute(),
      (rows) => rows.length === 1 && rows[0].attempts >= 1,
    );
    expect(waiting[0].status).toBe('pending');
    expect(waiting[0].payload).toMatch(/^enc:v1:k\d:/);
    const message = await waitFor(
      async () => cam.messages.find((m: any) => String(m.message).includes('Pump 12 humming')),
      (found) => found !== undefined,
      10_000,
    );
    const token = /\/accept\/([A-Za-z0-9_.-]+)/.exec(String(message!.message))?.[1];
    expect(token).toBeDefined();
    const delivered = await waitFor(
      async () =>
        db()
          .selectFrom('outbox')
          .select(['status', 'payload'])
          .where('call_id', '=', asked.body.id)
          .where('event_type', '=', 'page.offered')
          .execute(),
      (rows) => rows.length === 1 && rows[0].status === 'delivered',
    );
    expect(delivered[0].status).toBe('delivered');
    expect(JSON.parse(delivered[0].payload)).toMatchObject({ title: expect.any(String) });
    expect(await everything()).not.toContain(token);
    expect(await everything()).not.toContain(token!.split('.')[1]);
    await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'sam' });
  });

  it('keeps a fallback meeting’s password encrypted while it lasts, wipes it from the page on delivery and from the call at expiry', async () => {
    sut.simulator.injectFault({ kind: 'status', status: 503, count: 20, path: 'rtc/createCall' });
    const answer = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { expertIds: ['erika'], title: 'Compressor 9 trips' },
    });
    expect(answer.status).toBe(503);
    const callId = answer.body.call.id;
    const made = cam.quickCalls.at(-1)!;
    await waitFor(
      async () => cam.messages.find((m) => String(m.message).includes(made.password)),
      (found) => found !== undefined,
      10_000,
    );
    await waitFor(
      async () =>
        db()
          .selectFrom('outbox')
          .select('status')
          .where('call_id', '=', callId)
          .where('event_type', '=', 'page.fallback')
          .execute(),
      (rows) => rows.length === 1 && rows[0].status === 'delivered',
    );
    expect(await everything()).not.toContain(made.password);
    // The technician's glasses still hear the meeting on connecting while it lasts.
    const tom = await clients.connect('tom');
    const heard = await tom.next('call.fallback', (payload) => payload.call.id === callId);
    expect(heard.meeting.password).toBe(made.password);

    const before = await db()
      .selectFrom('calls')
      .select('fallback_json')
      .where('id', '=', callId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(before.fallback_json!).password).toMatch(/^enc:v1:k\d:/);
    await sweeper().sweep(made.expiredDate + 1);
    const after = await db()
      .selectFrom('calls')
      .select('fallback_json')
      .where('id', '=', callId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(after.fallback_json!)).toMatchObject({ url: made.url, password: null });
  });

  it('prunes delivered and superseded rows and used accept links past their retention, and nothing else', async () => {
    const now = Date.now();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR_MS).toISOString();
    const row = (
      name: string,
      status: 'delivered' | 'failed' | 'pending' | 'superseded',
      created: number,
      delivered?: number,
    ) =>
      outboxRow(
        `prune_${name}_${randomUUID()}`,
        status,
        at(created),
        delivered === undefined ? null : at(delivered),
      );
    const rows = [
      row('old-delivered', 'delivered', 200, 169),
      row('old-sup', 'superseded', 169),
      row('recent-delivered', 'delivered', 200, 167),
      row('old-failed', 'failed', 400),
      row('old-pending', 'pending', 400),
      row('new-sup', 'superseded', 167),
    ];
    await db().insertInto('outbox').values(rows).execute();
    const link = (name: string, hoursAgo: number) => ({
      link_id: `prune-${name}-${randomUUID().slice(0, 8)}`,
      call_id: `call-${name}`,
      expert_id: 'erika',
      used_at: at(hoursAgo),
    });
    const links = [link('old', 25), link('recent', 23)];
    await db().insertInto('accept_link_use').values(links).execute();

    const swept = await sweeper().sweep(now);
    expect(swept).toMatchObject({ outboxRowsPruned: 2, acceptLinksPruned: 1 });
    const left = await db()
      .selectFrom('outbox')
      .select('id')
      .where('destination_id', '=', 'retention-test')
      .execute();
    expect(left.map((r) => r.id).sort()).toEqual(
      rows
        .slice(2)
        .map((r) => r.id)
        .sort(),
    );
    const linksLeft = await db()
      .selectFrom('accept_link_use')
      .select('link_id')
      .where('link_id', 'like', 'prune-%')
      .execute();
    expect(linksLeft.map((r) => r.link_id)).toEqual([links[1].link_id]);
  });
});
