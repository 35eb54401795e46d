import { ROLES, type Person, type Role } from './person.js';

export class DirectoryError extends Error {
  override name = 'DirectoryError';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a directory entry went wrong and how: one line per mistake. */
export type Report = (where: string, message: string) => void;

/** Each field of `raw` not among `known` is a mistake, naming the fields that are. */
export function unknownKeys(report: Report, where: string, raw: object, known: Set<string>): void {
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) report(where, `unknown field "${key}" (known: ${[...known].join(', ')})`);
  }
}

/**
 * Validates the DIRECTORY_FILE contents; every message names the person and the field. Every
 * mistake is reported, one line each, in one DirectoryError: a start-up per mistake is slow.
 */
export function parseDirectory(input: unknown): Person[] {
  if (!isObject(input) || !Array.isArray(input.people)) {
    throw new DirectoryError('the directory must be a JSON object with a "people" array');
  }
  const lines: string[] = [];
  const seen = new Set<string>();
  const people = input.people.flatMap((raw, index) => {
    const where =
      isObject(raw) && typeof raw.id === 'string' ? `person "${raw.id}"` : `people[${index}]`;
    const person = parsePerson(raw, seen, (message) => lines.push(`${where}: ${message}`));
    return person ?? [];
  });
  if (lines.length > 0) throw new DirectoryError(lines.join('\n'));
  return people;
}

/** One person, or undefined when it is not an object; `mistake` hears each broken rule. */
function parsePerson(
  raw: unknown,
  seen: Set<string>,
  mistake: (message: string) => void,
): Person | undefined {
  if (!isObject(raw)) {
    mistake('must be an object');
    return undefined;
  }
  if (typeof raw.id !== 'string' || !/^[A-Za-z0-9._@-]{1,128}$/.test(raw.id)) {
    mistake('"id" must be 1 to 128 letters, digits or ._@-');
  } else if (seen.has(raw.id)) {
    mistake('"id" is used by another person too');
  } else {
    seen.add(raw.id);
  }
  if (typeof raw.displayName !== 'string' || raw.displayName.trim() === '')
    mistake('"displayName" must be a non-empty string');
  if (raw.email !== undefined && typeof raw.email !== 'string') mistake('"email" must be a string');
  const roles = Array.isArray(raw.roles) ? (raw.roles as unknown[]) : [];
  if (roles.length === 0) mistake('"roles" must be a non-empty array');
  for (const role of roles) {
    if (!ROLES.includes(role as Role))
      mistake(`"roles" has unknown role ${JSON.stringify(role)} (known: ${ROLES.join(', ')})`);
  }
  if (
    raw.skills !== undefined &&
    (!Array.isArray(raw.skills) || raw.skills.some((s) => typeof s !== 'string'))
  ) {
    mistake('"skills" must be an array of strings');
  }
  const needsXAssist = roles.includes('technician') || roles.includes('expert');
  let xassist: Person['xassist'];
  if (raw.xassist !== undefined || needsXAssist) {
    if (!isObject(raw.xassist)) {
      mistake('"xassist" is required for technicians and experts');
    } else {
      const { userId, userDbId, domain, phoneNumber } = raw.xassist;
      if (typeof userId !== 'string' || userId === '')
        mistake('"xassist.userId" must be a non-empty string');
      if (!Number.isInteger(userDbId) || (userDbId as number) <= 0)
        mistake('"xassist.userDbId" must be a positive whole number');
      if (domain !== undefined && typeof domain !== 'string')
        mistake('"xassist.domain" must be a string');
      if (phoneNumber !== undefined && typeof phoneNumber !== 'string')
        mistake('"xassist.phoneNumber" must be a string');
      xassist = {
        userId: userId as string,
        userDbId: userDbId as number,
        domain: (domain as string | undefined) ?? '',
        phoneNumber: (phoneNumber as string | undefined) ?? '',
      };
    }
  }
  return {
    id: raw.id as string,
    displayName: String(raw.displayName).trim(),
    email: (raw.email as string | undefined) ?? '',
    roles: roles as Role[],
    skills: (raw.skills as string[] | undefined) ?? [],
    xassist,
  };
}
