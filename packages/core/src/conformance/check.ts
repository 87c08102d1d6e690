import type { FileSystem } from '../types.js';
import type { ExpectedTree } from './expected.js';
import { runConformance, type ConformanceOptions } from './run.js';

/** Options of {@link checkFileSystem}. */
export interface CheckOptions {
  /** Host path of a file outside the root whose bytes must never be served (see {@link createFixture}). */
  secretPath?: string;
  /** How many files to hold open at once in the concurrency check; default 64. */
  concurrentOpens?: number;
}

/**
 * Checks a backend against the tree it serves (a directory on disk, a FileSystem trusted as the
 * truth, or data), like Go's `testing/fstest.TestFS`. Resolves to a list of precise failures:
 * empty means the backend conforms. Never throws for a failing backend, so it fits any test
 * runner. {@link runConformance} also says what was skipped.
 *
 * @example
 * ```ts
 * const fixture = await createFixture();
 * const fs = new DiskFS(fixture.root);
 * expect(await checkFileSystem(fs, fixture.root, { secretPath: fixture.secretPath })).toEqual([]);
 * ```
 */
export async function checkFileSystem(fs: FileSystem, expected: ExpectedTree, options: ConformanceOptions = {}): Promise<string[]> {
  return (await runConformance(fs, expected, options)).failures;
}

/** Like {@link checkFileSystem}, but throws one Error listing every failure. */
export async function assertFileSystem(fs: FileSystem, expected: ExpectedTree, options: ConformanceOptions = {}): Promise<void> {
  const failures = await checkFileSystem(fs, expected, options);
  if (failures.length > 0) throw new Error(`file system does not conform (${failures.length} failures):\n  ${failures.join('\n  ')}`);
}
