import { QUEUE_DEFAULTS, type Queue } from '../../src/directory/queue.js';

/**
 * A queue as the directory file gives it once validated: the pumps queue with every default of
 * QUEUE_DEFAULTS, `overrides` on top. The one place specs build a Queue, so a new queue field
 * needs a default here only.
 */
export function aQueue(overrides: Partial<Queue> = {}): Queue {
  return {
    ...QUEUE_DEFAULTS,
    id: 'pumps',
    name: 'Pumps',
    skills: ['pumps'],
    urgentRoles: ['supervisor'],
    escalation: [],
    openingHours: null,
    ...overrides,
  };
}
