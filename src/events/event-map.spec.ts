import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// Jest runs from the repository's root.
const SRC = join(process.cwd(), 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `event phase file` for every `@OnEvent` in the code. */
function handlersInCode(): string[] {
  return sources(SRC).flatMap((path) =>
    [...readFileSync(path, 'utf8').matchAll(/@OnEvent\('([^']+)', '([^']+)'\)/g)].map(
      ([, name, phase]) => `${name} ${phase} ${relative(SRC, path)}`,
    ),
  );
}

/** The same, from the table in docs/architecture.md ("Events"). */
function handlersInDocs(): string[] {
  const doc = readFileSync(join(SRC, '..', 'docs', 'architecture.md'), 'utf8');
  const start = doc.indexOf('\n## Events\n');
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  return section
    .split('\n')
    .filter((line) => /^\| `[a-z_.]+`\s*\|/.test(line))
    .flatMap((line) => {
      const [, name, phase, handlers] = line.split('|').map((cell) => cell.trim());
      return [...handlers.matchAll(/`([a-z-]+\/[a-z.-]+\.ts)`/g)].map(
        ([, file]) => `${name.replaceAll('`', '')} ${phase} ${file}`,
      );
    });
}

describe('the event map in docs/architecture.md', () => {
  it('names every handler the code declares, and no other', () => {
    expect(handlersInDocs().sort()).toEqual(handlersInCode().sort());
  });
});
