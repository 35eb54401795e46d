import {
  formOf,
  jsonOf,
  StandInServer,
  type ReceivedRequest,
  type StandInAnswer,
} from './stand-in-server.js';

export interface ChatMessengerStandInOptions {
  apiToken: string;
  /** The API's base path, e.g. /api. */
  basePath?: string;
}

/**
 * A Chat&Messenger server: POST {base}/sendMessage checks the x-cam-apiToken header, the form
 * encoding and the `message` JSON; POST {base}/sendMessages takes a multipart UTF-8 JSON file.
 * Records the messages it accepted.
 */
export class ChatMessengerStandIn extends StandInServer {
  /** Each accepted `sendMessage` JSON, in order. */
  readonly messages: Record<string, unknown>[] = [];
  /** Each accepted `sendMessages` batch, in order. */
  readonly batches: Record<string, unknown>[][] = [];
  /** Each web meeting `createQuickCall` made, in order. */
  readonly quickCalls: { url: string; expiredDate: number; password: string }[] = [];

  constructor(private readonly options: ChatMessengerStandInOptions) {
    super();
  }

  get serverUrl(): string {
    return `${this.url}${this.options.basePath ?? ''}`;
  }

  protected async answer(request: ReceivedRequest): Promise<StandInAnswer> {
    const base = this.options.basePath ?? '';
    const route = request.path.startsWith(`${base}/`) ? request.path.slice(base.length) : '';
    const routes = ['/sendMessage', '/sendMessages', '/createQuickCall'];
    if (request.method !== 'POST' || !routes.includes(route))
      return { status: 404, body: 'not found' };
    if (request.headers['x-cam-apitoken'] !== this.options.apiToken)
      return { status: 401, body: { result: 'error', message: 'invalid api token' } };
    const contentType = String(request.headers['content-type'] ?? '');
    if (route === '/createQuickCall') return this.quickCall(request, contentType);
    if (route === '/sendMessage') {
      if (!contentType.startsWith('application/x-www-form-urlencoded'))
        return { status: 415, body: { result: 'error', message: 'form-encoded body expected' } };
      const message = jsonOf(String((await formOf(request)).get('message') ?? '')) as
        Record<string, unknown> | undefined;
      if (!message || typeof message.panelName !== 'string' || typeof message.message !== 'string')
        return {
          status: 400,
          body: { result: 'error', message: 'message must be JSON with panelName and message' },
        };
      if (
        message.panelName === 'messenger' &&
        !(message.generalPurposes as { users?: string })?.users
      )
        return {
          status: 400,
          body: { result: 'error', message: 'a direct message needs generalPurposes.users' },
        };
      this.messages.push(message);
      return { status: 200, body: { result: 'ok' } };
    }
    if (!contentType.startsWith('multipart/form-data'))
      return { status: 415, body: { result: 'error', message: 'a multipart JSON file expected' } };
    const file = (await formOf(request)).get('file');
    const batch = typeof file === 'object' && file !== null ? jsonOf(await file.text()) : undefined;
    if (
      !Array.isArray(batch) ||
      batch.some((entry) => typeof (entry as { message?: unknown })?.message !== 'string')
    )
      return {
        status: 400,
        body: { result: 'error', message: 'the file must be a JSON array of messages' },
      };
    this.batches.push(batch as Record<string, unknown>[]);
    return { status: 200, body: { result: 'ok', count: batch.length } };
  }

  /** A quick web meeting: a future `expiredDate` in epoch ms and a password, form-encoded. */
  private async quickCall(request: ReceivedRequest, contentType: string): Promise<StandInAnswer> {
    if (!contentType.startsWith('application/x-www-form-urlencoded'))
      return { status: 415, body: { result: 'error', message: 'form-encoded body expected' } };
    const form = await formOf(request);
    const expiredDate = Number(form.get('expiredDate'));
    const password = String(form.get('password') ?? '');
    if (!/^\d{13}$/.test(String(form.get('expiredDate'))) || expiredDate <= Date.now())
      return {
        status: 400,
        body: { result: 'error', message: 'expiredDate must be a future epoch in milliseconds' },
      };
    if (password === '')
      return { status: 400, body: { result: 'error', message: 'password is required' } };
    const url = `${this.url}/quick/${this.quickCalls.length + 1}`;
    this.quickCalls.push({ url, expiredDate, password });
    return { status: 200, body: { result: 'ok', data: { url } } };
  }
}
