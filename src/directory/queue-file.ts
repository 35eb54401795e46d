import { DirectoryError, isObject, unknownKeys } from './directory-file.js';
import { HOURS_KEYS, parseOpeningHours } from './opening-hours-file.js';
import { ROLES, type Person, type Role } from './person.js';
import {
  DEFAULT_URGENT_ROLES,
  QUEUE_DEFAULTS,
  QUEUE_ID,
  ROUTING_STRATEGIES,
  type EscalationStep,
  type Queue,
  type RoutingStrategy,
} from './queue.js';

const QUEUE_KEYS = new Set([
  'id',
  'name',
  'skills',
  'strategy',
  'offerTimeoutSeconds',
  'maxWaitSeconds',
  'maxQueued',
  'maxQueuedPerTechnician',
  'urgentRoles',
  'escalation',
  'wrapUpSeconds',
  'wrapUpEditHours',
  'serviceLevelSeconds',
  'callbackOnUnanswered',
  'callbackHours',
  ...HOURS_KEYS,
  'bookingGuardMinutes',
]);
/** A day in minutes: the longest booking guard (routing's MAX_BOOKING_GUARD_MINUTES). */
const MAX_GUARD_MINUTES = 1440;
/** A year and a day in hours: the longest a wrap-up stays editable. */
const MAX_EDIT_HOURS = 8_808;
/** Four weeks: a callback older than that helps nobody (and is surely a typo). */
const MAX_CALLBACK_HOURS = 672;
const STEP_KEYS = new Set(['afterSeconds', 'addExperts', 'notifySupervisors']);
/** A day in seconds: anything larger is surely a typo (milliseconds for seconds, an extra zero). */
const MAX_SECONDS = 86_400;

/** Collects every mistake so that one start-up shows them all, one line each. */
class Mistakes {
  readonly lines: string[] = [];
  add(where: string, message: string): void {
    this.lines.push(`${where}: ${message}`);
  }
  /** `add`, bound: for the shared checks that take a Report. */
  readonly report = (where: string, message: string): void => this.add(where, message);
}

function wholeNumber(
  mistakes: Mistakes,
  where: string,
  raw: Record<string, unknown>,
  field: string,
  { min, fallback }: { min: number; fallback?: number },
): number {
  const value = raw[field];
  if (value === undefined && fallback !== undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > MAX_SECONDS) {
    mistakes.add(where, `"${field}" must be a whole number from ${min} to ${MAX_SECONDS}`);
    return fallback ?? min;
  }
  return value as number;
}

function stringList(mistakes: Mistakes, where: string, value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    mistakes.add(where, `"${field}" must be an array of non-empty strings`);
    return [];
  }
  return value as string[];
}

function roleList(mistakes: Mistakes, where: string, value: unknown): Role[] {
  if (value === undefined) return [...DEFAULT_URGENT_ROLES];
  const roles = stringList(mistakes, where, value, 'urgentRoles');
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role))
      mistakes.add(where, `"urgentRoles" names "${role}"; use roles of ${ROLES.join(', ')}`);
  }
  return roles as Role[];
}

function parseStep(
  mistakes: Mistakes,
  where: string,
  raw: unknown,
  experts: Map<string, Person>,
): EscalationStep | undefined {
  if (!isObject(raw)) {
    mistakes.add(where, 'must be an object');
    return undefined;
  }
  const before = mistakes.lines.length;
  unknownKeys(mistakes.report, where, raw, STEP_KEYS);
  const afterSeconds = wholeNumber(mistakes, where, raw, 'afterSeconds', { min: 0 });
  const addExperts =
    raw.addExperts === undefined ? [] : stringList(mistakes, where, raw.addExperts, 'addExperts');
  for (const id of addExperts) {
    if (!experts.has(id))
      mistakes.add(where, `"addExperts" names "${id}", who is not an expert in "people"`);
  }
  if (raw.notifySupervisors !== undefined && typeof raw.notifySupervisors !== 'boolean')
    mistakes.add(where, '"notifySupervisors" must be true or false');
  const notifySupervisors = raw.notifySupervisors === true;
  const alreadyWrong = mistakes.lines.length > before;
  if (addExperts.length === 0 && !notifySupervisors && !alreadyWrong)
    mistakes.add(where, 'does nothing: give "addExperts" or "notifySupervisors": true');
  return { afterSeconds, addExperts, notifySupervisors };
}

function parseQueue(
  mistakes: Mistakes,
  raw: unknown,
  index: number,
  experts: Map<string, Person>,
  seen: Set<string>,
): Queue | undefined {
  const where =
    isObject(raw) && typeof raw.id === 'string' ? `queue "${raw.id}"` : `queues[${index}]`;
  if (!isObject(raw)) {
    mistakes.add(where, 'must be an object');
    return undefined;
  }
  unknownKeys(mistakes.report, where, raw, QUEUE_KEYS);
  const id = raw.id;
  if (typeof id !== 'string' || !QUEUE_ID.test(id)) {
    mistakes.add(where, '"id" must be 1 to 64 letters, digits or ._-');
  } else if (seen.has(id)) {
    mistakes.add(where, '"id" is used by another queue too');
  } else {
    seen.add(id);
  }
  if (raw.name !== undefined && (typeof raw.name !== 'string' || raw.name.trim() === ''))
    mistakes.add(where, '"name" must be a non-empty string');
  const skills = stringList(mistakes, where, raw.skills ?? [], 'skills');
  if (
    skills.length > 0 &&
    ![...experts.values()].some((expert) => skills.every((s) => expert.skills.includes(s)))
  ) {
    mistakes.add(where, `no expert in "people" has every skill of ${JSON.stringify(skills)}`);
  }
  const strategy = (raw.strategy ?? QUEUE_DEFAULTS.strategy) as RoutingStrategy;
  if (!ROUTING_STRATEGIES.includes(strategy)) {
    mistakes.add(
      where,
      `"strategy" is ${JSON.stringify(raw.strategy)}; use one of ${ROUTING_STRATEGIES.join(', ')}`,
    );
  }
  const number = (
    field:
      | 'offerTimeoutSeconds'
      | 'maxWaitSeconds'
      | 'maxQueued'
      | 'maxQueuedPerTechnician'
      | 'serviceLevelSeconds',
    fallback: number,
  ) => wholeNumber(mistakes, where, raw, field, { min: 1, fallback });
  const offerTimeoutSeconds = number('offerTimeoutSeconds', QUEUE_DEFAULTS.offerTimeoutSeconds);
  const maxWaitSeconds = number('maxWaitSeconds', QUEUE_DEFAULTS.maxWaitSeconds);
  const maxQueued = number('maxQueued', QUEUE_DEFAULTS.maxQueued);
  const maxQueuedPerTechnician = number(
    'maxQueuedPerTechnician',
    QUEUE_DEFAULTS.maxQueuedPerTechnician,
  );
  const wrapUpSeconds = wholeNumber(mistakes, where, raw, 'wrapUpSeconds', {
    min: 0,
    fallback: QUEUE_DEFAULTS.wrapUpSeconds,
  });
  const wrapUpEditHours = editHours(mistakes, where, raw.wrapUpEditHours);
  const serviceLevelSeconds = number('serviceLevelSeconds', QUEUE_DEFAULTS.serviceLevelSeconds);
  const bookingGuardMinutes = guardMinutes(mistakes, where, raw.bookingGuardMinutes);
  const urgentRoles = roleList(mistakes, where, raw.urgentRoles);
  if (raw.callbackOnUnanswered !== undefined && typeof raw.callbackOnUnanswered !== 'boolean')
    mistakes.add(where, '"callbackOnUnanswered" must be true or false');
  const callbackHours = hoursUpTo(mistakes, where, raw, 'callbackHours', MAX_CALLBACK_HOURS);
  const openingHours = parseOpeningHours(mistakes.report, where, raw, experts);
  let escalation: EscalationStep[] = [];
  if (raw.escalation !== undefined && !Array.isArray(raw.escalation)) {
    mistakes.add(where, '"escalation" must be an array of steps');
  } else if (Array.isArray(raw.escalation)) {
    escalation = raw.escalation.flatMap(
      (step, i) => parseStep(mistakes, `${where} escalation[${i}]`, step, experts) ?? [],
    );
    for (const [i, step] of escalation.entries()) {
      if (step.afterSeconds >= maxWaitSeconds) {
        mistakes.add(
          `${where} escalation[${i}]`,
          `"afterSeconds" ${step.afterSeconds} is never reached: the request ends after "maxWaitSeconds" ${maxWaitSeconds}`,
        );
      }
    }
  }
  return {
    id: id as string,
    name: typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name.trim() : String(id),
    skills,
    strategy,
    offerTimeoutSeconds,
    maxWaitSeconds,
    maxQueued,
    maxQueuedPerTechnician,
    urgentRoles,
    escalation,
    wrapUpSeconds,
    wrapUpEditHours,
    serviceLevelSeconds,
    callbackOnUnanswered: raw.callbackOnUnanswered === true,
    callbackHours,
    openingHours,
    bookingGuardMinutes,
  };
}

function guardMinutes(mistakes: Mistakes, where: string, value: unknown): number {
  if (value === undefined) return QUEUE_DEFAULTS.bookingGuardMinutes;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_GUARD_MINUTES) {
    mistakes.add(
      where,
      `"bookingGuardMinutes" must be a whole number from 0 to ${MAX_GUARD_MINUTES}`,
    );
    return QUEUE_DEFAULTS.bookingGuardMinutes;
  }
  return value as number;
}

function editHours(mistakes: Mistakes, where: string, value: unknown): number {
  return hoursUpTo(mistakes, where, { wrapUpEditHours: value }, 'wrapUpEditHours', MAX_EDIT_HOURS);
}

function hoursUpTo(
  mistakes: Mistakes,
  where: string,
  raw: Record<string, unknown>,
  field: 'wrapUpEditHours' | 'callbackHours',
  max: number,
): number {
  const value = raw[field];
  if (value === undefined) return QUEUE_DEFAULTS[field];
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    mistakes.add(where, `"${field}" must be a whole number from 1 to ${max}`);
    return QUEUE_DEFAULTS[field];
  }
  return value as number;
}

/**
 * Validates the directory file's optional "queues" against its (already validated) people.
 * Every mistake is reported, one line each, in one DirectoryError.
 */
export function parseQueues(input: unknown, people: readonly Person[]): Queue[] {
  if (!isObject(input) || input.queues === undefined) return [];
  if (!Array.isArray(input.queues)) throw new DirectoryError('"queues" must be an array of queues');
  const experts = new Map(
    people.filter((person) => person.roles.includes('expert')).map((p) => [p.id, p]),
  );
  const mistakes = new Mistakes();
  const seen = new Set<string>();
  const queues = input.queues.flatMap(
    (raw, index) => parseQueue(mistakes, raw, index, experts, seen) ?? [],
  );
  if (mistakes.lines.length > 0) throw new DirectoryError(mistakes.lines.join('\n'));
  return queues;
}
