import { aCallRecord } from '../../test/support/call-records.js';
import { participant, people } from '../../test/support/people.js';
import { canSeeCall, joinsCall } from './call-access.js';

/**
 * Issue 22: GET /v1/calls/:id/join answered everyone who may see the call. Those who join it are
 * its technician (the glasses) and its experts (invited, or the one who accepted it from a queue).
 */
describe('joinsCall', () => {
  const ringingErika = aCallRecord({ experts: [participant(people.erika)] });

  it('is the call’s technician and its experts', () => {
    expect(joinsCall(people.tom, ringingErika)).toBe(true);
    expect(joinsCall(people.erika, ringingErika)).toBe(true);
  });

  it('is nobody who only watches: a supervisor, an integration, an expert of the queue', () => {
    const queued = aCallRecord({ status: 'queued', experts: [], queueId: 'pumps' });
    for (const watcher of [people.sam, people.erp, people.ed]) {
      expect(canSeeCall(watcher, queued)).toBe(true);
      expect(joinsCall(watcher, queued)).toBe(false);
    }
    expect(joinsCall(people.sam, ringingErika)).toBe(false);
    expect(joinsCall(people.tina, ringingErika)).toBe(false);
  });

  it('is a supervisor who is also one of its experts', () => {
    const supervising = { ...people.erika, roles: [...people.erika.roles, 'supervisor' as const] };
    expect(joinsCall(supervising, ringingErika)).toBe(true);
  });
});
