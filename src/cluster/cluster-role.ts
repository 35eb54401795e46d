/**
 * Who this process is among the broker instances on its database (docs/scaling.md). Features ask
 * it whether to run a once-per-cluster job (routing's tick, the presence sweep, the creation
 * reconciler): only the leader does. One instance alone is always its own leader.
 */
export abstract class ClusterRole {
  abstract readonly instanceId: string;
  /** REDIS_URL is set: other instances may share the database. */
  abstract readonly several: boolean;
  /** This instance holds the leadership now. */
  abstract isLeader(): boolean;
  /** Told whenever leadership is won or lost (not for the state at subscription). */
  abstract onLeadershipChange(listener: (leader: boolean) => void): void;
}
