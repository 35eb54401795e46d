import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import {
  aBookedSession,
  cancelledSession,
  movedSession,
} from '../../test/support/appointment-records.js';
import { pagingSetUp } from '../../test/support/paging-setup.js';
import { peopleDirectory } from '../../test/support/calls-stack.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { OutboxBench, ScriptedSender } from '../../test/support/outbox-bench.js';
import type { AppointmentRecord } from '../appointments/appointment.model.js';
import type { PagingRule } from '../notifications/channels-document.js';
import type { OutboxStore } from '../outbox/kysely-outbox.store.js';
import type { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { AppointmentPages } from './appointment-pages.js';

const MINUTE = 60_000;
const REMIND: PagingRule = {
  queue: '*',
  channel: 'ops',
  on: ['booked', 'reminder', 'cancelled'],
  reminderMinutes: 15,
};

/** AppointmentPages as the module wires it, driven as AppointmentsService's transactions would. */
describe('AppointmentPages', () => {
  let stack: CallsStack;
  let sut: AppointmentPages;
  let outbox: OutboxStore;
  let woken = 0;

  beforeEach(async () => {
    stack = await callsStack();
    woken = 0;
  });
  afterEach(() => stack.close());

  function wire(rules: PagingRule[], publicUrl?: string): void {
    const set = pagingSetUp(stack, rules);
    outbox = set.outbox;
    const config = { ...set.config, paging: { ...set.config.paging, publicUrl } };
    const dispatcher = { wake: () => void woken++ } as unknown as OutboxDispatcher;
    sut = new AppointmentPages(
      set.paging,
      outbox,
      stack.directory,
      stack.clock,
      config,
      dispatcher,
    );
  }

  const booked = (appointment: AppointmentRecord) =>
    stack.db.transaction().execute((trx) => sut.booked({ appointment }, trx));
  const moved = (before: AppointmentRecord, appointment: AppointmentRecord) =>
    stack.db.transaction().execute((trx) => sut.moved({ appointment, before }, trx));
  const cancelled = (appointment: AppointmentRecord) =>
    stack.db.transaction().execute((trx) => sut.cancelled({ appointment }, trx));

  /** What one instance of the dispatcher claims now: event type and sequence of each row. */
  let claims = 0;
  const claim = async () => {
    const now = stack.clock.now();
    const rows = await outbox.claim(
      new Date(now).toISOString(),
      new Date(now + MINUTE).toISOString(),
      100,
      `instance-${++claims}`,
      { perDestination: 100, skip: [] },
    );
    return rows.map((row) => `${row.eventType} ${row.seq}`);
  };
  /** Claimed rows are settled delivered, as a dispatcher would after sending them. */
  const deliverClaimed = () =>
    stack.db
      .updateTable('outbox')
      .set({ status: 'delivered', lease_until: null, claim_token: null })
      .where('claim_token', 'is not', null)
      .execute();
  /** Claims and delivers until nothing is due (a channel gets a session's pages in order). */
  const drain = async () => {
    const all: string[] = [];
    for (let round = await claim(); round.length > 0; round = await claim()) {
      all.push(...round);
      await deliverClaimed();
    }
    return all;
  };
  const startingIn = (minutes: number) =>
    aBookedSession({ startsAt: new Date(stack.clock.now() + minutes * MINUTE).toISOString() });

  it('pages the expert at booking, and the reminder at the right minute, not before', async () => {
    wire([REMIND], 'https://broker.acme.example');
    const session = startingIn(60);
    await booked(session);
    expect(await claim()).toEqual(['page.booked 0']);
    await deliverClaimed();
    const [row] = await stack.db.selectFrom('outbox').selectAll().execute();
    const page = JSON.parse(row.payload);
    expect(page).toMatchObject({
      title: 'Session booked: Pump 7 overhaul',
      lines: [
        'Tom Technician booked you for Mon 23 Nov 2026, 14:00 Europe/Berlin (UTC+01:00), 30 min.',
      ],
      mentions: [{ id: 'erika' }],
      links: [{ label: 'Open the session', path: `/#call=${session.callId}` }],
    });

    await stack.clock.advance(45 * MINUTE - 1);
    expect(await claim()).toEqual([]);
    await stack.clock.advance(1);
    expect(await claim()).toEqual(['page.reminder 0']);
    const reminder = await stack.db
      .selectFrom('outbox')
      .selectAll()
      .where('event_type', '=', 'page.reminder')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(reminder.payload).title).toBe('In 15 min: Pump 7 overhaul');
    // Due while the broker was down and claimed after the start: expired, never sent late.
    expect(reminder.expires_at).toBe(session.startsAt);
  });

  it('writes no reminder after a cancel: the cancelled page instead', async () => {
    wire([REMIND]);
    const session = startingIn(60);
    await booked(session);
    await cancelled(cancelledSession(session));
    await stack.clock.advance(50 * MINUTE);
    expect(await drain()).toEqual(['page.booked 0', 'page.cancelled 1']);
    const rows = await stack.db.selectFrom('outbox').select(['event_type', 'status']).execute();
    expect(rows).toContainEqual({ event_type: 'page.reminder', status: 'superseded' });
  });

  it('re-arms the reminder for the new time after a move', async () => {
    wire([REMIND]);
    const session = startingIn(60);
    await booked(session);
    const later = movedSession(session, new Date(stack.clock.now() + 120 * MINUTE).toISOString());
    await moved(session, later);
    expect(await drain()).toEqual(['page.booked 0', 'page.booked 1']);
    const movedPage = await stack.db
      .selectFrom('outbox')
      .select('payload')
      .where('seq', '=', 1)
      .where('event_type', '=', 'page.booked')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(movedPage.payload).title).toBe('Session moved: Pump 7 overhaul');

    await stack.clock.advance(50 * MINUTE); // the old reminder's time: nothing
    expect(await claim()).toEqual([]);
    await stack.clock.advance(55 * MINUTE); // 15 minutes before the new start
    expect(await claim()).toEqual(['page.reminder 1']);
  });

  it('sends the reminder once: two instances claiming at its minute', async () => {
    wire([REMIND]);
    const session = startingIn(20);
    await booked(session);
    await deliverClaimed();
    expect(await claim()).toEqual(['page.booked 0']);
    await deliverClaimed();
    await stack.clock.advance(5 * MINUTE);
    const [first, second] = await Promise.all([claim(), claim()]);
    expect([...first, ...second]).toEqual(['page.reminder 0']);
  });

  it('pages only the rules of the session: its queue and "*"; no reminder already due', async () => {
    wire([
      { queue: 'pumps', channel: 'pumps-room', on: ['booked'] },
      { queue: '*', channel: 'ops', on: ['booked', 'reminder'], reminderMinutes: 30 },
    ]);
    await booked(startingIn(20)); // named expert, no queue; 30 minutes before is past
    await booked({ ...startingIn(90), id: 'a-queue-session', queueId: 'pumps' });
    const rows = await stack.db
      .selectFrom('outbox')
      .select(['call_id', 'event_type', 'destination_id'])
      .orderBy('call_id')
      .orderBy('destination_id')
      .execute();
    expect(
      rows.map(
        (r) =>
          `${r.call_id === 'a-queue-session' ? 'queue' : 'named'} ${r.event_type} ${r.destination_id}`,
      ),
    ).toEqual([
      'named page.booked ops',
      'queue page.booked ops',
      'queue page.reminder ops',
      'queue page.booked pumps-room',
    ]);
  });

  it('writes nothing without rules, and wakes the outbox once a change committed', async () => {
    wire([]);
    await booked(startingIn(60));
    expect(await stack.db.selectFrom('outbox').selectAll().execute()).toEqual([]);
    wire([REMIND]);
    sut.wake();
    expect(woken).toBe(1);
  });
});

/** The reminder's row as the real dispatcher sees it when the broker comes back. */
describe('AppointmentPages with the outbox dispatcher, after the broker was down', () => {
  let bench: OutboxBench;
  let sender: ScriptedSender;
  let sut: AppointmentPages;

  beforeEach(async () => {
    bench = await OutboxBench.open();
    sender = new ScriptedSender();
    await bench.build({ chat: sender });
    const { logger } = capturedLogger('silent');
    const base = { ...bench, directory: peopleDirectory(), logger };
    const { paging, outbox, config } = pagingSetUp(base, [REMIND]);
    const dispatcher = { wake: () => undefined } as unknown as OutboxDispatcher;
    sut = new AppointmentPages(paging, outbox, base.directory, bench.clock, config, dispatcher);
  });
  afterEach(() => bench.close());

  const bookStartingIn = (minutes: number) => {
    const appointment = aBookedSession({
      startsAt: new Date(bench.clock.now() + minutes * MINUTE).toISOString(),
    });
    return bench.db.transaction().execute((trx) => sut.booked({ appointment }, trx));
  };
  const reminders = () => sender.sent.filter((id) => /\.r\d+$/.test(id));

  it('sends a reminder that fell due meanwhile once at start-up, the session not started yet', async () => {
    await bookStartingIn(60);
    await bench.clock.advance(50 * MINUTE); // down from booking until 10 minutes before the start
    bench.sut.start();
    await bench.clock.advance(100);
    expect(reminders()).toHaveLength(1);
    await bench.clock.advance(20 * MINUTE);
    expect(reminders()).toHaveLength(1);
  });

  it('never sends it once the session has started: the row dies expired', async () => {
    await bookStartingIn(60);
    await bench.clock.advance(61 * MINUTE); // down past the start
    bench.sut.start();
    await bench.clock.advance(100);
    expect(reminders()).toEqual([]);
    const row = await bench.db
      .selectFrom('outbox')
      .select(['status', 'last_error'])
      .where('event_type', '=', 'page.reminder')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.last_error).toMatch(/^expired: its deadline/);
  });
});
