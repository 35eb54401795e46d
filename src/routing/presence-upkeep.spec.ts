import { jest } from '@jest/globals';
import { SettableClusterRole } from '../../test/support/cluster-role.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import type { AppConfig } from '../config/app-config.js';
import type { EventBus } from '../events/event-bus.js';
import { PresenceUpkeep } from './presence-upkeep.js';
import type { PresenceService } from './presence.service.js';
import type { RoutingOverviewService } from './routing-overview.service.js';
import type { SocketPresence } from './socket-presence.js';

const GRACE_MS = 30_000;

/** The presence sweep is a once-per-cluster job: the leader's, at once when it wins. */
describe('PresenceUpkeep', () => {
  let clock: FakeClock;
  let role: SettableClusterRole;
  let expireStale: jest.Mock<PresenceService['expireStale']>;
  let sut: PresenceUpkeep;

  beforeEach(() => {
    clock = new FakeClock();
    role = new SettableClusterRole(false, true);
    expireStale = jest.fn<PresenceService['expireStale']>(async () => undefined);
    sut = new PresenceUpkeep(
      { expireStale } as unknown as PresenceService,
      {} as RoutingOverviewService,
      {} as EventBus,
      clock,
      { routing: { offlineGraceMs: GRACE_MS } } as AppConfig,
      capturedLogger('silent').logger,
      { hasSocket: async () => false } as SocketPresence,
      role,
    );
  });
  afterEach(() => sut.onApplicationShutdown());

  it('does not sweep while another instance leads', async () => {
    sut.onApplicationBootstrap();
    await clock.advance(3 * GRACE_MS);
    expect(expireStale).not.toHaveBeenCalled();
  });

  it('sweeps at once on winning the leadership, then once per grace', async () => {
    sut.onApplicationBootstrap();
    await clock.advance(GRACE_MS / 2);
    role.setLeader(true);
    expect(expireStale).toHaveBeenCalledTimes(1);
    await clock.advance(GRACE_MS - 1);
    expect(expireStale).toHaveBeenCalledTimes(1);
    await clock.advance(1);
    expect(expireStale).toHaveBeenCalledTimes(2);
    expect(clock.pendingTimers).toBe(1);
  });
});
