import { DingTalkStandIn } from '../src/notifications/stand-ins/dingtalk.stand-in.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { ChannelsFile, CHAT_PEOPLE, dingTalkChannel } from './support/channels-file.js';

const ROBOT_SECRET = 'SEC0123456789abcdef';
const QUEUES = [{ id: 'pumps', name: 'Pumps', skills: ['pumps'] }];
const REMINDER_MINUTES = 1;

const text = (message: Record<string, any>): string => message.text.content;

describe.each(await brokerDatabases('booked session pages'))(
  'booked session pages on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let robot: DingTalkStandIn;
    const channelsFile = new ChannelsFile();

    beforeAll(async () => {
      robot = await new DingTalkStandIn({ accessToken: 'robot', secret: ROBOT_SECRET }).start();
      const file = channelsFile.write({
        channels: [dingTalkChannel('experts-robot', robot, ROBOT_SECRET)],
        paging: {
          rules: [
            {
              queue: '*',
              channel: 'experts-robot',
              on: ['booked', 'reminder', 'cancelled'],
              reminderMinutes: REMINDER_MINUTES,
            },
          ],
        },
      });
      sut = await new BrokerHarness({
        publicUrl: true,
        people: CHAT_PEOPLE,
        queues: QUEUES,
        database: create,
        env: {
          CHANNELS_FILE: file,
          ACCEPT_LINK_SECRET: 'accept-link-secret-for-e2e-0123456789',
          OUTBOX_POLL_INTERVAL_MS: '50',
        },
      }).start();
    });
    afterAll(async () => {
      await sut?.stop();
      await robot.close();
      channelsFile.remove();
    });

    it('pages the expert when booked, the reminder a minute before the start, and the cancel', async () => {
      // The harness runs on real time: the start just beyond the reminder's minutes, so the
      // reminder falls due within seconds; 8 s, so that the booking, however slow the machine, is
      // written before its reminder is due (one due already is not written: session-pages.ts).
      const startsAt = new Date(Date.now() + REMINDER_MINUTES * 60_000 + 8_000).toISOString();
      const booked = await sut.api('POST', '/v1/appointments', {
        as: 'tom',
        body: {
          expertIds: ['erika'],
          title: 'Pump 7 overhaul',
          startsAt,
          timeZone: 'Asia/Shanghai',
        },
      });
      expect(booked.status).toBe(201);
      const ofSession = () => robot.messages.filter((m) => text(m).includes('Pump 7 overhaul'));

      const first = await waitFor(
        async () => ofSession(),
        (got) => got.length >= 1,
        10_000,
      );
      expect(text(first[0])).toContain('Session booked: Pump 7 overhaul');
      expect(text(first[0])).toContain('Asia/Shanghai (UTC+08:00)');
      expect(first[0].at).toMatchObject({ atMobiles: ['13800000001'] });

      const second = await waitFor(
        async () => ofSession(),
        (got) => got.length >= 2,
        25_000,
      );
      expect(text(second[1])).toContain(`In ${REMINDER_MINUTES} min: Pump 7 overhaul`);
      expect(Date.now()).toBeLessThan(Date.parse(startsAt));

      const cancelled = await sut.api('DELETE', `/v1/appointments/${booked.body.id}`, {
        as: 'tom',
      });
      expect(cancelled.status).toBe(200);
      const third = await waitFor(
        async () => ofSession(),
        (got) => got.length >= 3,
        10_000,
      );
      expect(text(third[2])).toContain('Session cancelled: Pump 7 overhaul');
      await sut.settled();
      expect(ofSession()).toHaveLength(3);
    }, 60_000);
  },
);
