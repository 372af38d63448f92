/** Child processes for the multi-instance tests: readiness by polling, clean stop. */
import { spawn, type ChildProcess } from 'node:child_process';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined (or throws at the deadline). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err as Error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** A child process whose output is kept (last ~200 lines) for the failure message. */
export class Child {
  readonly proc: ChildProcess;
  private lines: string[] = [];
  private readonly counts = new Map<RegExp, number>();
  private readonly exited: Promise<void>;
  private readonly group: boolean;

  constructor(
    cmd: string,
    args: string[],
    env: Record<string, string>,
    opts: { group?: boolean; cwd?: string } = {},
  ) {
    this.group = opts.group ?? false;
    this.proc = spawn(cmd, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a SIGKILL can take the whole instance (primary and workers).
      detached: this.group,
    });
    const keep = (d: Buffer) => {
      const lines = d.toString().split('\n').filter(Boolean);
      for (const [re, n] of this.counts)
        this.counts.set(re, n + lines.filter((l) => re.test(l)).length);
      this.lines.push(...lines);
      if (this.lines.length > 400) this.lines = this.lines.slice(-200);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** Lines matching `pattern` since `watch(pattern)` was called. */
  watch(pattern: RegExp): () => number {
    this.counts.set(pattern, 0);
    return () => this.counts.get(pattern) ?? 0;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGKILL to the process group (when started with group) or the process. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.running || this.proc.pid === undefined) return;
    if (this.group) process.kill(-this.proc.pid, signal);
    else this.proc.kill(signal);
  }

  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  wait(): Promise<void> {
    return this.exited;
  }
}
