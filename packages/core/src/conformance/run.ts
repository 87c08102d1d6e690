import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FileSystem } from '../types.js';
import { checkBytes, checkCloseSyncs, checkTryOpen, checkTryStat } from './capabilities.js';
import { checkChangeFeed, type ChangeDriver } from './change-feed.js';
import type { CheckOptions } from './check.js';
import { describeError } from './compare.js';
import type { CheckContext } from './context.js';
import { checkConcurrentOpens, checkEntries, checkUseAfterClose } from './entries.js';
import { resolveExpected, type ExpectedTree } from './expected.js';
import { checkClimbs, checkHidden, checkMissing, checkOddPaths } from './paths.js';
import { checkSyncOpen } from './sync.js';
import { checkWalk } from './walk.js';

/** What a backend declares; the kit checks what is declared and reports the rest as skipped, with why. */
export interface BackendCapabilities {
  /**
   * mtimes equal the expected tree's (`'exact'`, the default for a host directory or a FileSystem)
   * or are merely finite, non-negative numbers (`'any'`, the default for data, which has no times).
   */
  mtime?: 'exact' | 'any';
  /** Changes the backend's source so the change-feed check can run (required to check a ChangeFeedFS). */
  changes?: ChangeDriver;
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions extends CheckOptions {
  capabilities?: BackendCapabilities;
  /** How long to wait for each change to be announced; default 5000 ms. */
  eventTimeoutMs?: number;
}

/** The names of the checks, in the order they run. */
export type CheckName =
  | 'entries'
  | 'missing paths'
  | 'hidden paths'
  | 'odd paths'
  | 'climbs to the secret'
  | 'concurrent opens'
  | 'use after close'
  | 'tryOpen()'
  | 'tryStat()'
  | 'tryOpenSync()'
  | 'bytes()'
  | 'closeSync()'
  | 'walk()'
  | 'change feed';

/** What {@link runConformance} found. */
export interface ConformanceReport {
  /** Every failure, precise enough to act on; empty when the backend conforms. */
  failures: string[];
  /** Names of the checks that ran without a failure. */
  passed: CheckName[];
  /** Checks that did not run, and why (a capability the backend does not offer, no host directory…). */
  skipped: { check: CheckName; why: string }[];
}

/**
 * Checks a backend against the tree it must present, like Go's `testing/fstest.TestFS`: every path,
 * misses, odd spellings, concurrency, use after close, and each optional capability the backend
 * offers (detected with the guards) or declares (a change feed with a {@link ChangeDriver}). Never
 * throws for a failing backend; what could not be checked is listed as skipped with the reason.
 *
 * @example
 * ```ts
 * const report = await runConformance(backend, { 'index.html': '<h1>hi</h1>', 'img/': '' });
 * console.log(formatReport('MyFS', report));
 * expect(report.failures).toEqual([]);
 * ```
 * @throws TypeError when `expected` is not a tree or an option is wrong.
 */
export async function runConformance(fs: FileSystem, expected: ExpectedTree, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  checkOptions(options);
  const { tree, kind, hostRoot } = await resolveExpected(expected);
  const mtime = options.capabilities?.mtime ?? (kind === 'data' ? 'any' : 'exact');
  if (mtime === 'exact' && kind === 'data') throw new TypeError("option 'capabilities.mtime' cannot be 'exact' for an expected tree given as data (it has no times)");
  const timeout = options.eventTimeoutMs ?? 5000;
  const report: ConformanceReport = { failures: [], passed: [], skipped: [] };
  const secret = options.secretPath === undefined ? undefined : { name: basename(options.secretPath), bytes: readFileSync(options.secretPath) };
  const checks: [CheckName, (ctx: CheckContext) => Promise<string | void>][] = [
    ['entries', checkEntries],
    ['missing paths', checkMissing],
    ['hidden paths', checkHidden],
    ['odd paths', checkOddPaths],
    ['climbs to the secret', checkClimbs],
    ['concurrent opens', (ctx) => checkConcurrentOpens(ctx, options.concurrentOpens ?? 64)],
    ['use after close', checkUseAfterClose],
    ['tryOpen()', checkTryOpen],
    ['tryStat()', checkTryStat],
    ['tryOpenSync()', checkSyncOpen],
    ['bytes()', checkBytes],
    ['closeSync()', checkCloseSyncs],
    ['walk()', checkWalk],
    // Last: it changes the tree the other checks read.
    ['change feed', (ctx) => checkChangeFeed(ctx, options.capabilities?.changes, timeout)],
  ];
  for (const [name, check] of checks) {
    const failures: string[] = [];
    const ctx: CheckContext = { fs, tree, fail: (m) => failures.push(m), mtime, hostRoot, secret };
    let skipped: string | void = undefined;
    try {
      skipped = await check(ctx);
    } catch (err) {
      failures.push(`${name}: unexpected ${describeError(err)}`);
    }
    report.failures.push(...failures);
    if (failures.length > 0) continue;
    if (typeof skipped === 'string') report.skipped.push({ check: name, why: skipped });
    else report.passed.push(name);
  }
  return report;
}

const optionNames = new Set(['secretPath', 'concurrentOpens', 'capabilities', 'eventTimeoutMs']);
const capabilityNames = new Set(['mtime', 'changes']);

/** Refuses a misspelt or mistyped option with a TypeError that names it. */
function checkOptions(options: ConformanceOptions): void {
  for (const key of Object.keys(options)) if (!optionNames.has(key)) throw new TypeError(`unknown conformance option '${key}'`);
  const { secretPath, concurrentOpens, capabilities = {}, eventTimeoutMs } = options;
  if (secretPath !== undefined && typeof secretPath !== 'string') throw new TypeError(`option 'secretPath' must be a host path; got ${typeof secretPath}`);
  if (concurrentOpens !== undefined && !(Number.isSafeInteger(concurrentOpens) && concurrentOpens > 0)) {
    throw new TypeError(`option 'concurrentOpens' must be a positive integer; got ${String(concurrentOpens)}`);
  }
  if (eventTimeoutMs !== undefined && !(Number.isFinite(eventTimeoutMs) && eventTimeoutMs > 0)) {
    throw new TypeError(`option 'eventTimeoutMs' must be a positive number; got ${String(eventTimeoutMs)}`);
  }
  for (const key of Object.keys(capabilities)) if (!capabilityNames.has(key)) throw new TypeError(`unknown capability 'capabilities.${key}'`);
  const { mtime, changes } = capabilities;
  if (mtime !== undefined && mtime !== 'exact' && mtime !== 'any') throw new TypeError(`option 'capabilities.mtime' must be 'exact' or 'any'; got ${JSON.stringify(mtime)}`);
  for (const method of ['write', 'remove', 'mkdir'] as const) {
    if (changes !== undefined && typeof changes?.[method] !== 'function')
      throw new TypeError(`option 'capabilities.changes' must be a ChangeDriver: its '${method}' is not a function`);
  }
}

/** The report as lines a test prints: what ran, what was skipped and why, and the failures. */
export function formatReport(name: string, report: ConformanceReport): string {
  const { failures, passed, skipped } = report;
  const lines = [`conformance of ${name}: ${failures.length === 0 ? 'conforms' : `${failures.length} failures`}`];
  lines.push(`  passed (${passed.length}): ${passed.join(', ') || 'none'}`);
  for (const { check, why } of skipped) lines.push(`  skipped ${check}: ${why}`);
  for (const failure of failures) lines.push(`  FAIL ${failure}`);
  return lines.join('\n');
}
