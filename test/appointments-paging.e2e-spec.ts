import { waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { robotPagedBroker, robotText } from './support/robot-paging.js';

const QUEUES = [{ id: 'pumps', name: 'Pumps', skills: ['pumps'] }];
const REMINDER_MINUTES = 1;

describe.each(await brokerDatabases('booked session pages'))(
  'booked session pages on $name',
  ({ create }) => {
    const broker = robotPagedBroker({
      database: create,
      queues: QUEUES,
      rules: [
        {
          queue: '*',
          channel: 'experts-robot',
          on: ['booked', 'reminder', 'cancelled'],
          reminderMinutes: REMINDER_MINUTES,
        },
      ],
    });

    it('pages the expert when booked, the reminder a minute before the start, and the cancel', async () => {
      // The harness runs on real time: the start just beyond the reminder's minutes, so the
      // reminder falls due within seconds; 8 s, so that the booking, however slow the machine, is
      // written before its reminder is due (one due already is not written: session-pages.ts).
      const startsAt = new Date(Date.now() + REMINDER_MINUTES * 60_000 + 8_000).toISOString();
      const booked = await broker.sut.api('POST', '/v1/appointments', {
        as: 'tom',
        body: {
          expertIds: ['erika'],
          title: 'Pump 7 overhaul',
          startsAt,
          timeZone: 'Asia/Shanghai',
        },
      });
      expect(booked.status).toBe(201);
      const ofSession = () =>
        broker.robot.messages.filter((m) => robotText(m).includes('Pump 7 overhaul'));

      const first = await waitFor(
        async () => ofSession(),
        (got) => got.length >= 1,
        10_000,
      );
      expect(robotText(first[0])).toContain('Session booked: Pump 7 overhaul');
      expect(robotText(first[0])).toContain('Asia/Shanghai (UTC+08:00)');
      expect(first[0].at).toMatchObject({ atMobiles: ['13800000001'] });

      const second = await waitFor(
        async () => ofSession(),
        (got) => got.length >= 2,
        25_000,
      );
      expect(robotText(second[1])).toContain(`In ${REMINDER_MINUTES} min: Pump 7 overhaul`);
      expect(Date.now()).toBeLessThan(Date.parse(startsAt));

      const cancelled = await broker.sut.api('DELETE', `/v1/appointments/${booked.body.id}`, {
        as: 'tom',
      });
      expect(cancelled.status).toBe(200);
      const third = await waitFor(
        async () => ofSession(),
        (got) => got.length >= 3,
        10_000,
      );
      expect(robotText(third[2])).toContain('Session cancelled: Pump 7 overhaul');
      await broker.sut.settled();
      expect(ofSession()).toHaveLength(3);
    }, 60_000);
  },
);
