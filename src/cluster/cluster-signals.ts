/**
 * Wake-ups that must reach other instances (docs/scaling.md › Wake-ups): an owner declares its
 * topic by merging into this map, publishes after a commit, and subscribes where it acts.
 *
 *   declare module '../cluster/cluster-signals.js' {
 *     interface ClusterSignalMap { 'routing.wake': Record<string, never> }
 *   }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClusterSignalMap {}

export type ClusterSignalName = keyof ClusterSignalMap;
export type ClusterSignalHandler<K extends ClusterSignalName> = (
  payload: ClusterSignalMap[K],
) => void;

/**
 * A signal goes to the other instances only, never back to its sender (whose own handlers ran in
 * process, through the event bus). Delivery is best effort: a signal lost while Redis is down is
 * made up by the timers that already back every wake-up (routing's tick, the outbox's poll, the
 * tracker's own polls), so publish never throws and never waits.
 */
export abstract class ClusterSignals {
  abstract publish<K extends ClusterSignalName>(topic: K, payload: ClusterSignalMap[K]): void;
  abstract subscribe<K extends ClusterSignalName>(topic: K, handler: ClusterSignalHandler<K>): void;
}

/** One instance: nobody else to tell. */
export class NoOtherInstances extends ClusterSignals {
  publish(): void {}
  subscribe(): void {}
}
