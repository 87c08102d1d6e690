/**
 * One measurement in a fresh Node process: a bench module forks its own file with a JSON argument,
 * and the child answers once over IPC. A fresh process per measurement keeps one measurement's RSS,
 * garbage and JIT state out of the next.
 * @packageDocumentation
 */
import { fork } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the module at `moduleUrl` (its `import.meta.url`) in a child with `--expose-gc`, passing `arg`,
 * and resolves to what its {@link childMain} handler returned; rejects with the child's error.
 */
export function inChild<T>(moduleUrl: string, arg: unknown): Promise<T> {
  const file = fileURLToPath(moduleUrl);
  return new Promise((resolve, reject) => {
    const child = fork(file, [JSON.stringify(arg)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: { ok?: T; error?: string }) => (m.ok ? resolve(m.ok) : reject(new Error(m.error))));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${basename(file)} child exited with ${signal ?? code} before answering`)));
  });
}

/**
 * The child side: when this process was forked by {@link inChild} for the module at `moduleUrl`,
 * runs `work` on the JSON argument, sends its result (or error) to the parent and exits. Anywhere
 * else (the module imported by the CLI, or by another child) it does nothing.
 */
export function childMain<A>(moduleUrl: string, work: (arg: A) => Promise<unknown>): void {
  if (!process.send || process.argv[1] !== fileURLToPath(moduleUrl) || !process.argv[2]?.startsWith('{')) return;
  work(JSON.parse(process.argv[2]) as A).then(
    (ok) => process.send!({ ok }, () => process.exit(0)),
    (err: unknown) => process.send!({ error: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
  );
}
