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
/** Whether a writer stall explains a bad read (the disk itself held the torn file longer than the window). */
export function explains(stall: Stall, read: BadRead): boolean;
