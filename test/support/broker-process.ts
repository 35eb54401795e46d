import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './broker-harness.js';

/** The repository this test runs from. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** `npm start`'s own build step: compiles dist/ when it is missing or older than src/. */
export function buildIfStale(): void {
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: REPO, stdio: 'ignore' });
}

/**
 * `node <entry>` as a real process (what `npm start` or a container runs), with only the
 * environment given, its output kept line by line.
 */
export class BrokerProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  private exited?: Promise<void>;

  constructor(command: string, args: string[], cwd: string, env: Record<string, string>) {
    this.child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let partial = '';
    const keep = (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split(/\r?\n/);
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((done) => this.child.once('exit', () => done()));
  }

  static node(entry: string, cwd: string, env: Record<string, string>): BrokerProcess {
    return new BrokerProcess(process.execPath, [entry], cwd, env);
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** Waits for a line matching `pattern`; fails with everything printed so far. */
  async line(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const found = await waitFor(
      async () => this.lines.find((line) => pattern.test(line)),
      (line) => line !== undefined || this.child.exitCode !== null,
      timeoutMs,
    );
    if (found === undefined)
      throw new Error(`no line matching ${pattern} in:\n${this.output.slice(-4000)}`);
    return found;
  }

  /** Sends a signal to the process (and what it started) and waits until it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-this.child.pid!, signal);
      } catch {
        // already gone
      }
    }
    await this.exited;
  }
}
