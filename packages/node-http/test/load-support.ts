import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A temp directory and its removal. */
export async function tempTree(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hotfs-load-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A running `hotfs` command. */
export interface CliServer {
  port: number;
  pid: number;
  /** Resident memory of the server process now. */
  rssBytes(): number;
  /** The exit code once it has exited. */
  exitCode(): number | null | undefined;
  /** SIGTERM, then the exit code (it must finish in-flight work and exit 0). */
  stop(): Promise<number | null>;
  output(): string;
}

/**
 * Starts `hotfs --path dir --backend kind` on 127.0.0.1, an ephemeral port, served at `/` (the default log
 * level: no line per request; `--quiet` would hide the address too).
 */
export async function startCli(dir: string, backend: string, extra: string[] = []): Promise<CliServer> {
  const child = spawn(process.execPath, [cli, '--path', dir, '--backend', backend, '--addr', '127.0.0.1:0', '--prefix', '/', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exit: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exit = code;
      resolve(code);
    }),
  );
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hotfs did not start:\n${output}`)), 30_000);
    const look = () => {
      const m = /listening on http:\/\/[^:]+:(\d+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', look);
    void exited.then(() => reject(new Error(`hotfs exited at start:\n${output}`)));
  });
  return {
    port,
    pid: child.pid!,
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    exitCode: () => exit,
    stop: async () => {
      if (exit === undefined) child.kill('SIGTERM');
      return exited;
    },
    output: () => output,
  };
}
