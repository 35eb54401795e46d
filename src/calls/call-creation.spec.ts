import { callsStack, type CallsStack } from '../../test/support/calls-stack.js';
import { participant, people } from '../../test/support/people.js';
import { CONNECTOR } from '../../test/support/scripted-xassist.js';
import {
  XAssistAuthError,
  XAssistRejectedError,
  XAssistUnavailableError,
} from '../xassist/xassist.errors.js';
import { CallChange } from './call-change.js';
import type { CallCreation } from './call-creation.js';
import { CallCreationFailedError, FAILURE_REASON } from './call.errors.js';
import type { CallRecord } from './call.model.js';
import { FallbackMeetingMaker, type FallbackMeeting } from './fallback-meetings.js';
import { xassistCallBody } from './xassist-call-body.js';

const ERIKA = participant(people.erika);
const MEETING: FallbackMeeting = {
  provider: 'chatMessenger',
  url: 'https://meet.example/abc',
  password: 'pw',
  expiresAt: '2026-11-23T13:00:00.000Z',
};

/** A web-meeting tool that counts what it was asked for. */
class CountingMaker extends FallbackMeetingMaker {
  readonly configured = true;
  made = 0;
  async make(): Promise<FallbackMeeting> {
    this.made++;
    return MEETING;
  }
}

/** Lets the creation run up to where it waits on xAssist (bounded; never a timed sleep). */
async function until(condition: () => boolean): Promise<void> {
  for (let round = 0; round < 50 && !condition(); round++)
    await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describe('CallCreation', () => {
  let stack: CallsStack;
  let { clock, calls, ledger, xassist, log } = {} as CallsStack;
  let maker: CountingMaker;
  let heard: string[];
  let sut: CallCreation;

  /** CallCreation with or without a web-meeting tool to offer a fallback meeting from. */
  const build = (withMaker: boolean) => {
    sut = stack.creationWith(withMaker ? maker : undefined);
  };

  beforeEach(async () => {
    // Fallback meetings are stored sealed: a key, as production has whenever a fallback is configured.
    stack = await callsStack({ sealed: true, logLevel: 'debug' });
    ({ clock, calls, ledger, xassist, log } = stack);
    maker = new CountingMaker();
    heard = [];
    stack.bus.on(
      'call.fallback_offered',
      'after-commit',
      () => void heard.push('fallback_offered'),
    );
    stack.bus.on('call.committed', 'after-commit', ({ events }) => {
      heard.push(...events.map((event) => event.type));
    });
    build(false);
  });
  afterEach(() => stack.close());

  /** A call for tom with erika, just inserted as `creating`, as CallsService leaves it. */
  const creating = (overrides: Partial<CallRecord> = {}) =>
    stack.insertCall({ experts: [ERIKA], callType: 'MESH', ...overrides });
  const stored = async (id: string) => (await calls.find(id))!;
  const eventTypes = async (id: string) => (await calls.events(id, 0, 100)).map((e) => e.type);

  it('rings once xAssist created the call: the body invites the experts and the connector', async () => {
    const call = await creating();
    const ringing = await sut.create(call);
    expect(ringing).toMatchObject({ status: 'ringing', xassistCallId: 'x-1' });
    expect(await stored(call.id)).toMatchObject({ status: 'ringing', xassistCallId: 'x-1' });
    expect(xassist.created).toHaveLength(1);
    expect(xassist.created[0]).toMatchObject({ creatorUser: 12, callType: 'MESH' });
    expect(xassist.created[0].invitedContacts.map((contact) => contact.userDbId)).toEqual([
      8,
      CONNECTOR.userDbId,
    ]);
    expect(await eventTypes(call.id)).toEqual(['status.ringing', 'xassist.Created']);
    expect(sut.isInFlight(call.id)).toBe(false);
  });

  it("creates a booked session's call at once with its plannedDateTime (ISO-8601 UTC, ms): planned, not ringing", async () => {
    const call = await creating({ plannedFor: '2027-03-29T07:00:00.000Z' });
    const planned = await sut.create(call);
    expect(planned).toMatchObject({ status: 'planned', xassistCallId: 'x-1', ringingAt: null });
    expect(xassist.created[0].plannedDateTime).toBe('2027-03-29T07:00:00.000Z');
    expect(await eventTypes(call.id)).toEqual(['status.planned', 'xassist.Created']);
    // A call wanted now keeps plannedDateTime null, as before.
    await sut.create(await creating({ id: 'now' }));
    expect(xassist.created[1].plannedDateTime).toBeNull();
  });

  it.each([
    ['refused', new XAssistRejectedError(400, 'bad title'), 502, FAILURE_REASON.rejected],
    ['unreachable', new XAssistUnavailableError('503', true, 503), 503, FAILURE_REASON.unavailable],
    [
      'refusing our credentials',
      new XAssistAuthError(401, 'Unauthorized'),
      502,
      FAILURE_REASON.credentialsRefused,
    ],
  ])('fails the call with the reason when xAssist is %s', async (_, error, status, reason) => {
    const call = await creating();
    xassist.failures.push(error);
    const failure = sut.create(call);
    await expect(failure).rejects.toBeInstanceOf(CallCreationFailedError);
    await expect(failure).rejects.toMatchObject({ httpStatus: status });
    expect(await stored(call.id)).toMatchObject({
      status: 'failed',
      failureReason: reason,
      xassistCallId: null,
      fallbackMeeting: null,
      wrapUp: null,
      rating: null,
    });
    expect(await eventTypes(call.id)).toEqual(['status.failed']);
  });

  it('records a fallback meeting with the failure when a maker is configured and xAssist is unreachable', async () => {
    build(true);
    const call = await creating();
    xassist.failures.push(new XAssistUnavailableError('timeout', true));
    await expect(sut.create(call)).rejects.toMatchObject({
      httpStatus: 503,
      message: expect.stringContaining('a web meeting was offered instead'),
    });
    expect(maker.made).toBe(1);
    expect(await stored(call.id)).toMatchObject({ status: 'failed', fallbackMeeting: MEETING });
    expect(await eventTypes(call.id)).toEqual(['status.failed', 'fallback.offered']);
    expect(heard).toContain('fallback_offered');
  });

  it('makes no fallback meeting when xAssist refused the call', async () => {
    build(true);
    const call = await creating();
    xassist.failures.push(new XAssistRejectedError(422, 'no'));
    await expect(sut.create(call)).rejects.toBeInstanceOf(CallCreationFailedError);
    expect(maker.made).toBe(0);
    expect((await stored(call.id)).fallbackMeeting).toBeNull();
  });

  describe('createTaken (an accept from the queue)', () => {
    const queued = () =>
      stack.insertCall({ experts: [], queueId: 'pumps', callType: 'MESH' }, 'queued');
    const take = (current: CallRecord, at: string) => {
      const change = new CallChange(current, at);
      change.transition('creating', { experts: [ERIKA], acceptedById: 'erika' });
      return change;
    };
    const instead = (current: CallRecord, at: string) => {
      const change = new CallChange(current, at);
      change.noteRouting('accept_failed');
      change.transition('queued', { experts: [], acceptedById: null });
      return change;
    };

    it('takes the call and rings it when xAssist answers', async () => {
      const call = await queued();
      const ringing = await sut.createTaken(call, take, instead);
      expect(ringing).toMatchObject({ status: 'ringing', acceptedById: 'erika' });
      expect((await stored(call.id)).experts).toEqual([ERIKA]);
    });

    it('puts the call back in its queue instead of failing it, and throws CallCreationFailedError', async () => {
      build(true);
      const call = await queued();
      xassist.failures.push(new XAssistUnavailableError('down', true, 503));
      const failure = sut.createTaken(call, take, instead);
      await expect(failure).rejects.toBeInstanceOf(CallCreationFailedError);
      await expect(failure).rejects.toMatchObject({
        httpStatus: 503,
        message: expect.stringContaining('the request stays queued'),
        details: { call: expect.objectContaining({ status: 'queued' }) },
      });
      expect(await stored(call.id)).toMatchObject({
        status: 'queued',
        experts: [],
        acceptedById: null,
        failureReason: null,
      });
      expect(await eventTypes(call.id)).toEqual([
        'status.queued',
        'status.creating',
        'routing.accept_failed',
        'status.queued',
      ]);
      expect(maker.made).toBe(0); // a routed call goes back to its queue, no web meeting
    });
  });

  it('keeps the xAssist call linked when a cancel lands while xAssist answers', async () => {
    const call = await creating();
    const release = xassist.hold();
    const creation = sut.create(call);
    await until(() => xassist.created.length === 1);
    expect(sut.isInFlight(call.id)).toBe(true);
    const cancel = new CallChange(await stored(call.id), clock.isoNow());
    cancel.transition('cancelled');
    await ledger.record(cancel);
    release();
    const answered = await creation;
    expect(answered).toMatchObject({ status: 'cancelled', xassistCallId: 'x-1' });
    expect(await stored(call.id)).toMatchObject({ status: 'cancelled', xassistCallId: 'x-1' });
    expect(await calls.linkedXAssistCallIds(['x-1'])).toEqual(new Set(['x-1']));
    expect(
      log.lines.some((line) => line.includes('the call changed while xAssist created it')),
    ).toBe(true);
  });

  it('links the xAssist call to a call cancelled meanwhile even when the answer carries no event', async () => {
    const call = await creating();
    const cancel = new CallChange(call, clock.isoNow());
    cancel.transition('cancelled');
    await ledger.record(cancel);
    // xAssist's contract keeps every object open: an answer without its Created event is possible.
    const answer = {
      ...xassist.logFor(xassistCallBody(stack.directory, call, CONNECTOR)),
      callEvents: [],
    };
    expect(await sut.recordRinging(call, answer)).toMatchObject({ xassistCallId: answer.callId });
    expect(await stored(call.id)).toMatchObject({
      status: 'cancelled',
      xassistCallId: answer.callId,
    });
    expect(await calls.linkedXAssistCallIds([answer.callId])).toEqual(new Set([answer.callId]));
  });
});
