import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  ConfigError,
  DEMO_DATABASE_URL,
  loadConfigFromEnvironment,
  type AppConfig,
} from './config/app-config.js';
import { createBrokerApp } from './bootstrap.js';
import { InstanceRefusedError } from './cluster/instance-registry.js';
import { DatabaseError } from './database/database.js';
import { sqlitePathOf } from './database/sqlite-url.js';
import { HealthController } from './health/health.controller.js';
import { DEMO_DIRECTORY } from './directory/demo-directory.js';
import { DirectoryError, parseDirectory } from './directory/directory-file.js';
import { xassistContactOf } from './directory/person.js';
import { createLogger, logDestination } from './logging/logger.js';
import { issueToken } from './auth/jwt.js';
import { XAssistClient } from './xassist/xassist-client.port.js';
import { DEMO_SCRIPT, XAssistSimulator } from './simulator/xassist-simulator.js';

/** In demo mode the simulator plays xAssist in this process, with the demo directory's people. */
async function startDemoSimulator(config: AppConfig): Promise<XAssistSimulator> {
  const password = randomBytes(12).toString('base64url');
  const users = parseDirectory(DEMO_DIRECTORY).flatMap((person) => xassistContactOf(person) ?? []);
  const simulator = new XAssistSimulator({
    domainTag: 'demo',
    credentials: { username: config.xassist.username, password },
    users,
    demo: DEMO_SCRIPT,
  });
  config.xassist = { ...config.xassist, baseUrl: await simulator.listen(), password };
  return simulator;
}

/**
 * The demo's own database is kept across restarts (a restart to set WEBHOOK_ALLOWED_HOSTS must
 * not lose the webhooks and calls made so far). Calls the previous run left on its xAssist are
 * unknown to this run's simulator: its 404s end them as failed (POLL_NOT_FOUND_TO_FAIL).
 * DEMO_FRESH_START=true deletes it first, its WAL files too (a stale WAL would be replayed).
 */
function prepareDemoDatabase(config: AppConfig, logger: Logger): void {
  if (!config.demoMode || config.databaseUrl !== DEMO_DATABASE_URL) return;
  const file = sqlitePathOf(DEMO_DATABASE_URL)!;
  if (config.demoFreshStart) {
    for (const path of [file, `${file}-wal`, `${file}-shm`]) rmSync(path, { force: true });
    logger.info({ file }, 'demo mode: started from an empty demo database (DEMO_FRESH_START=true)');
  } else if (existsSync(file)) {
    logger.info(
      { file },
      'demo mode: kept the demo database of the previous run; start with DEMO_FRESH_START=true for an empty one',
    );
  }
}

/** Printed last, after every start-up log line, so it is what stays on screen. */
function printDemoWelcome(config: AppConfig, url: string): void {
  const token = (personId: string) => issueToken(personId, 7 * 86400, config.auth.jwtSecret ?? '');
  const people = DEMO_DIRECTORY.people;
  const lines = [
    '',
    '  Expert Call Broker is running in DEMO MODE (a simulated xAssist, the demo directory).',
    '',
    `  API docs:   ${url}/docs`,
    `  Dashboard:  ${url}/#token=${token('sam')}`,
    '',
    '  Demo tokens (valid 7 days; a dashboard as that person: the URL above with their token):',
    ...people.map((person) => `    ${person.id.padEnd(6)} ${token(person.id)}`),
    '',
    '  Try:',
    `    curl -s -X POST ${url}/v1/calls -H "Authorization: Bearer ${token('tom')}" \\`,
    `      -H 'content-type: application/json' -d '{"expertIds":["erika"],"title":"Pump 7 vibration"}'`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Says when shutdown starts and turns /readyz 503 at that moment (a load balancer sends no new
 * clients); runs before Nest's own handler, which closes the app: its modules first, then the
 * socket.io server (clients reconnect elsewhere and recover), then HTTP.
 */
function onShutdown(app: INestApplication, logger: Logger): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.prependOnceListener(signal, () => {
      app.get(HealthController).beginShutdown();
      logger.info({ signal }, 'shutdown started: finishing requests and closing connections');
    });
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfigFromEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`configuration error: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, logDestination());
  prepareDemoDatabase(config, logger);
  const simulator = config.demoMode ? await startDemoSimulator(config) : undefined;
  if (simulator)
    logger.warn(
      { xassist: config.xassist.baseUrl },
      'DEMO MODE: xAssist is simulated in this process; see README (BROKER_MODE) for a real one',
    );

  try {
    const app = await createBrokerApp(config, logger);
    await app.listen(config.port, config.host);
    const url = (await app.getUrl())
      .replace('[::1]', 'localhost')
      .replace('127.0.0.1', 'localhost');
    logger.info({ url }, 'expert call broker listening');
    onShutdown(app, logger);
    if (simulator) {
      // The start-up login is not awaited (a real xAssist may be slow); the in-process one answers
      // at once, so wait for it here and the banner stays the last thing on screen.
      await app
        .get(XAssistClient)
        .connectorContact()
        .catch(() => undefined);
      printDemoWelcome(config, url);
      process.once('beforeExit', () => void simulator.close());
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => void simulator.close());
    }
  } catch (error) {
    const known =
      error instanceof DirectoryError ||
      error instanceof DatabaseError ||
      error instanceof ConfigError ||
      error instanceof InstanceRefusedError ||
      (error as { code?: string }).code === 'EADDRINUSE';
    const message =
      (error as { code?: string }).code === 'EADDRINUSE'
        ? `port ${config.port} is already in use; set PORT`
        : (error as Error).message;
    process.stderr.write(`start-up failed: ${message}\n`);
    if (!known) logger.error({ err: error }, 'start-up failed');
    await simulator?.close();
    process.exit(1);
  }
}

void main();
