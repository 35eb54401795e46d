// `npm start` must work on a fresh clone: compile when dist/ is missing or older than src/.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

// The image has dist/ and no TypeScript sources (nor tsconfig.build.json): nothing to compile, and
// `npm run token` or `npm run backup` there runs what the image was built with.
const inTheImage = !existsSync('tsconfig.build.json') && existsSync('dist/main.js');
const stale =
  !inTheImage &&
  (!existsSync('dist/main.js') ||
    newestMtime('src') > statSync('dist/main.js').mtimeMs ||
    statSync('tsconfig.build.json').mtimeMs > statSync('dist/main.js').mtimeMs);
if (stale) {
  process.stdout.write('Building the broker (dist/ is missing or older than src/)...\n');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
