import { aCallRecord, T0 } from '../../test/support/call-records.js';
import { people } from '../../test/support/people.js';
import { CallChange } from './call-change.js';
import { committedEvents, factsOf } from './call-facts.js';
import { callSummaryOf } from './call-summary.js';
import { callSummaryPage } from './call-summary-page.js';
import {
  assertEditable,
  assertMayRate,
  assertMayWrapUp,
  isWebLink,
  webLinkOf,
  nextWrapUp,
  type WrapUpInput,
} from './wrap-up.js';

const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
/** Asked at T0, erika joined after 1 min, tom after 2, ended after 12. */
const endedCall = () =>
  aCallRecord({
    status: 'ended',
    joinedExpertId: 'erika',
    externalRef: 'SAP-WO-4711',
    expertJoinedAt: at(1),
    connectedAt: at(2),
    endedAt: at(12),
  });
const input: WrapUpInput = {
  outcome: 'resolved',
  firstTimeFix: true,
  notes: 'Bearing replaced',
  links: ['https://dms.example/p/1'],
};

describe('the wrap-up rules', () => {
  it('take a wrap-up only for an ended call, until the edit window closes', () => {
    const call = endedCall();
    expect(() => assertEditable(call, 24, at(12 + 24 * 60 - 1), 'wrap-up')).not.toThrow();
    expect(() => assertEditable(call, 24, at(12 + 24 * 60), 'wrap-up')).toThrow(
      /wrap-up of call c1 is frozen: it could be changed until 2026-11-23T10:12:00.000Z \(24 h/,
    );
    for (const status of ['connected', 'missed', 'cancelled', 'failed'] as const)
      expect(() =>
        assertEditable({ ...call, status, endedAt: at(3) }, 24, at(4), 'wrap-up'),
      ).toThrow(expect.objectContaining({ httpStatus: 409 }));
  });

  it("let the call's expert and supervisors wrap up, and only its technician rate", () => {
    const call = endedCall();
    expect(() => assertMayWrapUp(people.erika, call)).not.toThrow();
    expect(() => assertMayWrapUp(people.sam, call)).not.toThrow();
    for (const other of [people.ed, people.tom, people.erp])
      expect(() => assertMayWrapUp(other, call)).toThrow(
        expect.objectContaining({ httpStatus: 403 }),
      );
    // A routed call nobody joined (it ended before): the expert who accepted it.
    expect(() =>
      assertMayWrapUp(people.ed, { ...call, joinedExpertId: null, acceptedById: 'ed' }),
    ).not.toThrow();
    // Nobody joined or accepted yet: each invited expert is the call's (and hears 409 meanwhile).
    const ringing = { ...call, status: 'ringing' as const, joinedExpertId: null };
    expect(() => assertMayWrapUp(people.ed, ringing)).not.toThrow();
    expect(() => assertMayWrapUp(people.ed, { ...ringing, experts: [] })).toThrow(
      expect.objectContaining({ httpStatus: 403 }),
    );
    expect(() => assertMayRate(people.tom, call)).not.toThrow();
    for (const other of [people.tina, people.erika, people.sam])
      expect(() => assertMayRate(other, call)).toThrow(
        expect.objectContaining({ httpStatus: 403 }),
      );
  });

  it('count revisions and keep the first submission time', () => {
    const first = nextWrapUp(null, input, people.erika, at(13));
    expect(first).toMatchObject({ revision: 1, submittedAt: at(13), updatedAt: at(13) });
    const second = nextWrapUp(first, { ...input, outcome: 'escalated' }, people.sam, at(20));
    expect(second).toMatchObject({
      outcome: 'escalated',
      revision: 2,
      submittedAt: at(13),
      updatedAt: at(20),
      by: { id: 'sam', displayName: 'Sam Supervisor' },
    });
  });

  it.each([
    ['https://dms.example/a?b=c', true],
    ['http://127.0.0.1:8080/x', true], // an intranet DMS on http with a port
    ['javascript:alert(1)', false],
    ['ftp://dms.example/a', false],
    ['data:text/html,<b>', false],
    ['/relative/path', false],
    ['https://', false],
    // What new URL() forgives but a work order system would take as typed (review finding 9):
    [' https://dms.example/a', false],
    ['https://dms.example/a b', false],
    ['https://dms.example/a\u0000', false],
    ['https://dms.example/\u202Egpj.exe', false],
    ['https://dms.example/x) [click](javascript:alert(1))', false],
    ['https://user:secret@dms.example/a', false],
  ])('takes %j as a link: %s', (url, ok) => {
    expect(isWebLink(url)).toBe(ok);
  });

  it('keeps a link as the URL standard writes it', () => {
    expect(webLinkOf('HTTPS://DMS.example:443/a/../b?q=ä')).toBe('https://dms.example/b?q=%C3%A4');
  });
});

describe('a wrap-up committed', () => {
  it('is an event of the log and the fact call.wrapped_up: first, then edits', () => {
    const call = endedCall();
    const change = new CallChange(call, at(13));
    change.recordWrapUp(nextWrapUp(null, input, people.erika, at(13)));
    expect(change.events.map((event) => event.type)).toEqual(['wrap_up.submitted']);
    const [fact] = factsOf(call, change.call, change.events);
    expect(fact).toMatchObject({ kind: 'wrapped_up', first: true, wrapUp: { revision: 1 } });
    expect(committedEvents(call, change.call, change.events).map((e) => e.name)).toEqual([
      'call.committed',
      'call.wrapped_up',
    ]);

    const edit = new CallChange(change.call, at(14));
    edit.recordWrapUp(nextWrapUp(change.call.wrapUp, input, people.sam, at(14)));
    edit.recordRating({ rating: 5, comment: null, at: at(14) });
    expect(edit.events.map((event) => [event.type, event.seq, event.status])).toEqual([
      ['wrap_up.edited', call.seq + 2, 'ended'],
      ['rating.given', call.seq + 3, 'ended'],
    ]);
    expect(factsOf(change.call, edit.call, edit.events)).toEqual([
      expect.objectContaining({ kind: 'wrapped_up', first: false }),
    ]);
  });
});

describe('the call summary', () => {
  it('says who joined when, the wait, the talk time and the outcome', () => {
    const call = { ...endedCall(), wrapUp: nextWrapUp(null, input, people.erika, at(13)) };
    expect(callSummaryOf(call)).toMatchObject({
      externalRef: 'SAP-WO-4711',
      expert: { id: 'erika' },
      participants: [
        { id: 'erika', role: 'expert', joinedAt: at(1) },
        { id: 'tom', role: 'technician', joinedAt: at(2) },
      ],
      waitSeconds: 60,
      talkSeconds: 600,
      outcome: 'resolved',
      firstTimeFix: true,
    });
    // A queued call waited from its queueing; a call nobody joined has neither wait nor talk.
    expect(callSummaryOf({ ...call, queuedAt: at(0.5) }).waitSeconds).toBe(30);
    const unanswered = aCallRecord({ status: 'unanswered', endedAt: at(5) });
    expect(callSummaryOf(unanswered)).toMatchObject({
      waitSeconds: null,
      talkSeconds: null,
      outcome: null,
      expert: null,
      participants: [],
    });
  });

  it('as a page escapes every value and has no script', () => {
    const call = {
      ...endedCall(),
      title: '<img src=x onerror=alert(1)>',
      wrapUp: nextWrapUp(
        null,
        { ...input, notes: 'a\n<script>x</script>', links: ['https://e.example/?a="b"&c'] },
        people.erika,
        at(13),
      ),
    };
    const page = callSummaryPage(callSummaryOf(call));
    expect(page).not.toMatch(/<img|<script/);
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(page).toContain('a<br>&#60;script&#62;');
    expect(page).toContain('href="https://e.example/?a=&#34;b&#34;&#38;c"');
  });
});
