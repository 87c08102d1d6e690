/**
 * The buffers a file is streamed through when its backend has no zero-copy access: reused, not
 * allocated per chunk. A fresh Buffer per chunk costs more than the read it holds: a large one is new
 * memory the kernel faults in and zeroes page by page, and V8 counts it as external memory, so a
 * server streaming a few hundred MiB/s runs major GCs all the time. Measured on one pinned core,
 * 5 MiB responses with a fresh 1 MiB buffer per read: ~15 page faults and one mark-compact per 40
 * responses, and a fifth of the process's CPU in V8's GC threads; with reused chunks 4-10 faults and
 * almost no mark-compact (1 MiB responses: 7.7 faults each against 0.3).
 * @module
 */

/**
 * Bytes per read when streaming from a backend without zero-copy access. Half a MiB: fewer thread-pool
 * round trips than 64 KiB reads (what `fs.createReadStream` uses), while the chunk just read is still
 * in the CPU's cache when the socket copies it.
 */
export const CHUNK_SIZE = 512 * 1024;

/** Free chunks kept for reuse (2 MiB at most): a busy server's streams find one, an idle server holds little. */
const MAX_FREE = 4;

const free: Buffer[] = [];

/**
 * A buffer of at least `bytes` (at most {@link CHUNK_SIZE}) to read into; its contents are stale.
 * A free chunk when there is one; otherwise a new chunk, or, for less than a chunk, a buffer of just
 * that size: a server answering many mid-sized files at once holds one per response while its read
 * is in flight, far more than the free list keeps, and a full chunk each would multiply that memory.
 */
export function takeChunk(bytes: number): Buffer {
  return free.pop() ?? Buffer.allocUnsafeSlow(Math.min(bytes, CHUNK_SIZE));
}

/**
 * Hands a buffer from {@link takeChunk} back for reuse (only full chunks are kept). Only once nothing
 * refers to it any more: for one given to a socket, from the write's callback, which runs after the
 * kernel took the bytes.
 */
export function giveBack(chunk: Buffer): void {
  if (free.length < MAX_FREE && chunk.length === CHUNK_SIZE) free.push(chunk);
}
