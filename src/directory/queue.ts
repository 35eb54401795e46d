import type { OpeningHours } from './opening-hours.js';
import type { Role } from './person.js';

/** What a queue id may be (the directory file and `POST /v1/calls` check it alike). */
export const QUEUE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** How a queue picks the experts it offers a request to (see docs/routing.md). */
export const ROUTING_STRATEGIES = ['ring_all', 'serial', 'longest_idle'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** One escalation step; it runs once, `afterSeconds` after the request was queued. */
export interface EscalationStep {
  afterSeconds: number;
  /** Experts who become eligible from this step on, whatever their skills. */
  addExperts: string[];
  /** Tell supervisors (a socket event) that this request is still waiting. */
  notifySupervisors: boolean;
}

/** A queue from the directory file, validated, with every default filled in. */
export interface Queue {
  id: string;
  name: string;
  /** An expert needs every one of these; empty means any expert. */
  skills: string[];
  strategy: RoutingStrategy;
  offerTimeoutSeconds: number;
  maxWaitSeconds: number;
  maxQueued: number;
  /** How many of those one technician's requests may be (so one cannot fill it for everyone). */
  maxQueuedPerTechnician: number;
  /** The roles of callers who may ask `priority: urgent` (the caller's, not the technician's). */
  urgentRoles: Role[];
  /** In the order the file gives them. */
  escalation: EscalationStep[];
  /** After-call work: the expert is `wrap_up` (busy) this long after a call ends; 0 for none. */
  wrapUpSeconds: number;
  /** How long after a call ended its wrap-up and rating may still change. */
  wrapUpEditHours: number;
  /** Reports: a request answered within this many seconds counts toward the service level. */
  serviceLevelSeconds: number;
  /** A request nobody took within maxWaitSeconds becomes a callback instead of unanswered. */
  callbackOnUnanswered: boolean;
  /** How long a callback waits for an expert (from when it was asked) before it ends unanswered. */
  callbackHours: number;
  /**
   * Business hours, holidays and the on-call rota (opening-hours.ts); null or left out when the
   * directory gives no `hours`: always open, as before hours existed.
   */
  openingHours?: OpeningHours | null;
  /**
   * Booked sessions: an expert whose session starts within this many minutes is offered none of
   * the queue's calls (it would run into the session); 0 turns it off.
   */
  bookingGuardMinutes: number;
}

/** What the directory file leaves out; chosen here because the contract names only the first. */
export const QUEUE_DEFAULTS = {
  strategy: 'ring_all',
  offerTimeoutSeconds: 20,
  maxWaitSeconds: 300,
  maxQueued: 100,
  maxQueuedPerTechnician: 3,
  wrapUpSeconds: 0,
  wrapUpEditHours: 24,
  serviceLevelSeconds: 30,
  callbackOnUnanswered: false,
  callbackHours: 24,
  bookingGuardMinutes: 10,
} as const satisfies Partial<Queue>;

/**
 * Who may jump the queue when none is named: those who see every call and answer for the floor,
 * not the person asking for themselves (any technician marking every request urgent makes urgent
 * mean nothing).
 */
export const DEFAULT_URGENT_ROLES: readonly Role[] = ['supervisor', 'integration'];
