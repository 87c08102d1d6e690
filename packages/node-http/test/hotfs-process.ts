/**
 * A `hotfs` process for tests: started from dist/cli.js with its own environment, its output
 * collected, and stopped by its PID.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A running (or exited) `hotfs`. */
export interface HotfsProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the match once the output matches; rejects after `ms` or when the process exits first. */
  until(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code; past `ms` kills the process and rejects. */
  exit(ms?: number): Promise<number | null>;
  /** SIGKILL by PID, when still running. */
  kill(): void;
}

/**
 * Starts `hotfs args…` with `env` added to this process's environment.
 *
 * @example
 * ```ts
 * const h = spawnHotfs(['--path', dir, '--addr', '127.0.0.1:0']);
 * const port = Number((await h.until(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
 * ```
 */
export function spawnHotfs(args: string[], env: Record<string, string | undefined> = {}): HotfsProcess {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const append = (d: Buffer): void => void (out += d.toString());
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = (): void => {
    if (running() && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', kill);
  return {
    child,
    output: () => out,
    until: (pattern, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const look = (): void => {
          const m = pattern.exec(out);
          if (m) done(() => resolve(m));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${ms} ms:\n${out}`))), ms);
        const onExit = (): void => done(() => reject(new Error(`exited before ${pattern}:\n${out}`)));
        const done = (then: () => void): void => {
          clearTimeout(timer);
          child.stdout.off('data', look);
          child.stderr.off('data', look);
          child.off('exit', onExit);
          then();
        };
        child.stdout.on('data', look);
        child.stderr.on('data', look);
        child.once('exit', onExit);
        look();
      }),
    exit: async (ms = 5000) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          kill();
          reject(new Error(`still running after ${ms} ms (killed):\n${out}`));
        }, ms);
      });
      return Promise.race([exited, deadline]).finally(() => clearTimeout(timer));
    },
    kill,
  };
}

/** Starts `hotfs` and resolves with it and its port once it prints the address it listens on. */
export async function startHotfs(args: string[], env: Record<string, string | undefined> = {}): Promise<HotfsProcess & { port: number }> {
  const h = spawnHotfs(args, env);
  try {
    const m = await h.until(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    return Object.assign(h, { port: Number(m[1]) });
  } catch (err) {
    h.kill();
    throw err;
  }
}
