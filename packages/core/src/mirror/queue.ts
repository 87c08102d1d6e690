/**
 * The mirror's sync queue: runs one sync at a time (the store is never touched by two syncs at
 * once), each pending path once however often it was asked for, and a deep request wins over a
 * shallow one for the same path.
 */
export class SyncQueue {
  readonly #pending = new Map<string, { deep: boolean; waiters: (() => void)[] }>();
  readonly #later = new Map<string, NodeJS.Timeout>();
  readonly #run: (path: string, deep: boolean) => Promise<void>;
  readonly #failed: (path: string, err: unknown) => void;
  #draining: Promise<void> | undefined;
  #closed = false;

  /** `run` syncs one path; `failed` hears what a run threw (the queue goes on with the next path). */
  constructor(run: (path: string, deep: boolean) => Promise<void>, failed: (path: string, err: unknown) => void) {
    this.#run = run;
    this.#failed = failed;
  }

  /**
   * Asks for a sync of `path`. Resolves once a sync of it that started after this call has ended,
   * and not later: work asked for afterwards (a flood of watcher events) never delays it.
   */
  schedule(path: string, deep: boolean): Promise<void> {
    if (this.#closed) return Promise.resolve();
    let job = this.#pending.get(path);
    if (job === undefined) {
      job = { deep, waiters: [] };
      this.#pending.set(path, job);
    } else job.deep ||= deep;
    const done = new Promise<void>((resolve) => job.waiters.push(resolve));
    this.#draining ??= this.#drain();
    return done;
  }

  /**
   * Resolves once every sync pending now has run: the changes reported so far are applied. Syncs
   * asked for afterwards never delay it.
   */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending].map(([path, job]) => this.schedule(path, job.deep)));
  }

  /** Runs `action` once `key` has been quiet for `ms`: a later call for the same key restarts the wait. */
  whenQuiet(key: string, ms: number, action: () => void): void {
    clearTimeout(this.#later.get(key));
    const timer = setTimeout(() => {
      this.#later.delete(key);
      action();
    }, ms);
    timer.unref();
    this.#later.set(key, timer);
  }

  /** Drops everything pending (their waiters resolve) and resolves when the sync in progress has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#later.values()) clearTimeout(timer);
    this.#later.clear();
    for (const job of this.#pending.values()) for (const resolve of job.waiters) resolve();
    this.#pending.clear();
    await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0 && !this.#closed) {
      const [path, job] = this.#pending.entries().next().value!;
      this.#pending.delete(path);
      try {
        await this.#run(path, job.deep);
      } catch (err) {
        this.#failed(path, err);
      }
      for (const resolve of job.waiters) resolve();
    }
    this.#draining = undefined;
  }
}
