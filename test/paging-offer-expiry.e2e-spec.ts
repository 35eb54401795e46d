import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { ChannelsFile } from './support/channels-file.js';
import { brokerDatabases } from './support/environment.js';
import { freePort } from './support/free-port.js';
import {
  offerPagingEnv,
  offersPagedThrough,
  peopleOnCam,
  pumpsQueues,
} from './support/people-on-cam.js';

/** erika is known to CAM by email, so an offer to her is paged to her directly. */
const PEOPLE_ON_CAM = peopleOnCam('erika');
/** Offers last 2 s: far shorter than the outbox's first retry (5 s). */
const QUEUES = pumpsQueues({ strategy: 'ring_all', maxWaitSeconds: 60, offerTimeoutSeconds: 2 });

describe.each(await brokerDatabases('offer page expiry'))(
  "an offered page is not retried past its offer's expiry on $name",
  ({ create }) => {
    let sut: BrokerHarness;
    const channelsFile = new ChannelsFile();

    beforeAll(async () => {
      // CAM refuses every connection: each attempt is a retry.
      const file = channelsFile.write(
        offersPagedThrough({
          id: 'cam-direct',
          type: 'chatMessenger',
          serverUrl: `http://127.0.0.1:${await freePort()}/api`,
          apiToken: { env: 'CAM_TOKEN' },
        }),
      );
      sut = await new BrokerHarness({
        publicUrl: true,
        people: PEOPLE_ON_CAM,
        queues: QUEUES,
        database: create,
        env: offerPagingEnv(file, 50),
      }).start();
    });
    afterAll(async () => {
      await sut.stop();
      channelsFile.remove();
    });

    it('settles the page dead (expired) instead of retrying it, listed and counted like other dead rows', async () => {
      expect(
        (await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } }))
          .status,
      ).toBe(200);
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { title: 'Pump 4 overheating', queueId: 'pumps' },
      });
      expect(asked.status).toBe(201);

      const [page] = await waitFor(
        async () =>
          (
            await sut.api('GET', '/v1/deliveries?status=failed', { as: 'sam' })
          ).body.deliveries.filter(
            (d: any) => d.eventType === 'page.offered' && d.callId === asked.body.id,
          ) as any[],
        (pages) => pages.length >= 1,
      );
      expect(page).toMatchObject({ webhookId: 'cam-direct', status: 'failed', attempts: 1 });
      expect(page.lastError).toMatch(
        /^expired after 1 attempt: its deadline \(\S+Z\) ends before the next one; last: cannot connect to /,
      );
      const metrics = (await sut.api('GET', '/metrics')).body as string;
      expect(metrics).toMatch(/^broker_outbox_attempts_total\{outcome="expired"\} [1-9]/m);
      expect(metrics).toMatch(/^broker_outbox_failed [1-9]/m);
      await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'sam' });
    });
  },
);
