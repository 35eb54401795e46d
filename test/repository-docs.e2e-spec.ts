import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

  it('documents every variable of .env.example in the README configuration table', () => {
    const readme = read('README.md');
    const names = [...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(names.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
