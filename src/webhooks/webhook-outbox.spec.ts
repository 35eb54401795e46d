import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { aCallRecord } from '../../test/support/call-records.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { CallChange } from '../calls/call-change.js';
import { CallLedger } from '../calls/call-ledger.service.js';
import type { CallRecord } from '../calls/call.model.js';
import { KyselyCallRepository } from '../calls/kysely-call.repository.js';
import { SecretBox } from '../common/secret-box.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import type { BrokerDatabase } from '../database/schema.js';
import { EventBus } from '../events/event-bus.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import type { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { WebhookStore } from './kysely-webhook.store.js';
import { WebhookOutbox } from './webhook-outbox.js';
import type { WebhookEventType } from './webhook-events.js';

const ERIKA = { id: 'erika', displayName: 'Erika', xassistUserId: 'u8', xassistUserDbId: 8 };

/** WebhookOutbox as the module wires it, on the ledger's bus: what committed batches owe. */
describe('WebhookOutbox', () => {
  let db: Kysely<BrokerDatabase>;
  let clock: FakeClock;
  let store: WebhookStore;
  let ledger: CallLedger;
  let bus: EventBus;
  let woken: number;

  beforeEach(async () => {
    ({ db } = openDatabase('sqlite::memory:'));
    await migrateToLatest(db);
    clock = new FakeClock();
    woken = 0;
    store = new WebhookStore(db, new SecretBox([{ id: 'k1', key: randomBytes(32) }]));
    const dispatcher = { wake: () => void woken++ } as unknown as OutboxDispatcher;
    const sut = new WebhookOutbox(store, new OutboxStore(db), dispatcher, clock);
    bus = new EventBus(capturedLogger('silent').logger);
    bus.on('call.created', 'in-transaction', (created, trx) => sut.created(created, trx));
    bus.on('call.committed', 'in-transaction', (committed, trx) => sut.committed(committed, trx));
    bus.on('call.committed', 'after-commit', () => sut.wake());
    ledger = new CallLedger(new KyselyCallRepository(db), bus);
  });
  afterEach(() => db.destroy());

  async function subscribe(id: string, eventTypes: WebhookEventType[], ownerId = 'erp') {
    await store.create({
      id,
      ownerId,
      url: 'http://127.0.0.1:9999/hook',
      eventTypes,
      description: null,
      secret: 'whsec_test',
      status: 'active',
      disabledReason: null,
      createdAt: clock.isoNow(),
    });
  }
  async function inserted(fields: Partial<CallRecord>): Promise<CallRecord> {
    const call = aCallRecord({
      status: 'creating',
      xassistCallId: null,
      seq: 0,
      ringingAt: null,
      ...fields,
    });
    await ledger.insert(call, null, async () => undefined);
    return call;
  }
  async function commit(call: CallRecord, build: (change: CallChange) => void) {
    const change = new CallChange(call, clock.isoNow());
    build(change);
    await ledger.record(change);
    return change.call;
  }
  /** Each webhook's rows in delivery order: `type@seq.position`. */
  async function rowsOf(webhookId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('outbox')
      .selectAll()
      .where('destination_id', '=', webhookId)
      .orderBy('seq')
      .orderBy('position')
      .execute();
    return rows.map((row) => `${row.event_type}@${row.seq}.${row.position}`);
  }

  it('writes offer.accepted before call.status_changed for an accept from the queue', async () => {
    await subscribe('w1', ['offer.accepted', 'call.status_changed']);
    let call = await inserted({ experts: [], queueId: 'pumps' });
    call = await commit(call, (c) => c.transition('queued', { queuedAt: clock.isoNow() }));
    await clock.advance(30_000);
    await commit(call, (c) =>
      c.transition('creating', { experts: [ERIKA], acceptedById: 'erika' }),
    );
    expect(await rowsOf('w1')).toEqual([
      'call.status_changed@1.0',
      'offer.accepted@2.0',
      'call.status_changed@2.1',
    ]);
    const accepted = await db
      .selectFrom('outbox')
      .selectAll()
      .where('event_type', '=', 'offer.accepted')
      .executeTakeFirstOrThrow();
    expect(accepted).toMatchObject({ owner_id: 'erp', call_id: call.id, status: 'pending' });
    expect(JSON.parse(accepted.payload)).toMatchObject({
      type: 'offer.accepted',
      data: { call: { id: call.id, status: 'creating' }, event: { type: 'status.creating' } },
    });
  });

  it('writes call.ended after the end status, each to the webhooks subscribed to it', async () => {
    await subscribe('statuses', ['call.status_changed']);
    await subscribe('ends', ['call.ended']);
    let call = await inserted({});
    call = await commit(call, (c) => c.transition('ringing', { xassistCallId: 'x1' }));
    await commit(call, (c) => c.transition('ended'));
    expect(await rowsOf('statuses')).toEqual([
      'call.status_changed@1.0',
      'call.status_changed@2.0',
    ]);
    expect(await rowsOf('ends')).toEqual(['call.ended@2.1']);
  });

  it('writes call.created with the insert, and nothing for types nobody subscribed to', async () => {
    await subscribe('created', ['call.created']);
    await subscribe('accepts', ['offer.accepted']);
    let call = await inserted({});
    call = await commit(call, (c) => c.transition('ringing', { xassistCallId: 'x1' }));
    await commit(call, (c) => c.transition('cancelled'));
    expect(await rowsOf('created')).toEqual(['call.created@0.0']);
    expect(await rowsOf('accepts')).toEqual([]);
  });

  it('writes nothing for a disabled webhook, and wakes the dispatcher once per committed batch', async () => {
    await subscribe('off', ['call.status_changed']);
    await store.disable('off', 'gone');
    const call = await inserted({});
    expect(woken).toBe(0);
    await commit(call, (c) => c.transition('ringing', { xassistCallId: 'x1' }));
    await bus.idle();
    expect(await rowsOf('off')).toEqual([]);
    expect(woken).toBe(1);
  });

  it('writes in the change’s transaction: nothing stays when the change rolls back', async () => {
    await subscribe('w1', ['call.status_changed']);
    const call = await inserted({});
    bus.on('call.committed', 'in-transaction', async () => {
      throw new Error('a later handler failed');
    });
    await expect(
      commit(call, (c) => c.transition('ringing', { xassistCallId: 'x1' })),
    ).rejects.toThrow('a later handler failed');
    expect(await rowsOf('w1')).toEqual([]);
  });
});
