import { BrokerHarness } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { RecordingClient } from './support/socket-client.js';

const QUEUES = [{ id: 'pumps', skills: ['pumps'] }];
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

describe.each(await brokerDatabases('booked sessions'))(
  'booked sessions on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    const clients: RecordingClient[] = [];

    beforeAll(async () => {
      sut = await new BrokerHarness({
        queues: QUEUES,
        database: create,
        env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000' },
      }).start();
    });
    afterAll(async () => {
      clients.splice(0).forEach((client) => client.close());
      await sut.stop();
    });

    it('books a queue session 5 s ahead: planned on xAssist, rung at the start, the glasses invited once after the join', async () => {
      const tom = await RecordingClient.connect(sut.url, sut.token('tom'));
      clients.push(tom);
      const startsAt = inMs(5_000);
      const booked = await sut.api('POST', '/v1/appointments', {
        as: 'tom',
        body: { queueId: 'pumps', title: 'Pump 7 overhaul', startsAt, timeZone: 'Europe/Berlin' },
      });
      expect(booked.status).toBe(201);
      expect(booked.body).toMatchObject({
        status: 'booked',
        expert: { id: 'erika' },
        technician: { id: 'tom' },
        queueId: 'pumps',
        startsAt,
        durationMinutes: 30,
        sequence: 0,
      });

      const { body: call } = await sut.api('GET', `/v1/calls/${booked.body.callId}`, { as: 'tom' });
      expect(call).toMatchObject({ status: 'planned', plannedFor: startsAt, ringingAt: null });
      const onXAssist = sut.simulator.state.getCall(call.xassistCallId)!;
      expect(onXAssist.plannedDateTime).toBe(startsAt);
      expect(onXAssist.callStatus).toBe('Planned');

      // The named expert cannot be booked twice for the same time.
      const clash = await sut.api('POST', '/v1/appointments', {
        as: 'tina',
        body: { expertIds: ['erika'], title: 'Valve', startsAt, timeZone: 'UTC' },
      });
      expect(clash.status).toBe(409);
      expect(clash.body).toMatchObject({
        code: 'appointment_clash',
        clash: { id: booked.body.id, startsAt, endsAt: booked.body.endsAt },
      });

      // Seen by its technician, its expert and supervisors; nobody else.
      for (const [who, status] of [
        ['tom', 200],
        ['erika', 200],
        ['sam', 200],
        ['ed', 404],
        ['tina', 404],
        ['erp', 404],
      ] as const)
        expect(
          (await sut.api('GET', `/v1/appointments/${booked.body.id}`, { as: who })).status,
        ).toBe(status);

      const ringing = await sut.waitForCall(call.id, (c) => c.status === 'ringing', 15_000);
      expect(Date.parse(ringing.ringingAt)).toBeGreaterThanOrEqual(Date.parse(startsAt));
      await tom.flush();
      expect(tom.all('call.invite').filter((i) => i.call.id === call.id)).toEqual([]);

      sut.simulator.state.join(call.xassistCallId, 'erika');
      await tom.next('call.invite', (invite) => invite.call.id === call.id);
      await sut.waitForCall(call.id, (c) => c.status === 'expert_joined');
      await sut.settled();
      await tom.flush();
      expect(tom.all('call.invite').filter((i) => i.call.id === call.id)).toHaveLength(1);
    }, 30_000);

    it('moves a session to a new xAssist call (the old one cancelled), then cancels it', async () => {
      const first = await sut.api('POST', '/v1/appointments', {
        as: 'erp',
        body: {
          technicianId: 'tina',
          expertIds: ['ed'],
          title: 'Gearbox',
          startsAt: '2099-01-01T09:00:00+01:00',
          timeZone: 'Europe/Berlin',
          durationMinutes: 60,
        },
      });
      expect(first.status).toBe(422); // over a year ahead
      const startsAt = inMs(3_600_000);
      const booked = await sut.api('POST', '/v1/appointments', {
        as: 'erp',
        body: {
          technicianId: 'tina',
          expertIds: ['ed'],
          title: 'Gearbox',
          startsAt,
          timeZone: 'UTC',
        },
      });
      expect(booked.status).toBe(201);
      expect(
        (await sut.api('GET', `/v1/appointments/${booked.body.id}`, { as: 'erp' })).status,
      ).toBe(200);
      const oldCall = (await sut.api('GET', `/v1/calls/${booked.body.callId}`, { as: 'sam' })).body;

      const later = inMs(7_200_000);
      const moved = await sut.api('PATCH', `/v1/appointments/${booked.body.id}`, {
        as: 'tina',
        body: { startsAt: later },
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ id: booked.body.id, startsAt: later, sequence: 1 });
      expect(moved.body.callId).not.toBe(booked.body.callId);
      const newCall = (await sut.api('GET', `/v1/calls/${moved.body.callId}`, { as: 'sam' })).body;
      expect(newCall).toMatchObject({ status: 'planned', plannedFor: later });
      expect(newCall.xassistCallId).not.toBe(oldCall.xassistCallId);
      expect(sut.simulator.state.getCall(newCall.xassistCallId)!.plannedDateTime).toBe(later);
      const old = (await sut.api('GET', `/v1/calls/${booked.body.callId}`, { as: 'sam' })).body;
      expect(old.status).toBe('cancelled');
      expect(old.failureReason).toMatch(/^rescheduled/);

      const listed = await sut.api('GET', `/v1/appointments?from=${encodeURIComponent(inMs(0))}`, {
        as: 'ed',
      });
      expect(listed.body.appointments.map((a: { id: string }) => a.id)).toContain(booked.body.id);

      const cancelled = await sut.api('DELETE', `/v1/appointments/${booked.body.id}`, {
        as: 'tina',
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', sequence: 2 });
      const afterCancel = (await sut.api('GET', `/v1/calls/${moved.body.callId}`, { as: 'sam' }))
        .body;
      expect(afterCancel.status).toBe('cancelled');
      // Its slot is free again.
      const again = await sut.api('POST', '/v1/appointments', {
        as: 'tina',
        body: { expertIds: ['ed'], title: 'Gearbox again', startsAt: later, timeZone: 'UTC' },
      });
      expect(again.status).toBe(201);
    });
  },
);
