import { DiskFS, openSyncOnDisk } from '../disk.js';
import type { File } from '../types.js';
import { DiskView } from './disk-view.js';
import type { MirrorHost, MirrorSource } from './source.js';
import { syncPath, type SyncContext } from './sync.js';
import { MirrorUpkeep } from './upkeep.js';

/**
 * A host directory as a mirror's source: read through a DiskFS (the symlink policy and the root's
 * containment), watched one directory at a time (watch.ts), reconciled by a readdir + stat walk
 * (sync.ts, upkeep.ts).
 */
export class DirectorySource implements MirrorSource {
  readonly label: string;
  readonly #host: MirrorHost;
  readonly #disk: DiskFS;
  readonly #sync: SyncContext;
  readonly #upkeep: MirrorUpkeep;
  #loaded = false;

  /** @throws FsError when `root` is missing or not a directory. */
  constructor(root: string, host: MirrorHost) {
    const { options } = host;
    this.#host = host;
    this.#disk = new DiskFS(root, { symlinks: options.symlinks, io: 'sync' });
    this.label = this.#disk.root;
    this.#sync = {
      store: host.store,
      disk: this.#disk,
      ignored: (path) => options.ignore(path),
      fits: (path, size) => host.fits(path, size),
      changed: (type, path) => host.changed(type, path),
      unstable: (path) => this.#upkeep.settle(path, false),
      newDirectory: (path, hostPath, replaced) => this.#upkeep.newDirectory(path, hostPath, replaced),
      warn: (message) => options.logger.warn(`hotfs: ${message}`),
      readSlot: (read) => host.readSlot(read),
    };
    this.#upkeep = new MirrorUpkeep(this.label, options, host.store, host.queue);
  }

  async sync(path: string, deep: boolean): Promise<void> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    await syncPath(this.#sync, path, deep);
    // The walk's own cost, not its wait in the queue: it spaces the reconciles. CPU counts too: the
    // thread pool's stats run beside the walk, so a walk can cost more CPU than its wall time (and
    // under load, requests served meanwhile lengthen the spacing: the reconcile yields to them).
    // The first load reads every file, so its cost says nothing about a reconcile's.
    if (path === '/' && deep && this.#loaded) {
      const { user, system } = process.cpuUsage(cpu);
      this.#upkeep.lastWalkMs = Math.max(performance.now() - started, (user + system) / 1000);
    }
  }

  async load(): Promise<void> {
    await this.#host.queue.schedule('/', true);
    this.#loaded = true;
  }

  follow(): Promise<void> {
    this.#upkeep.startWatcher();
    return Promise.resolve();
  }

  scheduleReconcile(): void {
    this.#upkeep.scheduleReconcile();
  }

  directoryGone(path: string): void {
    this.#upkeep.directoryGone(path);
  }

  openOver(clean: string): File | undefined {
    return openSyncOnDisk(this.#disk, clean);
  }

  loadingView(owner: ConstructorParameters<typeof DiskView>[2]): DiskView {
    return new DiskView(this.#disk, this.#host.options.ignore, owner);
  }

  stop(): Promise<void> {
    return this.#upkeep.close();
  }

  close(): Promise<void> {
    return this.#disk.close();
  }
}
