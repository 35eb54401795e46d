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

/**
 * Each wrong import in a folder of its own, all in one tree: the check runs once for them all
 * (each run of dependency-cruiser loads TypeScript: seconds), and each case reads the lines about
 * its own files.
 */
const WRONG: Record<string, Record<string, string>> = {
  upwardFromFoundation: {
    'src/calls/call.ts': 'export const callState = "open";\n',
    'src/common/answer.ts':
      'import { callState } from "../calls/call.js";\nexport const answer = callState;\n',
  },
  typeOnlyUpward: {
    'src/routing/offer.ts': 'export interface Offer { id: string }\n',
    'src/calls/offers.ts':
      'import type { Offer } from "../routing/offer.js";\nexport const offers: Offer[] = [];\n',
  },
  deliveryCrossing: {
    'src/realtime/rooms.ts': 'export const room = "calls";\n',
    'src/paging/pager.ts': 'import { room } from "../realtime/rooms.js";\nexport const r = room;\n',
  },
  upwardWithinLayer: {
    'src/logging/logger.ts': 'export const log = (line: string) => line;\n',
    'src/common/filter.ts':
      'import { log } from "../logging/logger.js";\nexport const filter = () => log("x");\n',
  },
  folderCycle: {
    'src/edge/a.ts': 'import { b } from "../health/b.js";\nexport const a = () => b;\n',
    'src/health/b.ts': 'import { a } from "../edge/a.js";\nexport const b = () => a;\n',
  },
  unnamedFolder: {
    'src/gadgets/gadget.ts': 'export const gadget = 1;\n',
    'src/calls/gadgets.ts':
      'import { gadget } from "../gadgets/gadget.js";\nexport const g = gadget;\n',
  },
};

describe('the layer check in npm run lint', () => {
  let wrong: { code: number; output: string };
  beforeAll(async () => {
    wrong = await check(at(Object.assign({}, ...Object.values(WRONG))));
  });
  /** The lines the check printed about an import from `from` to `to`. */
  const about = (from: string, to: string) =>
    wrong.output.split('\n').filter((line) => line.includes(`${from} → ${to}`));

  it('fails on the tree of wrong imports', () => {
    expect(wrong.code).not.toBe(0);
  });

  it('fails when foundation (common) imports a feature (calls), naming the rule and the files', () => {
    const lines = about('src/common/answer.ts', 'src/calls/call.ts');
    expect(lines.join('\n')).toContain('no-upward-from-foundation');
  });

  it('fails on a type-only upward import too', () => {
    expect(about('src/calls/offers.ts', 'src/routing/offer.ts').join('\n')).toContain(
      'no-upward-from-calls',
    );
  });

  it('fails when one delivery folder imports another', () => {
    expect(about('src/paging/pager.ts', 'src/realtime/rooms.ts').join('\n')).toContain(
      'no-delivery-crossing-from-paging',
    );
  });

  it('fails when a folder imports a folder listed after it in its own layer', () => {
    expect(about('src/common/filter.ts', 'src/logging/logger.ts').join('\n')).toContain(
      'no-upward-within-foundation-from-common',
    );
  });

  it('fails when two folders import each other (the app layer has no order of its own)', () => {
    // Cycles are told per folder: "no-folder-cycles: src/health → src/edge → src/health".
    const cycles = wrong.output.split('\n').filter((line) => line.includes('no-folder-cycles'));
    expect(cycles.some((line) => line.includes('src/edge'))).toBe(true);
    expect(cycles.some((line) => line.includes('src/health'))).toBe(true);
    const edgeOrHealth = wrong.output.split('\n').filter((line) => /src\/(edge|health)/.test(line));
    expect(edgeOrHealth.filter((line) => line.includes('no-upward'))).toEqual([]);
  });

  it('fails on a folder the layer table does not name', () => {
    expect(about('src/calls/gadgets.ts', 'src/gadgets/gadget.ts').join('\n')).toContain(
      'folder-has-a-layer',
    );
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
