import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DIRECTORY } from './demo-directory.js';
import { DirectoryError, parseDirectory } from './directory-file.js';
import { directoryFrom, loadDirectory } from './directory.module.js';
import { parseQueues } from './queue-file.js';

const xassist = (userDbId: number) => ({ userId: `u${userDbId}`, userDbId, domain: 'acme' });
const people = [
  { id: 'tom', displayName: 'Tom', roles: ['technician'], xassist: xassist(1) },
  { id: 'erika', displayName: 'Erika', roles: ['expert'], skills: ['pumps'], xassist: xassist(2) },
  { id: 'max', displayName: 'Max', roles: ['expert'], skills: ['valves'], xassist: xassist(3) },
  { id: 'sam', displayName: 'Sam', roles: ['supervisor'] },
];
const pumps = {
  id: 'pumps',
  name: 'Pumps and compressors',
  skills: ['pumps'],
  strategy: 'longest_idle',
  offerTimeoutSeconds: 20,
  maxWaitSeconds: 300,
  maxQueued: 50,
  escalation: [
    { afterSeconds: 60, addExperts: ['max'] },
    { afterSeconds: 120, notifySupervisors: true },
  ],
};

const parse = (queues: unknown[]) => {
  const file = { people, queues };
  return parseQueues(file, parseDirectory(file));
};
const mistakesOf = (queues: unknown[]): string[] => {
  try {
    parse(queues);
  } catch (error) {
    expect(error).toBeInstanceOf(DirectoryError);
    return (error as Error).message.split('\n');
  }
  throw new Error('no mistake was reported');
};

describe('parseQueues', () => {
  it('reads the contract example whole', () => {
    expect(parse([pumps])).toEqual(
      [pumps].map((q) => ({
        ...q,
        maxQueuedPerTechnician: 3,
        urgentRoles: ['supervisor', 'integration'],
        escalation: [
          { afterSeconds: 60, addExperts: ['max'], notifySupervisors: false },
          { afterSeconds: 120, addExperts: [], notifySupervisors: true },
        ],
        wrapUpSeconds: 0,
        wrapUpEditHours: 24,
        serviceLevelSeconds: 30,
        callbackOnUnanswered: false,
        callbackHours: 24,
        openingHours: null,
        bookingGuardMinutes: 10,
      })),
    );
  });

  it('fills in the defaults and takes the id as the name', () => {
    expect(parse([{ id: 'any' }])).toEqual([
      {
        id: 'any',
        name: 'any',
        skills: [],
        strategy: 'ring_all',
        offerTimeoutSeconds: 20,
        maxWaitSeconds: 300,
        maxQueued: 100,
        maxQueuedPerTechnician: 3,
        urgentRoles: ['supervisor', 'integration'],
        escalation: [],
        wrapUpSeconds: 0,
        wrapUpEditHours: 24,
        serviceLevelSeconds: 30,
        callbackOnUnanswered: false,
        callbackHours: 24,
        openingHours: null,
        bookingGuardMinutes: 10,
      },
    ]);
  });

  it('takes the service-level window of the reports', () => {
    expect(parse([{ id: 'any', serviceLevelSeconds: 20 }])[0]).toMatchObject({
      serviceLevelSeconds: 20,
    });
  });

  it('takes the booking guard of booked sessions, 0 turning it off', () => {
    expect(parse([{ id: 'any', bookingGuardMinutes: 30 }])[0].bookingGuardMinutes).toBe(30);
    expect(parse([{ id: 'any', bookingGuardMinutes: 0 }])[0].bookingGuardMinutes).toBe(0);
  });

  it('takes after-call work and the wrap-up edit window', () => {
    const [queue] = parse([{ id: 'any', wrapUpSeconds: 90, wrapUpEditHours: 48 }]);
    expect(queue).toMatchObject({ wrapUpSeconds: 90, wrapUpEditHours: 48 });
  });

  it('takes callbacks instead of unanswered requests, and how long they wait', () => {
    const [queue] = parse([{ id: 'any', callbackOnUnanswered: true, callbackHours: 8 }]);
    expect(queue).toMatchObject({ callbackOnUnanswered: true, callbackHours: 8 });
  });

  it("takes a technician's share of the queue and the roles that may ask urgent", () => {
    const [queue] = parse([{ id: 'any', maxQueuedPerTechnician: 1, urgentRoles: ['technician'] }]);
    expect(queue).toMatchObject({ maxQueuedPerTechnician: 1, urgentRoles: ['technician'] });
    expect(parse([{ id: 'any', urgentRoles: [] }])[0].urgentRoles).toEqual([]);
  });

  it('a file without queues has none', () => {
    expect(parseQueues({ people }, parseDirectory({ people }))).toEqual([]);
  });

  it.each([
    [
      { ...pumps, skills: ['pumps', 'valves'] },
      'queue "pumps": no expert in "people" has every skill of ["pumps","valves"]',
    ],
    [
      { ...pumps, skills: ['hydraulics'] },
      'queue "pumps": no expert in "people" has every skill of ["hydraulics"]',
    ],
    [
      { ...pumps, skills: 'pumps' },
      'queue "pumps": "skills" must be an array of non-empty strings',
    ],
    [
      { ...pumps, strategy: 'round_robin' },
      'queue "pumps": "strategy" is "round_robin"; use one of ring_all, serial, longest_idle',
    ],
    [
      { ...pumps, offerTimeoutSeconds: -5 },
      'queue "pumps": "offerTimeoutSeconds" must be a whole number from 1 to 86400',
    ],
    [
      { ...pumps, offerTimeoutSeconds: 0 },
      'queue "pumps": "offerTimeoutSeconds" must be a whole number from 1 to 86400',
    ],
    [
      { ...pumps, maxWaitSeconds: 2.5 },
      'queue "pumps": "maxWaitSeconds" must be a whole number from 1 to 86400',
    ],
    [
      { ...pumps, maxQueued: '50' },
      'queue "pumps": "maxQueued" must be a whole number from 1 to 86400',
    ],
    [
      { ...pumps, strategey: 'serial' },
      'queue "pumps": unknown field "strategey" (known: id, name, skills, strategy, offerTimeoutSeconds, maxWaitSeconds, maxQueued, maxQueuedPerTechnician, urgentRoles, escalation, wrapUpSeconds, wrapUpEditHours, serviceLevelSeconds, callbackOnUnanswered, callbackHours, timeZone, hours, holidays, outsideHours, onCall, bookingGuardMinutes)',
    ],
    [
      { ...pumps, bookingGuardMinutes: -1 },
      'queue "pumps": "bookingGuardMinutes" must be a whole number from 0 to 1440',
    ],
    [
      { ...pumps, bookingGuardMinutes: 1441 },
      'queue "pumps": "bookingGuardMinutes" must be a whole number from 0 to 1440',
    ],
    [
      { ...pumps, wrapUpSeconds: -1 },
      'queue "pumps": "wrapUpSeconds" must be a whole number from 0 to 86400',
    ],
    [
      { ...pumps, wrapUpEditHours: 0 },
      'queue "pumps": "wrapUpEditHours" must be a whole number from 1 to 8808',
    ],
    [
      { ...pumps, wrapUpEditHours: '24' },
      'queue "pumps": "wrapUpEditHours" must be a whole number from 1 to 8808',
    ],
    [
      { ...pumps, callbackOnUnanswered: 'yes' },
      'queue "pumps": "callbackOnUnanswered" must be true or false',
    ],
    [
      { ...pumps, callbackHours: 0 },
      'queue "pumps": "callbackHours" must be a whole number from 1 to 672',
    ],
    [
      { ...pumps, callbackHours: 1.5 },
      'queue "pumps": "callbackHours" must be a whole number from 1 to 672',
    ],
    [
      { ...pumps, maxQueuedPerTechnician: 0 },
      'queue "pumps": "maxQueuedPerTechnician" must be a whole number from 1 to 86400',
    ],
    [
      { ...pumps, urgentRoles: ['boss'] },
      'queue "pumps": "urgentRoles" names "boss"; use roles of technician, expert, supervisor, integration',
    ],
    [
      { ...pumps, urgentRoles: 'supervisor' },
      'queue "pumps": "urgentRoles" must be an array of non-empty strings',
    ],
    [{ ...pumps, id: 'a queue' }, 'queue "a queue": "id" must be 1 to 64 letters, digits or ._-'],
    [{ ...pumps, id: undefined }, 'queues[0]: "id" must be 1 to 64 letters, digits or ._-'],
    [{ ...pumps, name: ' ' }, 'queue "pumps": "name" must be a non-empty string'],
    [{ ...pumps, escalation: {} }, 'queue "pumps": "escalation" must be an array of steps'],
    [
      { ...pumps, escalation: [{ afterSeconds: 60, addExperts: ['ghost'] }] },
      'queue "pumps" escalation[0]: "addExperts" names "ghost", who is not an expert in "people"',
    ],
    [
      { ...pumps, escalation: [{ afterSeconds: 60, addExperts: ['tom'] }] },
      'queue "pumps" escalation[0]: "addExperts" names "tom", who is not an expert in "people"',
    ],
    [
      { ...pumps, escalation: [{ afterSeconds: -1, notifySupervisors: true }] },
      'queue "pumps" escalation[0]: "afterSeconds" must be a whole number from 0 to 86400',
    ],
    [
      { ...pumps, escalation: [{ afterSeconds: 10, addExperts: [] }] },
      'queue "pumps" escalation[0]: does nothing: give "addExperts" or "notifySupervisors": true',
    ],
    [
      { ...pumps, escalation: [{ afterSeconds: 10 }] },
      'queue "pumps" escalation[0]: does nothing: give "addExperts" or "notifySupervisors": true',
    ],
    [
      { ...pumps, escalation: [{ afterSeconds: 10, notifySupervisors: 'yes' }] },
      'queue "pumps" escalation[0]: "notifySupervisors" must be true or false',
    ],
    [
      { ...pumps, escalation: [{ afterSeconds: 300, notifySupervisors: true }] },
      'queue "pumps" escalation[0]: "afterSeconds" 300 is never reached: the request ends after "maxWaitSeconds" 300',
    ],
    ['pumps', 'queues[0]: must be an object'],
  ])('refuses %j with one line naming the queue and field', (queue, line) => {
    expect(mistakesOf([queue])).toEqual([line]);
  });

  it('refuses a duplicate queue id', () => {
    expect(mistakesOf([pumps, { ...pumps, name: 'Again' }])).toEqual([
      'queue "pumps": "id" is used by another queue too',
    ]);
  });

  it('reports every mistake of the file at once, one line each', () => {
    expect(
      mistakesOf([
        { ...pumps, strategy: 'x', maxQueued: -1 },
        {
          id: 'valves',
          skills: ['hydraulics'],
          escalation: [{ afterSeconds: 5, addExperts: ['ghost'] }],
        },
      ]),
    ).toEqual([
      'queue "pumps": "strategy" is "x"; use one of ring_all, serial, longest_idle',
      'queue "pumps": "maxQueued" must be a whole number from 1 to 86400',
      'queue "valves": no expert in "people" has every skill of ["hydraulics"]',
      'queue "valves" escalation[0]: "addExperts" names "ghost", who is not an expert in "people"',
    ]);
  });

  it('refuses "queues" that is not an array', () => {
    expect(() => parseQueues({ people, queues: {} }, [])).toThrow(
      '"queues" must be an array of queues',
    );
  });
});

describe('DirectoryService queues', () => {
  it('exposes the queues in file order and by id', () => {
    const directory = directoryFrom({
      people,
      queues: [pumps, { id: 'valves', skills: ['valves'] }],
    });
    expect(directory.queues().map((q) => q.id)).toEqual(['pumps', 'valves']);
    expect(directory.queue('valves')?.strategy).toBe('ring_all');
    expect(directory.queue('nope')).toBeUndefined();
  });

  it('the demo directory has a valid queue', () => {
    const directory = directoryFrom(DEMO_DIRECTORY);
    expect(directory.queues().length).toBeGreaterThan(0);
  });

  it('start-up names the file on every line of a mistake', () => {
    const dir = mkdtempSync(join(tmpdir(), 'queues-'));
    try {
      const file = join(dir, 'people.json');
      writeFileSync(
        file,
        JSON.stringify({ people, queues: [{ ...pumps, strategy: 'x', maxQueued: 0 }] }),
      );
      expect(() => loadDirectory(file)).toThrow(
        `DIRECTORY_FILE ${file}: queue "pumps": "strategy" is "x"; use one of ring_all, serial, longest_idle\n` +
          `DIRECTORY_FILE ${file}: queue "pumps": "maxQueued" must be a whole number from 1 to 86400`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
