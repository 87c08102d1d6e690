// A separate process that keeps swapping links under a served root, in a tight loop, until it is
// killed or its time is up. Usage: node link-racer.mjs <base> <durationMs> [all|files]
// <base> is laid out by layRaceTree() in link-race.mjs:
//   root/link   a file name that is, in turn: a link to root/inside.txt, a plain file (a hard link
//               of it), a link to the secret outside the root. Every change is atomic (a name made
//               next to the root, renamed over the old one), so the name always exists.
//   root/d      a directory name that is, in turn: the real directory root's own (holding f.txt
//               and inside-name.txt), and a link to outside-dir (holding f.txt, the secret, and
//               secret-name.txt). A directory cannot be renamed over a link, so here the name is
//               briefly missing. Mode 'files' leaves root/d alone.
// It prints 'ready' when it starts swapping and the number of rounds on exit.
import { linkSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const [base, durationArg, mode = 'all'] = process.argv.slice(2);
const dirs = mode !== 'files';
const deadline = Date.now() + Number(durationArg);
const root = join(base, 'root');
const link = join(root, 'link');
const inside = join(root, 'inside.txt');
const secret = join(base, 'secret.txt');
const d = join(root, 'd');
const parked = join(base, 'parked-d');
const outsideDir = join(base, 'outside-dir');
const tmp = join(base, 'racer-tmp');

let rounds = 0;
const stop = () => {
  process.stdout.write(`${rounds}\n`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdout.write('ready\n');

const swap = (make) => {
  rmSync(tmp, { force: true });
  make();
  renameSync(tmp, link);
};

// Check the clock only now and then: a signal is handled between rounds, and the loop stays tight.
while (rounds % 64 !== 0 || Date.now() < deadline) {
  swap(() => symlinkSync(inside, tmp));
  swap(() => linkSync(inside, tmp));
  swap(() => symlinkSync(secret, tmp));
  if (dirs) {
    renameSync(d, parked);
    symlinkSync(outsideDir, d);
  }
  swap(() => symlinkSync(inside, tmp));
  swap(() => linkSync(inside, tmp));
  swap(() => symlinkSync(secret, tmp));
  if (dirs) {
    unlinkSync(d);
    renameSync(parked, d);
  }
  rounds++;
  // A signal is delivered only when the event loop runs: let it, every few rounds.
  if (rounds % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
}
stop();
