import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/common/error-answer.js';
import { asyncApiDocument } from '../src/api-docs/asyncapi-document.js';
import { BrokerHarness, waitFor, type ApiAnswer } from './support/broker-harness.js';
import { contractValidator } from './support/contract-validator.js';
import { TestIdentityProvider } from './support/identity-provider.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { RecordingClient, refusalError } from './support/socket-client.js';

const ask = { technicianId: 'tom', expertIds: ['erika'], title: 'Pump 7 vibration' };
const ASYNCAPI_FILE = new URL('../docs/asyncapi.json', import.meta.url);

/**
 * Real answers against the published documents, so that neither can drift from the code: every
 * answer must be a status its route documents, with a body its schema accepts (objects closed:
 * an undocumented field fails), and every documented status must really occur here.
 */
describe('the OpenAPI document describes every real answer', () => {
  let sut: BrokerHarness;
  let openApi: any;
  let validator: ReturnType<typeof contractValidator>;
  const seen = new Set<string>();

  /** Checks one answer against the document's route `template` and remembers the status. */
  function check(method: string, template: string, answer: ApiAnswer): void {
    const operation = openApi.paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${template} is not in the OpenAPI document`);
    const documented = operation.responses[String(answer.status)];
    if (!documented) {
      throw new Error(
        `${method} ${template} answered ${answer.status}, which its OpenAPI responses do not list: ${JSON.stringify(answer.body)}`,
      );
    }
    // The media type the answer came as, where the route documents several (the call summary).
    const mediaTypes = Object.entries<any>(documented.content ?? {});
    const contentType = answer.headers.get('content-type') ?? '';
    const [mediaType, media] =
      mediaTypes.find(([type]) => contentType.startsWith(type)) ?? mediaTypes[0] ?? [];
    expect(contentType).toContain(mediaType);
    validator.assertValid(media.schema, answer.body, `${method} ${template} ${answer.status}`);
    for (const [name, header] of Object.entries<any>(documented.headers ?? {})) {
      const value = answer.headers.get(name);
      if (value !== null) validator.assertValid(header.schema, value, `${name} header`);
    }
    seen.add(`${method} ${template} ${answer.status}`);
  }

  const api = async (
    method: string,
    template: string,
    path: string,
    options: Parameters<BrokerHarness['api']>[2] = {},
  ) => {
    const answer = await sut.api(method, path, options);
    check(method, template, answer);
    return answer;
  };

  /** The webhook receiver of the delivery checks (closed by that test): the allow-list names its port. */
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    sut = await new BrokerHarness({
      queues: [
        { id: 'anyone', strategy: 'ring_all', offerTimeoutSeconds: 600 },
        { id: 'later', maxWaitSeconds: 1, offerTimeoutSeconds: 600, callbackOnUnanswered: true },
      ],
      // One xAssist failure opens the circuit until the end of the test, so /readyz says 503.
      env: {
        ROUTING_TICK_MS: '50',
        XASSIST_BREAKER_THRESHOLD: '1',
        XASSIST_BREAKER_HALF_OPEN_MS: '3600000',
        XASSIST_BREAKER_HALF_OPEN_MAX_MS: '3600000',
        XASSIST_JOIN_URL_TEMPLATE: 'https://frontline.example.com/acme/#/call/{callId}',
        TECHNICIAN_JOIN_TIMEOUT_MS: '600000',
        // Webhooks to a closed local port fail at once and for good, so a delivery can be retried.
        WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:9,${receiver.allowListEntry}`,
        WEBHOOK_MAX_ATTEMPTS: '1',
        // Two webhooks, then 409 webhook_limit_reached; past ten tries a minute, 429.
        WEBHOOK_MAX_PER_INTEGRATION: '2',
        OUTBOX_POLL_INTERVAL_MS: '50',
      },
    }).start();
    const served = await sut.api('GET', '/docs-json');
    expect(served.status).toBe(200);
    openApi = served.body;
    validator = contractValidator(openApi.components.schemas);
  });
  afterAll(async () => {
    await sut.stop();
  });

  it('is OpenAPI 3.1 with a bearer scheme, the Idempotency-Key and every constraint', () => {
    expect(openApi.openapi).toBe('3.1.0');
    expect(openApi.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const create = openApi.paths['/v1/calls'].post;
    const key = create.parameters.find((p: any) => p.name === 'Idempotency-Key');
    expect(key).toMatchObject({ in: 'header', required: false });
    expect(key.description).toMatch(/Per caller.*24 hours.*422/s);
    expect(create.responses['201'].headers['Idempotent-Replayed']).toBeDefined();
    const body = openApi.components.schemas.CreateCallDto;
    expect(body.properties.title).toMatchObject({ minLength: 1, maxLength: 200 });
    expect(body.properties.expertIds).toMatchObject({ minItems: 1, maxItems: 20 });
    expect(body.properties.description).toMatchObject({ maxLength: 2000 });
    expect(body.properties.externalRef).toMatchObject({ maxLength: 200 });
    expect(body.properties.metadata).toMatchObject({ maxProperties: 32 });
  });

  // Issue 22: generated clients name their methods after operationId; Nest's default
  // (CallsController_create) leaked a class name into every client.
  it('gives every operation its own operationId, named for what it does', () => {
    const ids = Object.values<any>(openApi.paths).flatMap((item) =>
      Object.values<any>(item).map((operation) => String(operation.operationId)),
    );
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id) || id.includes('Controller'))).toEqual(
      [],
    );
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
    expect(openApi.paths['/v1/calls'].post.operationId).toBe('createCall');
  });

  it('gives every operation a schema for each answer, and a 401 unless it is open', () => {
    const problems: string[] = [];
    const open = ['/healthz', '/readyz', '/metrics'];
    for (const [path, item] of Object.entries<any>(openApi.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses);
        if (!statuses.some((status) => status.startsWith('2'))) problems.push(`${name}: no 2xx`);
        for (const status of statuses) {
          const content = operation.responses[status].content;
          if (!content || !Object.values<any>(content).every((media) => media.schema)) {
            problems.push(`${name} ${status}: no body schema (add @ApiJson/@ApiErrors)`);
          }
        }
        if (!open.includes(path) && !statuses.includes('401')) problems.push(`${name}: no 401`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('matches the answers of the calls routes, their errors included', async () => {
    const created = await api('POST', '/v1/calls', '/v1/calls', {
      as: 'erp',
      headers: { 'idempotency-key': 'contract-1' },
      body: { ...ask, description: 'noise', externalRef: 'WO-1', metadata: { site: 'P3' } },
    });
    expect(created.status).toBe(201);
    const replay = await api('POST', '/v1/calls', '/v1/calls', {
      as: 'erp',
      headers: { 'idempotency-key': 'contract-1' },
      body: { ...ask, description: 'noise', externalRef: 'WO-1', metadata: { site: 'P3' } },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const id = created.body.id;
    const errors: Array<[string, Parameters<BrokerHarness['api']>[2], number]> = [
      ['bad body', { as: 'erp', body: { ...ask, title: 7 } }, 400],
      ['no token', { body: ask }, 401],
      ['for somebody else', { as: 'tina', body: ask }, 403],
      ['too big', { as: 'erp', body: { ...ask, title: 'x'.repeat(70_000) } }, 413],
      [
        'not UTF-8',
        {
          as: 'erp',
          raw: JSON.stringify(ask),
          headers: { 'content-type': 'application/json; charset=latin1' },
        },
        415,
      ],
      [
        'another body for the key',
        {
          as: 'erp',
          headers: { 'idempotency-key': 'contract-1' },
          body: { ...ask, title: 'other' },
        },
        422,
      ],
    ];
    for (const [, options, status] of errors) {
      expect((await api('POST', '/v1/calls', '/v1/calls', options)).status).toBe(status);
    }

    expect(
      (await api('GET', '/v1/calls', '/v1/calls?status=all&limit=1', { as: 'sam' })).status,
    ).toBe(200);
    expect((await api('GET', '/v1/calls', '/v1/calls?limit=0', { as: 'sam' })).status).toBe(400);
    expect((await api('GET', '/v1/calls', '/v1/calls')).status).toBe(401);

    expect((await api('GET', '/v1/calls/{id}', `/v1/calls/${id}`, { as: 'tom' })).status).toBe(200);
    expect((await api('GET', '/v1/calls/{id}', '/v1/calls/bad%20id', { as: 'tom' })).status).toBe(
      400,
    );
    expect((await api('GET', '/v1/calls/{id}', `/v1/calls/${id}`, { as: 'tina' })).status).toBe(
      404,
    );
    expect((await api('GET', '/v1/calls/{id}', `/v1/calls/${id}`)).status).toBe(401);

    const events = `/v1/calls/{id}/events`;
    expect(
      (await api('GET', events, `/v1/calls/${id}/events?afterSeq=0`, { as: 'tom' })).status,
    ).toBe(200);
    expect(
      (await api('GET', events, `/v1/calls/${id}/events?afterSeq=-1`, { as: 'tom' })).status,
    ).toBe(400);
    expect((await api('GET', events, `/v1/calls/${id}/events`, { as: 'tina' })).status).toBe(404);
    expect((await api('GET', events, `/v1/calls/${id}/events`)).status).toBe(401);

    const join = '/v1/calls/{id}/join';
    const joined = await api('GET', join, `/v1/calls/${id}/join`, { as: 'tom' });
    expect(joined.status).toBe(200);
    expect(joined.body.joinUrl).toContain('https://frontline.example.com/');
    // Issue 22: only those who join get a join URL; a supervisor sees the call but joins nothing.
    expect((await api('GET', join, `/v1/calls/${id}/join`, { as: 'erika' })).status).toBe(200);
    const watcher = await api('GET', join, `/v1/calls/${id}/join`, { as: 'sam' });
    expect([watcher.status, watcher.body.code]).toEqual([403, 'forbidden']);
    expect(watcher.body.message).toMatch(/technician and its experts/);
    expect((await api('GET', join, '/v1/calls/bad%20id/join', { as: 'tom' })).status).toBe(400);
    expect((await api('GET', join, `/v1/calls/${id}/join`, { as: 'tina' })).status).toBe(404);
    expect((await api('GET', join, `/v1/calls/${id}/join`)).status).toBe(401);
    expect(
      (await api('GET', '/v1/calls', `/v1/calls?q=${'x'.repeat(101)}`, { as: 'sam' })).status,
    ).toBe(400);

    const cancel = '/v1/calls/{id}/cancel';
    expect((await api('POST', cancel, `/v1/calls/${id}/cancel`, { as: 'tom' })).status).toBe(200);
    expect((await api('POST', cancel, `/v1/calls/${id}/cancel`, { as: 'tom' })).status).toBe(409);
    expect((await api('POST', cancel, '/v1/calls/bad%20id/cancel', { as: 'tom' })).status).toBe(
      400,
    );
    expect((await api('POST', cancel, `/v1/calls/${id}/cancel`, { as: 'tina' })).status).toBe(404);
    expect((await api('POST', cancel, `/v1/calls/${id}/cancel`)).status).toBe(401);
  });

  it('matches the routing answers: presence, experts, queues', async () => {
    const presence = '/v1/presence/me';
    const put = (as: string | undefined, status: unknown) =>
      api('PUT', presence, presence, { ...(as ? { as } : {}), body: { status } });
    expect((await put('erika', 'available')).status).toBe(200);
    expect((await put('erika', 'busy')).status).toBe(400);
    expect((await put('tom', 'available')).status).toBe(403);
    expect((await put(undefined, 'available')).status).toBe(401);
    expect((await api('GET', '/v1/experts', '/v1/experts', { as: 'sam' })).status).toBe(200);
    expect((await api('GET', '/v1/experts', '/v1/experts', { as: 'tom' })).status).toBe(403);
    expect((await api('GET', '/v1/experts', '/v1/experts')).status).toBe(401);
    expect((await api('GET', '/v1/queues', '/v1/queues', { as: 'sam' })).status).toBe(200);
    expect((await api('GET', '/v1/queues', '/v1/queues')).status).toBe(401);
  });

  it('matches the offers: list, accept, decline, their errors and the routing socket events', async () => {
    const asyncApi = JSON.parse(readFileSync(ASYNCAPI_FILE, 'utf8'));
    const events = contractValidator(asyncApi.components.schemas);
    const payloadOf = (name: string) =>
      Object.values<any>(asyncApi.components.messages).find((m) => m.name === name).payload;
    const list = '/v1/offers';
    const accept = '/v1/offers/{id}/accept';
    const decline = '/v1/offers/{id}/decline';
    const erika = await RecordingClient.connect(sut.url, sut.token('erika'));
    const ed = await RecordingClient.connect(sut.url, sut.token('ed'));
    const sam = await RecordingClient.connect(sut.url, sut.token('sam'));
    try {
      const set = await erika.socket.emitWithAck('presence.set', { status: 'available' });
      events.assertValid(payloadOf('presence.set (acknowledgement)'), set, 'presence.set ack');
      await ed.socket.emitWithAck('presence.set', { status: 'available' });
      const edAvailable = await sam.next('presence.updated', (p) => p.expert.id === 'ed');
      events.assertValid(payloadOf('presence.updated'), edAvailable, 'presence.updated');
      const queued = async () =>
        (
          await sut.api('POST', '/v1/calls', {
            as: 'tom',
            body: { ...ask, expertIds: undefined, queueId: 'anyone' },
          })
        ).body;
      const first = await queued();
      const offered = await erika.next('offer.created', (o) => o.call.id === first.id);
      events.assertValid(payloadOf('offer.created'), offered, 'offer.created');
      const edsOffer = await ed.next('offer.created', (o) => o.call.id === first.id);
      expect((await api('GET', list, list, { as: 'erika' })).status).toBe(200);
      expect((await api('GET', list, `${list}?status=x`, { as: 'erika' })).status).toBe(400);
      expect((await api('GET', list, list, { as: 'tom' })).status).toBe(403);
      expect((await api('GET', list, list)).status).toBe(401);
      for (const template of [accept, decline]) {
        const path = template.replace('{id}', offered.offer.id);
        expect(
          (await api('POST', template, template.replace('{id}', '%00'), { as: 'erika' })).status,
        ).toBe(400);
        expect((await api('POST', template, path, { as: 'tom' })).status).toBe(403);
        expect((await api('POST', template, path, { as: 'ed' })).status).toBe(404);
        expect((await api('POST', template, path)).status).toBe(401);
      }
      expect(
        (await api('POST', accept, accept.replace('{id}', offered.offer.id), { as: 'erika' }))
          .status,
      ).toBe(200);
      const ended = await ed.next('offer.ended', (e) => e.offer.id === edsOffer.offer.id);
      events.assertValid(payloadOf('offer.ended'), ended, 'offer.ended');
      expect(
        (await api('POST', decline, decline.replace('{id}', edsOffer.offer.id), { as: 'ed' }))
          .status,
      ).toBe(409);
      expect(
        (await api('POST', accept, accept.replace('{id}', edsOffer.offer.id), { as: 'ed' })).status,
      ).toBe(409);
      const socketAck = await ed.socket.emitWithAck('offer.accept', { offerId: edsOffer.offer.id });
      events.assertValid(
        payloadOf('offer.accept (acknowledgement)'),
        socketAck,
        'offer.accept ack',
      );
      events.assertValid(
        payloadOf('offer.decline'),
        { offerId: edsOffer.offer.id },
        'offer.decline',
      );

      const second = await queued();
      const next = await ed.next('offer.created', (o) => o.call.id === second.id);
      expect(
        (await api('POST', decline, decline.replace('{id}', next.offer.id), { as: 'ed' })).status,
      ).toBe(200);
      const third = await queued();
      const last = await ed.next('offer.created', (o) => o.call.id === third.id);
      // xAssist refusing the accepted call: 502, and the call waits to be offered again.
      sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
      expect(
        (await api('POST', accept, accept.replace('{id}', last.offer.id), { as: 'ed' })).status,
      ).toBe(502);
    } finally {
      for (const client of [erika, ed, sam]) client.close();
    }
  });

  it('matches taking a callback: the call, its errors, and xAssist refusing it', async () => {
    const take = '/v1/calls/{id}/callback';
    const callback = async () => {
      const { body } = await sut.api('POST', '/v1/calls', {
        as: 'tom',
        body: { ...ask, expertIds: undefined, queueId: 'later' },
      });
      return sut.waitForCall(body.id, (c) => c.status === 'callback_pending');
    };
    const first = await callback();
    const path = take.replace('{id}', first.id);
    expect((await api('POST', take, take.replace('{id}', '%00'), { as: 'erika' })).status).toBe(
      400,
    );
    expect((await api('POST', take, path)).status).toBe(401);
    expect((await api('POST', take, path, { as: 'tom' })).status).toBe(403);
    expect(
      (await api('POST', take, take.replace('{id}', 'no-such-call'), { as: 'erika' })).status,
    ).toBe(404);
    expect((await api('POST', take, path, { as: 'erika' })).status).toBe(200);
    expect((await api('POST', take, path, { as: 'ed' })).status).toBe(409);
    const second = await callback();
    sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
    expect((await api('POST', take, take.replace('{id}', second.id), { as: 'ed' })).status).toBe(
      502,
    );
    expect((await sut.api('GET', `/v1/calls/${second.id}`, { as: 'sam' })).body.status).toBe(
      'callback_pending',
    );
  });

  it('matches the wrap-up, rating and summary answers, their errors included', async () => {
    const wrapUp = '/v1/calls/{id}/wrap-up';
    const rating = '/v1/calls/{id}/rating';
    const summary = '/v1/calls/{id}/summary';
    const { body: call } = await sut.api('POST', '/v1/calls', {
      as: 'tom',
      body: { ...ask, externalRef: 'WO-9' },
    });
    const { body: ringing } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
    const xassistCallId = (await sut.waitForCall(call.id, (c) => c.xassistCallId !== null))
      .xassistCallId;
    sut.simulator.state.join(xassistCallId, 'erika');
    sut.simulator.state.join(xassistCallId, 'tom');
    await sut.waitForCall(call.id, (c) => c.status === 'connected');
    sut.simulator.state.end(xassistCallId);
    await sut.waitForCall(call.id, (c) => c.status === 'ended');
    const on = (template: string, id = call.id) => template.replace('{id}', id);
    const body = { outcome: 'resolved', firstTimeFix: true, notes: 'ok', links: [] };
    const cases: Array<[string, string, Parameters<BrokerHarness['api']>[2], number]> = [
      [wrapUp, on(wrapUp), { as: 'erika', body }, 200],
      [wrapUp, on(wrapUp), { as: 'erika', body: { ...body, outcome: 'fixed' } }, 400],
      [wrapUp, on(wrapUp), { body }, 401],
      [wrapUp, on(wrapUp), { as: 'tom', body }, 403],
      [wrapUp, on(wrapUp), { as: 'ed', body }, 404],
      [wrapUp, on(wrapUp, ringing.id), { as: 'sam', body }, 409],
      [rating, on(rating), { as: 'tom', body: { rating: 5 } }, 200],
      [rating, on(rating), { as: 'tom', body: { rating: 9 } }, 400],
      [rating, on(rating), { body: { rating: 5 } }, 401],
      [rating, on(rating), { as: 'sam', body: { rating: 5 } }, 403],
      [rating, on(rating), { as: 'tina', body: { rating: 5 } }, 404],
      [rating, on(rating, ringing.id), { as: 'tom', body: { rating: 5 } }, 409],
    ];
    for (const [template, path, options, status] of cases)
      expect([template, status, (await api('PUT', template, path, options)).status]).toEqual([
        template,
        status,
        status,
      ]);
    const json = await api('GET', summary, on(summary), { as: 'tom' });
    expect(json.body).toMatchObject({ externalRef: 'WO-9', outcome: 'resolved' });
    const page = await api('GET', summary, on(summary), {
      as: 'tom',
      headers: { accept: 'text/html' },
    });
    expect(page.body).toContain('<!doctype html>');
    expect((await api('GET', summary, `${on(summary)}?format=x`, { as: 'tom' })).status).toBe(400);
    expect((await api('GET', summary, on(summary))).status).toBe(401);
    expect((await api('GET', summary, on(summary), { as: 'tina' })).status).toBe(404);
    await sut.api('POST', `/v1/calls/${ringing.id}/cancel`, { as: 'sam' });
  });

  it('matches the report answers, JSON and CSV, their errors included', async () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const template of ['/v1/reports/queues', '/v1/reports/experts']) {
      const range = `${template}?from=${today}&to=${today}&timeZone=Europe/Berlin`;
      const json = await api('GET', template, range, { as: 'sam' });
      expect(json.status).toBe(200);
      const csv = await api('GET', template, `${range}&format=csv`, { as: 'erp' });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect((await api('GET', template, `${template}?from=${today}`, { as: 'sam' })).status).toBe(
        400,
      );
      expect((await api('GET', template, range)).status).toBe(401);
      expect((await api('GET', template, range, { as: 'tom' })).status).toBe(403);
    }
  });

  it('matches the session, health and metrics answers', async () => {
    expect((await api('GET', '/v1/session', '/v1/session', { as: 'sam' })).status).toBe(200);
    expect((await api('GET', '/v1/session', '/v1/session')).status).toBe(401);
    expect((await api('GET', '/healthz', '/healthz')).status).toBe(200);
    expect((await api('GET', '/readyz', '/readyz')).status).toBe(200);
    expect((await api('GET', '/metrics', '/metrics')).status).toBe(200);
  });

  it('matches the socket events and acknowledgements, against docs/asyncapi.json', async () => {
    const asyncApi = JSON.parse(readFileSync(ASYNCAPI_FILE, 'utf8'));
    const events = contractValidator(asyncApi.components.schemas);
    const payloadOf = (event: string) => {
      const found = Object.values<any>(asyncApi.components.messages).find((m) => m.name === event);
      if (!found) throw new Error(`docs/asyncapi.json has no message ${event}`);
      return found.payload;
    };
    const tom = await RecordingClient.connect(sut.url, sut.token('tom'));
    try {
      const { body: call } = await sut.api('POST', '/v1/calls', { as: 'tom', body: ask });
      sut.simulator.state.join(call.xassistCallId, 'erika');
      const invite = await tom.next('call.invite', (i) => i.call.id === call.id);
      events.assertValid(payloadOf('call.invite'), invite, 'call.invite');
      expect(invite.joinUrl).toContain(call.xassistCallId);
      const updated = await tom.next('call.updated', (u) => u.call.id === call.id);
      events.assertValid(payloadOf('call.updated'), updated, 'call.updated');
      const snapshot = await tom.next('calls.snapshot');
      events.assertValid(payloadOf('calls.snapshot'), snapshot, 'calls.snapshot');

      const request = { callId: call.id, afterSeq: 0 };
      events.assertValid(payloadOf('call.subscribe'), request, 'call.subscribe');
      const ack = payloadOf('call.subscribe (acknowledgement)');
      const answers = [
        await tom.socket.emitWithAck('call.subscribe', request),
        await tom.socket.emitWithAck('call.subscribe', { callId: call.id } as any),
        await tom.socket.emitWithAck('call.subscribe', { callId: 'nope', afterSeq: 0 }),
      ];
      expect(answers.map((a: any) => a.error?.statusCode ?? 200)).toEqual([200, 400, 404]);
      answers.forEach((answer, i) => events.assertValid(ack, answer, `call.subscribe ack ${i}`));
    } finally {
      tom.close();
    }
    // Three seconds: long enough to connect on a busy machine, short enough to see it end.
    const shortLived = await RecordingClient.connect(sut.url, sut.token('tom', 3));
    try {
      const expired = await shortLived.next('session.expired');
      events.assertValid(payloadOf('session.expired'), expired, 'session.expired');
    } finally {
      shortLived.close();
    }
  });

  it('matches the webhook and delivery answers, their errors included', async () => {
    const hooks = '/v1/webhooks';
    const one = '/v1/webhooks/{id}';
    const body = { url: 'http://127.0.0.1:9/hooks', eventTypes: ['call.created'] };
    const created = await api('POST', hooks, hooks, { as: 'erp', body });
    expect(created.status).toBe(201);
    const refusals: Array<[unknown, string, number]> = [
      [{ ...body, eventTypes: ['call.exploded'] }, 'erp', 400],
      [{ ...body, url: 'https://10.0.0.1/' }, 'erp', 422],
      [body, 'sam', 403],
    ];
    for (const [refused, as, status] of refusals)
      expect((await api('POST', hooks, hooks, { as, body: refused })).status).toBe(status);
    expect((await api('POST', hooks, hooks, { body })).status).toBe(401);
    expect((await api('GET', hooks, hooks, { as: 'erp' })).status).toBe(200);
    expect((await api('GET', hooks, hooks, { as: 'tom' })).status).toBe(403);
    expect((await api('GET', hooks, hooks)).status).toBe(401);
    for (const method of ['GET', 'DELETE']) {
      expect((await api(method, one, `${hooks}/bad%20id`, { as: 'erp' })).status).toBe(400);
      expect((await api(method, one, `${hooks}/${created.body.id}`, { as: 'sam' })).status).toBe(
        403,
      );
      expect((await api(method, one, `${hooks}/nope`, { as: 'erp' })).status).toBe(404);
      expect((await api(method, one, `${hooks}/nope`)).status).toBe(401);
    }
    expect((await api('GET', one, `${hooks}/${created.body.id}`, { as: 'erp' })).status).toBe(200);

    const good = await sut.api('POST', hooks, {
      as: 'erp',
      body: { ...body, url: `${receiver.url}/hooks` },
    });
    receiver.trust(good.body.secret);
    expect((await api('POST', hooks, hooks, { as: 'erp', body })).status).toBe(409);
    const page = await api('GET', hooks, `${hooks}?limit=1`, { as: 'erp' });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expect((await api('GET', hooks, `${hooks}?limit=0`, { as: 'erp' })).status).toBe(400);
    let limited: ApiAnswer | undefined;
    for (let attempt = 0; attempt < 25 && limited?.status !== 429; attempt++)
      limited = await api('POST', hooks, hooks, { as: 'erp', body });
    expect(limited?.status).toBe(429);
    const { body: call } = await sut.api('POST', '/v1/calls', { as: 'erp', body: ask });
    const list = '/v1/deliveries';
    const delivered = await waitFor(
      () => api('GET', list, `${list}?status=delivered`, { as: 'erp' }),
      (answer) => answer.body.deliveries.some((d: any) => d.callId === call.id),
    );
    await receiver.close();
    const done = delivered.body.deliveries.find((d: any) => d.callId === call.id);
    const failed = await waitFor(
      () => api('GET', list, `${list}?status=failed`, { as: 'erp' }),
      (answer) => answer.body.deliveries.some((d: any) => d.callId === call.id),
    );
    const dead = failed.body.deliveries.find((d: any) => d.callId === call.id);
    expect((await api('GET', list, `${list}?status=lost`, { as: 'sam' })).status).toBe(400);
    expect((await api('GET', list, list, { as: 'tom' })).status).toBe(403);
    expect((await api('GET', list, list)).status).toBe(401);
    const retry = '/v1/deliveries/{id}/retry';
    expect((await api('POST', retry, `${list}/${dead.id}/retry`, { as: 'sam' })).status).toBe(200);
    expect((await api('POST', retry, `${list}/${done.id}/retry`, { as: 'sam' })).status).toBe(409);
    expect((await api('POST', retry, `${list}/bad%20id/retry`, { as: 'sam' })).status).toBe(400);
    expect((await api('POST', retry, `${list}/${dead.id}/retry`, { as: 'tom' })).status).toBe(403);
    expect((await api('POST', retry, `${list}/nope/retry`, { as: 'sam' })).status).toBe(404);
    expect((await api('POST', retry, `${list}/nope/retry`)).status).toBe(401);
    expect((await api('DELETE', one, `${hooks}/${created.body.id}`, { as: 'erp' })).status).toBe(
      200,
    );
    await sut.api('POST', `/v1/calls/${call.id}/cancel`, { as: 'erp' });
  });

  /** A booked session the xAssist failures below try to move (502, then 503). */
  let movable: string;

  it('matches the booked sessions: book, list, read, move, cancel, their errors included', async () => {
    const book = '/v1/appointments';
    const one = '/v1/appointments/{id}';
    const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
    const session = {
      technicianId: 'tom',
      expertIds: ['ed'],
      title: 'Gearbox',
      startsAt: inMs(3_600_000),
      timeZone: 'Europe/Berlin',
      durationMinutes: 45,
    };
    const booked = await api('POST', book, book, { as: 'erp', body: session });
    expect(booked.status).toBe(201);
    const id = booked.body.id;
    const errors: Array<[string, Parameters<BrokerHarness['api']>[2], number]> = [
      ['bad body', { as: 'erp', body: { ...session, durationMinutes: 'long' } }, 400],
      ['no token', { body: session }, 401],
      ['an expert booking', { as: 'erika', body: session }, 403],
      ['the expert is booked then', { as: 'sam', body: session }, 409],
      ['too big', { as: 'erp', body: { ...session, title: 'x'.repeat(70_000) } }, 413],
      [
        'not UTF-8',
        {
          as: 'erp',
          raw: JSON.stringify(session),
          headers: { 'content-type': 'application/json; charset=latin1' },
        },
        415,
      ],
      ['no such zone', { as: 'erp', body: { ...session, timeZone: 'Mars/Olympus' } }, 422],
    ];
    for (const [what, options, status] of errors)
      expect([what, (await api('POST', book, book, options)).status]).toEqual([what, status]);

    expect((await api('GET', book, `${book}?from=${inMs(0)}`, { as: 'ed' })).status).toBe(200);
    expect((await api('GET', book, `${book}?from=yesterday`, { as: 'ed' })).status).toBe(400);
    expect((await api('GET', book, book)).status).toBe(401);

    const path = `${book}/${id}`;
    expect((await api('GET', one, path, { as: 'tom' })).status).toBe(200);
    expect((await api('GET', one, `${book}/bad%20id`, { as: 'tom' })).status).toBe(400);
    expect((await api('GET', one, path, { as: 'tina' })).status).toBe(404);
    expect((await api('GET', one, path)).status).toBe(401);
    const ics = '/v1/appointments/{id}.ics';
    expect((await api('GET', ics, `${path}.ics`, { as: 'tom' })).status).toBe(200);
    expect((await api('GET', ics, `${book}/bad%20id.ics`, { as: 'tom' })).status).toBe(400);
    expect((await api('GET', ics, `${path}.ics`, { as: 'tina' })).status).toBe(404);
    expect((await api('GET', ics, `${path}.ics`)).status).toBe(401);

    const later = { startsAt: inMs(7_200_000) };
    const moved = await api('PATCH', one, path, { as: 'tom', body: later });
    expect([moved.status, moved.body.sequence]).toEqual([200, 1]);
    const other = await api('POST', book, book, {
      as: 'erp',
      body: { ...session, startsAt: inMs(10_800_000) },
    });
    movable = other.body.id;
    const moves: Array<[string, Parameters<BrokerHarness['api']>[2], number]> = [
      ['bad body', { as: 'tom', body: { durationMinutes: 'long' } }, 400],
      ['no token', { body: later }, 401],
      ['somebody else', { as: 'tina', body: later }, 404],
      ['onto another session', { as: 'tom', body: { startsAt: other.body.startsAt } }, 409],
      ['too big', { as: 'tom', body: { startsAt: 'x'.repeat(70_000) } }, 413],
      [
        'not UTF-8',
        {
          as: 'tom',
          raw: JSON.stringify(later),
          headers: { 'content-type': 'application/json; charset=latin1' },
        },
        415,
      ],
      ['into the past', { as: 'tom', body: { startsAt: inMs(-60_000) } }, 422],
    ];
    for (const [what, options, status] of moves)
      expect([what, (await api('PATCH', one, path, options)).status]).toEqual([what, status]);
    expect((await api('PATCH', one, `${book}/bad%20id`, { as: 'tom', body: later })).status).toBe(
      400,
    );

    expect((await api('DELETE', one, path, { as: 'tina' })).status).toBe(404);
    expect((await api('DELETE', one, `${book}/bad%20id`, { as: 'tom' })).status).toBe(400);
    expect((await api('DELETE', one, path)).status).toBe(401);
    expect((await api('DELETE', one, path, { as: 'tom' })).status).toBe(200);
    expect((await api('DELETE', one, path, { as: 'tom' })).status).toBe(409);
  });

  // Before the xAssist failures below: they open the circuit, and a failed call is not active.
  it('matches a used-up quota: 429 with Retry-After', async () => {
    const own = { expertIds: ['erika'], title: 'Quota probe' };
    let answer: ApiAnswer | undefined;
    for (let attempt = 0; attempt < 20 && answer?.status !== 429; attempt++) {
      answer = await api('POST', '/v1/calls', '/v1/calls', { as: 'tina', body: own });
    }
    expect(answer?.status).toBe(429);
    expect(Number(answer?.headers.get('retry-after'))).toBeGreaterThan(0);
    // A booking creates a call too: it counts toward the creates a minute, as POST /v1/calls.
    // One slot again and again: after the first booking each attempt is a quick 409 (the quota
    // is taken before the clash is found). The quota counts per clock minute (60 for sam): a
    // minute turning over mid-loop starts the count again, so up to twice that is needed.
    const startsAt = new Date(Date.now() + 25 * 3_600_000).toISOString();
    let booked: ApiAnswer | undefined;
    for (let attempt = 1; attempt <= 2 * 60 + 2 && booked?.status !== 429; attempt++) {
      booked = await api('POST', '/v1/appointments', '/v1/appointments', {
        as: 'sam',
        body: {
          technicianId: 'tina',
          expertIds: ['erika'],
          title: 'Quota',
          startsAt,
          timeZone: 'UTC',
        },
      });
    }
    expect(booked?.status).toBe(429);
    expect(Number(booked?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('matches the xAssist failures: 502 and 503 with the failed call, then /readyz 503', async () => {
    const book = '/v1/appointments';
    const one = '/v1/appointments/{id}';
    const session = {
      expertIds: ['erika'],
      title: 'Refused',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      timeZone: 'UTC',
    };
    sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
    expect((await api('POST', book, book, { as: 'tom', body: session })).status).toBe(502);
    sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
    const later = { durationMinutes: 50 };
    expect((await api('PATCH', one, `${book}/${movable}`, { as: 'tom', body: later })).status).toBe(
      502,
    );
    sut.simulator.injectFault({ kind: 'status', status: 400, count: 1, path: 'rtc/createCall' });
    expect((await api('POST', '/v1/calls', '/v1/calls', { as: 'erp', body: ask })).status).toBe(
      502,
    );
    sut.simulator.injectFault({ kind: 'status', status: 503, count: 5, path: 'rtc/createCall' });
    expect((await api('POST', '/v1/calls', '/v1/calls', { as: 'erp', body: ask })).status).toBe(
      503,
    );
    expect((await api('POST', book, book, { as: 'tom', body: session })).status).toBe(503);
    expect((await api('PATCH', one, `${book}/${movable}`, { as: 'tom', body: later })).status).toBe(
      503,
    );
    expect((await api('GET', '/readyz', '/readyz')).status).toBe(503);
  });

  it("enumerates Error's and SocketError's code: every code the one error mapping answers with", () => {
    const { Error: error, SocketError } = openApi.components.schemas;
    expect(error.properties.code.enum).toEqual([...ERROR_CODES]);
    expect(SocketError.properties.code.enum).toEqual([...ERROR_CODES]);
    expect(ERROR_CODES).toEqual(expect.arrayContaining(['unavailable', 'xassist_unavailable']));
  });

  // The guard checks the token before anything else, so every route that takes one answers this
  // 503 whatever its parameters; the handshake is refused with the same answer as its data.
  it('matches the 503 of every authenticated route, and connect_error, while the identity provider cannot be reached', async () => {
    const issuer = 'http://127.0.0.1:9';
    const idp = await new TestIdentityProvider().start();
    const token = await idp.token({ sub: 'erika' }, { issuer });
    await idp.stop();
    const unreachable = await new BrokerHarness({
      env: {
        AUTH_ISSUER: issuer,
        AUTH_JWKS_URL: `${issuer}/jwks`,
        AUTH_AUDIENCE: 'expert-call-broker',
      },
    }).start();
    try {
      const authenticated = Object.entries<any>(openApi.paths).flatMap(([template, item]) =>
        Object.entries<any>(item)
          .filter(([, operation]) => operation.responses['401'])
          .map(([method]) => [method.toUpperCase(), template] as const),
      );
      expect(authenticated.length).toBeGreaterThan(5);
      for (const [method, template] of authenticated) {
        const path = template.replace(/\{\w+\}/g, randomUUID());
        const body = method === 'GET' ? undefined : {};
        const answer = await unreachable.api(method, path, { token, body });
        expect([method, template, answer.status, answer.body.code]).toEqual([
          method,
          template,
          503,
          'unavailable',
        ]);
        check(method, template, answer);
      }

      const asyncApi = JSON.parse(readFileSync(ASYNCAPI_FILE, 'utf8'));
      const events = contractValidator(asyncApi.components.schemas);
      const connectError = Object.values<any>(asyncApi.components.messages).find(
        (m) => m.name === 'connect_error',
      );
      expect(connectError).toBeDefined();
      const refusals = [
        await refusalError(unreachable.url, token),
        await refusalError(sut.url, undefined),
      ];
      expect(refusals.map((refusal) => [refusal.data?.statusCode, refusal.data?.code])).toEqual([
        [503, 'unavailable'],
        [401, 'unauthorized'],
      ]);
      refusals.forEach((refusal, i) => {
        events.assertValid(connectError.payload, refusal.data, `connect_error data ${i}`);
        expect(refusal.message).toBe(refusal.data.message);
      });
    } finally {
      await unreachable.stop();
    }
  });

  it('lists only statuses that really occur (each was answered above)', () => {
    const documented = Object.entries<any>(openApi.paths).flatMap(([path, item]) =>
      Object.entries<any>(item).flatMap(([method, operation]) =>
        Object.keys(operation.responses).map(
          (status) => `${method.toUpperCase()} ${path} ${status}`,
        ),
      ),
    );
    expect(documented.filter((answer) => !seen.has(answer))).toEqual([]);
  });

  it('has docs/asyncapi.json as the code builds it (npm run docs:asyncapi rewrites it)', () => {
    expect(JSON.parse(readFileSync(ASYNCAPI_FILE, 'utf8'))).toEqual(asyncApiDocument());
  });
});
