import { ClusterRole } from '../../src/cluster/cluster-role.js';
import {
  ClusterSignals,
  type ClusterSignalHandler,
  type ClusterSignalMap,
  type ClusterSignalName,
} from '../../src/cluster/cluster-signals.js';

/** The only instance on its database, as specs need one: always the leader. */
export class SoleInstance extends ClusterRole {
  readonly several = false;

  constructor(readonly instanceId: string) {
    super();
  }

  isLeader(): boolean {
    return true;
  }

  onLeadershipChange(): void {
    // Leadership never changes hands when there is nobody to hand it to.
  }
}

/** A ClusterRole a spec hands leadership to and takes it from, telling listeners as the real one. */
export class SettableClusterRole extends ClusterRole {
  readonly instanceId = 'spec-instance';
  private readonly listeners: Array<(leader: boolean) => void> = [];

  constructor(
    private leader = true,
    readonly several = true,
  ) {
    super();
  }

  isLeader(): boolean {
    return this.leader;
  }

  onLeadershipChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    for (const listener of this.listeners) listener(leader);
  }
}

/** ClusterSignals that keep what this instance published and let a spec play another's. */
export class RecordedSignals extends ClusterSignals {
  readonly published: Array<{ topic: ClusterSignalName; payload: unknown }> = [];
  private readonly handlers = new Map<ClusterSignalName, Array<(payload: never) => void>>();

  publish<K extends ClusterSignalName>(topic: K, payload: ClusterSignalMap[K]): void {
    this.published.push({ topic, payload });
  }

  subscribe<K extends ClusterSignalName>(topic: K, handler: ClusterSignalHandler<K>): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler as (p: never) => void]);
  }

  /** A signal as another instance would send it. */
  deliver<K extends ClusterSignalName>(topic: K, payload: ClusterSignalMap[K]): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(payload as never);
  }
}
