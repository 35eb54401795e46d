import { DateTime } from 'luxon';
import { DingTalkStandIn } from '../src/notifications/stand-ins/dingtalk.stand-in.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { ChannelsFile, CHAT_PEOPLE, dingTalkChannel } from './support/channels-file.js';

const ROBOT_SECRET = 'SEC0123456789abcdef';
/** Closed whatever the wall clock says: yesterday, today and tomorrow (Berlin) are holidays. */
const ZONE = 'Europe/Berlin';
const today = DateTime.now().setZone(ZONE).startOf('day');
const CLOSED = {
  timeZone: ZONE,
  hours: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [['08:00', '17:00']]]),
  ),
  holidays: [-1, 0, 1].map((days) => today.plus({ days }).toISODate()!),
};
const QUEUES = [
  { id: 'pumps', name: 'Pumps', skills: ['pumps'], maxWaitSeconds: 1, callbackOnUnanswered: true },
  { id: 'evening', name: 'Evening', skills: ['pumps'], ...CLOSED, callbackOnUnanswered: true },
];

const text = (message: Record<string, any>): string => message.text.content;

/** A request that becomes a callback pages `callback` rules (docs/notifications.md, "Paging"). */
describe.each(await brokerDatabases('callback pages'))('callback pages on $name', ({ create }) => {
  let sut: BrokerHarness;
  let robot: DingTalkStandIn;
  const channelsFile = new ChannelsFile();
  const about = (title: string) => robot.messages.filter((m) => text(m).includes(title));
  const ask = (queueId: string, title: string) =>
    sut.api('POST', '/v1/calls', { as: 'tom', body: { title, queueId } });

  beforeAll(async () => {
    robot = await new DingTalkStandIn({ accessToken: 'robot', secret: ROBOT_SECRET }).start();
    const file = channelsFile.write({
      channels: [dingTalkChannel('experts-robot', robot, ROBOT_SECRET)],
      paging: { rules: [{ queue: '*', channel: 'experts-robot', on: ['callback', 'ended'] }] },
    });
    sut = await new BrokerHarness({
      publicUrl: true,
      people: CHAT_PEOPLE,
      queues: QUEUES,
      database: create,
      env: {
        CHANNELS_FILE: file,
        ACCEPT_LINK_SECRET: 'accept-link-secret-for-e2e-0123456789',
        ROUTING_TICK_MS: '50',
        OUTBOX_POLL_INTERVAL_MS: '50',
      },
    }).start();
  });
  afterAll(async () => {
    expect(sut?.secretsInLogs() ?? []).toEqual([]);
    await sut?.stop();
    await robot.close();
    channelsFile.remove();
  });

  it('a request nobody took in time pages its callback once, then its end when withdrawn', async () => {
    const asked = await ask('pumps', 'Pump 7 vibration');
    expect(asked.body.status).toBe('queued');
    const paged = await waitFor(
      async () => about('Pump 7 vibration'),
      (got) => got.length >= 1,
      10_000,
    );
    const page = text(paged[0]);
    expect(page).toContain('Callback waiting: Pump 7 vibration');
    expect(page).toContain('Queue Pumps. Asked by Tom Technician.');
    expect(page).toContain('nobody took it in time.');
    expect(page).toContain(`${sut.url}/#call=${asked.body.id}`);
    expect(paged[0].at).toMatchObject({ atMobiles: ['13800000001'] });
    const call = await sut.api('GET', `/v1/calls/${asked.body.id}`, { as: 'tom' });
    expect(call.body.status).toBe('callback_pending');
    await sut.settled();
    expect(about('Pump 7 vibration')).toHaveLength(1);

    const withdrawn = await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'tom' });
    expect(withdrawn.status).toBe(200);
    const both = await waitFor(
      async () => about('Pump 7 vibration'),
      (got) => got.length >= 2,
      10_000,
    );
    expect(text(both[1])).toContain('Call cancelled: Pump 7 vibration');
    await sut.settled();
    expect(about('Callback waiting: Pump 7 vibration')).toHaveLength(1);
  }, 30_000);

  it('a request to a closed queue that takes callbacks is paged as a callback at once', async () => {
    const asked = await ask('evening', 'Boiler cold');
    expect([asked.status, asked.body.status]).toEqual([201, 'callback_pending']);
    const paged = await waitFor(
      async () => about('Boiler cold'),
      (got) => got.length >= 1,
      10_000,
    );
    expect(text(paged[0])).toContain('Callback waiting: Boiler cold');
    expect(text(paged[0])).toContain('Queue Evening. Asked by Tom Technician.');
    expect(text(paged[0])).toContain('the queue was closed.');
    await sut.settled();
    expect(about('Boiler cold')).toHaveLength(1);
  }, 30_000);
});
