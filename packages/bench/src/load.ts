/**
 * Load generators. Each runs in its own process (wrk natively; autocannon in a long-lived Node worker,
 * so a quick run does not pay a Node start per case), over keep-alive loopback connections, and every
 * run is bounded both in time and in requests.
 * @packageDocumentation
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allowedCpus, pinned } from './pin.js';

/** One load run against 127.0.0.1:`port`. */
export interface LoadJob {
  port: number;
  /** Paths requested in turn, each connection cycling through them. */
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  durationMs: number;
  /** Hard cap on requests, whatever the duration. */
  maxRequests: number;
}

/** What a load run measured. Latencies are per request, in milliseconds. */
export interface LoadResult {
  requests: number;
  /** Bytes received, headers included. */
  bytes: number;
  seconds: number;
  /** Connect, read, write and timeout errors. */
  socketErrors: number;
  /** Responses whose status was not 2xx or 3xx. */
  non2xx3xx: number;
  p50Ms: number;
  p99Ms: number;
}

/** A load generator; {@link LoadGenerator.close} releases its process. */
export interface LoadGenerator {
  readonly name: string;
  /** The CPUs its threads were allowed in its last run, read from `/proc` (pinned generators only). */
  readonly cpus?: string | undefined;
  run(job: LoadJob): Promise<LoadResult>;
  close(): Promise<void>;
}

/** True when Debian's `wrk` is on the PATH. */
export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

function luaString(s: string): string {
  return JSON.stringify(s); // JSON string escapes are valid Lua for the ASCII we send.
}

/**
 * wrk with one thread (the other core runs the server) and a Lua script: requests are formatted once
 * in `init`, `request()` hands them out in turn and stops the thread at the request cap, and `done()`
 * prints the summary as one JSON line. With `cpu`, every run is pinned there with `taskset`.
 */
export function wrkGenerator(cpu?: string): LoadGenerator {
  const dir = mkdtempSync(join(tmpdir(), 'hotfs-wrk-'));
  let n = 0;
  let seen: string | undefined;
  return {
    name: 'wrk',
    get cpus() {
      return seen;
    },
    async run(job) {
      const script = join(dir, `job${n++}.lua`);
      const headers = Object.entries(job.headers)
        .map(([k, v]) => `[${luaString(k)}] = ${luaString(v)}`)
        .join(', ');
      writeFileSync(
        script,
        `local paths = { ${job.paths.map(luaString).join(', ')} }
local headers = { ${headers} }
local reqs, i, sent, cap = {}, 0, 0, ${Math.ceil(job.maxRequests)}
init = function(args)
  for k, p in ipairs(paths) do reqs[k] = wrk.format("GET", p, headers) end
end
request = function()
  sent = sent + 1
  if sent >= cap then wrk.thread:stop() end
  i = i % #reqs + 1
  return reqs[i]
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('\\nHOTFS {"requests":%d,"bytes":%d,"us":%d,"socketErrors":%d,"non2xx3xx":%d,"p50":%d,"p99":%d}\\n',
    s.requests, s.bytes, s.duration, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
`,
      );
      const secs = Math.max(1, Math.ceil(job.durationMs / 1000));
      const args = ['-t1', `-c${job.connections}`, `-d${secs}s`, '--timeout', '30s', '-s', script, `http://127.0.0.1:${job.port}/`];
      const [cmd, argv] = cpu === undefined ? ['wrk', args] : pinned(cpu, 'wrk', args);
      // wrk runs whole seconds: a quarter of one in, taskset has long exec'd it.
      const out = await runProcess(cmd, argv, job.durationMs + 60_000, cpu === undefined ? undefined : (pid) => (seen = allowedCpus(pid) ?? seen));
      const line = out.split('\n').find((l) => l.startsWith('HOTFS '));
      if (!line) throw new Error(`wrk printed no summary:\n${out.slice(-2000)}`);
      const r = JSON.parse(line.slice(6)) as Record<string, number>;
      return { requests: r.requests!, bytes: r.bytes!, seconds: r.us! / 1e6, socketErrors: r.socketErrors!, non2xx3xx: r.non2xx3xx!, p50Ms: r.p50! / 1000, p99Ms: r.p99! / 1000 };
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a command to completion (killing it past `timeoutMs`), resolving to its stdout; `midway` is
 * called with its pid 250 ms in if it still runs.
 */
function runProcess(cmd: string, args: string[], timeoutMs: number, midway?: (pid: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const peek = midway && setTimeout(() => child.exitCode === null && child.pid !== undefined && midway(child.pid), 250);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(peek);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited with ${code}: ${err.slice(-1000)}`));
    });
  });
}

/**
 * A Node load client in a forked worker process, one job at a time over IPC: `client-worker.js`
 * (hotfs's own raw-socket client) or `load-worker.js` (autocannon).
 */
function workerGenerator(name: string, script: string, cpu?: string): LoadGenerator {
  const [execPath, execArgv] = cpu === undefined ? [process.execPath, process.execArgv] : pinned(cpu, process.execPath, process.execArgv);
  const worker: ChildProcess = fork(fileURLToPath(new URL(script, import.meta.url)), [], { execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exited = false;
  let seen: string | undefined;
  worker.on('exit', () => (exited = true));
  return {
    name,
    get cpus() {
      return seen;
    },
    run(job) {
      return new Promise((resolve, reject) => {
        if (exited) return reject(new Error(`${name} worker exited`));
        const timer = setTimeout(() => reject(new Error(`${name} run timed out`)), job.durationMs + 60_000);
        worker.once('message', (msg: { result?: LoadResult; error?: string }) => {
          clearTimeout(timer);
          // It answered, so taskset has exec'd node: read what its threads may run on.
          if (cpu !== undefined) seen = allowedCpus(worker.pid!) ?? seen;
          if (msg.result) resolve(msg.result);
          else reject(new Error(msg.error ?? `${name} failed`));
        });
        worker.send(job);
      });
    },
    async close() {
      if (exited) return;
      const gone = new Promise((r) => worker.once('exit', r));
      worker.disconnect();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
      if (!exited) worker.kill('SIGKILL');
    },
  };
}

/** Names accepted by {@link pickGenerator}. */
export type GeneratorName = 'auto' | 'wrk' | 'node' | 'autocannon';

/**
 * A generator by name; `auto` is wrk when present (native, fastest), else hotfs's own Node client
 * (`node`). autocannon stays available but is slow for large bodies and times in whole milliseconds.
 * With `cpu`, the generator's process runs pinned to that CPU.
 */
export function pickGenerator(name: GeneratorName, cpu?: string): LoadGenerator {
  if (name === 'wrk' || (name === 'auto' && hasWrk())) return wrkGenerator(cpu);
  if (name === 'autocannon') return workerGenerator('autocannon', './load-worker.js', cpu);
  return workerGenerator('node (hotfs raw-socket client)', './client-worker.js', cpu);
}
