// Root reads and lists everything whatever the mode bits, so a permission check can only be observed
// as another user. As root (CI runs as root) such checks run in a child process as 'nobody'
// (uid/gid 65534); as anyone else they run as that user.
import { spawnSync } from 'node:child_process';

const NOBODY = 65534;
export const isRoot = process.getuid?.() === 0;
/** Options for spawn/fork: as root, run the child as nobody; otherwise as ourselves. */
export const unprivileged = isRoot ? { uid: NOBODY, gid: NOBODY } : {};

/**
 * Why an unprivileged child cannot run `file` here, or undefined when it can: as root the child is
 * nobody, who must be able to read the checkout (a checkout under a 0700 home directory is not).
 */
export function unprivilegedBlocker(file) {
  if (!isRoot) return undefined;
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(file)}, require('fs').constants.R_OK)`], { ...unprivileged, encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  return `uid ${NOBODY} (nobody) cannot read ${file}; check out the repository where every user can read it (e.g. under /work or /tmp, not /root)`;
}
