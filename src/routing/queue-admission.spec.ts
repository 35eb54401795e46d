import { aCallRecord } from '../../test/support/call-records.js';
import { people } from '../../test/support/people.js';
import type { CallChange } from '../calls/call-change.js';
import type { CallLedger } from '../calls/call-ledger.service.js';
import { StaleCallError, type CallRepository } from '../calls/call.repository.js';
import { QueueFullError } from '../calls/call.errors.js';
import { DirectoryService } from '../directory/directory.service.js';
import { parseQueues } from '../directory/queue-file.js';
import type { Writer } from '../events/broker-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RoutingQueueAdmission } from './queue-admission.js';

// Sunday 2026-11-22, 10:00 UTC (11:00 in Berlin): the queues below are open on weekdays only.
const SUNDAY = '2026-11-22T10:00:00.000Z';
const MONDAY = '2026-11-23T10:00:00.000Z';
const weekdays = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [['08:00', '17:00']]]),
);
const everyone = Object.values(people);
const hours = { timeZone: 'Europe/Berlin', hours: weekdays, maxQueued: 1 };
const QUEUES = [
  { id: 'closes', ...hours },
  { id: 'calls-back', ...hours, callbackOnUnanswered: true },
  {
    id: 'pages',
    ...hours,
    outsideHours: 'on_call',
    // Saturday only: on a Sunday nobody is on call.
    onCall: { rota: [{ expertId: 'erika', from: 'sat 00:00', to: 'sun 00:00' }] },
  },
  {
    id: 'pages-now',
    ...hours,
    outsideHours: 'on_call',
    onCall: { rota: [{ expertId: 'erika', from: 'mon 00:00', to: 'sun 24:00' }] },
  },
];
const directory = new DirectoryService(everyone, parseQueues({ queues: QUEUES }, everyone));
// Not PostgreSQL: no advisory lock is taken.
const trx = { getExecutor: () => ({ adapter: {} }) } as unknown as Writer;

function admission(alreadyQueued: number) {
  const recorded: CallChange[] = [];
  const calls = { countQueued: async () => alreadyQueued + 1 } as unknown as CallRepository;
  const ledger = {
    record: async (change: CallChange) => void recorded.push(change),
  } as unknown as CallLedger;
  const sut = new RoutingQueueAdmission(calls, ledger, directory, new MetricsService());
  return { sut, recorded };
}
const request = (queueId: string, createdAt: string) =>
  aCallRecord({
    status: 'creating',
    xassistCallId: null,
    experts: [],
    queueId,
    createdAt,
    updatedAt: createdAt,
  });

describe('RoutingQueueAdmission and business hours', () => {
  it('closes a request outside hours at once, with the next opening, taking no room in a full queue', async () => {
    const { sut, recorded } = admission(5);
    const call = request('closes', SUNDAY);
    await expect(sut.admit(trx, call)).resolves.toBeUndefined();
    const closed = await sut.enqueue(call);
    expect(closed).toMatchObject({
      status: 'closed',
      nextOpensAt: '2026-11-23T08:00:00.000+01:00',
      queuedAt: null,
      endedAt: SUNDAY,
    });
    expect(recorded.flatMap((change) => change.events.map((e) => e.type))).toEqual([
      'status.closed',
    ]);
  });

  it('a closed queue that takes callbacks keeps the request as a callback, saying when it opens', async () => {
    const { sut, recorded } = admission(5);
    const call = request('calls-back', SUNDAY);
    await expect(sut.admit(trx, call)).resolves.toBeUndefined();
    expect(await sut.enqueue(call)).toMatchObject({
      status: 'callback_pending',
      nextOpensAt: '2026-11-23T08:00:00.000+01:00',
      queuedAt: null,
      endedAt: null,
    });
    expect(recorded.flatMap((change) => change.events.map((e) => e.type))).toEqual([
      'status.callback_pending',
    ]);
  });

  it('an on_call queue with nobody on call answers like closed', async () => {
    const { sut } = admission(0);
    expect(await sut.enqueue(request('pages', SUNDAY))).toMatchObject({
      status: 'closed',
      nextOpensAt: '2026-11-23T08:00:00.000+01:00',
    });
  });

  it('an on_call queue with someone on call queues the request, within its limits', async () => {
    const { sut } = admission(0);
    expect(await sut.enqueue(request('pages-now', SUNDAY))).toMatchObject({
      status: 'queued',
      queuedAt: SUNDAY,
      nextOpensAt: null,
    });
    await expect(admission(1).sut.admit(trx, request('pages-now', SUNDAY))).rejects.toThrow(
      QueueFullError,
    );
  });

  it('inside hours nothing changes: queued, and a full queue refuses', async () => {
    const { sut } = admission(0);
    expect(await sut.enqueue(request('closes', MONDAY))).toMatchObject({ status: 'queued' });
    await expect(admission(1).sut.admit(trx, request('closes', MONDAY))).rejects.toThrow(
      QueueFullError,
    );
  });

  it('answers the call as another writer left it when that one finished the admission first', async () => {
    const call = request('closes', MONDAY);
    const theirs = { ...call, status: 'queued' as const, queuedAt: MONDAY, seq: call.seq + 1 };
    const calls = { find: async () => theirs } as unknown as CallRepository;
    const ledger = {
      record: async () => {
        throw new StaleCallError(`call ${call.id} changed meanwhile`);
      },
    } as unknown as CallLedger;
    const sut = new RoutingQueueAdmission(calls, ledger, directory, new MetricsService());
    await expect(sut.enqueue(call)).resolves.toBe(theirs);
  });
});
