import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseEnv, promisify } from 'node:util';
import { loadConfig } from '../src/config/app-config.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const MARKDOWN = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** KEY=value lines of an env file; commented-out lines are optional settings. */
function envLines(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe("the repository's own documentation", () => {
  it.each(MARKDOWN)('%s links only to files in the repository', (file) => {
    const text = read(file);
    expect(text).not.toMatch(/shared\/spec/);
    const broken = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map(([, target]) => target)
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => !existsSync(join(ROOT, dirname(file), target)));
    expect(broken).toEqual([]);
  });

  it('has an .env.example that, filled in, starts in production mode', () => {
    const example = envLines(read('.env.example'));
    const filled = Object.fromEntries(
      Object.entries(example).map(([name, value]) => [
        name,
        value || (name === 'AUTH_JWT_SECRET' ? 'x'.repeat(48) : 'filled-in'),
      ]),
    );
    const config = loadConfig(filled);
    expect(config.demoMode).toBe(false);
    // Each required variable left out stops start-up with a line naming it.
    for (const name of [
      'XASSIST_BASE_URL',
      'XASSIST_USERNAME',
      'XASSIST_PASSWORD',
      'XASSIST_DOMAIN',
      'DIRECTORY_FILE',
      'AUTH_JWT_SECRET',
    ]) {
      const { [name]: _left, ...rest } = filled;
      expect(() => loadConfig(rest)).toThrow(new RegExp(name));
    }
  });

  it('keeps every value of .env.example whole when node --env-file reads it', () => {
    // Operators uncomment a line and start with `node --env-file`, whose parser (util.parseEnv)
    // ends an unquoted value at ` #`/`#`: a join URL's `/#/call/` fragment would be cut off.
    const uncommented = read('.env.example').replace(/^# ?([A-Z][A-Z0-9_]*=)/gm, '$1');
    const written = Object.entries(envLines(uncommented)).map(([name, value]) => [
      name,
      value.replace(/^(["'])(.*)\1$/, '$2'),
    ]);
    const parsed = parseEnv(uncommented);
    expect(written.map(([name]) => [name, parsed[name]])).toEqual(written);
  });

  it('documents every variable of .env.example in the README configuration table', () => {
    const readme = read('README.md');
    const names = [...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(names.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it("has a glasses.md example that type-checks against the broker's socket event types", async () => {
    const example = /```ts\n([\s\S]*?)```/.exec(read('docs/glasses.md'))?.[1];
    expect(example).toContain("socket.on('call.invite'");
    const cache = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'glasses-example-'));
    try {
      const events = relative(dir, join(ROOT, 'src', 'realtime', 'realtime-events.js'));
      writeFileSync(
        join(dir, 'glasses.ts'),
        example!.replace("'./realtime-events.js'", `'${events}'`),
      );
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            skipLibCheck: true,
            noEmit: true,
            experimentalDecorators: true,
            types: ['node'],
            typeRoots: [join(ROOT, 'node_modules', '@types')],
          },
          files: ['glasses.ts'],
        }),
      );
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch(
        (error: { stdout: string }) => {
          throw new Error(`the glasses.md example does not compile:\n${error.stdout}`);
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
