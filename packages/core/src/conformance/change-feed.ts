import { hasBytes, readAll } from '../capabilities/bytes.js';
import { hasChangeFeed, type ChangeEvent, type ChangeType } from '../capabilities/change-feed.js';
import { hasStatSync } from '../capabilities/stat-sync.js';
import { hasTryOpenSync } from '../capabilities/try-open-sync.js';
import { isFsError } from '../errors.js';
import { baseName, cleanPath, dirName } from '../path.js';
import type { File, FileInfo, FileSystem } from '../types.js';
import { describeError } from './compare.js';
import type { CheckContext } from './context.js';

/**
 * Makes changes in the source a backend serves, so the kit can check its change feed. The test
 * supplies it: writes on disk for a mirror of a directory, `set`/`delete` for a backend held in a Map.
 */
export interface ChangeDriver {
  /** Adds or replaces a file (parents created as needed). */
  write(path: string, data: string | Uint8Array): Promise<void>;
  /** Removes a file or a whole directory. */
  remove(path: string): Promise<void>;
  /** Adds an empty directory. */
  mkdir(path: string): Promise<void>;
}

/** What the backend must show once a change is announced: a file with these bytes, a directory, or nothing. */
type Want = Uint8Array | 'directory' | 'gone';

interface Step {
  what: string;
  type: ChangeType;
  path: string;
  want: Want;
  make: () => Promise<void>;
}

/** An announced event, with what the backend showed at that moment (undefined: the change). */
interface Seen {
  event: ChangeEvent;
  probe?: Promise<string | undefined>;
}

const types = new Set<string>(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);
const encode = (text: string) => new TextEncoder().encode(text);

/**
 * The change feed, driven through `driver`: each kind of change is announced with its type and
 * path, only once the backend shows it (probed from inside the listener); every event names a clean
 * path; `stop()` stops the events. The paths it creates are removed again.
 */
export async function checkChangeFeed(ctx: CheckContext, driver: ChangeDriver | undefined, timeoutMs: number): Promise<string | void> {
  const { fs, fail } = ctx;
  if (!hasChangeFeed(fs)) return 'backend does not offer a change feed (watch())';
  if (!driver) return 'no ChangeDriver given (capabilities.changes)';
  const base = `/hotfs-kit-${process.pid}-${Date.now().toString(36)}`;
  const [file, dir, inner, after] = [`${base}.txt`, base, `${base}/inner.txt`, `${base}-after.txt`];
  const steps: Step[] = [
    { what: 'add a file', type: 'add', path: file, want: encode('one\n'), make: () => driver.write(file, 'one\n') },
    { what: 'change a file', type: 'change', path: file, want: encode('two, longer\n'), make: () => driver.write(file, encode('two, longer\n')) },
    { what: 'add a directory', type: 'addDir', path: dir, want: 'directory', make: () => driver.mkdir(dir) },
    { what: 'add a file inside it', type: 'add', path: inner, want: encode('inner\n'), make: () => driver.write(inner, 'inner\n') },
    { what: 'remove a file', type: 'unlink', path: file, want: 'gone', make: () => driver.remove(file) },
    { what: 'remove the directory', type: 'unlinkDir', path: dir, want: 'gone', make: () => driver.remove(dir) },
  ];
  const feed = new Feed();
  let expecting: Step | undefined;
  let stopped = false;
  const stop = fs.watch((event) => {
    if (stopped) return void fail(`change feed: ${JSON.stringify(event)} announced after stop()`);
    if (!isCleanPath(event?.path)) fail(`change feed: event path ${JSON.stringify(event?.path)} is not a clean path`);
    if (!types.has(event?.type)) fail(`change feed: unknown event type ${JSON.stringify(event?.type)}`);
    const matches = expecting !== undefined && event.type === expecting.type && event.path === expecting.path;
    feed.push({ event, probe: matches ? probe(fs, expecting!.path, expecting!.want) : undefined });
  });
  const witness = new Feed();
  let stopWitness = (): void => {};
  try {
    for (const step of steps) {
      expecting = step;
      const from = feed.length;
      try {
        await step.make();
      } catch (err) {
        fail(`change feed: the driver could not ${step.what} (${step.path}): ${describeError(err)}`);
        continue;
      }
      const result = await feed.await(from, (s) => s.probe !== undefined, timeoutMs);
      if (result === undefined) fail(`change feed: ${step.what}: no '${step.type}' event for ${step.path} within ${timeoutMs} ms`);
      else if (result !== true) fail(`change feed: ${step.what}: the '${step.type}' event for ${step.path} came before the change was visible: ${result}`);
    }
    expecting = undefined;
    // A second listener proves the change below was announced, while the stopped one hears nothing.
    stopWitness = fs.watch((event) => witness.push({ event }));
    stopped = true;
    stop();
    stop();
    const from = witness.length;
    await driver.write(after, 'after\n');
    if ((await witness.await(from, (s) => s.event.path === after, timeoutMs)) === undefined) fail(`change feed: no event for ${after} within ${timeoutMs} ms (the stop() check)`);
    const removed = witness.length;
    await driver.remove(after);
    await witness.await(removed, (s) => s.event.path === after && s.event.type === 'unlink', timeoutMs);
  } finally {
    stopped = true;
    stop();
    stopWitness();
    for (const path of [dir, file, after]) {
      if (
        await fs.stat(path).then(
          () => true,
          () => false,
        )
      )
        await driver.remove(path).catch(() => {});
    }
  }
}

function isCleanPath(path: unknown): boolean {
  try {
    return typeof path === 'string' && cleanPath(path) === path;
  } catch {
    return false;
  }
}

/** Announced events in order; a waiter wakes on each new one. */
class Feed {
  readonly #seen: Seen[] = [];
  #wake: (() => void) | undefined;

  get length(): number {
    return this.#seen.length;
  }

  push(seen: Seen): void {
    this.#seen.push(seen);
    this.#wake?.();
  }

  /**
   * Waits for an event from index `from` on that `pick` selects and, when it carries a probe, that
   * showed the change: `true`. A probe that saw the old state gets one more second for a later event
   * (a late echo of an earlier change), then its finding is the result; `undefined` when none came.
   */
  async await(from: number, pick: (s: Seen) => boolean, timeoutMs: number): Promise<true | string | undefined> {
    let deadline = Date.now() + timeoutMs;
    let finding: string | undefined;
    for (let i = from; ;) {
      while (i < this.#seen.length) {
        const seen = this.#seen[i++]!;
        if (!pick(seen)) continue;
        const result = await seen.probe;
        if (result === undefined) return true;
        finding ??= result;
        deadline = Math.min(deadline, Date.now() + 1000);
      }
      const left = deadline - Date.now();
      if (left <= 0) return finding;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

type Outcome<T> = { value: T } | { error: unknown };

function settle<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return call().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  } catch (error) {
    return Promise.resolve({ error });
  }
}

/**
 * What the backend shows of `path` right now, compared with `want`: undefined when it agrees, else
 * what it showed. Runs inside the listener: the synchronous open and the start of every async call
 * happen at the moment of the event.
 */
function probe(fs: FileSystem, path: string, want: Want): Promise<string | undefined> {
  const now = hasTryOpenSync(fs) ? probeSync(fs.tryOpenSync.bind(fs), path, want) : undefined;
  const stat = settle(() => fs.stat(path));
  const list = settle(() => fs.readdir(dirName(path)));
  const opened = want instanceof Uint8Array ? settle(() => fs.open(path)) : undefined;
  return (async () => {
    const file = opened && (await opened);
    try {
      return now ?? (await shows(await stat, await list, file, path, want));
    } finally {
      if (file && 'value' in file) await file.value.close().catch(() => {});
    }
  })();
}

function probeSync(tryOpenSync: (path: string) => File | undefined, path: string, want: Want): string | undefined {
  let file: File | undefined;
  try {
    file = tryOpenSync(path);
  } catch (err) {
    return want === 'gone' && isFsError(err, 'ENOENT', 'ENOTDIR') ? undefined : `tryOpenSync threw ${describeError(err)}`;
  }
  if (want === 'gone') return file === undefined ? undefined : (void file.close().catch(() => {}), 'tryOpenSync still opens it');
  if (file === undefined) return 'tryOpenSync does not find it';
  try {
    const info = hasStatSync(file) ? file.statSync() : undefined;
    if (info && info.isDirectory !== (want === 'directory')) return `tryOpenSync opens a ${info.isDirectory ? 'directory' : 'file'}`;
    if (want instanceof Uint8Array && hasBytes(file) && Buffer.compare(file.bytes(), want) !== 0) return `tryOpenSync(…).bytes() is the old content`;
    return undefined;
  } finally {
    void file.close().catch(() => {});
  }
}

async function shows(stat: Outcome<FileInfo>, list: Outcome<FileInfo[]>, opened: Outcome<File> | undefined, path: string, want: Want): Promise<string | undefined> {
  const name = baseName(path);
  const listed = 'value' in list ? list.value.find((i) => i.name === name) : undefined;
  if (want === 'gone') {
    if ('value' in stat) return 'stat still finds it';
    if (!isFsError(stat.error, 'ENOENT', 'ENOTDIR')) return `stat threw ${describeError(stat.error)}`;
    return listed ? `readdir ${dirName(path)} still lists it` : undefined;
  }
  if ('error' in stat) return `stat threw ${describeError(stat.error)}`;
  if (stat.value.isDirectory !== (want === 'directory')) return `stat shows a ${stat.value.isDirectory ? 'directory' : 'file'}`;
  if (!listed) return `readdir ${dirName(path)} does not list it`;
  if (!(want instanceof Uint8Array) || !opened) return undefined;
  if (stat.value.size !== want.length) return `stat shows size ${stat.value.size}, want ${want.length}`;
  if ('error' in opened) return `open threw ${describeError(opened.error)}`;
  return Buffer.compare(await readAll(opened.value), want) === 0 ? undefined : 'open reads the old content';
}
