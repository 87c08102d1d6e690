// The tree link-racer.mjs swaps links in, and a handle on the racer process.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const racerScript = fileURLToPath(new URL('./link-racer.mjs', import.meta.url));

/** Marks every byte outside the root: a read that contains it came from outside. */
export const SECRET_MARK = 'SECRET-OUTSIDE-THE-ROOT';
export const INSIDE = Buffer.from('inside the root, served\n'.repeat(40));
const SECRET = Buffer.from(`${SECRET_MARK}\n`.repeat(40));

export function layRaceTree() {
  const base = mkdtempSync(join(tmpdir(), 'hotfs-race-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'd'), { recursive: true });
  writeFileSync(join(root, 'inside.txt'), INSIDE);
  writeFileSync(join(root, 'd', 'f.txt'), INSIDE);
  writeFileSync(join(root, 'd', 'inside-name.txt'), 'x');
  writeFileSync(join(base, 'secret.txt'), SECRET);
  mkdirSync(join(base, 'outside-dir'));
  writeFileSync(join(base, 'outside-dir', 'f.txt'), SECRET);
  writeFileSync(join(base, 'outside-dir', 'secret-name.txt'), SECRET);
  symlinkSync(join(root, 'inside.txt'), join(root, 'link'));
  return { base, root, remove: () => rmSync(base, { recursive: true, force: true }) };
}

export async function startRacer(base, maxMs, mode = 'all') {
  const child = spawn(process.execPath, [racerScript, base, String(maxMs), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.startsWith('ready\n')) resolve();
    });
    void exited.then((code) => reject(new Error(`link racer exited with ${code} before it started`)));
  });
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`link racer exited with ${code}`);
      return Number(out.slice('ready\n'.length).trim());
    },
  };
}

async function readWhole(fs, path) {
  let file;
  try {
    file = await fs.open(path);
  } catch {
    return undefined; // missing at that instant (or refused: the same thing)
  }
  try {
    const info = await file.stat();
    const chunks = [];
    for (let pos = 0; ;) {
      const buf = Buffer.alloc(Math.max(info.size, 1) + 64);
      const n = await file.read(buf, pos);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      pos += n;
    }
    return Buffer.concat(chunks);
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}

/**
 * Reads /link and /d/f.txt and lists /d through `fs` (any FileSystem) `rounds` times or until
 * `ms` pass, yielding to the event loop between rounds. Counts what came from outside the root
 * (`leaks`, with a sample) and what came from inside (so a run that saw nothing is no proof).
 */
export async function raceReads(fs, rounds, ms) {
  const deadline = Date.now() + ms;
  const seen = { rounds: 0, leaks: 0, leak: undefined, insideLink: 0, insideNested: 0, insideListing: 0, misses: 0 };
  const check = (what, bytes) => {
    if (bytes === undefined) return void seen.misses++;
    if (bytes.includes(SECRET_MARK)) {
      seen.leaks++;
      seen.leak ??= `${what}: ${bytes.subarray(0, 40).toString()}`;
    }
    return bytes.equals(INSIDE);
  };
  for (; seen.rounds < rounds && Date.now() < deadline; seen.rounds++) {
    if (check('/link', await readWhole(fs, '/link'))) seen.insideLink++;
    if (check('/d/f.txt', await readWhole(fs, '/d/f.txt'))) seen.insideNested++;
    const names = await fs.readdir('/d').then(
      (l) => l.map((e) => e.name),
      () => undefined,
    );
    if (names?.includes('secret-name.txt')) {
      seen.leaks++;
      seen.leak ??= `readdir /d: ${names.join(',')}`;
    }
    if (names?.includes('inside-name.txt')) seen.insideListing++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seen;
}
