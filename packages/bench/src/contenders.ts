/**
 * HTTP contenders and their server processes. Each contender is a script in `servers/` started as
 * `node dist/servers/<name>.js <root> <port>`; it runs alone in its own process so a crash (sirv on
 * some Range headers, st after a 0-byte file) is recorded and never takes the bench down.
 * @packageDocumentation
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './pin.js';

/** A server under test: one registration in {@link contenders}. */
export interface Contender {
  /** Name shown in reports; `ceiling` is the reference every ratio is taken against. */
  name: string;
  /** Script file name in `dist/servers/`, without `.js`. */
  script: string;
  /** The only HTTP cases it takes part in (by name); all when absent. */
  cases?: readonly string[];
  /** It serves the bench's S3 bucket (see `s3rver.ts`), not the fixture directory. */
  s3?: true;
}

/** The cases the S3 contenders take part in: a small body and a large one. */
const S3_CASES = ['1 KiB', '1 MiB'] as const;

/** Name of the reference contender. */
export const CEILING = 'ceiling';

/** Contenders of the HTTP run, ceiling first; every one a plain `node:http` server in its own process. */
export const contenders: Contender[] = [
  { name: CEILING, script: 'ceiling' },
  { name: 'sirv', script: 'sirv' },
  { name: 'serve-static', script: 'serve-static' },
  { name: 'st', script: 'st' },
  { name: '@fastify/static', script: 'fastify-static' },
  { name: 'hotfs+MemFS', script: 'hotfs-mem' },
  { name: 'hotfs+MemFS compress', script: 'hotfs-mem-compress' },
  { name: 'hotfs+DiskFS', script: 'hotfs-disk' },
  { name: 'hotfs+MapFS', script: 'hotfs-map' },
  { name: 'hotfs+VolumeFS', script: 'hotfs-volume' },
  { name: 'hotfs+SubFS', script: 'hotfs-sub' },
  { name: 'hotfs+OverlayFS', script: 'hotfs-overlay' },
  { name: 'hotfs+ZipFS', script: 'hotfs-zip' },
  { name: 'hotfs+S3FS', script: 'hotfs-s3', cases: S3_CASES, s3: true },
  { name: 'hotfs+CacheFS(S3FS)', script: 'hotfs-cache-s3', cases: S3_CASES, s3: true },
  { name: 'hotfs+MemFS(S3FS)', script: 'hotfs-mem-s3', cases: S3_CASES, s3: true },
];

/** Whether `contender` takes part in the case named `caseName`. */
export function runsIn(contender: Contender, caseName: string): boolean {
  return contender.cases === undefined || contender.cases.includes(caseName);
}

/** A running contender process. */
export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** Set once the process has exited, with how. */
  readonly exit: string | undefined;
  /** Last lines the server wrote to stderr (why it crashed). */
  stderrTail(): string;
  /** Server CPU time (user + system) in microseconds, as the server itself reports it. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a contender on a free loopback port and waits for it to announce the port. With `cpu`, the
 * process runs under `taskset -c <cpu>` from its first instruction, so every thread it starts is pinned.
 * `env` is added to the environment it inherits.
 */
export function startServer(contender: Contender, root: string, timeoutMs = 30_000, cpu?: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`./servers/${contender.script}.js`, import.meta.url));
  // fork() runs `execPath ...execArgv script`: taskset execs node in place, so the pid and the IPC channel stay.
  const [execPath, execArgv] = cpu === undefined ? [process.execPath, process.execArgv] : pinned(cpu, process.execPath, process.execArgv);
  const child: ChildProcess = fork(script, [root, '0'], { execPath, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...env, NODE_ENV: 'production' } });
  let exit: string | undefined;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${contender.name} did not announce a port within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${contender.name} ${exit} before listening: ${stderr.slice(-500)}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        port: Number(m[1]),
        pid: child.pid!,
        get exit() {
          return exit;
        },
        stderrTail: () => stderr.slice(-2000),
        cpuMicros: () => cpuOf(child),
        async stop() {
          if (exit) return;
          child.kill('SIGTERM');
          const timeout = new Promise((r) => setTimeout(r, 3000, 'timeout'));
          if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}

/** Asks the server for `process.cpuUsage()` over IPC. */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!child.connected) return reject(new Error('server is gone'));
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('server did not report its CPU time'));
    }, 5000);
    function onMessage(msg: unknown): void {
      const cpu = (msg as { cpu?: { user: number; system: number } }).cpu;
      if (!cpu) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(cpu.user + cpu.system);
    }
    child.on('message', onMessage);
    child.send('cpu');
  });
}
