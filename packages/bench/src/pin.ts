/**
 * The pinned mode (`--pin`): every server process on one core, the load generator on another, so a
 * server cannot borrow a second core for its thread pool or its GC and what is measured is CPU per
 * request on one core. Pinning is done with `taskset` at exec time, so every thread a process ever
 * starts (libuv's pool, V8's workers) inherits the mask; and it is checked, not assumed, by reading
 * each process's threads in `/proc`.
 * @packageDocumentation
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The CPU every server runs on, and the one the load generator runs on, in pinned mode. */
export const PIN = { server: '0', generator: '1' } as const;

/** Keep-alive connections of every throughput run in pinned mode, whatever the body size. */
export const PIN_CONNECTIONS = 32;

/** What a pinned run used and what `/proc` showed; absent in the unpinned mode. */
export interface PinInfo {
  /** Every distinct CPU list the servers' threads were allowed, as read from `/proc` (`['0']` when all were pinned). */
  serverCpus: string[];
  /** The CPU list the load generator's threads were allowed, as read from `/proc`; null when never read. */
  generatorCpus: string | null;
  connections: number;
}

/** Why this host cannot run the pinned mode, or undefined when it can. */
export function pinUnsupported(): string | undefined {
  if (process.platform !== 'linux') return `--pin needs Linux (taskset and /proc); this is ${process.platform}`;
  if (cpus().length < 2) return `--pin needs 2 CPUs (server on CPU ${PIN.server}, load generator on CPU ${PIN.generator}); this host has ${cpus().length}`;
  if (spawnSync('taskset', ['-V'], { stdio: 'ignore' }).error) return '--pin needs taskset (util-linux) on the PATH';
  return undefined;
}

/** `cmd args` run on `cpu` only: the command and arguments that exec it under `taskset -c`. */
export function pinned(cpu: string, cmd: string, args: string[]): [string, string[]] {
  return ['taskset', ['-c', cpu, cmd, ...args]];
}

/**
 * The CPUs a process's threads may run on, as one list (`0`, `0-1`, `0,2`): the union over
 * `/proc/<pid>/task/<tid>/status`, so one unpinned thread shows. Undefined when the process is gone.
 */
export function allowedCpus(pid: number): string | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const set = new Set<number>();
  for (const tid of tids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
    if (list) for (const cpu of expandCpuList(list)) set.add(cpu);
  }
  return set.size ? formatCpuList([...set]) : undefined;
}

/** `0-2,5` to [0, 1, 2, 5]. */
export function expandCpuList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b = a] = part.split('-').map(Number);
    return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
  });
}

/** [0, 1, 2, 5] to `0-2,5`. */
export function formatCpuList(cpuIds: number[]): string {
  const sorted = [...new Set(cpuIds)].sort((x, y) => x - y);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
