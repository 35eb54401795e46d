/**
 * `npm run simulator` - a standalone xAssist simulator.
 * Flags (or environment): --port (SIM_PORT, 4010), --host (SIM_HOST, 127.0.0.1),
 * --domain (SIM_DOMAIN, demo), --username (SIM_USERNAME, broker), --password (SIM_PASSWORD,
 * broker-password), --demo (SIM_DEMO=1: invited people join and leave by themselves).
 * This is a separate program from the broker, so it reads its own flags and environment.
 */
import { parseArgs } from 'node:util';
import { XAssistSimulator } from './xassist-simulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.SIM_PORT ?? '4010' },
    host: { type: 'string', default: process.env.SIM_HOST ?? '127.0.0.1' },
    domain: { type: 'string', default: process.env.SIM_DOMAIN ?? 'demo' },
    username: { type: 'string', default: process.env.SIM_USERNAME ?? 'broker' },
    password: { type: 'string', default: process.env.SIM_PASSWORD ?? 'broker-password' },
    demo: { type: 'boolean', default: process.env.SIM_DEMO === '1' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
  process.exit(2);
}

const simulator = new XAssistSimulator({
  port,
  host: values.host,
  domainTag: values.domain,
  credentials: { username: values.username!, password: values.password! },
  demo: values.demo
    ? { expertJoinAfterMs: 3000, technicianJoinAfterMs: 2000, endAfterMs: 15000 }
    : undefined,
});

const url = await simulator.listen();
console.log(`xAssist simulator serving ${url} (control API at ${new URL('/_sim/', url).href})`);
console.log(`log in as "${values.username}" in domain "${values.domain}"`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
