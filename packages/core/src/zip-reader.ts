import { read as readCallback } from 'node:fs';
import yauzl from 'yauzl';

/** How much of the archive one read from disk brings in while the central directory is parsed. */
const WINDOW_BYTES = 1024 * 1024;

/**
 * What yauzl reads the central directory through: a window of the archive held in memory (the whole
 * archive when it is preloaded), refilled by one large `pread` when a read falls outside it. yauzl
 * asks for two small reads per entry; through its own descriptor reader each is a thread-pool round
 * trip, and through its buffer reader each waits for `setImmediate`, both about 20 to 250 µs per
 * entry. Answering from the window in a microtask makes the directory of a large archive a few
 * reads. It never closes the descriptor: the ZipFS owns it.
 */
export class WindowReader extends yauzl.RandomAccessReader {
  #window: Buffer;
  #windowStart = 0;

  constructor(
    private readonly source: { fd: number } | { whole: Buffer },
    private readonly size: number,
  ) {
    super();
    this.#window = 'whole' in source ? source.whole : Buffer.alloc(0);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    const copy = () => this.#window.copy(buffer, offset, position - this.#windowStart, position - this.#windowStart + length);
    if (position >= this.#windowStart && position + length <= this.#windowStart + this.#window.length) {
      const n = copy();
      queueMicrotask(() => callback(null, n));
      return;
    }
    if (!('fd' in this.source)) return void queueMicrotask(() => callback(null, 0));
    const window = Buffer.allocUnsafe(Math.max(0, Math.min(Math.max(length, WINDOW_BYTES), this.size - position)));
    readCallback(this.source.fd, window, 0, window.length, position, (err, bytesRead) => {
      if (err) return callback(err);
      this.#window = window.subarray(0, bytesRead);
      this.#windowStart = position;
      callback(null, copy());
    });
  }
}
