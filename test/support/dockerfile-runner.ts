import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';

/**
 * Runs a Dockerfile's own steps without a Docker engine: each stage gets a folder standing for
 * its filesystem root, WORKDIR/COPY/RUN/ENV are carried out there in order (RUN with this
 * machine's Node and npm first on PATH), and the final stage's USER, HEALTHCHECK and CMD are
 * kept for the test to use. An instruction it does not know fails, so the Dockerfile cannot
 * grow a step this runner silently skips.
 */

export interface Stage {
  name: string;
  image: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  healthcheck?: string[];
  cmd?: string[];
  exposed: string[];
}

export interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** `.dockerignore` patterns (root-relative globs) as one predicate on context-relative paths. */
export function dockerIgnore(context: string): (relativePath: string) => boolean {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((glob) => {
      const source = glob
        .replace(/^\/+|\/+$/g, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .split('**')
        .map((part) => part.replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('.*');
      return new RegExp(`^${source}(/.*)?$`);
    });
  return (path) => patterns.some((pattern) => pattern.test(path));
}

function jsonArray(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string'))
    throw new Error(`${what} must use the exec (JSON array) form, got ${args}`);
  return parsed as string[];
}

/**
 * How this machine reaches the npm registry (its extra CA certificates, a proxy), which a
 * `docker build` has from its own daemon. Without the certificates npm's cache revalidations
 * fail one by one and fall back to the cache: `npm ci` took 155 s instead of 20 s on Node 24.
 */
function machineNetwork(): Record<string, string> {
  const names = ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'];
  const found = names.flatMap((name) =>
    [name, name.toLowerCase()].filter((key) => process.env[key] !== undefined),
  );
  return Object.fromEntries(found.map((key) => [key, process.env[key]!]));
}

export class DockerfileRunner {
  readonly stages: Stage[] = [];
  private readonly ignored: (path: string) => boolean;

  constructor(
    private readonly context: string,
    private readonly folder: string,
    /** Extra environment for RUN steps (a local prebuild, say). */
    private readonly runEnv: Record<string, string> = {},
  ) {
    this.ignored = dockerIgnore(context);
  }

  get final(): Stage {
    return this.stages[this.stages.length - 1];
  }

  /** A path inside a stage's filesystem, as a folder on this machine. */
  inStage(stage: Stage, path: string): string {
    return join(stage.root, posix.resolve(stage.workdir, path));
  }

  run(instructions: Instruction[]): this {
    for (const { keyword, args } of instructions) this.step(keyword, args);
    return this;
  }

  private step(keyword: string, args: string): void {
    if (keyword === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      const stageName = as?.toUpperCase() === 'AS' ? name : `stage${this.stages.length}`;
      const root = join(this.folder, stageName);
      mkdirSync(root, { recursive: true });
      this.stages.push({ name: stageName, image, root, workdir: '/', env: {}, exposed: [] });
      return;
    }
    const stage = this.final;
    if (!stage) throw new Error(`${keyword} before FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, args);
        mkdirSync(this.inStage(stage, '.'), { recursive: true });
        return;
      case 'ENV':
        for (const pair of args.split(/\s+/)) {
          const [name, ...value] = pair.split('=');
          stage.env[name] = value.join('=');
        }
        return;
      case 'COPY':
        return this.copy(stage, args);
      case 'RUN':
        return this.shell(stage, args);
      case 'USER':
        stage.user = args;
        return;
      case 'EXPOSE':
        stage.exposed.push(...args.split(/\s+/));
        return;
      case 'HEALTHCHECK': {
        const at = args.indexOf('CMD ');
        if (at < 0) throw new Error(`HEALTHCHECK without CMD: ${args}`);
        stage.healthcheck = jsonArray(args.slice(at + 4), 'HEALTHCHECK CMD');
        return;
      }
      case 'CMD':
        stage.cmd = jsonArray(args, 'CMD');
        return;
      default:
        throw new Error(`the Dockerfile runner does not know ${keyword}; teach it, or drop it`);
    }
  }

  private copy(stage: Stage, args: string): void {
    const parts = args.split(/\s+/);
    const flags = parts.filter((part) => part.startsWith('--'));
    const paths = parts.filter((part) => !part.startsWith('--'));
    const dest = paths.pop()!;
    const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
    const source = from ? this.stages.find((s) => s.name === from) : undefined;
    if (from && !source) throw new Error(`COPY --from=${from}: no such stage`);
    const target = this.inStage(stage, dest);
    for (const path of paths) {
      const origin = source
        ? join(source.root, posix.resolve('/', path))
        : join(this.context, path);
      if (!source && this.ignored(relative(this.context, origin)))
        throw new Error(`COPY ${path}: .dockerignore excludes it`);
      const isDir = statSync(origin).isDirectory();
      const into = !isDir && (dest.endsWith('/') || paths.length > 1);
      const to = into ? join(target, basename(origin)) : target;
      mkdirSync(isDir ? to : dirname(to), { recursive: true });
      cpSync(origin, to, {
        recursive: true,
        filter: (file) => source !== undefined || !this.ignored(relative(this.context, file)),
      });
    }
  }

  private shell(stage: Stage, command: string): void {
    if (/(^|\s)\/app\b/.test(command))
      throw new Error(`RUN must stay relative to WORKDIR (no absolute paths): ${command}`);
    const node = dirname(process.execPath);
    const result = spawnSync('sh', ['-c', command], {
      cwd: this.inStage(stage, '.'),
      // A build starts from the image's environment, not the test's (jest sets NODE_ENV=test).
      env: {
        HOME: process.env.HOME ?? '/root',
        ...machineNetwork(),
        ...stage.env,
        ...this.runEnv,
        PATH: `${node}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0)
      throw new Error(
        `RUN ${command} failed (${result.status}):\n${result.stdout}${result.stderr}`,
      );
  }
}
