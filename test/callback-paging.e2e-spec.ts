import { waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { closedAroundToday } from './support/queues.js';
import { robotPagedBroker, robotText } from './support/robot-paging.js';

/** Closed whatever the wall clock says: yesterday, today and tomorrow (Berlin) are holidays. */
const CLOSED = closedAroundToday('Europe/Berlin').hours;
const QUEUES = [
  { id: 'pumps', name: 'Pumps', skills: ['pumps'], maxWaitSeconds: 1, callbackOnUnanswered: true },
  { id: 'evening', name: 'Evening', skills: ['pumps'], ...CLOSED, callbackOnUnanswered: true },
];

/** A request that becomes a callback pages `callback` rules (docs/notifications.md, "Paging"). */
describe.each(await brokerDatabases('callback pages'))('callback pages on $name', ({ create }) => {
  const broker = robotPagedBroker({
    database: create,
    queues: QUEUES,
    rules: [{ queue: '*', channel: 'experts-robot', on: ['callback', 'ended'] }],
  });
  const about = (title: string) =>
    broker.robot.messages.filter((m) => robotText(m).includes(title));
  const ask = (queueId: string, title: string) =>
    broker.sut.api('POST', '/v1/calls', { as: 'tom', body: { title, queueId } });

  it('a request nobody took in time pages its callback once, then its end when withdrawn', async () => {
    const asked = await ask('pumps', 'Pump 7 vibration');
    expect(asked.body.status).toBe('queued');
    const paged = await waitFor(
      async () => about('Pump 7 vibration'),
      (got) => got.length >= 1,
      10_000,
    );
    const page = robotText(paged[0]);
    expect(page).toContain('Callback waiting: Pump 7 vibration');
    expect(page).toContain('Queue Pumps. Asked by Tom Technician.');
    expect(page).toContain('nobody took it in time.');
    expect(page).toContain(`${broker.sut.url}/#call=${asked.body.id}`);
    expect(paged[0].at).toMatchObject({ atMobiles: ['13800000001'] });
    const call = await broker.sut.api('GET', `/v1/calls/${asked.body.id}`, { as: 'tom' });
    expect(call.body.status).toBe('callback_pending');
    await broker.sut.settled();
    expect(about('Pump 7 vibration')).toHaveLength(1);

    const withdrawn = await broker.sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, {
      as: 'tom',
    });
    expect(withdrawn.status).toBe(200);
    const both = await waitFor(
      async () => about('Pump 7 vibration'),
      (got) => got.length >= 2,
      10_000,
    );
    expect(robotText(both[1])).toContain('Call cancelled: Pump 7 vibration');
    await broker.sut.settled();
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
    expect(robotText(paged[0])).toContain('Callback waiting: Boiler cold');
    expect(robotText(paged[0])).toContain('Queue Evening. Asked by Tom Technician.');
    expect(robotText(paged[0])).toContain('the queue was closed.');
    await broker.sut.settled();
    expect(about('Boiler cold')).toHaveLength(1);
  }, 30_000);
});
