import { describe, expect, it } from '@jest/globals';
import type { Person } from '../directory/person.js';
import {
  callbackExpired,
  callbackExpiresAtMs,
  callbackOr,
  callbackRefusal,
} from './callback-rules.js';

const xassist = { userId: 'u', userDbId: 1, domain: 'acme', email: '', phoneNumber: '' };
const person = (roles: Person['roles'], skills: string[] = [], withXAssist = true): Person => ({
  id: 'p',
  displayName: 'P',
  email: 'p@example.com',
  roles,
  skills,
  ...(withXAssist ? { xassist } : {}),
});

describe('callback rules', () => {
  it('a queue with callbackOnUnanswered keeps the request as a callback; others end it as given', () => {
    expect(callbackOr({ callbackOnUnanswered: true }, 'unanswered')).toBe('callback_pending');
    expect(callbackOr({ callbackOnUnanswered: false }, 'unanswered')).toBe('unanswered');
    expect(callbackOr(undefined, 'unanswered')).toBe('unanswered');
  });

  it('a callback expires callbackHours after the technician asked, or at once when its queue is gone', () => {
    const call = { queuedAt: '2026-12-07T01:00:00.000Z', createdAt: '2026-12-07T00:59:59.000Z' };
    const expiresAt = callbackExpiresAtMs({ callbackHours: 24 }, call);
    expect(new Date(expiresAt).toISOString()).toBe('2026-12-08T01:00:00.000Z');
    expect(callbackExpired({ callbackHours: 24 }, call, expiresAt - 1)).toBe(false);
    expect(callbackExpired({ callbackHours: 24 }, call, expiresAt)).toBe(true);
    expect(callbackExpired(undefined, call, Date.parse(call.queuedAt))).toBe(true);
    // Never queued (a callback from the start): from the row's creation.
    const fresh = { queuedAt: null, createdAt: '2026-12-07T01:00:00.000Z' };
    expect(callbackExpiresAtMs({ callbackHours: 1 }, fresh)).toBe(
      Date.parse('2026-12-07T02:00:00.000Z'),
    );
  });

  it("experts with the queue's skills take callbacks; supervisors who are experts take any", () => {
    const queue = { skills: ['pumps'] };
    expect(callbackRefusal(person(['expert'], ['pumps', 'valves']), queue)).toBeNull();
    expect(callbackRefusal(person(['expert'], ['valves']), queue)).toBe(
      'this callback needs the skills pumps, which you do not have; leave it to an expert who has them, or ask a supervisor',
    );
    expect(callbackRefusal(person(['expert', 'supervisor']), queue)).toBeNull();
    expect(callbackRefusal(person(['supervisor']), queue)).toBe(
      'only experts call technicians back; leave it to an expert of this queue',
    );
    expect(callbackRefusal(person(['technician']), queue)).toBe(
      'only experts call technicians back; leave it to an expert of this queue',
    );
    expect(callbackRefusal(person(['expert'], ['pumps'], false), queue)).toBe(
      'you have no xAssist user in the directory, so you cannot call back; ask an administrator to add one',
    );
  });

  it('also lets the experts the queue names itself take them: its escalation steps and on-call rota', () => {
    const valvesOnly = person(['expert'], ['valves']);
    const step = { afterSeconds: 60, addExperts: ['p'], notifySupervisors: false };
    expect(callbackRefusal(valvesOnly, { skills: ['pumps'], escalation: [step] })).toBeNull();
    const rota = {
      weekly: [],
      holidays: [],
      outsideHours: 'on_call' as const,
      onCall: { rota: [{ expertId: 'p', from: 0, to: 60 }], overrides: [] },
    };
    expect(
      callbackRefusal(valvesOnly, { skills: ['pumps'], openingHours: rota as never }),
    ).toBeNull();
    expect(callbackRefusal(valvesOnly, { skills: ['pumps'], escalation: [] })).not.toBeNull();
  });
});
