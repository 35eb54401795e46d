import type { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { pagingSetUp } from '../../test/support/paging-setup.js';
import { CallChange } from '../calls/call-change.js';
import type { CallStatus } from '../calls/call-lifecycle.js';
import type { CallRecord } from '../calls/call.model.js';
import type { PagingRule } from '../notifications/channels-document.js';
import { CallPages } from './call-pages.js';

/** CallPages as the module wires it: an in-transaction handler of every committed call batch. */
describe('CallPages', () => {
  let stack: CallsStack;
  let { db, clock, calls, ledger } = {} as CallsStack;

  beforeEach(async () => {
    stack = await callsStack();
    ({ db, clock, calls, ledger } = stack);
    woken = 0;
  });
  afterEach(() => stack.close());

  let woken = 0;

  function wire(rules: PagingRule[]): void {
    const { config, paging, outbox, fairness } = pagingSetUp(stack, rules);
    const dispatcher = { wake: () => void woken++ } as unknown as OutboxDispatcher;
    const sut = new CallPages(paging, outbox, fairness, stack.directory, clock, config, dispatcher);
    stack.bus.on('call.committed', 'in-transaction', (committed, trx) => sut.write(committed, trx));
    stack.bus.on('call.committed', 'after-commit', () => sut.wake());
  }

  /** Inserts `creating` and commits each status in turn, as the call's life would. */
  const live = (fields: Partial<CallRecord>, ...statuses: CallStatus[]) =>
    stack.insertCall(fields, ...statuses);
  const pages = () =>
    db
      .selectFrom('outbox')
      .select(['event_type', 'destination_id', 'status', 'payload', 'seq'])
      .orderBy('seq')
      .execute();
  const routed = { experts: [], queueId: 'pumps' };

  it('writes the queued page of a request entering its queue, mentioning its experts', async () => {
    wire([{ queue: 'pumps', channel: 'ops', on: ['queued'] }]);
    await live(routed, 'queued');
    const written = await pages();
    expect(written).toMatchObject([
      { event_type: 'page.queued', destination_id: 'ops', status: 'pending', seq: 1 },
    ]);
    const payload = JSON.parse(written[0].payload);
    expect(payload.title).toBe('Help wanted: t');
    expect(payload.mentions.map((m: { id: string }) => m.id)).toEqual(['erika']);
    expect(woken).toBe(1); // the page goes out now, not at the outbox's next poll
  });

  it('writes the ended page of a call that ended, with the summary', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['ended'] }]);
    await live({}, 'ringing', 'ended');
    const written = await pages();
    expect(written.map((page) => [page.event_type, page.seq])).toEqual([['page.ended', 2]]);
    expect(JSON.parse(written[0].payload).title).toBe('Call ended: t');
  });

  it('writes the summary again with the outcome once the call is wrapped up, not on edits', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['ended'] }]);
    const call = await live({}, 'ringing', 'ended');
    const wrapUp = {
      outcome: 'follow_up' as const,
      firstTimeFix: false,
      notes: '',
      links: [],
      by: { id: 'erika', displayName: 'Erika Expert' },
      submittedAt: clock.isoNow(),
      updatedAt: clock.isoNow(),
      revision: 1,
    };
    const first = new CallChange(call, clock.isoNow());
    first.recordWrapUp(wrapUp);
    await ledger.record(first);
    const edit = new CallChange(first.call, clock.isoNow());
    edit.recordWrapUp({ ...wrapUp, outcome: 'resolved', revision: 2 });
    await ledger.record(edit);
    const written = await pages();
    expect(written.map((page) => [page.event_type, page.seq])).toEqual([
      ['page.ended', 2],
      ['page.ended', 3],
    ]);
    const summary = JSON.parse(written[1].payload);
    expect(summary.title).toBe('Call wrapped up: t');
    expect(summary.lines).toContain('Outcome: follow-up needed.');
  });

  it('supersedes the queued page of a request cancelled before it went out, and writes no ended page there', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['queued', 'ended'] }]);
    await live(routed, 'queued', 'cancelled');
    expect((await pages()).map((page) => [page.event_type, page.status])).toEqual([
      ['page.queued', 'superseded'],
    ]);
  });

  it('writes the callback page of a request nobody took in time: when and why, its experts, the console', async () => {
    wire([{ queue: 'pumps', channel: 'ops', on: ['callback'] }]);
    const call = await live(routed, 'queued', 'callback_pending');
    const written = await pages();
    expect(written.map((page) => [page.event_type, page.status, page.seq])).toEqual([
      ['page.callback', 'pending', 2],
    ]);
    expect(JSON.parse(written[0].payload)).toEqual({
      title: 'Callback waiting: t',
      lines: [
        'Queue Pumps. Asked by Tom Technician.',
        'Asked at 2026-11-23 12:00 UTC; nobody took it in time.',
        'An expert calls them back from the console; it ends unanswered at 2026-11-24 12:00 UTC.',
      ],
      // Those who may take it (the queue's skills), never the link of one of them.
      mentions: [expect.objectContaining({ id: 'erika' })],
      links: [{ label: 'Open the request in the console', path: `/#call=${call.id}` }],
    });
  });

  it('writes the callback page of a request to a closed queue: the queue was closed', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['queued', 'callback', 'ended'] }]);
    await live(routed, 'callback_pending');
    const written = await pages();
    expect(written.map((page) => page.event_type)).toEqual(['page.callback']);
    expect(JSON.parse(written[0].payload).lines[1]).toBe(
      'Asked at 2026-11-23 12:00 UTC; the queue was closed.',
    );
  });

  it('the callback page supersedes the unsent queued one; a callback withdrawn before its page went out pages nothing more', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['queued', 'callback', 'ended'] }]);
    await live(routed, 'queued', 'callback_pending', 'cancelled');
    expect((await pages()).map((page) => [page.event_type, page.status])).toEqual([
      ['page.queued', 'superseded'],
      ['page.callback', 'superseded'],
    ]);
  });

  it('a callback whose page went out is followed by the ended page when it ends', async () => {
    wire([{ queue: '*', channel: 'ops', on: ['callback', 'ended'] }]);
    const call = await live(routed, 'queued', 'callback_pending');
    await db.updateTable('outbox').set({ status: 'delivered' }).execute();
    const change = new CallChange(call, clock.isoNow());
    change.transition('cancelled');
    await ledger.record(change);
    expect((await pages()).map((page) => [page.event_type, page.status])).toEqual([
      ['page.callback', 'delivered'],
      ['page.ended', 'pending'],
    ]);
  });

  it('writes nothing for events no rule names, nor for another queue’s rule', async () => {
    wire([
      { queue: '*', channel: 'ops', on: ['unanswered'] },
      { queue: 'pumps', channel: 'pumps-room', on: ['queued'] },
    ]);
    await live({}, 'ringing', 'ended');
    expect(await pages()).toEqual([]);
  });

  it('writes the pages in the change’s transaction: a handler that fails after them rolls both back', async () => {
    wire([{ queue: 'pumps', channel: 'ops', on: ['queued'] }]);
    const call = await live(routed);
    stack.bus.on('call.committed', 'in-transaction', async () => {
      throw new Error('a later handler failed');
    });
    const change = new CallChange(call, clock.isoNow());
    change.transition('queued', { queuedAt: clock.isoNow() });
    await expect(ledger.record(change)).rejects.toThrow('a later handler failed');
    expect(await pages()).toEqual([]);
    expect((await calls.find(call.id))?.status).toBe('creating');
  });
});
