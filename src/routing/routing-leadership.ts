import { Injectable } from '@nestjs/common';
import { ClusterRole } from '../cluster/cluster-role.js';
import { ClusterSignals } from '../cluster/cluster-signals.js';

declare module '../cluster/cluster-signals.js' {
  interface ClusterSignalMap {
    /** Something changed that routing should act on now (a request, an accept, an expert free). */
    'routing.wake': Record<string, never>;
  }
}

/**
 * Routing's tick is a once-per-cluster job: the leader runs it, and an instance that is not the
 * leader passes its wake-ups on to the leader ('routing.wake'). A wake-up lost on the way is made
 * up by the leader's next tick.
 */
@Injectable()
export class RoutingLeadership {
  constructor(
    private readonly role: ClusterRole,
    private readonly signals: ClusterSignals,
  ) {}

  isLeader(): boolean {
    return this.role.isLeader();
  }

  /** Asks the leader, wherever it runs, to route now. */
  wakeLeader(): void {
    this.signals.publish('routing.wake', {});
  }

  /** `route` runs when another instance wakes us as leader, and when we become the leader. */
  onWake(route: () => void): void {
    this.signals.subscribe('routing.wake', () => {
      if (this.role.isLeader()) route();
    });
    this.role.onLeadershipChange((leader) => {
      if (leader) route();
    });
  }
}
