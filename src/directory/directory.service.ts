import type { Person, Role } from './person.js';
import type { Queue } from './queue.js';

/** The people and queues the broker knows, loaded and validated once at start-up. */
export class DirectoryService {
  private readonly byId: Map<string, Person>;
  private readonly queuesById: Map<string, Queue>;

  constructor(people: Person[], queues: Queue[] = []) {
    this.byId = new Map(people.map((person) => [person.id, person]));
    this.queuesById = new Map(queues.map((queue) => [queue.id, queue]));
  }

  /** Every queue, in the directory file's order. */
  queues(): Queue[] {
    return [...this.queuesById.values()];
  }

  queue(id: string): Queue | undefined {
    return this.queuesById.get(id);
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
