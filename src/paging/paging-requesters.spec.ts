import type { CallEventRecord } from '../calls/call.model.js';
import type { Person } from '../directory/person.js';
import type { Queue } from '../directory/queue.js';
import { ringingCall, T0 } from '../../test/support/call-records.js';
import { pagesOf } from './paging-pages.js';

/** Issue 18 item 7: nobody is paged for a request they asked for. */
const person = (id: string, roles: Person['roles'], skills: string[] = []): Person => ({
  id,
  displayName: id,
  email: '',
  roles,
  skills,
});
const PEOPLE = [
  person('tex', ['technician', 'expert'], ['pumps']),
  person('erika', ['expert'], ['pumps']),
  person('sam', ['supervisor', 'technician']),
  person('sue', ['supervisor']),
];
const PUMPS: Queue = {
  id: 'pumps',
  name: 'Pumps',
  skills: ['pumps'],
  strategy: 'ring_all',
  offerTimeoutSeconds: 20,
  maxWaitSeconds: 60,
  maxQueued: 10,
  maxQueuedPerTechnician: 3,
  urgentRoles: ['supervisor'],
  escalation: [{ afterSeconds: 0, addExperts: ['tex'], notifySupervisors: false }],
};
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
    ringingCall({
      status,
      experts: [],
      queueId: 'pumps',
      queuedAt: T0,
      technician: technician(requester.technician),
      createdBy: requester.createdBy,
    }),
    [event(type, status)],
    {
      rules: [{ queue: '*', channel: 'ops', on: ['queued', 'escalated', 'unanswered'] }],
      people: PEOPLE,
      queue: () => PUMPS,
    },
  );
const mentioned = (drafts: ReturnType<typeof pages>) =>
  drafts.flatMap((d) => d.mentions.map((m) => m.id));
const linked = (drafts: ReturnType<typeof pages>) =>
  drafts.flatMap((d) => d.links.map((l) => l.expertId));

describe('paging never pages the requester', () => {
  it("a technician who is also an expert gets no mention and no link in their own request's pages", () => {
    for (const type of ['status.queued', 'routing.escalated']) {
      const drafts = pages({ technician: 'tex', createdBy: 'tex' }, type, 'queued');
      expect([mentioned(drafts), linked(drafts)]).toEqual([['erika'], ['erika']]);
    }
    const others = pages({ technician: 'tom', createdBy: 'tom' }, 'status.queued', 'queued');
    expect(mentioned(others)).toEqual(['tex', 'erika']);
  });

  it('a supervisor who asked is not among the supervisors an unanswered request pages', () => {
    const own = pages({ technician: 'sam', createdBy: 'sam' }, 'status.unanswered', 'unanswered');
    expect(mentioned(own)).toEqual(['sue']);
    const onBehalf = pages(
      { technician: 'tom', createdBy: 'sam' },
      'status.unanswered',
      'unanswered',
    );
    expect(mentioned(onBehalf)).toEqual(['sue']);
    const others = pages(
      { technician: 'tom', createdBy: 'erp' },
      'status.unanswered',
      'unanswered',
    );
    expect(mentioned(others)).toEqual(['sam', 'sue']);
  });
});
