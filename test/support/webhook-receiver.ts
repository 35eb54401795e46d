import { Webhook } from 'standardwebhooks';
import {
  StandInServer,
  type ReceivedRequest,
  type StandInAnswer,
} from '../../src/notifications/stand-ins/stand-in-server.js';

/** One delivery the receiver accepted: the verified body and its Standard Webhooks id. */
export interface AcceptedWebhook {
  id: string;
  type: string;
  callId: string;
  seq: number;
  body: any;
  receivedAt: number;
}

/**
 * An integration's endpoint: verifies each request with the `standardwebhooks` package (the
 * reference implementation, not the broker's code) against the secret it was given, answers
 * 401 to a bad signature, and keeps what it accepted, deduplicated by webhook-id as the spec
 * tells receivers to. Scripted faults (5xx, 429 with Retry-After, slow, 410) come from StandInServer.
 */
export class WebhookReceiver extends StandInServer {
  /** Every accepted request, repeats included, in arrival order. */
  readonly accepted: AcceptedWebhook[] = [];
  readonly refusedSignatures: ReceivedRequest[] = [];
  private verifier?: Webhook;

  /** Its WEBHOOK_ALLOWED_HOSTS entry, `127.0.0.1:<port>`: the allow-list opens one port only. */
  get allowListEntry(): string {
    return new URL(this.url).host;
  }

  /** The secret POST /v1/webhooks answered with. */
  trust(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  /** What a deduplicating receiver keeps: each webhook-id once, first arrival. */
  get unique(): AcceptedWebhook[] {
    const seen = new Set<string>();
    return this.accepted.filter((hook) => !seen.has(hook.id) && seen.add(hook.id));
  }

  /** The unique deliveries of one call, in arrival order. */
  ofCall(callId: string): AcceptedWebhook[] {
    return this.unique.filter((hook) => hook.callId === callId);
  }

  protected answer(request: ReceivedRequest): StandInAnswer {
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    let body: any;
    try {
      if (!this.verifier) throw new Error('no secret yet');
      body = this.verifier.verify(request.body, headers);
    } catch (error) {
      this.refusedSignatures.push(request);
      return { status: 401, body: { error: (error as Error).message } };
    }
    this.accepted.push({
      id: headers['webhook-id'],
      type: body.type,
      callId: body.data.call.id,
      seq: body.data.event?.seq ?? 0,
      body,
      receivedAt: request.receivedAt,
    });
    return { status: 204 };
  }
}
