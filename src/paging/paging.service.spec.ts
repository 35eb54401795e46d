import { SystemClock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import { parseDirectory } from '../directory/directory-file.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import { PagingService } from './paging.service.js';

const people = parseDirectory({
  people: [{ id: 'sam', displayName: 'Sam Supervisor', roles: ['supervisor'] }],
});

function pagingWith(queueId: string): PagingService {
  const config = {
    channelsFile: './channels.json',
    paging: {
      acceptLinkSecret: 'x'.repeat(32),
      publicUrl: undefined,
      readChannelsFile: () => ({
        channels: [],
        rules: [{ queue: queueId, channel: 'hook', on: ['queued'] }],
        fallback: null,
      }),
    },
  } as unknown as AppConfig;
  const directory = new DirectoryService(people, [
    {
      id: 'pumps',
      name: 'Pumps',
      skills: ['pumps'],
      strategy: 'ring_all',
      offerTimeoutSeconds: 20,
      maxWaitSeconds: 60,
      maxQueued: 10,
      maxQueuedPerTechnician: 3,
      urgentRoles: ['supervisor'],
      escalation: [],
      wrapUpSeconds: 0,
      wrapUpEditHours: 24,
      serviceLevelSeconds: 30,
      callbackOnUnanswered: false,
      callbackHours: 24,
      bookingGuardMinutes: 10,
    },
  ]);
  return new PagingService(directory, new SystemClock(), config, capturedLogger().logger);
}

describe('paging rules at start-up', () => {
  it('fails with one line naming the file and the rule when a rule names a queue the directory lacks', () => {
    expect(() => pagingWith('valves').load()).toThrow(
      'CHANNELS_FILE ./channels.json: paging.rules[0]: "queue" is "valves", which is no queue of the directory',
    );
  });

  it('takes a rule for a queue of the directory, or for any call', () => {
    const paging = pagingWith('pumps');
    paging.load();
    expect(paging.paging).toBe(true);
    expect(() => pagingWith('*').load()).not.toThrow();
  });
});
