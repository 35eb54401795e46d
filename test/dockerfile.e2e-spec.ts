import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { jest } from '@jest/globals';
import { prepareDatabase } from '../src/database/database.js';
import { waitFor } from './support/broker-harness.js';
import { BrokerProcess, REPO } from './support/broker-process.js';
import { DockerfileRunner, parseDockerfile } from './support/dockerfile-runner.js';
import { freePort } from './support/free-port.js';

const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

/**
 * better-sqlite3 installs a prebuilt binary when one is offered, and compiles SQLite (minutes
 * on this shared machine) when not. A real `docker build` downloads the prebuilt from GitHub,
 * which this closed network cannot reach; this offers the one already built here for the same
 * Node instead, through prebuild-install's own local-prebuilds setting.
 */
function localPrebuild(folder: string): Record<string, string> {
  const addon = join(REPO, 'node_modules', 'better-sqlite3');
  const util = createRequire(join(REPO, 'package.json'))('prebuild-install/util.js');
  const pkg = JSON.parse(readFileSync(join(addon, 'package.json'), 'utf8'));
  const url: string = util.getDownloadUrl({
    pkg,
    platform: process.platform,
    arch: process.arch,
    runtime: 'node',
    abi: process.versions.modules,
  });
  const dir = join(folder, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const tarball = join(dir, url.slice(url.lastIndexOf('/') + 1));
  execFileSync('tar', ['-czf', tarball, '-C', addon, 'build/Release/better_sqlite3.node']);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

/** Every name some installed package depends on. */
function productionNeeds(modules: string): Set<string> {
  const needs = new Set<string>();
  for (const entry of readdirSync(modules, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('package.json') || entry.split('/').at(-1) !== 'package.json') continue;
    try {
      const pkg = JSON.parse(readFileSync(join(modules, entry), 'utf8'));
      // npm installs peers too (@nestjs/swagger 12 asks for typescript, for its CLI plugin).
      const all = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies };
      for (const name of Object.keys(all)) needs.add(name);
    } catch {
      // a fixture or template named package.json: not a package
    }
  }
  return needs;
}

describe('the Dockerfile, its own steps run in a clean folder', () => {
  // npm ci, tsc and npm prune in a fresh folder on a shared machine: minutes, not seconds.
  jest.setTimeout(600_000);
  const folder = mkdtempSync(join(tmpdir(), 'dockerfile-'));
  const instructions = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  let image: DockerfileRunner;

  beforeAll(() => {
    image = new DockerfileRunner(REPO, join(folder, 'stages'), localPrebuild(folder));
    image.run(instructions);
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('builds in one stage and runs from another, as a user other than root', () => {
    expect(image.stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    expect(image.final.user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(image.final.user);
    expect(image.final.exposed).toContain('3000');
  });

  it('ships production dependencies only, and no sources but the dashboard files', () => {
    const modules = image.inStage(image.final, 'node_modules');
    for (const name of Object.keys(packageJson.dependencies))
      expect([name, existsSync(join(modules, name))]).toEqual([name, true]);
    // A dev dependency may stay only as some production package's own dependency.
    const neededByProduction = productionNeeds(modules);
    for (const name of Object.keys(packageJson.devDependencies))
      if (existsSync(join(modules, name)))
        expect([name, neededByProduction.has(name)]).toEqual([name, true]);
    for (const tool of ['jest', 'ts-jest', 'eslint', 'prettier', 'playwright-core'])
      expect([tool, existsSync(join(modules, tool))]).toEqual([tool, false]);
    expect(existsSync(image.inStage(image.final, 'src/calls'))).toBe(false);
    expect(existsSync(image.inStage(image.final, 'src/realtime/dashboard/public/app.js'))).toBe(
      true,
    );
  });

  // Issue 22: `npm run token` failed in the image, whose scripts/ folder was not copied; an
  // administrator minting a token for the dashboard runs it in the broker's own container.
  it('mints a token with `npm run token` in the image', () => {
    const node = dirname(process.execPath);
    const npm = spawnSync('npm', ['run', '--silent', 'token', '--', 'erika', '600'], {
      cwd: image.inStage(image.final, '.'),
      env: { ...image.final.env, HOME: folder, PATH: `${node}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect({ status: npm.status, stderr: npm.stderr }).toEqual({ status: 0, stderr: '' });
    expect(npm.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('backs up its SQLite database with `npm run backup` in the image', async () => {
    const live = join(folder, 'live', 'broker.db');
    await (await prepareDatabase(`sqlite:${live}`)).destroy();
    const node = dirname(process.execPath);
    const backup = join(folder, 'backup.db');
    const npm = spawnSync('npm', ['run', '--silent', 'backup', '--', backup], {
      cwd: image.inStage(image.final, '.'),
      env: {
        ...image.final.env,
        DATABASE_URL: `sqlite:${live}`,
        HOME: folder,
        PATH: `${node}:${process.env.PATH}`,
      },
      encoding: 'utf8',
    });
    expect({ status: npm.status, stderr: npm.stderr }).toEqual({ status: 0, stderr: '' });
    expect(npm.stdout).toMatch(/^backed up .* \(\d+ pages, integrity ok\)\n$/);
    expect(existsSync(backup)).toBe(true);
  });

  it('starts with its CMD, and its HEALTHCHECK passes on /healthz, then fails once it stops', async () => {
    expect(image.final.healthcheck!.join(' ')).toContain('/healthz');
    const port = String(await freePort());
    const env = { ...image.final.env, BROKER_MODE: 'demo', PORT: port };
    const [command, ...args] = image.final.cmd!;
    const broker = new BrokerProcess(
      command === 'node' ? process.execPath : command,
      args,
      image.inStage(image.final, '.'),
      env,
    );
    const healthcheck = () => {
      const [check, ...checkArgs] = image.final.healthcheck!;
      const node = check === 'node' ? process.execPath : check;
      return spawnSync(node, checkArgs, { env: { PATH: process.env.PATH, PORT: port } }).status;
    };
    try {
      expect(
        await waitFor(
          async () => healthcheck(),
          (status) => status === 0,
          60_000,
        ),
      ).toBe(0);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('<html')]);
    } finally {
      await broker.stop();
    }
    expect(healthcheck()).not.toBe(0);
  });
});
