/**
 * `npm run simulator` - a standalone xAssist simulator.
 * Flags (or environment): --port (SIM_PORT, 4010), --host (SIM_HOST, 127.0.0.1),
 * --domain (SIM_DOMAIN, demo), --username (SIM_USERNAME, broker), --password (SIM_PASSWORD,
 * broker-password), --demo (SIM_DEMO=1: invited people join and leave by themselves); --help
 * prints them. This is a separate program from the broker, so it reads its own flags and environment.
 */
import { parseArgs } from 'node:util';
import { XAssistSimulator } from './xassist-simulator.js';

const USAGE = `Usage: npm run simulator -- [options]

A standalone xAssist simulator. Each option falls back to the environment variable named.
  --port <n>           port to listen on (SIM_PORT, default 4010; 0 picks a free one)
  --host <address>     address to listen on (SIM_HOST, default 127.0.0.1)
  --domain <tag>       the xAssist domain tag in its URLs (SIM_DOMAIN, default demo)
  --username <name>    the connector's user name (SIM_USERNAME, default broker)
  --password <secret>  the connector's password (SIM_PASSWORD, default broker-password)
  --demo               invited people join and leave by themselves (SIM_DEMO=1)
  -h, --help           print this and exit
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string', default: process.env.SIM_PORT ?? '4010' },
      host: { type: 'string', default: process.env.SIM_HOST ?? '127.0.0.1' },
      domain: { type: 'string', default: process.env.SIM_DOMAIN ?? 'demo' },
      username: { type: 'string', default: process.env.SIM_USERNAME ?? 'broker' },
      password: { type: 'string', default: process.env.SIM_PASSWORD ?? 'broker-password' },
      demo: { type: 'boolean', default: process.env.SIM_DEMO === '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  // A mistyped flag is the user's mistake, not the program's: one line and the usage, no stack.
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

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
