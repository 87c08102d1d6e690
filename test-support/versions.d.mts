/** Self-verifying file versions shared by the churn writer and the tests that read under churn. */
export function makeVersion(payloadLength: number, seed: number): Buffer;
/** Undefined for one complete version, else what is wrong with it. */
export function verify(bytes: Uint8Array): string | undefined;
/** A writer stalled mid-write: the file on disk was torn (empty or partial) from `start` to `end`. */
export interface Stall {
  path: string;
  kind: string;
  start: number;
  end: number;
}
/** A read that failed verify(). */
export interface BadRead {
  path: string;
  problem: string;
  at: number;
}
/** A version a churn writer put at a path: makeVersion(size, seed), from time `at` (ms). */
export interface Written {
  path: string;
  size: number;
  seed: number;
  at: number;
}
/** Every version each path held; checks ranged bodies against them by content alone. */
export class VersionBook {
  constructor(written?: Written[]);
  /** A version the path held from `at` (the initial ones: 0). */
  add(path: string, size: number, seed: number, at?: number): void;
  /** Undefined when `body` is bytes start..end (inclusive) of a version of `path` that is `total` bytes long; else what is wrong. */
  sliceProblem(path: string, start: number, end: number, total: number, body: Uint8Array, at: number): string | undefined;
}
/** The bad reads of a churn run, split into excused by a writer stall (per stall kind) and unexplained. */
export interface Account {
  checked: number;
  bad: number;
  excused: number;
  excusedBy: Record<string, number>;
  unexplained: BadRead[];
  /** One line per unexplained read, with the writer's nearest stall on its path. */
  details: string[];
  /** excused / checked */
  share: number;
  summary: string;
}
export function account(bad: BadRead[], stalls: Stall[], checked: number): Account;
