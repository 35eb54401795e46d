import { factsOf } from '../calls/call-facts.js';
import type { CallEventRecord } from '../calls/call.model.js';
import { parseDirectory } from '../directory/directory-file.js';
import { parseQueues } from '../directory/queue-file.js';
import { aCallRecord, T0 } from '../../test/support/call-records.js';
import { pagesOf } from './paging-pages.js';

/** Issue 18 item 7: nobody is paged for a request they asked for. */
const directory = {
  people: [
    { id: 'tex', displayName: 'tex', roles: ['technician', 'expert'], skills: ['pumps'] },
    { id: 'erika', displayName: 'erika', roles: ['expert'], skills: ['pumps'] },
    { id: 'sam', displayName: 'sam', roles: ['supervisor', 'technician'] },
    { id: 'sue', displayName: 'sue', roles: ['supervisor'] },
  ],
  // The step names tex too: a step reached does not make the requester pageable either.
  queues: [
    { id: 'pumps', skills: ['pumps'], escalation: [{ afterSeconds: 0, addExperts: ['tex'] }] },
  ],
};
const PEOPLE = parseDirectory({
  people: directory.people.map((p, i) => ({ ...p, xassist: { userId: p.id, userDbId: i + 1 } })),
});
const [PUMPS] = parseQueues(directory, PEOPLE);
const technician = (id: string) => ({
  id,
  displayName: id,
  xassistUserId: id,
  xassistUserDbId: 1,
});
const event = (type: string, status: CallEventRecord['status']): CallEventRecord => ({
  callId: 'c1',
  seq: 1,
  type,
  at: T0,
  status,
  xassist: null,
});
const pages = (
  requester: { technician: string; createdBy: string },
  type: string,
  status: CallEventRecord['status'],
) =>
  pagesOf(
    aCallRecord({
      status,
      experts: [],
      queueId: 'pumps',
      queuedAt: T0,
      technician: technician(requester.technician),
      createdBy: requester.createdBy,
    }),
    factsOf(aCallRecord({ status: 'queued', queueId: 'pumps' }), aCallRecord({ status }), [
      event(type, status),
    ]),
    {
      rules: [{ queue: '*', channel: 'ops', on: ['queued', 'escalated', 'unanswered'] }],
      people: PEOPLE,
      queue: () => PUMPS,
    },
  );
const mentioned = (drafts: ReturnType<typeof pages>) =>
  drafts.flatMap((d) => d.mentions.map((m) => m.id));
const linked = (drafts: ReturnType<typeof pages>) =>
  drafts.flatMap((d) => d.links.flatMap((l) => (l.kind === 'accept' ? [l.expertId] : [])));

describe('paging never pages the requester', () => {
  it("a technician who is also an expert gets no mention and no link in their own request's pages", () => {
    for (const type of ['status.queued', 'routing.escalated']) {
      const drafts = pages({ technician: 'tex', createdBy: 'tex' }, type, 'queued');
      expect([mentioned(drafts), linked(drafts)]).toEqual([['erika'], ['erika']]);
    }
    const others = pages({ technician: 'tom', createdBy: 'tom' }, 'status.queued', 'queued');
    expect(mentioned(others)).toEqual(['tex', 'erika']);
  });

  it('a supervisor whose request it is is not among the supervisors an unanswered request pages; one who asked for another is', () => {
    const own = pages({ technician: 'sam', createdBy: 'sam' }, 'status.unanswered', 'unanswered');
    expect(mentioned(own)).toEqual(['sue']);
    const onBehalf = pages(
      { technician: 'tom', createdBy: 'sam' },
      'status.unanswered',
      'unanswered',
    );
    // Who asked on the technician's behalf is not the requester: they hear it went unanswered.
    expect(mentioned(onBehalf)).toEqual(['sam', 'sue']);
    const others = pages(
      { technician: 'tom', createdBy: 'erp' },
      'status.unanswered',
      'unanswered',
    );
    expect(mentioned(others)).toEqual(['sam', 'sue']);
  });
});
