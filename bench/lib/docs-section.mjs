/** Rewrites one marked section of docs/benchmarks.md (or appends it), then formats the file. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function rewriteSection(start, end, section, path = 'docs/benchmarks.md') {
  const previous = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const next = previous.includes(start)
    ? previous.slice(0, previous.indexOf(start)) +
      section +
      previous.slice(previous.indexOf(end) + end.length)
    : `${previous.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
  execFileSync(
    process.execPath,
    ['node_modules/prettier/bin/prettier.cjs', '--write', '--log-level', 'warn', path],
    { stdio: 'inherit' },
  );
}
