import { jest } from '@jest/globals';
import pg from 'pg';
import { ChatMessengerStandIn } from '../src/notifications/stand-ins/chat-messenger.stand-in.js';
import { waitFor } from './support/broker-harness.js';
import { camChannel, ChannelsFile } from './support/channels-file.js';
import { describeIf, requirePostgres, type TestDatabase } from './support/environment.js';
import {
  offerPagingEnv,
  offersPagedThrough,
  peopleOnCam,
  pumpsQueues,
} from './support/people-on-cam.js';
import { ProductionBrokers } from './support/production-broker.js';

const postgres = await requirePostgres('kill -9 right after an offer on PostgreSQL');

/** erika takes pumps and is known to CAM by email; nobody opens a dashboard in this suite. */
const PEOPLE_ON_CAM = peopleOnCam('erika');
// An offer that outlives the test: a page may only come from the offer made, never from a later one.
const QUEUES = pumpsQueues({ strategy: 'serial', offerTimeoutSeconds: 600, maxWaitSeconds: 3600 });

/**
 * The `offered` page commits with its offer (issue 19): the broker is killed while the offer's
 * transaction is under way, held at the moment it writes the page (another connection holds the
 * outbox in SHARE mode). When the page was written in a transaction of its own after the offer
 * committed, the offer survived the kill without its page and the expert was never paged.
 */
describeIf(postgres)('kill -9 of the broker right after an offer is made', () => {
  jest.setTimeout(120_000);
  const brokers = new ProductionBrokers('offer-page-kill9');
  const channelsFile = new ChannelsFile();
  let cam: ChatMessengerStandIn;
  let database: TestDatabase;
  let locker: pg.Client;

  beforeAll(async () => {
    cam = await new ChatMessengerStandIn({ apiToken: 'cam-token', basePath: '/api' }).start();
    database = await postgres!.createDatabase();
    const file = channelsFile.write(offersPagedThrough(camChannel('cam-direct', cam)));
    await brokers.setUp({
      people: PEOPLE_ON_CAM,
      queues: QUEUES,
      env: {
        ...offerPagingEnv(file, 100),
        DATABASE_URL: database.url,
        PUBLIC_URL: 'http://127.0.0.1:9',
      },
    });
    locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
  });

  afterAll(async () => {
    await locker.end();
    await brokers.tearDown();
    await database.drop();
    await cam.close();
    channelsFile.remove();
  });

  /** The broker's connection that waits to insert into the outbox, once there is one. */
  const outboxInsertWaiting = async () => {
    const { rows } = await locker.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'
          AND query ILIKE 'insert into "outbox"%'`,
    );
    return rows[0].n as number;
  };

  it('finds the page delivered after the restart', async () => {
    const first = (await brokers.start()).url;
    expect(
      (
        await brokers.api(first, 'PUT', '/v1/presence/me', 'erika', {
          body: { status: 'available' },
        })
      ).status,
    ).toBe(200);

    // Held: whatever writes a page now waits for this transaction.
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE outbox IN SHARE MODE');
    const asked = await brokers.api(first, 'POST', '/v1/calls', 'tom', {
      body: { title: 'Pump 12 seized', queueId: 'pumps' },
    });
    expect(asked.status).toBe(201);
    await waitFor(outboxInsertWaiting, (n) => n >= 1, 15_000);
    await brokers.runs[0].stop('SIGKILL');
    await locker.query('ROLLBACK');
    expect(cam.messages).toEqual([]);

    await brokers.start();
    const pages = await waitFor(
      async () => cam.messages.filter((m: any) => String(m.message).includes('Pump 12 seized')),
      (found) => found.length >= 1,
      15_000,
    );
    expect(pages).toHaveLength(1);
    expect(String((pages[0] as any).message)).toContain('Offered to you: Pump 12 seized');
    // The offer the page announces is the one pending now.
    const { rows } = await locker.query(
      `SELECT count(*)::int AS n FROM offers WHERE call_id = $1 AND status = 'pending'`,
      [asked.body.id],
    );
    expect(rows[0].n).toBe(1);
  });
});
