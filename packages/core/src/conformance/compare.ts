import { isFsError } from '../errors.js';
import type { FileInfo } from '../types.js';

/** How a thrown value looks in a failure message. */
export function describeError(err: unknown): string {
  if (isFsError(err)) return `FsError ${err.code} (${err.message})`;
  if (err instanceof Error) return `${err.name} that is not an FsError: ${err.message}`;
  return `non-Error thrown: ${String(err)}`;
}

/** How modification times are compared: equal to the expected tree's, or merely plausible. */
export type MtimeCheck = 'exact' | 'any';

/**
 * Reports each field of `got` that differs from `want`, and a validator that is both strong and
 * weak. With `mtime: 'any'` the time only has to be a finite, non-negative number.
 */
export function sameInfo(fail: (m: string) => void, what: string, got: FileInfo, want: FileInfo, mtime: MtimeCheck = 'exact'): void {
  for (const key of ['name', 'size', 'isDirectory'] as const) {
    if (got[key] !== want[key]) fail(`${what}: ${key} is ${JSON.stringify(got[key])}, want ${JSON.stringify(want[key])}`);
  }
  if (mtime === 'exact' && got.mtimeMs !== want.mtimeMs) fail(`${what}: mtimeMs is ${JSON.stringify(got.mtimeMs)}, want ${JSON.stringify(want.mtimeMs)}`);
  if (mtime === 'any' && !(typeof got.mtimeMs === 'number' && Number.isFinite(got.mtimeMs) && got.mtimeMs >= 0)) {
    fail(`${what}: mtimeMs is ${JSON.stringify(got.mtimeMs)}, want a finite, non-negative number`);
  }
  if (got.etag !== undefined && got.weakEtag !== undefined) fail(`${what}: sets both etag and weakEtag (a validator is strong or weak)`);
}

/** Reports the first difference between two byte strings. */
export function sameBytes(fail: (m: string) => void, what: string, got: Uint8Array, want: Uint8Array): void {
  if (got.length !== want.length) return void fail(`${what}: ${got.length} bytes, want ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) return void fail(`${what}: bytes differ first at offset ${i}`);
  }
}
