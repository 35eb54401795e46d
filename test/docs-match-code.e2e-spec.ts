import { HttpException } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallMetrics } from '../src/calls/call-metrics.js';
import { ERROR_CODES, errorAnswer } from '../src/common/error-answer.js';
import { loadConfig } from '../src/config/app-config.js';
import { redactUrl } from '../src/logging/redact-url.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { OutboxMetrics } from '../src/outbox/outbox-metrics.js';
import type { OutboxStore } from '../src/outbox/kysely-outbox.store.js';
import { signAcceptLink } from '../src/paging/accept-link.js';
import { DEMO_ACCEPT_AFTER_MS } from '../src/routing/demo-experts.js';
import { DEMO_SCRIPT } from '../src/simulator/xassist-simulator.js';
import { XAssistBudgetMetrics } from '../src/xassist/xassist-metrics.js';
import { REPO } from './support/broker-process.js';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
/** The text of one `## heading` section of a Markdown file, up to the next one. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The statuses the broker answers with; each has its code in the one error mapping. */
const STATUSES = [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503];
const statusCode = (status: number) => errorAnswer(new HttpException('x', status)).body.code;
/** ERROR_CODES (the Error schema's enum) but 502's own: every 502 names its xAssist code. */
const DOCUMENTED_CODES = ERROR_CODES.filter((code) => code !== statusCode(502));

/** The rows of docs/api.md's error table: `| status | `code` | when |`. */
function apiErrorRows(): Array<[status: number, code: string]> {
  return [...section(read('docs/api.md'), 'Errors').matchAll(/^\| (\d{3}) +\| `(\w+)` +\|/gm)].map(
    ([, status, code]) => [Number(status), code],
  );
}

/**
 * The codes the source names: `code = '...'` in an error class, the values of `*_ERROR_CODE`.
 * Answer codes are snake_case; a Node-style `code` (`EWEBHOOKADDRESS`) never reaches a client.
 */
function codesNamedInSource(): string[] {
  const files = (readdirSync(join(REPO, 'src'), { recursive: true }) as string[]).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'),
  );
  return files.flatMap((file) => {
    const text = read(join('src', file));
    const literals = [...text.matchAll(/\breadonly code = '([a-z][a-z_]*)'/g)].map(
      ([, code]) => code,
    );
    const named = [...text.matchAll(/_ERROR_CODE = \{([^}]*)\}/g)].flatMap(([, body]) =>
      [...body.matchAll(/'(\w+)'/g)].map(([, code]) => code),
    );
    return [...literals, ...named];
  });
}

/** The query names `redactUrl` matches, read from its pattern (`api[-_]?key` is three names). */
function redactedQueryNames(): string[] {
  const pattern = /const SECRET_PARAMETER =\s*\/\^\(([^)]*)\)\$\/i/.exec(
    read('src/logging/redact-url.ts'),
  )?.[1];
  expect(pattern).toBeDefined();
  return pattern!
    .split('|')
    .flatMap((name) =>
      name.includes('[-_]?') ? ['-', '_', ''].map((sep) => name.replace('[-_]?', sep)) : [name],
    );
}

describe('the documentation names what the code does', () => {
  it.each(['docs/security.md', 'docs/api.md'])(
    '%s names every error code the one error mapping answers with',
    (file) => {
      const text = read(file);
      expect(STATUSES.map(statusCode).filter((code) => !ERROR_CODES.includes(code))).toEqual([]);
      expect(DOCUMENTED_CODES.filter((code) => !text.includes(`\`${code}\``))).toEqual([]);
    },
  );

  it("api.md's error table has a row for every code, each a real code with its status", () => {
    const rows = apiErrorRows();
    expect(rows.map(([, code]) => code).sort()).toEqual([...DOCUMENTED_CODES].sort());
    const ownCodes = STATUSES.map((status) => [status, statusCode(status)] as const);
    for (const [status, code] of ownCodes)
      expect(rows.filter(([, c]) => c === code)).toEqual([[status, code]]);
  });

  it('ERROR_CODES (the Error schema enum) lists every code the source names', () => {
    const named = codesNamedInSource();
    expect(named).toEqual(expect.arrayContaining(['quota_exceeded', 'xassist_unavailable']));
    expect([...new Set(named)].filter((code) => !ERROR_CODES.includes(code))).toEqual([]);
  });

  it("security.md gives a refused connector login's code, message and failureReason", () => {
    const errors = section(read('docs/security.md'), 'Error bodies');
    expect(errors).toContain('`502 xassist_credentials_refused`');
    expect(errors).toContain(
      "xAssist refused the broker's own credentials; an operator must fix the xAssist account",
    );
    expect(errors).not.toMatch(/connector's refused login is a refusal too/);
  });

  it('security.md lists every query name the access log redacts, and the JWT path segments', () => {
    const secrets = section(read('docs/security.md'), 'Secrets in logs');
    const names = redactedQueryNames();
    expect(names.length).toBeGreaterThan(20);
    for (const name of names)
      expect(redactUrl(`/v1/calls?${name}=v`)).toBe(`/v1/calls?${name}=[redacted]`);
    expect(names.filter((name) => !secrets.includes(`\`${name}\``))).toEqual([]);
    expect(secrets).toMatch(/path segment that looks like a JWT/);
  });

  it('security.md says the access log redacts accept-link tokens, in paths and queries, as the code does', () => {
    const secrets = section(read('docs/security.md'), 'Secrets in logs').replace(/\n\s*/g, ' ');
    const token = signAcceptLink('k'.repeat(8) + '-docs-match-code-key-0123456789', {
      callId: 'c1',
      expertId: 'erika',
      expiresAtMs: 1,
    });
    expect(redactUrl(`/accept/${token}`)).toBe('/accept/[redacted]');
    expect(redactUrl(`/?anything=${token}`)).toBe('/?anything=[redacted]');
    expect(secrets).toMatch(/`\/accept\/<token>`/);
    expect(secrets).toMatch(/any value or path segment that looks like an accept-link token/);
  });
});

describe('what /readyz checks', () => {
  // test/xassist-upstream-faults.e2e-spec.ts sees /readyz answer 503 while the login is refused.
  it.each([
    ['README.md', /`\/readyz` \([^)]*login\)/],
    ['docs/deploy.md', /`\/readyz` answers 503 [^.]*refuses the connector's login/],
    ['src/health/health.controller.ts', /summary: 'Ready: [^']*login accepted'/],
  ])("%s says it answers 503 while xAssist refuses the connector's login", (file, said) => {
    expect(read(file).replace(/\n\s*/g, ' ')).toMatch(said);
  });
});

describe('the demo the README walks through', () => {
  // Issue 22: the README said the technician joins 3 s after the expert, and a newcomer watching
  // the page saw 5 to 6: the simulated technician does join 3 s later, but the broker sees it at
  // its next poll of the joined call, POLL_INTERVAL_CONNECTED_MS after the poll that saw the expert.
  it('gives the seconds the demo code uses: the accept, both joins, the page, the end', () => {
    const readme = read('README.md').replace(/\n\s*/g, ' ');
    const said =
      /nobody answered within (\d+) s\. The expert then joins on the simulated xAssist about (\d+) s later and the technician (\d+) s after that, which the page shows about (\d+) s after the expert[^.]*; the call ends (\d+) s later/.exec(
        readme,
      );
    expect(said?.slice(1).map(Number)).toEqual(
      [
        DEMO_ACCEPT_AFTER_MS,
        DEMO_SCRIPT.expertJoinAfterMs,
        DEMO_SCRIPT.technicianJoinAfterMs,
        loadConfig({}).polling.connectedMs,
        DEMO_SCRIPT.endAfterMs,
      ].map((ms) => ms / 1000),
    );
  });
});

/** Every metric the broker registers on /metrics, read from the registry the features fill. */
async function registeredMetrics(): Promise<Set<string>> {
  const metrics = new MetricsService();
  new CallMetrics(metrics);
  new XAssistBudgetMetrics(metrics.registry);
  const store = { counts: async () => ({ pending: 0, failed: 0 }) } as unknown as OutboxStore;
  new OutboxMetrics(metrics, store);
  const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
  // And the label that names the instance on every series (several instances).
  const label = /setDefaultLabels\(\{ (broker_\w+):/.exec(read('src/metrics/metrics.service.ts'));
  return new Set([...names, label![1]]);
}

/** The broker_* names a text uses that no metric has (a histogram's _bucket/_sum/_count allowed). */
function unknownMetrics(text: string, registered: Set<string>): string[] {
  const named = [...text.matchAll(/\bbroker_[a-z_]+\b/g)].map(([name]) => name);
  const known = (name: string) =>
    registered.has(name) || registered.has(name.replace(/_(bucket|sum|count)$/, ''));
  return [...new Set(named)].filter((name) => !known(name));
}

/**
 * What /readyz gives as its reason, from the code: the database probe's messages, the
 * instance's and Redis's, xAssist's circuit and login refusal. A template keeps its text up to
 * the first `${`, which the runbook must give word for word (the rest is `<...>` there).
 */
function readinessReasons(): string[] {
  const literals = (file: string, pattern: RegExp) =>
    [...read(file).matchAll(pattern)].map(([, , text]) => text.split('${')[0]);
  return [
    ...literals('src/database/write-probe.ts', /(?:message:|const message =) ([`'])(.*?)\1/g),
    ...literals('src/health/health.controller.ts', /(?:message: |new Error\()(['`])(.*?)\1/g),
    ...literals('src/xassist/xassist-http.client.ts', /()'([^']*the circuit is open)'/g),
    ...literals('src/xassist/login-backoff.ts', /reason\(\)[\s\S]*?return (`)(.*?)`/g),
  ];
}

describe("docs/operations.md's metrics and /readyz reasons are the code's", () => {
  const operations = read('docs/operations.md').replace(/\n\s*/g, ' ');

  it('names only metrics the broker registers, the ones to alert on among them', async () => {
    const registered = await registeredMetrics();
    expect(registered.has('broker_xassist_budget_stretched')).toBe(true);
    expect(
      unknownMetrics('`broker_outbox_backlog` `broker_calls_created_total`', registered),
    ).toEqual(['broker_outbox_backlog']);
    const alerts = section(read('docs/operations.md'), 'Metrics to alert on');
    expect(unknownMetrics(alerts, registered)).toEqual([]);
    for (const name of [
      'broker_xassist_budget_stretched',
      'broker_outbox_pending',
      'broker_outbox_failed',
      'broker_routing_unanswered_total',
      'broker_cluster_leader',
    ])
      expect(alerts).toContain(name);
  });

  it('has a runbook entry for every reason /readyz gives', () => {
    const reasons = readinessReasons();
    expect(reasons).toEqual(
      expect.arrayContaining([
        'shutting down',
        'the SQLite file was replaced since the broker opened it',
        'the database cannot be reached (',
        'the database did not answer within ',
        'too many xAssist operations failed; the circuit is open',
        "xAssist refused the broker's credentials (",
        'no answer in time',
      ]),
    );
    const runbook = section(read('docs/operations.md'), 'Runbook: `/readyz` reasons');
    expect(reasons.filter((reason) => !runbook.includes(`| \`${reason}`))).toEqual([]);
    expect(operations).toContain('error.database.message');
  });
});
