import {
  jsonOf,
  StandInServer,
  type ReceivedRequest,
  type StandInAnswer,
} from './stand-in-server.js';

/**
 * A Teams Workflows webhook at POST /workflows/<flow>/triggers/manual/paths/invoke?sig=...:
 * checks `sig` and that the body is a message with an Adaptive Card; answers 202 and records it.
 */
export class TeamsStandIn extends StandInServer {
  readonly cards: Record<string, unknown>[] = [];

  constructor(private readonly sig: string) {
    super();
  }

  get webhookUrl(): string {
    return `${this.url}/workflows/broker/triggers/manual/paths/invoke?api-version=1&sig=${this.sig}`;
  }

  protected answer(request: ReceivedRequest): StandInAnswer {
    if (request.method !== 'POST' || !request.path.startsWith('/workflows/'))
      return { status: 404, body: 'not found' };
    if (request.query.get('sig') !== this.sig)
      return { status: 401, body: { error: { code: 'DirectApiAuthorizationRequired' } } };
    const body = jsonOf(request.body) as
      | {
          type?: unknown;
          attachments?: { contentType?: unknown; content?: Record<string, unknown> }[];
        }
      | undefined;
    const card = body?.attachments?.[0];
    if (
      body?.type !== 'message' ||
      card?.contentType !== 'application/vnd.microsoft.card.adaptive' ||
      card.content?.type !== 'AdaptiveCard'
    )
      return { status: 400, body: { error: { code: 'InvalidRequestContent' } } };
    this.cards.push(card.content);
    return { status: 202, body: '' };
  }
}
