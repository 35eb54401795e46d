import type { Person, Role } from './person.js';

/** The people the broker knows, loaded and validated once at start-up. */
export class DirectoryService {
  private readonly byId: Map<string, Person>;

  constructor(people: Person[]) {
    this.byId = new Map(people.map((person) => [person.id, person]));
  }

  find(id: string): Person | undefined {
    return this.byId.get(id);
  }

  all(): Person[] {
    return [...this.byId.values()];
  }

  withRole(role: Role): Person[] {
    return this.all().filter((person) => person.roles.includes(role));
  }
}

export function hasRole(person: Person, ...roles: Role[]): boolean {
  return roles.some((role) => person.roles.includes(role));
}
