import { aCallRecord } from '../../test/support/call-records.js';
import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { ForbiddenError } from '../common/broker-error.js';
import type { Person } from '../directory/person.js';
import type { Writer } from '../events/broker-events.js';
import { KyselyQuotaStore } from '../quotas/kysely-quota.store.js';
import { QuotasService } from '../quotas/quotas.service.js';
import { CallChange } from './call-change.js';
import type { CallLedger } from './call-ledger.service.js';
import type { CallRecord } from './call.model.js';
import { participantOf } from './call-request.js';
import { CallsService } from './calls.service.js';
import type { CreateCallDto } from './dto/create-call.dto.js';
import { StaleCallError, type CallRepository } from './call.repository.js';
import { KyselyCallRepository } from './kysely-call.repository.js';
import { QueueAdmission } from './queue-admission.port.js';

/** Routing's side, faked: urgent refused, every step recorded, the call queued as routing does. */
class FakeAdmission extends QueueAdmission {
  readonly steps: string[] = [];
  constructor(
    private readonly ledger: () => CallLedger,
    private readonly calls: () => CallRepository,
  ) {
    super();
  }
  assertMayAsk(_caller: Person, call: CallRecord): void {
    this.steps.push(`ask:${call.queueId}`);
    if (call.priority === 'urgent') throw new ForbiddenError('no urgent requests here');
  }
  async admit(_trx: Writer, call: CallRecord): Promise<void> {
    this.steps.push(`admit:${call.status}`);
  }
  async enqueue(call: CallRecord): Promise<CallRecord> {
    this.steps.push('enqueue');
    const change = new CallChange(call, call.createdAt);
    change.transition('queued', { queuedAt: call.createdAt });
    try {
      await this.ledger().record(change);
    } catch (error) {
      // The port's promise, as routing keeps it: another writer finished the admission first.
      if (!(error instanceof StaleCallError)) throw error;
      return (await this.calls().find(call.id)) ?? call;
    }
    return change.call;
  }
}

/** A repository whose next commits first let `race` change the call: another writer got there. */
class RacingRepository extends KyselyCallRepository {
  race?: () => Promise<void>;
  races = 0;
  override async commit(...args: Parameters<KyselyCallRepository['commit']>): Promise<void> {
    const race = this.race;
    if (race) {
      this.races++;
      await race();
    }
    return super.commit(...args);
  }
}

describe('CallsService', () => {
  let stack: CallsStack<RacingRepository>;
  let { clock, calls, ledger, xassist } = {} as CallsStack<RacingRepository>;
  let admission: FakeAdmission;
  let sut: CallsService;
  const person = (id: string): Person => stack.directory.find(id)!;
  const participant = (id: string, role: 'technician' | 'expert') =>
    participantOf(stack.directory, id, role, 'test');

  const service = (withAdmission: boolean) => {
    const { db, directory, creation, reconciler, config, logger } = stack;
    const quotas = new QuotasService(new KyselyQuotaStore(db), clock, config, logger);
    const port = withAdmission ? admission : undefined;
    return new CallsService(calls, ledger, directory, creation, clock, quotas, reconciler, port);
  };

  beforeEach(async () => {
    stack = await callsStack({ repository: (db) => new RacingRepository(db) });
    ({ clock, calls, ledger, xassist } = stack);
    admission = new FakeAdmission(
      () => ledger,
      () => calls,
    );
    sut = service(true);
  });
  afterEach(() => stack.close());

  const body = (fields: Partial<CreateCallDto> = {}) =>
    ({ title: 'Pump 7', expertIds: ['erika'], ...fields }) as CreateCallDto;
  const everyCall = () =>
    calls.list({ statuses: null, participantId: null, limit: null, before: null });

  describe('create', () => {
    it('creates a call that names its experts on xAssist at once: it rings', async () => {
      const { call, replayed } = await sut.create(person('tom'), body());
      expect(replayed).toBe(false);
      expect(call).toMatchObject({ status: 'ringing', xassistCallId: 'x-1', createdBy: 'tom' });
      expect(await calls.find(call.id)).toMatchObject({ status: 'ringing' });
      expect(admission.steps).toEqual([]);
    });

    it('puts a queued request through the admission port: asked, admitted in the insert, enqueued; no xAssist call', async () => {
      const { call } = await sut.create(
        person('tom'),
        body({ expertIds: undefined, queueId: 'pumps' }),
      );
      expect(call).toMatchObject({ status: 'queued', queueId: 'pumps', experts: [] });
      expect(admission.steps).toEqual(['ask:pumps', 'admit:creating', 'enqueue']);
      expect(xassist.created).toHaveLength(0);
      expect((await calls.find(call.id))?.status).toBe('queued');
    });

    it('answers a request whose admission another finished first as that left it, not with an error', async () => {
      // A request slower than the creation deadline: the reconciler (another writer) queued it
      // before the request's own enqueue committed.
      calls.race = async () => {
        calls.race = undefined;
        const [row] = await everyCall();
        const change = new CallChange(row, row.createdAt);
        change.transition('queued', { queuedAt: row.createdAt });
        await ledger.record(change);
      };
      const { call } = await sut.create(
        person('tom'),
        body({ expertIds: undefined, queueId: 'pumps' }),
      );
      expect(calls.races).toBe(1);
      expect(call).toMatchObject({ status: 'queued', queueId: 'pumps' });
    });

    it('writes nothing when the admission refuses the request', async () => {
      const urgent = body({ expertIds: undefined, queueId: 'pumps', priority: 'urgent' });
      await expect(sut.create(person('tom'), urgent)).rejects.toMatchObject({ httpStatus: 403 });
      expect(await everyCall()).toEqual([]);
    });

    it('refuses a queued request with 409 on a broker that routes no queues', async () => {
      const request = body({ expertIds: undefined, queueId: 'pumps' });
      await expect(service(false).create(person('tom'), request)).rejects.toMatchObject({
        httpStatus: 409,
        message: expect.stringContaining('routes no queues'),
      });
      expect(await everyCall()).toEqual([]);
    });

    it('replays a request with the same Idempotency-Key and body: the same call, created once', async () => {
      const first = await sut.create(person('tom'), body({ metadata: { a: '1', b: '2' } }), 'k1');
      // Key order in the body does not matter.
      const again = await sut.create(person('tom'), body({ metadata: { b: '2', a: '1' } }), 'k1');
      expect(again).toMatchObject({
        replayed: true,
        call: { id: first.call.id, status: 'ringing' },
      });
      expect(xassist.created).toHaveLength(1);
      expect(await everyCall()).toHaveLength(1);
    });

    it('refuses the same Idempotency-Key with a different body (422) and creates nothing more', async () => {
      await sut.create(person('tom'), body(), 'k1');
      await expect(
        sut.create(person('tom'), body({ title: 'Valve 3' }), 'k1'),
      ).rejects.toMatchObject({ httpStatus: 422 });
      expect(xassist.created).toHaveLength(1);
      expect(await everyCall()).toHaveLength(1);
    });
  });

  describe('list and get', () => {
    beforeEach(async () => {
      const rows: [string, string, string[], CallRecord['status']][] = [
        ['a', 'tom', ['erika'], 'ringing'],
        ['b', 'tina', ['ed'], 'ringing'],
        ['q', 'tina', [], 'queued'],
        ['e', 'tom', ['ed'], 'ended'],
      ];
      for (const [index, [id, technician, experts, status]] of rows.entries()) {
        const createdAt = new Date(clock.now() - (3 - index) * 60_000).toISOString();
        const queueId = status === 'queued' ? 'pumps' : null;
        const invited = experts.map((expert) => participant(expert, 'expert'));
        const fields = { id, status, queueId, createdAt, experts: invited };
        await calls.insert(
          aCallRecord({ ...fields, technician: participant(technician, 'technician') }),
          null,
        );
      }
    });
    const ids = async (who: string, status: 'active' | 'ended' | 'all' = 'all') =>
      (await sut.list(person(who), { status, limit: 10 })).calls.map((call) => call.id);

    it('shows a technician their own calls, an expert theirs and the queued ones, a supervisor all', async () => {
      expect(await ids('tom')).toEqual(['e', 'a']);
      expect(await ids('erika')).toEqual(['q', 'a']);
      expect(await ids('sam')).toEqual(['e', 'q', 'b', 'a']);
      expect(await ids('tom', 'active')).toEqual(['a']);
      expect(await ids('sam', 'ended')).toEqual(['e']);
    });

    it('answers 404 for a call the caller may not see, and the call for one they may', async () => {
      await expect(sut.get(person('tom'), 'b')).rejects.toMatchObject({ httpStatus: 404 });
      await expect(sut.get(person('ed'), 'q')).resolves.toMatchObject({ id: 'q' });
      await expect(sut.get(person('sam'), 'b')).resolves.toMatchObject({ id: 'b' });
    });

    it('pages with a cursor until the last page, which has none', async () => {
      const first = await sut.list(person('sam'), { status: 'all', limit: 3 });
      expect(first.calls.map((call) => call.id)).toEqual(['e', 'q', 'b']);
      expect(first.nextCursor).not.toBeNull();
      const second = await sut.list(person('sam'), {
        status: 'all',
        limit: 3,
        cursor: first.nextCursor!,
      });
      expect(second).toEqual({ calls: [expect.objectContaining({ id: 'a' })], nextCursor: null });
    });
  });

  // Issue 22: `q` read every call ever made; a search now reaches back CALL_SEARCH_DAYS unless
  // from/to say otherwise, and at most CALL_SEARCH_MAX_DAYS at once.
  describe('list: the search is bounded in time', () => {
    const DAY = 86_400_000;
    beforeEach(async () => {
      for (const [id, daysAgo] of [
        ['old', 40],
        ['recent', 1],
      ] as const) {
        const createdAt = new Date(clock.now() - daysAgo * DAY).toISOString();
        await calls.insert(aCallRecord({ id, title: `Pump ${id}`, createdAt }), null);
      }
    });
    const found = async (window: { from?: string; to?: string } = {}) =>
      (
        await sut.list(person('sam'), { status: 'all', limit: 10, search: 'pump', ...window })
      ).calls.map((call) => call.id);
    const daysAgo = (days: number) => new Date(clock.now() - days * DAY).toISOString();

    it('reaches back 30 days by default, further with from, and stops at to', async () => {
      expect(await found()).toEqual(['recent']);
      expect(await found({ from: daysAgo(60) })).toEqual(['recent', 'old']);
      expect(await found({ from: daysAgo(60), to: daysAgo(20) })).toEqual(['old']);
      // to alone: the 30 days before it.
      expect(await found({ to: daysAgo(20) })).toEqual(['old']);
    });

    it('bounds a listing without q only where from/to are given', async () => {
      const listed = async (window: { from?: string; to?: string }) =>
        (await sut.list(person('sam'), { status: 'all', limit: 10, ...window })).calls.map(
          (call) => call.id,
        );
      expect(await listed({})).toEqual(['recent', 'old']);
      expect(await listed({ to: daysAgo(20) })).toEqual(['old']);
    });

    it('answers 400 for from not before to, and for a search over more than 366 days', async () => {
      await expect(found({ from: daysAgo(1), to: daysAgo(2) })).rejects.toMatchObject({
        httpStatus: 400,
        message: expect.stringMatching(/^from must be before to/),
      });
      await expect(found({ from: daysAgo(400) })).rejects.toMatchObject({
        httpStatus: 400,
        message: expect.stringMatching(/at most 366 days/),
      });
    });
  });

  describe('cancel', () => {
    async function ringing(status: CallRecord['status'] = 'ringing') {
      const call = aCallRecord({ technician: participant('tom', 'technician'), status });
      await calls.insert(call, null);
      return call;
    }
    /** Another writer records a routing note on the call (any change moves its seq). */
    const noteBehindItsBack = (id: string) => async () => {
      const current = (await calls.find(id))!;
      const change = new CallChange(current, clock.isoNow());
      change.noteRouting('escalated');
      const race = calls.race;
      calls.race = undefined; // the racer's own commit is not raced
      await ledger.record(change);
      calls.race = race;
    };
    const types = async (id: string) => (await calls.events(id, 0, 10)).map((e) => e.type);

    it('cancels a ringing call, reading it again after losing a race to another writer', async () => {
      const call = await ringing();
      const racer = noteBehindItsBack(call.id);
      calls.race = async () => {
        calls.race = undefined; // once
        await racer();
      };
      const cancelled = await sut.cancel(person('tom'), call.id);
      expect(cancelled).toMatchObject({ status: 'cancelled' });
      expect(calls.races).toBe(1);
      expect(await types(call.id)).toEqual(['routing.escalated', 'status.cancelled']);
    });

    it('gives up with 409 when the call keeps changing', async () => {
      const call = await ringing();
      calls.race = noteBehindItsBack(call.id);
      await expect(sut.cancel(person('tom'), call.id)).rejects.toMatchObject({
        httpStatus: 409,
        message: expect.stringContaining('keeps changing'),
      });
      expect(calls.races).toBe(5);
      expect((await calls.find(call.id))?.status).toBe('ringing');
    });

    it('answers 409 for a call that can no longer be cancelled, 404 for one the caller may not see', async () => {
      const call = await ringing('connected');
      await expect(sut.cancel(person('tom'), call.id)).rejects.toMatchObject({
        httpStatus: 409,
        message: `call ${call.id} is connected and can no longer be cancelled`,
      });
      await expect(sut.cancel(person('tina'), call.id)).rejects.toMatchObject({ httpStatus: 404 });
      expect((await calls.find(call.id))?.status).toBe('connected');
    });
  });
});
