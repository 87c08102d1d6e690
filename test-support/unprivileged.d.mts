/** Whether this process runs as root (who reads everything, so permission checks need a child). */
export const isRoot: boolean;
/** spawn/fork options: `{ uid, gid }` of nobody as root, `{}` otherwise. */
export const unprivileged: { uid?: number; gid?: number };
/** Why an unprivileged child cannot read `file` (so cannot run it), or undefined when it can. */
export function unprivilegedBlocker(file: string): string | undefined;
