// The layer check that `npm run lint` runs (.dependency-cruiser.cjs, docs/architecture.md ›
// Layers), run exactly as lint runs it over a small tree of files it writes: it must fail on a
// wrong import and pass on right ones, or lint would pass whatever src/ imports.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const run = promisify(execFile);

/** Writes `files` (path → source) under a fresh folder with the project's tsconfig settings. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecb-layers-'));
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
      include: ['src'],
    }),
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The check's exit code and what it printed, run in `dir` as `npm run lint:layers` runs it. */
async function check(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG], {
      cwd: dir,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const at = (files: Record<string, string>) => {
  const dir = tree(files);
  made.push(dir);
  return dir;
};

describe('the layer check in npm run lint', () => {
  it('fails when foundation (common) imports a feature (calls), naming the rule and the files', async () => {
    const dir = at({
      'src/calls/call.ts': 'export const callState = "open";\n',
      'src/common/answer.ts':
        'import { callState } from "../calls/call.js";\nexport const answer = callState;\n',
    });
    const { code, output } = await check(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('no-upward-from-foundation');
    expect(output).toMatch(/src\/common\/answer\.ts → src\/calls\/call\.ts/);
  });

  it('fails on a type-only upward import too', async () => {
    const dir = at({
      'src/routing/offer.ts': 'export interface Offer { id: string }\n',
      'src/calls/call.ts':
        'import type { Offer } from "../routing/offer.js";\nexport const offers: Offer[] = [];\n',
    });
    const { code, output } = await check(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('no-upward-from-calls');
  });

  it('fails when one delivery folder imports another', async () => {
    const dir = at({
      'src/realtime/rooms.ts': 'export const room = "calls";\n',
      'src/paging/pager.ts':
        'import { room } from "../realtime/rooms.js";\nexport const r = room;\n',
    });
    const { code, output } = await check(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('no-delivery-crossing-from-paging');
  });

  it('fails when a folder imports a folder listed after it in its own layer', async () => {
    const dir = at({
      'src/logging/logger.ts': 'export const log = (line: string) => line;\n',
      'src/common/filter.ts':
        'import { log } from "../logging/logger.js";\nexport const filter = () => log("x");\n',
    });
    const { code, output } = await check(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('no-upward-within-foundation-from-common');
  });

  it('fails when two folders import each other (the app layer has no order of its own)', async () => {
    const dir = at({
      'src/edge/a.ts': 'import { b } from "../health/b.js";\nexport const a = () => b;\n',
      'src/health/b.ts': 'import { a } from "../edge/a.js";\nexport const b = () => a;\n',
    });
    const { code, output } = await check(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('no-folder-cycles');
    expect(output).not.toContain('no-upward');
  });

  it('fails on a folder the layer table does not name', async () => {
    const dir = at({
      'src/gadgets/gadget.ts': 'export const gadget = 1;\n',
      'src/calls/call.ts':
        'import { gadget } from "../gadgets/gadget.js";\nexport const g = gadget;\n',
    });
    const { code, output } = await check(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('folder-has-a-layer');
  });

  it('passes downward imports, to earlier folders of a layer, within a folder, and spec files', async () => {
    const dir = at({
      'src/common/text.ts': 'export const trim = (s: string) => s.trim();\n',
      'src/logging/line.ts':
        'import { trim } from "../common/text.js";\nexport const line = trim(" a ");\n',
      'src/edge/server.ts': 'import { line } from "../logging/line.js";\nexport const s = line;\n',
      'src/calls/call.ts':
        'import { trim } from "../common/text.js";\nexport const name = trim(" call ");\n',
      'src/calls/call.spec.ts': 'import { offer } from "../routing/offer.js";\nvoid offer;\n',
      'src/routing/offer.ts':
        'import { name } from "../calls/call.js";\nexport const offer = name;\n',
      'src/webhooks/send.ts':
        'import { offer } from "../routing/offer.js";\nexport const sent = offer;\n',
      'src/main.ts': 'import { sent } from "./webhooks/send.js";\nconsole.log(sent);\n',
    });
    const { code, output } = await check(dir);
    expect(output).not.toMatch(/error/);
    expect(code).toBe(0);
  });
});
