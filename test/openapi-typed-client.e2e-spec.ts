import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerHarness } from './support/broker-harness.js';

const ROOT = new URL('..', import.meta.url).pathname;
/** Under the project's node_modules, so the program finds openapi-fetch the way any project would. */
const CACHE = join(ROOT, 'node_modules', '.cache');

/** What an integrator writes: typed entirely by the types generated from /docs-json. */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { components, paths } from './broker-api.js';

type CallStatus = components['schemas']['Call']['status'];

const client = createClient<paths>({
  baseUrl: process.env.BROKER_URL,
  headers: { authorization: \`Bearer \${process.env.BROKER_TOKEN}\` },
});

const created = await client.POST('/v1/calls', {
  params: { header: { 'Idempotency-Key': 'typed-client-1' } },
  body: {
    technicianId: 'tom',
    expertIds: ['erika'],
    title: 'Typed pump 7',
    externalRef: 'WO-typed',
    metadata: { site: 'Plant 3' },
  },
});
if (!created.data) throw new Error(\`creating failed: \${created.error?.code} \${created.error?.message}\`);
const id: string = created.data.id;
const status: CallStatus = created.data.status;

const read = await client.GET('/v1/calls/{id}', { params: { path: { id } } });
if (!read.data) throw new Error(\`reading failed: \${read.error?.message}\`);
const technician: string = read.data.technician.displayName;
const seq: number = read.data.seq;

const missing = await client.GET('/v1/calls/{id}', { params: { path: { id: 'no-such-call' } } });
const code: string | undefined = missing.error?.code;

console.log(JSON.stringify({ id, status, readStatus: read.data.status, technician, seq, code }));
`;

describe('a client generated from the OpenAPI document', () => {
  let sut: BrokerHarness;
  let dir: string;

  beforeAll(async () => {
    sut = await new BrokerHarness().start();
    mkdirSync(CACHE, { recursive: true });
    dir = mkdtempSync(join(CACHE, 'typed-client-'));
  });
  afterAll(async () => {
    await sut.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a call and reads its status in type-checked code', async () => {
    const document = await sut.api('GET', '/docs-json');
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document.body));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          outDir: 'out',
        },
        files: ['client.ts', 'broker-api.ts'],
      }),
    );
    // Asynchronously: the broker runs in this process and must keep answering meanwhile.
    const run = async (args: string[], env: Record<string, string> = {}) =>
      (
        await promisify(execFile)(process.execPath, args, {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, ...env },
        })
      ).stdout;

    await run([
      join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
      'openapi.json',
      '--output',
      'broker-api.ts',
    ]);
    try {
      await run([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    } catch (error) {
      throw new Error(
        `the typed client does not compile:\n${(error as { stdout: string }).stdout}`,
      );
    }
    const printed = await run([join(dir, 'out', 'client.js')], {
      BROKER_URL: sut.url,
      BROKER_TOKEN: sut.token('erp'),
    });

    const result = JSON.parse(printed);
    expect(result).toMatchObject({
      status: 'ringing',
      readStatus: 'ringing',
      technician: 'Tom Technician',
      code: 'not_found',
    });
    const stored = await sut.api('GET', `/v1/calls/${result.id}`, { as: 'sam' });
    expect(stored.body).toMatchObject({ externalRef: 'WO-typed', metadata: { site: 'Plant 3' } });
  }, 120_000);
});
