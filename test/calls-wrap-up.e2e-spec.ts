import type { Kysely } from 'kysely';
import { DATABASE } from '../src/database/database.module.js';
import type { BrokerDatabase } from '../src/database/schema.js';
import { PresenceService } from '../src/routing/presence.service.js';
import { BrokerHarness, waitFor } from './support/broker-harness.js';
import { brokerDatabases } from './support/environment.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** After-call work long enough to outlast the test, so that only a submitted wrap-up ends it. */
const QUEUES = [
  {
    id: 'pumps',
    name: 'Pumps',
    skills: ['pumps'],
    offerTimeoutSeconds: 30,
    maxWaitSeconds: 60,
    wrapUpSeconds: 600,
    wrapUpEditHours: 2,
  },
];
const WRAP_UP = {
  outcome: 'resolved',
  firstTimeFix: true,
  notes: 'Bearing replaced.\nVibration gone.',
  links: ['https://dms.acme.example/photos/4711'],
};

describe.each(await brokerDatabases('wrap-up and write-back'))(
  'wrap-up and write-back on $name',
  ({ create }) => {
    let sut: BrokerHarness;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      receiver = await new WebhookReceiver().start();
      sut = await new BrokerHarness({
        queues: QUEUES,
        database: create,
        env: {
          ROUTING_TICK_MS: '50',
          WEBHOOK_ALLOWED_HOSTS: receiver.allowListEntry,
          OUTBOX_POLL_INTERVAL_MS: '50',
        },
      }).start();
      const created = await sut.api('POST', '/v1/webhooks', {
        as: 'erp',
        body: { url: `${receiver.url}/hooks`, eventTypes: ['call.wrapped_up'] },
      });
      expect(created.status).toBe(201);
      receiver.trust(created.body.secret);
    });
    afterAll(async () => {
      await sut.stop();
      await receiver.close();
    });

    const expertView = async (id: string) =>
      (await sut.api('GET', '/v1/experts', { as: 'sam' })).body.experts.find(
        (expert: { id: string }) => expert.id === id,
      );

    /** A queued call erika accepts and talks through with tom until it ends. */
    async function endedCall(title: string): Promise<any> {
      await sut.api('PUT', '/v1/presence/me', { as: 'erika', body: { status: 'available' } });
      const asked = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { title, queueId: 'pumps', externalRef: 'SAP-WO-4711' },
      });
      expect(asked.status).toBe(201);
      const offers = await waitFor(
        async () => (await sut.api('GET', '/v1/offers', { as: 'erika' })).body.offers,
        (pending: any[]) => pending.some((offer) => offer.offer.callId === asked.body.id),
      );
      const offer = offers.find((pending: any) => pending.offer.callId === asked.body.id).offer;
      const accepted = await sut.api('POST', `/v1/offers/${offer.id}/accept`, { as: 'erika' });
      expect(accepted.status).toBe(200);
      const ringing = await sut.waitForCall(asked.body.id, (call) => call.status === 'ringing');
      sut.simulator.state.join(ringing.xassistCallId, 'erika');
      sut.simulator.state.join(ringing.xassistCallId, 'tom');
      await sut.waitForCall(asked.body.id, (call) => call.status === 'connected');
      sut.simulator.state.end(ringing.xassistCallId);
      const ended = await sut.waitForCall(asked.body.id, (call) => call.status === 'ended');
      await sut.settled();
      return ended;
    }

    it('keeps the expert in wrap_up until she submits; the wrap-up is logged and sent to the webhook, signed, with the externalRef', async () => {
      const call = await endedCall('Pump 7 vibration');
      expect(await expertView('erika')).toMatchObject({ presence: 'wrap_up', busy: true });

      const answer = await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, {
        as: 'erika',
        body: WRAP_UP,
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        callId: call.id,
        externalRef: 'SAP-WO-4711',
        outcome: 'resolved',
        firstTimeFix: true,
        expert: { id: 'erika' },
        wrapUp: { ...WRAP_UP, by: { id: 'erika' }, revision: 1 },
      });
      expect(answer.body.participants.map((person: any) => person.role)).toEqual([
        'expert',
        'technician',
      ]);
      expect(answer.body.talkSeconds).toBeGreaterThanOrEqual(0);
      await sut.settled();
      expect(await expertView('erika')).toMatchObject({
        presence: 'available',
        busy: false,
        wrapUpUntil: null,
      });

      const [hook] = await waitFor(
        async () => receiver.ofCall(call.id),
        (hooks) => hooks.length >= 1,
        15_000,
      );
      expect(receiver.refusedSignatures).toEqual([]);
      expect(hook.type).toBe('call.wrapped_up');
      expect(hook.body.data).toMatchObject({
        call: { id: call.id, externalRef: 'SAP-WO-4711', status: 'ended' },
        event: { type: 'wrap_up.submitted' },
        wrapUp: { outcome: 'resolved', notes: WRAP_UP.notes, links: WRAP_UP.links },
        summary: {
          externalRef: 'SAP-WO-4711',
          outcome: 'resolved',
          expert: { id: 'erika' },
          participants: [{ id: 'erika' }, { id: 'tom' }],
        },
      });
      expect(hook.body.data.summary.waitSeconds).toBeGreaterThanOrEqual(0);

      // A supervisor edits it: a second version, a second event, a second webhook.
      const edited = await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, {
        as: 'sam',
        body: { ...WRAP_UP, outcome: 'follow_up', firstTimeFix: false },
      });
      expect(edited.status).toBe(200);
      expect(edited.body.wrapUp).toMatchObject({ outcome: 'follow_up', revision: 2 });
      expect(edited.body.wrapUp.by).toEqual({ id: 'sam', displayName: 'Sam Supervisor' });
      const { body: log } = await sut.api('GET', `/v1/calls/${call.id}/events`, { as: 'sam' });
      expect(log.events.map((event: any) => event.type).slice(-2)).toEqual([
        'wrap_up.submitted',
        'wrap_up.edited',
      ]);
      const hooks = await waitFor(
        async () => receiver.ofCall(call.id),
        (all) => all.length >= 2,
        15_000,
      );
      expect(hooks[1].body.data.wrapUp).toMatchObject({ outcome: 'follow_up', revision: 2 });
    });

    it('keeps after-call work across a restart, until the wrap-up ends it', async () => {
      const call = await endedCall('Pump 10 restart');
      const before = await expertView('erika');
      expect(before).toMatchObject({ presence: 'wrap_up', busy: true });
      await sut.stopBroker();
      await sut.startBroker();
      expect(await expertView('erika')).toMatchObject({
        presence: 'wrap_up',
        busy: true,
        wrapUpUntil: before.wrapUpUntil,
      });
      // The new process times what is left of it (the old one's timer died with it).
      const presence = sut.app!.get(PresenceService);
      expect(
        await waitFor(
          async () => presence.pendingWrapUps,
          (n) => n === 1,
        ),
      ).toBe(1);
      const answer = await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, {
        as: 'erika',
        body: WRAP_UP,
      });
      expect(answer.status).toBe(200);
      await sut.settled();
      expect(await expertView('erika')).toMatchObject({ presence: 'available', busy: false });
      expect(presence.pendingWrapUps).toBe(0);
    });

    it('answers 403 to anyone but the expert or a supervisor, 409 for a call not ended, 400 for bad input', async () => {
      const call = await endedCall('Pump 8 leak');
      // Those who see the call learn why not; another expert does not see it at all.
      for (const as of ['tom', 'erp'])
        expect(
          (await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, { as, body: WRAP_UP })).status,
        ).toBe(403);
      expect(
        (await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, { as: 'ed', body: WRAP_UP })).status,
      ).toBe(404);
      const bad = [
        { ...WRAP_UP, outcome: 'fixed' },
        { ...WRAP_UP, firstTimeFix: 'yes' },
        { ...WRAP_UP, links: ['javascript:alert(1)'] },
        { ...WRAP_UP, links: ['ftp://files.acme.example/a'] },
        { ...WRAP_UP, links: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) },
        { ...WRAP_UP, notes: 'x'.repeat(4001) },
        { ...WRAP_UP, notes: 'bell\u0007' },
        { ...WRAP_UP, extra: 1 },
      ];
      for (const body of bad) {
        const answer = await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, { as: 'erika', body });
        expect(answer.status).toBe(400);
        expect(answer.body.message).toBeTruthy();
      }
      const { body: direct } = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { title: 'Still ringing', expertIds: ['ed'] },
      });
      for (const as of ['sam', 'ed']) {
        const early = await sut.api('PUT', `/v1/calls/${direct.id}/wrap-up`, { as, body: WRAP_UP });
        expect(early.status).toBe(409);
        expect(early.body.message).toMatch(/only a call that ended/);
      }
      await sut.api('POST', `/v1/calls/${direct.id}/cancel`, { as: 'sam' });
      expect(
        (await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, { as: 'erika', body: WRAP_UP }))
          .status,
      ).toBe(200);
    });

    it("takes the technician's rating on their own route, and freezes both once the queue's wrapUpEditHours passed", async () => {
      const call = await endedCall('Pump 9 noise');
      expect(
        (await sut.api('PUT', `/v1/calls/${call.id}/rating`, { as: 'erika', body: { rating: 5 } }))
          .status,
      ).toBe(403);
      for (const body of [{ rating: 6 }, { rating: 0 }, { rating: 4.5 }, { comment: 'no rating' }])
        expect(
          (await sut.api('PUT', `/v1/calls/${call.id}/rating`, { as: 'tom', body })).status,
        ).toBe(400);
      const rated = await sut.api('PUT', `/v1/calls/${call.id}/rating`, {
        as: 'tom',
        body: { rating: 4, comment: 'Quick help' },
      });
      expect(rated.status).toBe(200);
      expect(rated.body.rating).toMatchObject({ rating: 4, comment: 'Quick help' });
      await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, { as: 'erika', body: WRAP_UP });

      // The call ended three hours ago: past the queue's two hours.
      const db: Kysely<BrokerDatabase> = sut.app!.get(DATABASE);
      const longAgo = new Date(Date.now() - 3 * 3_600_000).toISOString();
      await db.updateTable('calls').set({ ended_at: longAgo }).where('id', '=', call.id).execute();
      const frozen = await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, {
        as: 'erika',
        body: { ...WRAP_UP, outcome: 'escalated' },
      });
      expect(frozen.status).toBe(409);
      expect(frozen.body.message).toMatch(/frozen.*2 h after the call ended/);
      const late = await sut.api('PUT', `/v1/calls/${call.id}/rating`, {
        as: 'tom',
        body: { rating: 1 },
      });
      expect(late.status).toBe(409);
      const summary = await sut.api('GET', `/v1/calls/${call.id}/summary`, { as: 'sam' });
      expect(summary.body).toMatchObject({ outcome: 'resolved', rating: { rating: 4 } });
    });

    it('shows the summary as JSON for machines and as an escaped, script-free page for people', async () => {
      const call = await endedCall('Pump <b>7</b> & "valve"');
      await sut.api('PUT', `/v1/calls/${call.id}/wrap-up`, {
        as: 'erika',
        body: { ...WRAP_UP, notes: '<script>alert(1)</script>' },
      });
      const json = await sut.api('GET', `/v1/calls/${call.id}/summary`, {
        as: 'tom',
        headers: { accept: 'application/json' },
      });
      expect(json.status).toBe(200);
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(json.body).toMatchObject({ title: 'Pump <b>7</b> & "valve"', outcome: 'resolved' });
      const anything = await sut.api('GET', `/v1/calls/${call.id}/summary`, {
        as: 'tom',
        headers: { accept: '*/*' },
      });
      expect(anything.headers.get('content-type')).toMatch(/^application\/json/);

      for (const asked of [
        { path: '', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } },
        { path: '?format=html', headers: { accept: 'application/json' } },
      ]) {
        const page = await sut.api('GET', `/v1/calls/${call.id}/summary${asked.path}`, {
          as: 'tom',
          headers: asked.headers,
        });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(page.body).toContain('Pump &#60;b&#62;7&#60;/b&#62; &#38; &#34;valve&#34;');
        expect(page.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
        expect(page.body).not.toMatch(/<script|<b>|style=/i);
        expect(page.body).toContain('href="https://dms.acme.example/photos/4711"');
        expect(page.body).toContain('SAP-WO-4711');
      }
      const badFormat = await sut.api('GET', `/v1/calls/${call.id}/summary?format=pdf`, {
        as: 'tom',
      });
      expect(badFormat.status).toBe(400);
      expect((await sut.api('GET', `/v1/calls/${call.id}/summary`, { as: 'tina' })).status).toBe(
        404,
      );
    });
  },
);
