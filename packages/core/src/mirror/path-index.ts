/**
 * The mirror's index from clean path to entry: a Map with a small counting filter in front of it.
 *
 * Why the filter: a Map.get on a string never hashed before (every `req.url` is one) costs V8 a
 * hash of the whole string, about 55 ns here, whether the path is there or not. Misses are common
 * where a static handler sits in front of an application and sees every API call first. The filter
 * reads only the length and four characters of the path (about 5 ns) and answers "surely absent"
 * for most missing paths, so a miss skips the Map; every other path goes on to the Map as before.
 *
 * The filter counts, per slot, how many keys sign into it, so a delete is exact and a lookup can
 * never answer "absent" for a key the Map holds.
 */
export class PathIndex<V> {
  readonly #map = new Map<string, V>();
  #counts = new Uint32Array(MIN_SLOTS);
  #mask = MIN_SLOTS - 1;

  get size(): number {
    return this.#map.size;
  }

  get(path: string): V | undefined {
    if (this.mayHave(path)) return this.#map.get(path);
    return undefined;
  }

  /** False only when no key has the signature of `path`, so `path` is surely not a key. */
  mayHave(path: string): boolean {
    // A non-string (from untyped callers) goes on to the Map, which answers undefined for it.
    return typeof path !== 'string' || this.#counts[signature(path) & this.#mask] !== 0;
  }

  set(path: string, value: V): this {
    if (!this.#map.has(path)) {
      if ((this.#map.size + 1) * SLOTS_PER_KEY > this.#counts.length) this.#grow();
      this.#counts[signature(path) & this.#mask]!++;
    }
    this.#map.set(path, value);
    return this;
  }

  delete(path: string): boolean {
    if (!this.#map.delete(path)) return false;
    this.#counts[signature(path) & this.#mask]!--;
    return true;
  }

  clear(): void {
    this.#map.clear();
    this.#counts = new Uint32Array(MIN_SLOTS);
    this.#mask = MIN_SLOTS - 1;
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  // Doubles the slots and re-signs every key, keeping at least SLOTS_PER_KEY slots per key.
  #grow(): void {
    const slots = this.#counts.length * 2;
    this.#counts = new Uint32Array(slots);
    this.#mask = slots - 1;
    for (const path of this.#map.keys()) this.#counts[signature(path) & this.#mask]!++;
  }
}

/** Slots per key: with 8, at most about one missing path in eight goes on to the Map. */
const SLOTS_PER_KEY = 8;
const MIN_SLOTS = 1024;

/**
 * A cheap signature of a path: its length and the characters at a quarter, half, three quarters
 * and the end. Spread over the string so that paths sharing a prefix (a directory) or a suffix (an
 * extension) still differ. Any function of the string is correct here; this one is fast.
 */
export function signature(path: string): number {
  const n = path.length;
  let h = Math.imul(n, 0x9e3779b1);
  h = Math.imul(h ^ path.charCodeAt(n >> 2), 0x01000193);
  h = Math.imul(h ^ path.charCodeAt(n >> 1), 0x01000193);
  h = Math.imul(h ^ path.charCodeAt(n - (n >> 2) - 1), 0x01000193);
  h = Math.imul(h ^ path.charCodeAt(n - 1), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}
