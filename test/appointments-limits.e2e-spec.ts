import { BrokerHarness } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';

const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** What bounds a technician's bookings: one session at a time, and a number booked ahead. */
describe.each(await brokerDatabases('booked sessions: limits'))(
  'booked sessions: limits on $name',
  ({ create }) => {
    let sut: BrokerHarness;

    beforeAll(async () => {
      sut = await new BrokerHarness({
        database: create,
        env: { QUOTA_UPCOMING_SESSIONS_PER_TECHNICIAN: '2' },
      }).start();
    });
    afterAll(() => sut.stop());

    const book = (expertId: string, startsAt: string) =>
      sut.api('POST', '/v1/appointments', {
        as: 'tom',
        body: { expertIds: [expertId], title: 'Seal swap', startsAt, timeZone: 'UTC' },
      });

    it('books a technician into one session at a time, and at most the quota ahead', async () => {
      const first = await book('erika', inHours(2));
      expect(first.status).toBe(201);
      // Another expert, the same hour: tom cannot be in two sessions at once.
      const overlapping = await book('ed', inHours(2));
      expect(overlapping.status).toBe(409);
      expect(overlapping.body).toMatchObject({
        code: 'appointment_clash',
        clash: { id: first.body.id, startsAt: first.body.startsAt },
      });
      expect((await book('ed', inHours(3))).status).toBe(201);
      const third = await book('ed', inHours(4));
      expect([third.status, third.body.code]).toEqual([409, 'conflict']);
      expect(third.body.message).toMatch(/QUOTA_UPCOMING_SESSIONS_PER_TECHNICIAN/);
      // A cancelled session no longer counts.
      await sut.api('DELETE', `/v1/appointments/${first.body.id}`, { as: 'tom' });
      expect((await book('ed', inHours(4))).status).toBe(201);
    });
  },
);
