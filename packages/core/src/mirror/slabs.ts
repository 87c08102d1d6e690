/**
 * Memory for the content of small files, cut from slabs of {@link SLAB_BYTES}. A buffer of its own
 * per file costs about 240 bytes besides its content (an ArrayBuffer object and the allocator's record
 * of its backing store: 358 against 120 bytes per 1 KiB file for a view of a slab, measured with
 * 100,000 of them); for a mirror of many small files that is a quarter of its memory per file.
 *
 * A slab is freed by the GC with the last view of it, so a slab whose files were all replaced or
 * removed goes away; one that still holds a live file keeps all of its 64 KiB until then. Slabs are
 * used where files arrive in bulk (a walk reading a listed directory: the first load, a new tree);
 * a single changed file gets a buffer of its own. A slab is zeroed when made, so no view of one
 * ever shows memory that was not content of the mirror.
 * @module
 */

/** Small enough that a slab is one cheap allocation, large enough to hold 64 files of 1 KiB. */
const SLAB_BYTES = 64 * 1024;
/** Larger files gain little (the 240 bytes are 6% of 4 KiB) and would waste more of a slab's end. */
const SLAB_FILE_MAX = 4 * 1024;

/** Cuts content buffers for small files from shared slabs (see the module's doc). */
export class ContentSlabs {
  #slab: Buffer | undefined;
  #used = 0;

  /**
   * `size` bytes of a slab, or `undefined` for a size that does not go into slabs (empty, or over
   * 4 KiB). `shared`: from a SharedArrayBuffer slab (a mirror for worker threads).
   */
  cut(size: number, shared: boolean): Buffer | undefined {
    if (size === 0 || size > SLAB_FILE_MAX) return undefined;
    let slab = this.#slab;
    if (slab === undefined || this.#used + size > slab.length || slab.buffer instanceof SharedArrayBuffer !== shared) {
      slab = this.#slab = shared ? Buffer.from(new SharedArrayBuffer(SLAB_BYTES)) : Buffer.alloc(SLAB_BYTES);
      this.#used = 0;
    }
    const bytes = slab.subarray(this.#used, this.#used + size);
    this.#used += size;
    return bytes;
  }

  /** Takes back `bytes`, unused, if it was the last cut: a refused read leaves no hole behind. */
  giveBack(bytes: Uint8Array): void {
    if (this.#slab !== undefined && bytes.buffer === this.#slab.buffer && bytes.byteOffset + bytes.length === this.#used) this.#used = bytes.byteOffset;
  }
}
