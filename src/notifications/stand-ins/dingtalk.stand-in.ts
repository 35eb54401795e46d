import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  jsonOf,
  StandInServer,
  type ReceivedRequest,
  type StandInAnswer,
} from './stand-in-server.js';

export interface DingTalkStandInOptions {
  accessToken: string;
  /** The robot's signing secret; unset: the robot accepts unsigned calls. */
  secret?: string;
  /** The stand-in's clock (epoch ms), so a test can judge timestamps against another "now". */
  now?: () => number;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const PER_MINUTE = 20;
const MSG_TYPES = new Set(['text', 'markdown', 'actionCard', 'link', 'feedCard']);

const error = (errcode: number, errmsg: string): StandInAnswer => ({
  status: 200,
  body: { errcode, errmsg },
});

/**
 * A DingTalk custom group robot at POST /robot/send?access_token=...: checks the token, the
 * signature and its one-hour timestamp window (310000 otherwise), 20 messages a minute (130101
 * past it, then throttled ten minutes), and records the messages it accepted.
 * Scripted vendor fault: `throttle` (one 130101).
 */
export class DingTalkStandIn extends StandInServer {
  /** The bodies of accepted messages, in order. */
  readonly messages: Record<string, unknown>[] = [];
  private acceptedAt: number[] = [];
  private throttledUntil = 0;

  constructor(private readonly options: DingTalkStandInOptions) {
    super();
  }

  /** The robot's webhook URL as DingTalk shows it. */
  get webhookUrl(): string {
    return `${this.url}/robot/send?access_token=${this.options.accessToken}`;
  }

  protected override vendorFault(name: string): StandInAnswer | undefined {
    return name === 'throttle'
      ? error(130101, 'send too fast, exceed 20 times per minute')
      : undefined;
  }

  protected answer(request: ReceivedRequest): StandInAnswer {
    if (request.method !== 'POST' || request.path !== '/robot/send')
      return { status: 404, body: 'not found' };
    if (request.query.get('access_token') !== this.options.accessToken)
      return error(300001, 'token is not exist');
    const now = (this.options.now ?? Date.now)();
    if (this.options.secret !== undefined) {
      const refusal = this.checkSignature(request.query, now, this.options.secret);
      if (refusal) return error(310000, refusal);
    }
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return error(40035, 'content-type must be application/json');
    const body = jsonOf(request.body) as Record<string, unknown> | undefined;
    if (
      !body ||
      typeof body.msgtype !== 'string' ||
      !MSG_TYPES.has(body.msgtype) ||
      typeof body[body.msgtype] !== 'object'
    )
      return error(40035, 'invalid msgtype or body');
    if (now < this.throttledUntil)
      return error(130101, 'send too fast, exceed 20 times per minute');
    this.acceptedAt = this.acceptedAt.filter((at) => at > now - MINUTE_MS);
    if (this.acceptedAt.length >= PER_MINUTE) {
      this.throttledUntil = now + 10 * MINUTE_MS;
      return error(130101, 'send too fast, exceed 20 times per minute');
    }
    this.acceptedAt.push(now);
    this.messages.push(body);
    return error(0, 'ok');
  }

  /** Why DingTalk would refuse the signature, or undefined when it is right. */
  private checkSignature(query: URLSearchParams, now: number, secret: string): string | undefined {
    const timestamp = query.get('timestamp');
    const sign = query.get('sign');
    if (!timestamp || !sign || !/^\d+$/.test(timestamp))
      return 'sign not match, missing timestamp or sign';
    if (Math.abs(now - Number(timestamp)) > HOUR_MS)
      return 'timestamp is not within one hour of server time';
    const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest();
    const given = Buffer.from(sign, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return 'sign not match';
    return undefined;
  }
}
