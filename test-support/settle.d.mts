/**
 * Resolves a second after `lastWrite` (a `Date.now()` taken after the last change to a tree), when
 * DiskFS's metadata ETags and every Last-Modified date of the tree are strong validators.
 */
export function untilValidatorsStrong(lastWrite: number): Promise<void>;
