import { DEMO_DIRECTORY } from './demo-directory.js';
import { DirectoryError, parseDirectory } from './directory-file.js';

const erika = {
  id: 'erika',
  displayName: 'Erika Expert',
  roles: ['expert'],
  xassist: { userId: 'erika', userDbId: 8, domain: 'acme', phoneNumber: '' },
};

describe('parseDirectory', () => {
  it('accepts the demo directory', () => {
    const people = parseDirectory(DEMO_DIRECTORY);
    expect(people.map((p) => p.id)).toEqual(['tom', 'tina', 'erika', 'ed', 'sam', 'erp']);
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
});
