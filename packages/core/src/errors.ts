/**
 * Error codes a backend uses. The HTTP layer maps them to statuses (ENOENT/ENOTDIR → 404,
 * EACCES → 403, EINVAL → 400, anything else → 500). Other Node error codes pass through as they are.
 */
export type FsErrorCode = 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EACCES' | 'EINVAL' | 'ELOOP' | 'EBADF' | 'EMFILE' | 'EIO' | (string & {});

/**
 * Marks every {@link FsError}, whichever copy of `@hotfs/core` made it: `Symbol.for` returns the same
 * symbol in every copy, where `instanceof` only knows the class of its own copy. A backend published
 * with its own copy of this package still throws errors that {@link isFsError} recognises.
 */
const brand = Symbol.for('hotfs.FsError');

/**
 * The only error a hotfs backend throws: a code, the hotfs path it concerns, and a readable message.
 * Recognise one with {@link isFsError} rather than `instanceof`, which fails across two copies of
 * this package.
 */
export class FsError extends Error {
  override name = 'FsError';
  /** A POSIX-style code such as `ENOENT`. */
  readonly code: FsErrorCode;
  /** The hotfs path (rooted at `/`), never a host filesystem path. */
  readonly path: string;

  constructor(code: FsErrorCode, path: string, message?: string, options?: { cause?: unknown }) {
    super(`${code}: ${message ?? describe(code)}, '${path}'`, options);
    this.code = code;
    this.path = path;
  }
}

// On the prototype, not each instance: no cost per error, and Node's inspector does not print it.
Object.defineProperty(FsError.prototype, brand, { value: true });

const descriptions: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EINVAL: 'invalid argument',
  ELOOP: 'too many symbolic links',
  EBADF: 'file already closed',
  EMFILE: 'too many open files',
};

function describe(code: string): string {
  return descriptions[code] ?? 'file system error';
}

/**
 * True when `err` is an {@link FsError} from any copy of `@hotfs/core` (it checks the shared
 * `Symbol.for('hotfs.FsError')` brand, not `instanceof`), optionally with one of `codes`.
 */
export function isFsError(err: unknown, ...codes: FsErrorCode[]): err is FsError {
  if (typeof err !== 'object' || err === null || (err as Record<symbol, unknown>)[brand] !== true) return false;
  return codes.length === 0 || codes.includes((err as FsError).code);
}

/**
 * Converts whatever a Node call threw into an {@link FsError} for `path`, keeping the original as
 * `cause`. Host paths never leak into the message: only the hotfs path is named.
 */
export function toFsError(err: unknown, path: string): FsError {
  if (isFsError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new FsError(typeof code === 'string' ? code : 'EIO', path, undefined, { cause: err });
}
