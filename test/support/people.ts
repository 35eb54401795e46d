import type { Participant } from '../../src/calls/call.model.js';
import { parseDirectory } from '../../src/directory/directory-file.js';
import type { Person } from '../../src/directory/person.js';

const xassist = (userId: string, userDbId: number, phoneNumber = '') => ({
  userId,
  userDbId,
  domain: 'acme',
  phoneNumber,
});

/**
 * The directory-file entries (DIRECTORY_FILE's `people`) of the e2e suites' broker: technicians
 * tom and tina, experts erika (pumps) and ed, supervisor sam, the ERP connector. The simulator
 * knows the same xAssist users.
 */
export const PEOPLE = [
  {
    id: 'tom',
    displayName: 'Tom Technician',
    email: 'tom@acme.example',
    roles: ['technician'],
    xassist: xassist('tom', 12),
  },
  {
    id: 'tina',
    displayName: 'Tina Technician',
    email: 'tina@acme.example',
    roles: ['technician'],
    xassist: xassist('tina', 13),
  },
  {
    id: 'erika',
    displayName: 'Erika Expert',
    email: 'erika@acme.example',
    roles: ['expert'],
    skills: ['pumps'],
    xassist: xassist('erika', 8, '+49 1'),
  },
  {
    id: 'ed',
    displayName: 'Ed Expert',
    email: 'ed@acme.example',
    roles: ['expert'],
    xassist: xassist('ed', 9),
  },
  { id: 'sam', displayName: 'Sam Supervisor', roles: ['supervisor'] },
  { id: 'erp', displayName: 'ERP connector', roles: ['integration'] },
];

/** A valves expert the suites' broker does not know: for specs that need someone outside pumps. */
const MAX = {
  id: 'max',
  displayName: 'Max Expert',
  roles: ['expert'],
  skills: ['valves'],
  xassist: xassist('max', 10),
};

/**
 * Demo mode's demo expert (src/directory/demo-directory.ts), for suites of demo mode: a pumps
 * expert the suites' broker knows only when a suite adds her to its people.
 */
export const DEMO_EXPERT = {
  id: 'dana',
  displayName: 'Dana Demo',
  roles: ['expert'],
  skills: ['pumps', 'valves'],
  xassist: xassist('dana', 14),
};

const parsed = new Map(parseDirectory({ people: [...PEOPLE, MAX] }).map((p) => [p.id, p]));
const find = (id: string): Person => parsed.get(id)!;

/**
 * The same people as the broker holds them (Person), by name and by the role a spec needs.
 * A Person is a valid directory entry too: `directoryFrom({ people: [people.tom, ...] })`.
 */
export const people = {
  tom: find('tom'),
  tina: find('tina'),
  erika: find('erika'),
  ed: find('ed'),
  sam: find('sam'),
  erp: find('erp'),
  max: find('max'),
  technician: find('tom'),
  expert: find('erika'),
  supervisor: find('sam'),
  integration: find('erp'),
} as const;

/** A person as a call's participant (with the xAssist identity events are matched against). */
export function participant(person: Person): Participant {
  return {
    id: person.id,
    displayName: person.displayName,
    xassistUserId: person.xassist!.userId,
    xassistUserDbId: person.xassist!.userDbId,
  };
}

/** A person for the routing rules' specs: id as display name, no xAssist user. */
export function aPerson(id: string, roles: Person['roles'], skills: string[] = []): Person {
  return { id, displayName: id, email: '', roles, skills };
}
