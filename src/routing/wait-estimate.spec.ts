import { aPerson } from '../../test/support/people.js';
import { aQueue } from '../../test/support/queues.js';
import type { Queue } from '../directory/queue.js';
import type { ExpertStanding, Offer, QueuedRequest } from './routing.model.js';
import { requestWait } from './wait-estimate.js';

/**
 * Issue 22: the estimate divided by every expert the queue allows a request made now, so experts
 * who could never be offered this one request (who declined it, let it time out, or asked for it
 * themselves) made its wait look shorter. Plain data, an instant passed in.
 */
const T0 = Date.parse('2026-11-23T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const person = aPerson;
const PEOPLE = [
  person('erika', ['expert'], ['pumps']),
  person('ed', ['expert'], ['valves']),
  person('dora', ['expert'], ['pumps']),
  person('tex', ['technician', 'expert'], ['pumps']),
  person('bo', ['expert'], ['pumps']),
  person('max', ['expert'], ['valves']),
];
const PUMPS: Queue = aQueue({
  maxQueued: 50,
  urgentRoles: [],
  escalation: [{ afterSeconds: 60, addExperts: ['max'], notifySupervisors: false }],
});
const standing = (busy: string[] = []) =>
  new Map<string, ExpertStanding>(
    PEOPLE.map((p) => [p.id, { status: 'available', busy: busy.includes(p.id), idleSinceMs: 0 }]),
  );
const texAsks: QueuedRequest = {
  callId: 'c1',
  queueId: 'pumps',
  priority: 'normal',
  queuedAt: at(0),
  requesters: ['tex'],
};
const declined = (expertId: string): Offer => ({
  id: `c1-${expertId}`,
  callId: 'c1',
  expertId,
  status: 'declined',
  offeredAt: at(0),
  expiresAt: at(20),
  endedAt: at(5),
});
/** Ten seconds to accept, typically. */
const HISTORY = [10, 10, 10];

describe('requestWait', () => {
  it('divides by the free experts who could take this request, nobody else', () => {
    // pumps experts: erika, dora, tex, bo. tex asked for it, dora declined it, ed lacks the skill:
    // erika and bo remain, so position 2 waits 2 x 10 / 2, not 2 x 10 / 4.
    const wait = requestWait(
      PUMPS,
      PEOPLE,
      standing(),
      texAsks,
      [declined('dora')],
      2,
      HISTORY,
      T0,
    );
    expect(wait).toEqual({ takers: 2, estimatedWaitSeconds: 10 });
  });

  it('counts a busy expert as one who can take it, not as one free to answer now', () => {
    const wait = requestWait(PUMPS, PEOPLE, standing(['bo']), texAsks, [], 2, HISTORY, T0);
    // Takers: erika, dora, bo (busy); free now: erika and dora.
    expect(wait).toEqual({ takers: 3, estimatedWaitSeconds: 10 });
  });

  it('counts an expert an escalation step added once the step is reached', () => {
    const before = requestWait(
      PUMPS,
      PEOPLE,
      standing(['dora', 'bo']),
      texAsks,
      [],
      1,
      HISTORY,
      T0,
    );
    const after = requestWait(
      PUMPS,
      PEOPLE,
      standing(['dora', 'bo']),
      texAsks,
      [],
      1,
      HISTORY,
      T0 + 60_000,
    );
    expect(before).toEqual({ takers: 3, estimatedWaitSeconds: 10 }); // erika alone is free
    expect(after).toEqual({ takers: 4, estimatedWaitSeconds: 5 }); // erika and max
  });

  it('estimates nothing while nobody can take it, without history, or out of the queue', () => {
    const everyoneDeclined = ['erika', 'dora', 'bo'].map(declined);
    expect(
      requestWait(PUMPS, PEOPLE, standing(), texAsks, everyoneDeclined, 1, HISTORY, T0),
    ).toEqual({ takers: 0, estimatedWaitSeconds: null });
    expect(requestWait(PUMPS, PEOPLE, standing(), texAsks, [], 1, [], T0)).toEqual({
      takers: 3,
      estimatedWaitSeconds: null,
    });
    expect(requestWait(PUMPS, PEOPLE, standing(), texAsks, [], null, HISTORY, T0)).toEqual({
      takers: 3,
      estimatedWaitSeconds: null,
    });
  });
});
