/** Marks every byte outside the root: a read that contains it came from outside. */
export const SECRET_MARK: string;
/** Content of root/inside.txt and root/d/f.txt. */
export const INSIDE: Buffer;
/**
 * A temp tree for link-racer.mjs: base/root (served: inside.txt, link, d/f.txt, d/inside-name.txt),
 * base/secret.txt and base/outside-dir (f.txt, secret-name.txt) outside it.
 */
export function layRaceTree(): { base: string; root: string; remove(): void };
/**
 * Starts the racer on a tree and resolves once it is swapping; it stops by itself after `maxMs`.
 * Mode `'files'` swaps only root/link, `'all'` (default) root/d too. `stop()` ends it and resolves
 * to its round count.
 */
export function startRacer(base: string, maxMs: number, mode?: 'all' | 'files'): Promise<{ stop(): Promise<number> }>;
/** What {@link raceReads} saw. */
export interface RaceSeen {
  rounds: number;
  /** Reads or listings that showed anything from outside the root; `leak` describes the first. */
  leaks: number;
  leak: string | undefined;
  /** Reads of /link and /d/f.txt that gave the inside content, listings of /d with the inside name. */
  insideLink: number;
  insideNested: number;
  insideListing: number;
  misses: number;
}
/** Reads /link, /d/f.txt and lists /d through any FileSystem, `rounds` times or for `ms`. */
export function raceReads(fs: RaceFS, rounds: number, ms: number): Promise<RaceSeen>;
/** The part of a hotfs FileSystem the race uses (structural, so this file needs no package). */
export interface RaceFS {
  open(path: string): Promise<{ stat(): Promise<{ size: number }>; read(into: Uint8Array, position: number): Promise<number>; close(): Promise<void> }>;
  readdir(path: string): Promise<Array<{ name: string }>>;
}
