import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PathIndex, signature } from '../src/mirror/path-index.js';

/**
 * 12-character paths that differ only at index 2, which the signature does not read (it reads 3, 6,
 * 8 and 11), so they share one slot: deletes and counts are tested on collisions.
 */
const colliding = ['/xa/b/cde/fg', '/xb/b/cde/fg', '/xc/b/cde/fg', '/xd/b/cde/fg'];

describe('signature', () => {
  it('reads the length and the characters at a quarter, half, three quarters and the end', () => {
    expect(new Set(colliding.map(signature)).size).toBe(1);
    const base = signature('/assets/app-3f2a.js');
    expect(signature('/assets/app-3f2a.js ')).not.toBe(base); // length
    expect(signature('/assets/app-3f2a.jt')).not.toBe(base); // last
    expect(signature('/assets/aqp-3f2a.js')).not.toBe(base); // middle
  });

  it('is a uint32 for any string, the empty one included', () => {
    for (const p of ['', '/', 'a', '/\0', '/é/☃/𝄞', '/a'.repeat(5000)]) {
      const s = signature(p);
      expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32, JSON.stringify(p)).toBe(true);
    }
  });
});

describe('PathIndex', () => {
  it('finds what a Map finds after any sequence of set, delete and clear', () => {
    const universe = [...colliding, '/', '/a', '/a/b', '/assets/app.js', '/rot/f0001.txt', '/rot/f0002.txt'];
    const key = fc.constantFrom(...universe);
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), key, fc.nat()),
      fc.tuple(fc.constant('delete' as const), key, fc.constant(0)),
      fc.tuple(fc.constant('clear' as const), key, fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const index = new PathIndex<number>();
        const model = new Map<string, number>();
        for (const [kind, path, value] of ops) {
          if (kind === 'set') {
            index.set(path, value);
            model.set(path, value);
          } else if (kind === 'delete') {
            expect(index.delete(path)).toBe(model.delete(path));
          } else {
            index.clear();
            model.clear();
          }
          expect(index.size).toBe(model.size);
          for (const p of universe) expect(index.get(p), p).toBe(model.get(p));
        }
      }),
    );
  });

  it('keeps every key reachable as it grows past its first table, and after deletes that share a slot', () => {
    const index = new PathIndex<number>();
    const paths = Array.from({ length: 5000 }, (_, i) => `/dir${i % 7}/file-${i}.txt`);
    paths.forEach((p, i) => index.set(p, i));
    paths.forEach((p, i) => expect(index.get(p)).toBe(i));
    index.set(colliding[0]!, 1).set(colliding[1]!, 2);
    expect(index.delete(colliding[0]!)).toBe(true);
    expect(index.delete(colliding[0]!)).toBe(false); // a second delete must not take the slot's count
    expect(index.get(colliding[1]!)).toBe(2);
    expect(index.size).toBe(5001);
  });

  it('sends few missing paths on to the Map, for a tree like the bench fixture', () => {
    const index = new PathIndex<number>();
    for (let i = 0; i < 1000; i++) index.set(`/rot/f${String(i).padStart(4, '0')}.txt`, i);
    for (const p of ['/', '/640.txt', '/1k.txt', '/64k.bin', '/1m.bin', '/5m.bin', '/100m.bin', '/empty.txt', '/rot']) index.set(p, 0);
    const misses = [
      ...Array.from({ length: 5000 }, (_, i) => `/missing-${i}.txt`),
      ...['/favicon.ico', '/robots.txt', '/.env', '/wp-login.php', '/api/users/42', '/index.html', '/rot/f0001.txt.bak'],
    ];
    const passed = misses.filter((p) => index.mayHave(p)).length;
    expect(passed / misses.length).toBeLessThan(0.2);
  });

  it('answers undefined for a non-string instead of throwing', () => {
    const index = new PathIndex<number>().set('/a', 1);
    expect(index.get(42 as unknown as string)).toBeUndefined();
    expect(index.get(undefined as unknown as string)).toBeUndefined();
  });
});
