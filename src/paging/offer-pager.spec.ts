import { aCallRecord } from '../../test/support/call-records.js';
import {
  callsStack,
  peopleDirectory,
  PUMPS,
  type CallsStack,
} from '../../test/support/calls-stack.js';
import { pagingSetUp } from '../../test/support/paging-setup.js';
import { toCallView } from '../calls/call.model.js';
import type { PagingRule } from '../notifications/channels-document.js';
import type { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import type { Offer } from '../routing/routing.model.js';
import { SocketPresence } from '../routing/socket-presence.js';
import { OfferPager } from './offer-pager.js';

const directory = peopleDirectory([PUMPS, { id: 'valves', skills: ['pumps'] }]);

/** The realtime layer's answer, as the test sets it. */
class Sockets extends SocketPresence {
  readonly open = new Set<string>();
  failing = false;
  asked = 0;
  private held?: Promise<void>;
  release = () => undefined as void;

  /** Look-ups from now on answer only once released (every instance asked, one slow to answer). */
  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  async hasSocket(personId: string): Promise<boolean> {
    this.asked++;
    await this.held;
    if (this.failing) throw new Error('fetchSockets timed out');
    return this.open.has(personId);
  }
}

/** An offer of a request in `pumps` to erika, and the pager on SQLite with the given rules. */
describe('OfferPager', () => {
  let stack: CallsStack;
  let { db, clock } = {} as CallsStack;
  let sockets: Sockets;
  let woken: number;

  beforeEach(async () => {
    stack = await callsStack({ directory, logLevel: 'warn' });
    ({ db, clock } = stack);
    sockets = new Sockets();
    woken = 0;
  });
  afterEach(() => stack.close());

  function pager(rules: PagingRule[]): OfferPager {
    const { config, paging, fairness } = pagingSetUp(stack, rules);
    const dispatcher = { wake: () => void woken++ } as unknown as OutboxDispatcher;
    const { logger } = stack.log;
    return new OfferPager(paging, directory, fairness, dispatcher, clock, config, sockets, logger);
  }

  const call = toCallView(
    aCallRecord({ id: 'c1', status: 'queued', queueId: 'pumps', experts: [], title: 'Pump 7' }),
  );
  const offer = (): Offer => ({
    id: 'o1',
    callId: 'c1',
    expertId: 'erika',
    status: 'pending',
    offeredAt: clock.isoNow(),
    expiresAt: new Date(clock.now() + 20_000).toISOString(),
    endedAt: null,
  });
  const rows = () => db.selectFrom('outbox').selectAll().execute();
  /**
   * As an offer round does: asks before the offer's transaction, pages in it (with the offer's
   * insert), forgets after.
   */
  const page = async (sut: OfferPager, made = offer()) => {
    await sut.prepare([made]);
    await db.transaction().execute((trx) => sut.page({ offer: made, call }, trx));
    sut.forget([made]);
  };

  it('writes one page.offered row naming the expert for an expert with no socket open', async () => {
    await page(pager([{ queue: '*', channel: 'ops', on: ['offered'] }]));
    const written = await rows();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      destination_kind: 'chat',
      destination_id: 'ops',
      call_id: 'c1',
      event_type: 'page.offered',
      status: 'pending',
      next_attempt_at: clock.isoNow(),
    });
    const payload = JSON.parse(written[0].payload);
    expect(payload.title).toBe('Offered to you: Pump 7');
    expect(payload.mentions.map((m: { id: string }) => m.id)).toEqual(['erika']);
  });

  it('writes the row in the given transaction: rolled back with it', async () => {
    const sut = pager([{ queue: 'pumps', channel: 'ops', on: ['offered'] }]);
    const rollback = db.transaction().execute(async (trx) => {
      await sut.page({ offer: offer(), call }, trx);
      throw new Error('the offer insert failed');
    });
    await expect(rollback).rejects.toThrow('the offer insert failed');
    expect(await rows()).toEqual([]);
  });

  it('writes nothing when the expert has a dashboard socket open', async () => {
    sockets.open.add('erika');
    await page(pager([{ queue: '*', channel: 'ops', on: ['offered'] }]));
    expect(await rows()).toEqual([]);
  });

  it('pages anyway when the socket look-up fails: the offer is never rolled back for it', async () => {
    sockets.open.add('erika');
    sockets.failing = true;
    await page(pager([{ queue: '*', channel: 'ops', on: ['offered'] }]));
    expect((await rows()).map((row) => row.event_type)).toEqual(['page.offered']);
    expect(stack.log.lines.some((line) => line.includes('could not tell whether'))).toBe(true);
  });

  it("never waits on the socket look-up inside the offer's transaction: a concurrent write goes on", async () => {
    sockets.hold();
    const sut = pager([{ queue: '*', channel: 'ops', on: ['offered'] }]);
    const paged = db.transaction().execute((trx) => sut.page({ offer: offer(), call }, trx));
    // SQLite has one connection: a write waits for any transaction under way to end.
    await db
      .insertInto('leases')
      .values({ name: 'concurrent', owner: null, epoch: 1, expires_at_ms: 0 })
      .execute();
    sockets.release();
    await paged;
    // Not asked before: paged, as when the look-up fails.
    expect((await rows()).map((row) => row.event_type)).toEqual(['page.offered']);
  });

  it("asks before the offer's transaction, and the transaction uses that answer", async () => {
    sockets.hold();
    const sut = pager([{ queue: '*', channel: 'ops', on: ['offered'] }]);
    const made = offer();
    const asking = sut.prepare([made, { ...made, id: 'o2' }]);
    // No transaction is open while every instance is asked: writes go on meanwhile.
    await db
      .insertInto('leases')
      .values({ name: 'concurrent', owner: null, epoch: 1, expires_at_ms: 0 })
      .execute();
    sockets.open.add('erika');
    sockets.release();
    await asking;
    expect(sockets.asked).toBe(1); // one expert, two offers: asked once
    await db.transaction().execute((trx) => sut.page({ offer: made, call }, trx));
    expect(await rows()).toEqual([]);
    sut.forget([made]);
    // Forgotten (the round is over): an answer never outlives its round.
    await db.transaction().execute((trx) => sut.page({ offer: made, call }, trx));
    expect(await rows()).toHaveLength(1);
  });

  it('asks nothing without an offered rule', async () => {
    await pager([{ queue: '*', channel: 'ops', on: ['queued'] }]).prepare([offer()]);
    expect(sockets.asked).toBe(0);
  });

  it('writes nothing without an offered rule for the call’s queue', async () => {
    await page(
      pager([
        { queue: '*', channel: 'ops', on: ['queued', 'ended'] },
        { queue: 'valves', channel: 'valves-room', on: ['offered'] },
      ]),
    );
    expect(await rows()).toEqual([]);
  });

  it('one row per matching rule, and wakes the outbox once the offer committed', async () => {
    const sut = pager([
      { queue: '*', channel: 'ops', on: ['offered'] },
      { queue: 'pumps', channel: 'pumps-room', on: ['offered', 'queued'] },
    ]);
    await page(sut);
    expect((await rows()).map((row) => row.destination_id).sort()).toEqual(['ops', 'pumps-room']);
    expect(woken).toBe(0);
    sut.wake();
    expect(woken).toBe(1);
  });
});
