/**
 * The AsyncAPI 3.0 document of the socket.io events, built from the same schemas as the OpenAPI
 * document. docs/asyncapi.json is this function's output (`npm run docs:asyncapi` writes it; a
 * test fails when the file is stale), so a Kotlin or Swift app can generate its types from it.
 */
import { CONTRACT_SCHEMAS, type ContractSchemaName, type JsonSchema } from './contract-schemas.js';

interface SocketMessage {
  /** The socket.io event name. */
  event: string;
  payload: ContractSchemaName;
  summary: string;
}

const SERVER_TO_CLIENT: Record<string, SocketMessage> = {
  callsSnapshot: {
    event: 'calls.snapshot',
    payload: 'CallsSnapshot',
    summary:
      'On every connect: the newest active calls the person may see (more with GET /v1/calls and nextCursor). Seed lastSeq per call from call.seq. Sent with an acknowledgement callback, which a client may ignore.',
  },
  sessionExpired: {
    event: 'session.expired',
    payload: 'SessionExpired',
    summary:
      'Just before the broker disconnects a socket whose token reached its exp: get a new token and connect again.',
  },
  callUpdated: {
    event: 'call.updated',
    payload: 'CallUpdated',
    summary:
      "Whenever a visible call gets events; a call's batches arrive in seq order without gaps.",
  },
  callInvite: {
    event: 'call.invite',
    payload: 'CallInvite',
    summary:
      "To the call's technician only, once an expert has joined on xAssist; re-sent on every connect while the call is expert_joined, so de-duplicate by call.id.",
  },
  callFallback: {
    event: 'call.fallback',
    payload: 'CallFallback',
    summary:
      "To the call's technician only: xAssist could not be reached, so the broker made a web meeting (Chat&Messenger) the technician may open instead; the experts get it by chat. Re-sent on every connect until the meeting expires, so de-duplicate by call.id.",
  },
  callNobodyCanTake: {
    event: 'call.nobody_can_take',
    payload: 'CallNobodyCanTake',
    summary:
      "To the call's technician (and supervisors and integrations), at once: no available expert can take a queued call now. Show call.queue.statusLine; the call stays queued (estimatedWaitSeconds null) until an expert who can take it is available, or until maxWaitSeconds ends it unanswered. Again whenever it comes to that anew.",
  },
  offerCreated: {
    event: 'offer.created',
    payload: 'OfferAnswer',
    summary:
      'To an expert: a queued call is offered to them until offer.expiresAt; re-sent on every connect while pending. Answer with offer.accept or offer.decline.',
  },
  offerEnded: {
    event: 'offer.ended',
    payload: 'OfferEnded',
    summary:
      "To the offer's expert: it was accepted, declined, timed out or rescinded (another expert took the call, or it stopped waiting).",
  },
  presenceUpdated: {
    event: 'presence.updated',
    payload: 'PresenceUpdated',
    summary: "To supervisors and to the expert concerned: an expert's presence changed.",
  },
  queueEscalated: {
    event: 'queue.escalated',
    payload: 'QueueEscalated',
    summary:
      'To supervisors: a request has waited long enough for an escalation step that asks to tell them.',
  },
  connectError: {
    event: 'connect_error',
    payload: 'SocketError',
    summary:
      "socket.io's own event for a refused handshake: the client's Error carries this as its data (its message is data.message). 401 unauthorized for a missing, bad or expired token or a person not in the directory; 429 quota_exceeded with too many open sockets; 503 unavailable when the identity provider cannot be reached. Branch on data.code; connect again only after fixing the cause (or, for 429 and 503, later).",
  },
};

/** What a client sends; each is answered through its acknowledgement callback. */
interface ClientMessage extends SocketMessage {
  ack: ContractSchemaName;
  ackSummary: string;
}

const CLIENT_TO_SERVER: Record<string, ClientMessage> = {
  callSubscribe: {
    event: 'call.subscribe',
    payload: 'CallSubscribe',
    summary:
      'Ask for a call and its events after afterSeq (after a reconnect or a gap); acknowledged with CallSubscribeAck.',
    ack: 'CallSubscribeAck',
    ackSummary:
      'The call and its events after afterSeq, or { error } (400 bad payload, 404 not visible).',
  },
  offerAccept: {
    event: 'offer.accept',
    payload: 'OfferAnswerPayload',
    summary: 'An expert takes the offered call: it becomes theirs and is created on xAssist.',
    ack: 'OfferAnswerAck',
    ackSummary:
      '{ offer, call } with the call ringing, or { error }: 404 not your offer, 403 own_request for a request you asked for, 409 taken or expired, 502/503 xAssist failed (the call stays queued).',
  },
  offerDecline: {
    event: 'offer.decline',
    payload: 'OfferAnswerPayload',
    summary: 'An expert passes: the call is offered to the next expert, never to them again.',
    ack: 'OfferAnswerAck',
    ackSummary: '{ offer, call }, or { error } (404, 409).',
  },
  presenceSet: {
    event: 'presence.set',
    payload: 'PresenceSetPayload',
    summary: 'An expert says whether they take calls: available or away.',
    ack: 'PresenceSetAck',
    ackSummary: '{ presence }, or { error } (403 for someone who is not an expert).',
  },
};

/** Every schema the payloads reach, by following $refs. */
function reachableSchemas(roots: ContractSchemaName[]): Record<string, JsonSchema> {
  const found: Record<string, JsonSchema> = {};
  const visit = (name: ContractSchemaName) => {
    if (found[name]) return;
    found[name] = CONTRACT_SCHEMAS[name];
    const refs = JSON.stringify(CONTRACT_SCHEMAS[name]).matchAll(/#\/components\/schemas\/(\w+)/g);
    for (const [, ref] of refs) visit(ref as ContractSchemaName);
  };
  roots.forEach(visit);
  return Object.fromEntries(
    Object.keys(CONTRACT_SCHEMAS).flatMap((n) => (found[n] ? [[n, found[n]]] : [])),
  );
}

const message = ({ event, payload, summary }: SocketMessage) => ({
  name: event,
  title: event,
  summary,
  contentType: 'application/json',
  payload: { $ref: `#/components/schemas/${payload}` },
});

export function asyncApiDocument(): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  for (const [id, definition] of Object.entries(SERVER_TO_CLIENT))
    messages[id] = message(definition);
  for (const [id, definition] of Object.entries(CLIENT_TO_SERVER)) {
    messages[id] = message(definition);
    messages[`${id}Ack`] = {
      name: `${definition.event} (acknowledgement)`,
      title: `${definition.event} acknowledgement`,
      summary: definition.ackSummary,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${definition.ack}` },
    };
  }
  const channelMessage = (id: string) => ({ $ref: `#/channels/broker/messages/${id}` });
  const operations: Record<string, unknown> = {};
  for (const [id, { summary }] of Object.entries(SERVER_TO_CLIENT)) {
    operations[`receive${id[0].toUpperCase()}${id.slice(1)}`] = {
      action: 'receive',
      summary,
      channel: { $ref: '#/channels/broker' },
      messages: [channelMessage(id)],
    };
  }
  for (const [id, { summary }] of Object.entries(CLIENT_TO_SERVER)) {
    operations[`send${id[0].toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      summary,
      channel: { $ref: '#/channels/broker' },
      messages: [channelMessage(id)],
      reply: {
        channel: { $ref: '#/channels/broker' },
        messages: [channelMessage(`${id}Ack`)],
      },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Expert Call Broker: socket.io events',
      version: '1',
      description:
        "socket.io 4 on the broker's HTTP port, default namespace. Connect with the same JWT as REST in the handshake: `io(url, { auth: { token } })`; a refused handshake arrives as connect_error, whose data is a SocketError that says why. Each event carries one JSON argument (its payload below); what a client sends (call.subscribe, offer.accept, offer.decline, presence.set) goes with an acknowledgement callback. Objects may gain fields: ignore the ones you do not know.",
    },
    servers: {
      broker: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io/',
        description:
          'Where the broker runs; socket.io (Engine.IO 4) over WebSocket or long-polling.',
      },
    },
    defaultContentType: 'application/json',
    channels: {
      broker: {
        address: '/',
        title: 'The default socket.io namespace',
        messages: Object.fromEntries(
          Object.keys(messages).map((id) => [id, { $ref: `#/components/messages/${id}` }]),
        ),
      },
    },
    operations,
    components: {
      messages,
      schemas: reachableSchemas([
        ...Object.values(SERVER_TO_CLIENT).map((definition) => definition.payload),
        ...Object.values(CLIENT_TO_SERVER).flatMap((definition) => [
          definition.payload,
          definition.ack,
        ]),
      ]),
    },
  };
}
