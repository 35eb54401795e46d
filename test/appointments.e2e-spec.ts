import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { RecordingClient } from './support/socket-client.js';

const QUEUES = [
  { id: 'pumps', skills: ['pumps'] },
  { id: 'pumps-ahead', skills: ['pumps'], bookingGuardMinutes: 60 },
];
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
        env: { TECHNICIAN_JOIN_TIMEOUT_MS: '600000', ROUTING_TICK_MS: '50' },
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
      sut.simulator.state.end(call.xassistCallId);
      await sut.waitForCall(call.id, (c) => c.status === 'ended');
    }, 30_000);

    it("offers a queued call to nobody whose session starts within the queue's bookingGuardMinutes (60 there)", async () => {
      await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } });
      const booked = await sut.api('POST', '/v1/appointments', {
        as: 'tom',
        body: { expertIds: ['erika'], title: 'Soon', startsAt: inMs(45 * 60_000), timeZone: 'UTC' },
      });
      expect(booked.status).toBe(201);
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tina',
        body: { queueId: 'pumps-ahead', title: 'Pump 9 leaking' },
      });
      expect(asked.body.status).toBe('queued');
      await sut.settled();
      const offersOfErika = async () =>
        (await sut.api('GET', '/v1/offers', { as: 'erika' })).body.offers as {
          call: { id: string };
        }[];
      expect(await offersOfErika()).toEqual([]);

      // Once the session is cancelled the guard is gone: the call is offered to her.
      expect(
        (await sut.api('DELETE', `/v1/appointments/${booked.body.id}`, { as: 'tom' })).status,
      ).toBe(200);
      const offered = await waitFor(offersOfErika, (offers) => offers.length > 0);
      expect(offered.map((offer) => offer.call.id)).toEqual([asked.body.id]);
      await sut.api('POST', `/v1/calls/${asked.body.id}/cancel`, { as: 'tina' });
    });

    it('books an expert once when parallel requests ask for overlapping times', async () => {
      const startsAt = inMs(5 * 3_600_000);
      const ask = (technicianId: string, minutes: number) =>
        sut.api('POST', '/v1/appointments', {
          as: 'sam',
          body: {
            technicianId,
            expertIds: ['ed'],
            title: `Parallel ${minutes}`,
            startsAt: new Date(Date.parse(startsAt) + minutes * 60_000).toISOString(),
            timeZone: 'Europe/Berlin',
          },
        });
      const answers = await Promise.all([ask('tom', 0), ask('tina', 10), ask('tom', 20)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409]);
      const winner = answers.find((answer) => answer.status === 201)!.body;
      for (const loser of answers.filter((answer) => answer.status === 409))
        expect(loser.body).toMatchObject({ code: 'appointment_clash', clash: { id: winner.id } });
      await sut.api('DELETE', `/v1/appointments/${winner.id}`, { as: 'sam' });
    });

    it('two moves at once, or a move and a cancel, never leave a call planned that the session does not hold', async () => {
      // A day ahead: clear of the other tests' sessions of ed.
      const startsAt = inMs(30 * 3_600_000);
      const book = () =>
        sut.api('POST', '/v1/appointments', {
          as: 'erp',
          body: {
            technicianId: 'tina',
            expertIds: ['ed'],
            title: 'Race',
            startsAt,
            timeZone: 'UTC',
          },
        });
      const plannedOfTina = async () =>
        (await sut.api('GET', '/v1/calls?status=active', { as: 'sam' })).body.calls.filter(
          (call: { status: string; technician: { id: string } }) =>
            call.status === 'planned' && call.technician.id === 'tina',
        );
      const move = (id: string, minutes: number) =>
        sut.api('PATCH', `/v1/appointments/${id}`, {
          as: 'tina',
          body: { startsAt: inMs(minutes * 60_000) },
        });

      const first = (await book()).body;
      const moves = await Promise.all([move(first.id, 31 * 60), move(first.id, 32 * 60)]);
      // Each is 200 or, read before the other committed, 409; never two writes of one sequence.
      const won = moves.filter((answer) => answer.status === 200);
      expect(moves.every((answer) => [200, 409].includes(answer.status))).toBe(true);
      expect(won.length).toBeGreaterThan(0);
      const session = (await sut.api('GET', `/v1/appointments/${first.id}`, { as: 'tina' })).body;
      expect(session.sequence).toBe(won.length);
      expect(won.map((answer) => answer.body.callId)).toContain(session.callId);
      expect((await plannedOfTina()).map((call: { id: string }) => call.id)).toEqual([
        session.callId,
      ]);

      const [moved, cancelled] = await Promise.all([
        move(first.id, 33 * 60),
        sut.api('DELETE', `/v1/appointments/${first.id}`, { as: 'tina' }),
      ]);
      const after = (await sut.api('GET', `/v1/appointments/${first.id}`, { as: 'tina' })).body;
      // The cancel may come after the move (both 200) or lose to it (409); never a lost update.
      if (cancelled.status === 200) expect(after.status).toBe('cancelled');
      else expect([cancelled.status, moved.status, after.status]).toEqual([409, 200, 'booked']);
      // Cancelled means nothing of it rings; booked means exactly its own call is planned.
      expect((await plannedOfTina()).map((call: { id: string }) => call.id)).toEqual(
        after.status === 'cancelled' ? [] : [after.callId],
      );
    });

    it('a session whose call ended before its start frees its slot and may still be moved or cancelled', async () => {
      const startsAt = inMs(3 * 3_600_000);
      const session = {
        technicianId: 'tina',
        expertIds: ['ed'],
        title: 'Ended early',
        startsAt,
        timeZone: 'UTC',
      };
      const booked = (await sut.api('POST', '/v1/appointments', { as: 'erp', body: session })).body;
      // Its call ends before the start (cancelled by hand here; missed after an early join too).
      const ended = await sut.api('POST', `/v1/calls/${booked.callId}/cancel`, { as: 'tina' });
      expect(ended.status).toBe(200);
      const again = await sut.api('POST', '/v1/appointments', { as: 'erp', body: session });
      expect(again.status).toBe(201);
      const moved = await sut.api('PATCH', `/v1/appointments/${booked.id}`, {
        as: 'tina',
        body: { startsAt: inMs(5 * 3_600_000) },
      });
      expect([moved.status, moved.body.sequence]).toEqual([200, 1]);
      expect(moved.body.callId).not.toBe(booked.callId);
      await sut.api('POST', `/v1/calls/${moved.body.callId}/cancel`, { as: 'tina' });
      const cancelled = await sut.api('DELETE', `/v1/appointments/${booked.id}`, { as: 'tina' });
      expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    });

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
      // A supervisor sees every session; expertId keeps one expert's (the dashboard's own list).
      const ofExpert = async (expertId: string) =>
        (
          await sut.api('GET', `/v1/appointments?expertId=${expertId}`, { as: 'sam' })
        ).body.appointments.map((a: { id: string; expert: { id: string } }) => [a.id, a.expert.id]);
      expect(await ofExpert('ed')).toContainEqual([booked.body.id, 'ed']);
      expect((await ofExpert('ed')).every(([, expert]: string[]) => expert === 'ed')).toBe(true);
      expect((await ofExpert('erika')).map(([id]: string[]) => id)).not.toContain(booked.body.id);
      expect(
        (await sut.api('GET', '/v1/appointments?expertId=not%20an%20id', { as: 'sam' })).status,
      ).toBe(400);

      // The calendar event follows: same UID, one more SEQUENCE, the new start; then CANCELLED.
      const calendar = async (as: string) => {
        const answer = await sut.api('GET', `/v1/appointments/${booked.body.id}.ics`, { as });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
        const text = String(answer.body).replace(/\r\n[ \t]/g, '');
        const event = text.slice(text.indexOf('BEGIN:VEVENT'), text.indexOf('END:VEVENT'));
        const value = (name: string) => event.match(new RegExp(`^${name}[:;](.*)$`, 'm'))?.[1];
        return {
          uid: value('UID'),
          sequence: value('SEQUENCE'),
          start: value('DTSTART'),
          status: value('STATUS'),
        };
      };
      const utc = (iso: string) => `${iso.slice(0, 19).replace(/[-:]/g, '')}Z`;
      expect(await calendar('ed')).toEqual({
        uid: booked.body.id,
        sequence: '1',
        start: utc(later),
        status: 'CONFIRMED',
      });
      expect(
        (await sut.api('GET', `/v1/appointments/${booked.body.id}.ics`, { as: 'erika' })).status,
      ).toBe(404);

      const cancelled = await sut.api('DELETE', `/v1/appointments/${booked.body.id}`, {
        as: 'tina',
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', sequence: 2 });
      expect(await calendar('tina')).toMatchObject({
        uid: booked.body.id,
        sequence: '2',
        status: 'CANCELLED',
      });
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
