/**
 * What the `hotfs` command writes, by level: one `Logger` for the command's own lines, MemFS and the
 * request log, and a progress line on a terminal.
 * @module
 */
import type { Logger } from '@hotfs/core';
import type { LogLevel } from './cli-args.js';

/** Where the command writes: `info` to stdout, `warn` and `error` to stderr. */
export interface CliOutput {
  logger: Logger;
  /** Redraws a progress line while a large tree is mirrored; only on a terminal and not when quiet. */
  progress: ((loaded: { files: number; bytes: number }) => void) | undefined;
}

interface Sink {
  write(text: string): unknown;
}

/**
 * `quiet`: errors only. `normal` and `verbose`: also info and warnings (what else `verbose` adds is
 * decided by whoever logs: request lines, MemFS change lines).
 */
export function cliOutput(level: LogLevel, stdout: Sink = process.stdout, stderr: Sink & { isTTY?: boolean } = process.stderr): CliOutput {
  // The progress line is redrawn in place on stderr; the next log line clears it first.
  let progressShown = false;
  const line =
    (sink: Sink) =>
    (message: string): void => {
      if (progressShown) stderr.write('\r\x1b[K');
      progressShown = false;
      sink.write(message + '\n');
    };
  const none = (): void => {};
  const logger: Logger = {
    info: level === 'quiet' ? none : line(stdout),
    warn: level === 'quiet' ? none : line(stderr),
    error: line(stderr),
  };
  const progress =
    stderr.isTTY && level !== 'quiet'
      ? ({ files, bytes }: { files: number; bytes: number }): void => {
          progressShown = true;
          stderr.write(`\rhotfs: mirroring… ${files} files, ${(bytes / 1048576).toFixed(1)} MiB\x1b[K`);
        }
      : undefined;
  return { logger, progress };
}
