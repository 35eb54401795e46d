/**
 * The peer the broker is measured against: a naive connector as the xAssist integration notes'
 * example would write it. It discovers calls from the listing and polls every one of them at one
 * fixed period, whatever its state; it "rings" the glasses when it sees an expert's Join.
 * Prints `INVITE <xassistCallId> <epochMs>` per invite. Env: SIM_URL, SIM_USERNAME, SIM_PASSWORD,
 * SIM_DOMAIN, NAIVE_PERIOD_MS.
 */
import { request } from 'undici';

const base = process.env.SIM_URL;
const period = Number(process.env.NAIVE_PERIOD_MS ?? 1000);
let token = '';

async function call(method, path, body) {
  const response = await request(base + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.body.text();
  if (response.statusCode === 401 && path !== 'login') {
    await login();
    return call(method, path, body);
  }
  return JSON.parse(text);
}

async function login() {
  const answer = await call('POST', 'login', {
    username: process.env.SIM_USERNAME,
    password: process.env.SIM_PASSWORD,
    domain: process.env.SIM_DOMAIN,
    agreedToTos: true,
  });
  token = answer.token;
}

const followed = new Map(); // callId -> { invited, creatorDbId }

async function discover() {
  const page = await call('GET', 'rtc/getFilteredCallLogsV2?size=100000');
  for (const log of page.content) {
    if (!followed.has(log.callId) && log.callStatus !== 'Ended') {
      followed.set(log.callId, { invited: false, creatorDbId: log.creatorContact?.userDbId });
      void follow(log.callId);
    }
  }
}

async function follow(callId) {
  // Start at a random phase so the polls spread over the period, as a real loop would drift to.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * period));
  for (;;) {
    const started = Date.now();
    const state = followed.get(callId);
    try {
      const log = await call('GET', `rtc/getCallLogById?callId=${callId}`);
      const expertJoined = log.callEvents.some(
        (e) => e.type === 'Join' && e.contact?.userDbId !== state.creatorDbId,
      );
      if (expertJoined && !state.invited) {
        state.invited = true;
        process.stdout.write(`INVITE ${callId} ${Date.now()}\n`);
      }
      if (log.callStatus === 'Ended') return followed.delete(callId);
    } catch {
      // a naive loop just tries again next period
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, period - (Date.now() - started))),
    );
  }
}

await login();
await discover();
setInterval(() => void discover(), 2000);
process.stdout.write('READY\n');
