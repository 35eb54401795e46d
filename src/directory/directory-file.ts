import { ROLES, type Person, type Role } from './person.js';

export class DirectoryError extends Error {
  override name = 'DirectoryError';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates the DIRECTORY_FILE contents; every message names the person and the field. */
export function parseDirectory(input: unknown): Person[] {
  if (!isObject(input) || !Array.isArray(input.people)) {
    throw new DirectoryError('the directory must be a JSON object with a "people" array');
  }
  const seen = new Set<string>();
  return input.people.map((raw, index) => {
    const where =
      isObject(raw) && typeof raw.id === 'string' ? `person "${raw.id}"` : `people[${index}]`;
    const fail = (message: string): never => {
      throw new DirectoryError(`${where}: ${message}`);
    };
    if (!isObject(raw)) return fail('must be an object');
    if (typeof raw.id !== 'string' || !/^[A-Za-z0-9._@-]{1,128}$/.test(raw.id)) {
      fail('"id" must be 1 to 128 letters, digits or ._@-');
    }
    const id = raw.id as string;
    if (seen.has(id)) fail('"id" is used by another person too');
    seen.add(id);
    if (typeof raw.displayName !== 'string' || raw.displayName.trim() === '')
      fail('"displayName" must be a non-empty string');
    if (raw.email !== undefined && typeof raw.email !== 'string') fail('"email" must be a string');
    if (!Array.isArray(raw.roles) || raw.roles.length === 0)
      fail('"roles" must be a non-empty array');
    for (const role of raw.roles as unknown[]) {
      if (!ROLES.includes(role as Role))
        fail(`"roles" has unknown role ${JSON.stringify(role)} (known: ${ROLES.join(', ')})`);
    }
    const roles = raw.roles as Role[];
    if (
      raw.skills !== undefined &&
      (!Array.isArray(raw.skills) || raw.skills.some((s) => typeof s !== 'string'))
    ) {
      fail('"skills" must be an array of strings');
    }
    const needsXAssist = roles.includes('technician') || roles.includes('expert');
    let xassist: Person['xassist'];
    if (raw.xassist !== undefined || needsXAssist) {
      if (!isObject(raw.xassist)) return fail('"xassist" is required for technicians and experts');
      const { userId, userDbId, domain, phoneNumber } = raw.xassist;
      if (typeof userId !== 'string' || userId === '')
        fail('"xassist.userId" must be a non-empty string');
      if (!Number.isInteger(userDbId) || (userDbId as number) <= 0)
        fail('"xassist.userDbId" must be a positive whole number');
      if (domain !== undefined && typeof domain !== 'string')
        fail('"xassist.domain" must be a string');
      if (phoneNumber !== undefined && typeof phoneNumber !== 'string')
        fail('"xassist.phoneNumber" must be a string');
      xassist = {
        userId: userId as string,
        userDbId: userDbId as number,
        domain: (domain as string | undefined) ?? '',
        phoneNumber: (phoneNumber as string | undefined) ?? '',
      };
    }
    return {
      id,
      displayName: (raw.displayName as string).trim(),
      email: (raw.email as string | undefined) ?? '',
      roles,
      skills: (raw.skills as string[] | undefined) ?? [],
      xassist,
    };
  });
}
