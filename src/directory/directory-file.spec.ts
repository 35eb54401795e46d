import { DEMO_DIRECTORY } from './demo-directory.js';
import { DirectoryError, parseDirectory } from './directory-file.js';
import { directoryFrom } from './directory.module.js';

const erika = {
  id: 'erika',
  displayName: 'Erika Expert',
  roles: ['expert'],
  xassist: { userId: 'erika', userDbId: 8, domain: 'acme', phoneNumber: '' },
};

describe('parseDirectory', () => {
  it('accepts the demo directory', () => {
    const people = parseDirectory(DEMO_DIRECTORY);
    expect(people.map((p) => p.id)).toEqual(['tom', 'tina', 'erika', 'ed', 'dana', 'sam', 'erp']);
    expect(people.find((p) => p.id === 'erp')?.xassist).toBeUndefined();
  });

  it.each([
    [{}, /"people" array/],
    [{ people: [erika, erika] }, /^person "erika": "id" is used by another person too$/],
    [
      { people: [{ ...erika, roles: ['boss'] }] },
      /^person "erika": "roles" has unknown role "boss"/,
    ],
    [{ people: [{ ...erika, roles: [] }] }, /^person "erika": "roles" must be a non-empty array/],
    [{ people: [{ ...erika, xassist: undefined }] }, /^person "erika": "xassist" is required/],
    [
      { people: [{ ...erika, xassist: { userId: 'erika' } }] },
      /^person "erika": "xassist.userDbId"/,
    ],
    [{ people: [{ ...erika, xassist: { userDbId: 8 } }] }, /^person "erika": "xassist.userId"/],
    [{ people: [{ ...erika, displayName: '' }] }, /^person "erika": "displayName"/],
    [{ people: [{ displayName: 'x', roles: ['supervisor'] }] }, /^people\[0\]: "id"/],
  ])('rejects %j naming the person and field', (input, message) => {
    expect(() => parseDirectory(input)).toThrow(DirectoryError);
    expect(() => parseDirectory(input)).toThrow(message);
  });

  // Issue 22: docs/api.md promises one line per mistake, and an operator fixing the file should
  // not need a start-up per mistake to find them all.
  it('reports every mistake of every person, one line each', () => {
    const input = {
      people: [
        { ...erika, displayName: '', roles: ['boss'], xassist: { userId: '' } },
        'tom',
        { ...erika, id: 'ed', skills: 'pumps' },
        { ...erika },
      ],
    };
    expect(() => parseDirectory(input)).toThrow(
      new DirectoryError(
        [
          'person "erika": "displayName" must be a non-empty string',
          'person "erika": "roles" has unknown role "boss" (known: technician, expert, supervisor, integration)',
          'person "erika": "xassist.userId" must be a non-empty string',
          'person "erika": "xassist.userDbId" must be a positive whole number',
          'people[1]: must be an object',
          'person "ed": "skills" must be an array of strings',
          'person "erika": "id" is used by another person too',
        ].join('\n'),
      ),
    );
  });
});

describe('directoryFrom', () => {
  it("reports the people's channel mistakes and the queues' mistakes together", () => {
    const input = {
      people: [{ ...erika, skills: ['pumps'], channels: { ringcentral: {} } }],
      queues: [{ id: 'pumps', skills: ['valves'] }],
    };
    expect(() => directoryFrom(input)).toThrow(
      new DirectoryError(
        [
          'person "erika": "channels.ringcentral.personId" is required',
          'queue "pumps": no expert in "people" has every skill of ["valves"]',
        ].join('\n'),
      ),
    );
  });
});
