import type { ContentCoding, EncodedBytes } from '../capabilities/encodings.js';
import type { Logger } from '../logger.js';
import type { CompressPlan } from '../mem-options.js';
import { compressible, encode, runtimeCodings } from './compress.js';
import { limiter } from './read.js';
import type { MirrorEntry, MirrorStore } from './store.js';

/** An encoding is kept only when at most this fraction of the identity size: clearly smaller. */
const KEEP_RATIO = 0.9;

/**
 * Past this fraction after the fastest coding, the content does not compress (random bytes named
 * .txt, a minified file of embedded images): the slower codings are not tried.
 */
const HOPELESS_RATIO = 0.98;

/**
 * Compressions at once. Each holds a libuv thread (4 by default, shared with file reads) and a core:
 * two leave the event loop, the mirror's reads and the rest of the machine room.
 */
const CONCURRENCY = 2;

/**
 * The encoder for a mirror's `compress` plan, with the codings this Node's zlib has; undefined when
 * it has none of those asked for. A coding asked for by name and missing here is worth a warning.
 */
export function startEncoder(store: MirrorStore, plan: CompressPlan, budget: number, logger: Logger): MirrorEncoder | undefined {
  const available = runtimeCodings();
  const missing = plan.codings.filter((c) => !available.includes(c));
  if (missing.length > 0 && plan.named) logger.warn(`hotfs: option 'compress': this Node's zlib has no ${missing.join(', ')} (zstd needs Node >= 22.15)`);
  const usable = plan.codings.filter((c) => available.includes(c));
  const warn = (message: string): void => logger.warn(`hotfs: ${message}`);
  return usable.length > 0 ? new MirrorEncoder(store, { ...plan, codings: usable }, budget, warn) : undefined;
}

/**
 * Computes the encodings of the file versions a MemFS mirror stores, in the background, and hands
 * each to the store as it is ready: the store keeps it only while its version is still current.
 */
export class MirrorEncoder {
  readonly #store: MirrorStore;
  readonly #codings: readonly ContentCoding[];
  readonly #minSize: number;
  readonly #brotliQuality: number | undefined;
  readonly #budget: number;
  readonly #warn: (message: string) => void;
  readonly #slot = limiter(CONCURRENCY);
  readonly #jobs = new Set<Promise<void>>();
  #closed = false;
  #open!: () => void;
  /** Opened by {@link MirrorEncoder.start}: the first walk's reads get the whole thread pool. */
  readonly #started = new Promise<void>((resolve) => (this.#open = resolve));

  /** `plan.codings` must all be ones this runtime's zlib has; `budget` is the mirror's `maxBytes`. */
  constructor(store: MirrorStore, plan: CompressPlan, budget: number, warn: (message: string) => void) {
    this.#store = store;
    // gzip first: a few ms even on 1 MiB, it is served while brotli works, and it tells cheaply
    // whether the content compresses at all.
    this.#codings = [...plan.codings].sort((a, b) => Number(b === 'gzip') - Number(a === 'gzip'));
    this.#minSize = plan.minSize;
    this.#brotliQuality = plan.brotliQuality;
    this.#budget = budget;
    this.#warn = warn;
  }

  /** A version was stored at `path`: computes its encodings if its type and size call for them. */
  stored(path: string): void {
    const entry = this.#store.get(path);
    if (this.#closed || entry?.bytes === undefined || entry.info.etag === undefined || entry.bytes.length < this.#minSize) return;
    const kind = compressible(path);
    // Asked once per version; a touch (same bytes, same ETag) kept its record and its encodings.
    if (kind === undefined || !this.#store.beginEncodings(entry)) return;
    const job = this.#encode(path, entry, kind)
      .catch((err: unknown) => this.#warn(`cannot compress ${path}: ${(err as Error)?.message ?? String(err)}`))
      .finally(() => this.#jobs.delete(job));
    this.#jobs.add(job);
  }

  /** Lets compressions run: until then they are only queued. */
  start(): void {
    this.#open();
  }

  /** Resolves once every compression asked for so far has ended (kept or dropped). Never rejects. */
  async settled(): Promise<void> {
    await Promise.all(this.#jobs);
  }

  /**
   * Stops every compression (those running at the end of the piece of input they are on: a fraction
   * of a second) and resolves once none runs; nothing they made is kept.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#open();
    await this.settled();
  }

  async #encode(path: string, entry: MirrorEntry, kind: 'text' | 'binary'): Promise<void> {
    const bytes = entry.bytes!;
    const etag = entry.info.etag!;
    // Each coding waits for a slot; it stops as soon as its version is replaced or the mirror closes.
    const current = (): boolean => this.#current(path, etag);
    const options = { kind, brotliQuality: this.#brotliQuality, wanted: current, shared: this.#store.shared };
    const run = (coding: ContentCoding): Promise<EncodedBytes | undefined> => this.#slot(() => encode(coding, bytes, options));
    const keep = (encoded: EncodedBytes | undefined): void => {
      if (encoded !== undefined && encoded.bytes.length <= bytes.length * KEEP_RATIO && !this.#closed) {
        this.#store.addEncoding(path, etag, encoded, this.#budget);
      }
    };
    await this.#started;
    const [first, ...rest] = this.#codings;
    const probe = await run(first!);
    keep(probe);
    if (probe === undefined || probe.bytes.length > bytes.length * HOPELESS_RATIO) return;
    await Promise.all(rest.map(async (coding) => keep(await run(coding))));
  }

  // The version may have been replaced by one with the same bytes (a touch): its encodings fit it too.
  #current(path: string, etag: string): boolean {
    return !this.#closed && this.#store.get(path)?.info.etag === etag;
  }
}
