import { describe, expect, it } from 'vitest';
import { etagListMatches, evaluatePreconditions, ifRangeMatches } from '../src/preconditions.js';
import { formatHttpDate } from '../src/http-date.js';

const mtimeMs = Date.UTC(2024, 0, 2, 3, 4, 5) + 678; // sub-second part on purpose
const v = { etag: '"abc"', mtimeMs };
const lm = formatHttpDate(mtimeMs);
const before = formatHttpDate(mtimeMs - 1000);
const after = formatHttpDate(mtimeMs + 1000);

describe('etag comparison', () => {
  it('weak comparison ignores W/, strong refuses weak tags', () => {
    expect(etagListMatches('"abc"', '"abc"', true)).toBe(true);
    expect(etagListMatches('W/"abc"', '"abc"', false)).toBe(true);
    expect(etagListMatches('W/"abc"', '"abc"', true)).toBe(false);
    expect(etagListMatches('"x", "abc"', '"abc"', true)).toBe(true);
    expect(etagListMatches('"x",W/"y"', '"abc"', false)).toBe(false);
    expect(etagListMatches('*', '"abc"', true)).toBe(true);
    expect(etagListMatches('"abc', '"abc"', false)).toBe(false);
    expect(etagListMatches('abc', '"abc"', false)).toBe(false);
    expect(etagListMatches('"abc"', undefined, false)).toBe(false);
  });
  it('a weak resource tag matches only weakly: If-None-Match yes, If-Match only through *', () => {
    const weak = 'W/"abc"';
    for (const list of ['"abc"', 'W/"abc"', '"x", W/"abc"']) expect(etagListMatches(list, weak, false), list).toBe(true);
    for (const list of ['"abc"', 'W/"abc"', '"x", W/"abc"', '"x", "abc"']) expect(etagListMatches(list, weak, true), list).toBe(false);
    expect(etagListMatches('*', weak, true)).toBe(true);
    expect(etagListMatches('"x", *', weak, true)).toBe(true);
    expect(etagListMatches('W/"other"', weak, false)).toBe(false);
  });
});

describe('evaluatePreconditions (RFC 9110 §13.2.2 order)', () => {
  it('passes with no conditions', () => {
    expect(evaluatePreconditions({}, v, true)).toEqual({ outcome: 'ok', useRange: true });
  });
  it('If-Match fails with 412 unless a strong match', () => {
    expect(evaluatePreconditions({ ifMatch: '"nope"' }, v, true).outcome).toBe('failed');
    expect(evaluatePreconditions({ ifMatch: 'W/"abc"' }, v, true).outcome).toBe('failed');
    expect(evaluatePreconditions({ ifMatch: '"abc"' }, v, true).outcome).toBe('ok');
    expect(evaluatePreconditions({ ifMatch: '*' }, v, true).outcome).toBe('ok');
  });
  it('If-Unmodified-Since is ignored when If-Match is present', () => {
    expect(evaluatePreconditions({ ifUnmodifiedSince: before }, v, true).outcome).toBe('failed');
    expect(evaluatePreconditions({ ifMatch: '"abc"', ifUnmodifiedSince: before }, v, true).outcome).toBe('ok');
    expect(evaluatePreconditions({ ifUnmodifiedSince: lm }, v, true).outcome).toBe('ok');
    expect(evaluatePreconditions({ ifUnmodifiedSince: 'bogus' }, v, true).outcome).toBe('ok');
  });
  it('If-None-Match gives 304 for GET/HEAD and 412 otherwise', () => {
    expect(evaluatePreconditions({ ifNoneMatch: 'W/"abc"' }, v, true).outcome).toBe('not-modified');
    expect(evaluatePreconditions({ ifNoneMatch: '*' }, v, true).outcome).toBe('not-modified');
    expect(evaluatePreconditions({ ifNoneMatch: '"abc"' }, v, false).outcome).toBe('failed');
    expect(evaluatePreconditions({ ifNoneMatch: '"other"' }, v, true).outcome).toBe('ok');
  });
  it('If-Modified-Since compares at one-second resolution and yields to If-None-Match', () => {
    expect(evaluatePreconditions({ ifModifiedSince: lm }, v, true).outcome).toBe('not-modified');
    expect(evaluatePreconditions({ ifModifiedSince: after }, v, true).outcome).toBe('not-modified');
    expect(evaluatePreconditions({ ifModifiedSince: before }, v, true).outcome).toBe('ok');
    expect(evaluatePreconditions({ ifModifiedSince: lm, ifNoneMatch: '"other"' }, v, true).outcome).toBe('ok');
    expect(evaluatePreconditions({ ifModifiedSince: lm }, v, false).outcome).toBe('ok');
  });
  it('ignores dates when the mtime is unknown (epoch)', () => {
    const zero = { etag: '"abc"', mtimeMs: 0 };
    expect(evaluatePreconditions({ ifModifiedSince: after }, zero, true).outcome).toBe('ok');
    expect(evaluatePreconditions({ ifUnmodifiedSince: formatHttpDate(0) }, zero, true).outcome).toBe('ok');
  });
  it('If-Range: exact date or strong ETag, else the Range is ignored', () => {
    expect(ifRangeMatches('"abc"', v)).toBe(true);
    expect(ifRangeMatches('W/"abc"', v)).toBe(false);
    expect(ifRangeMatches('"x"', v)).toBe(false);
    expect(ifRangeMatches(lm, v)).toBe(true);
    expect(ifRangeMatches(after, v)).toBe(false);
    expect(ifRangeMatches(before, v)).toBe(false);
    expect(ifRangeMatches(lm, { etag: '"abc"', mtimeMs: 0 })).toBe(false);
    expect(evaluatePreconditions({ ifRange: after }, v, true)).toEqual({ outcome: 'ok', useRange: false });
    expect(evaluatePreconditions({ ifRange: '"abc"' }, v, true)).toEqual({ outcome: 'ok', useRange: true });
  });
  it('If-Range never holds against a weak ETag, in either form (RFC 9110 §13.1.5)', () => {
    const weak = { etag: 'W/"abc"', mtimeMs };
    expect(ifRangeMatches('W/"abc"', weak)).toBe(false);
    expect(ifRangeMatches('"abc"', weak)).toBe(false);
    // The date too: a backend that cannot vouch for its tag cannot vouch for a coarser date.
    expect(ifRangeMatches(lm, weak)).toBe(false);
    expect(evaluatePreconditions({ ifRange: 'W/"abc"' }, weak, true)).toEqual({ outcome: 'ok', useRange: false });
    // If-Match is a strong comparison; If-None-Match still gives its 304.
    expect(evaluatePreconditions({ ifMatch: 'W/"abc"' }, weak, true).outcome).toBe('failed');
    expect(evaluatePreconditions({ ifMatch: '*' }, weak, true).outcome).toBe('ok');
    expect(evaluatePreconditions({ ifNoneMatch: 'W/"abc"' }, weak, true).outcome).toBe('not-modified');
  });
  it('If-Range with the exact date holds only once Last-Modified is a second old (§8.8.2.2)', () => {
    expect(ifRangeMatches(lm, v, mtimeMs + 999)).toBe(false);
    expect(ifRangeMatches(lm, v, mtimeMs + 1000)).toBe(true);
    expect(ifRangeMatches(lm, v, mtimeMs - 5000)).toBe(false); // a file time in the future
    expect(evaluatePreconditions({ ifRange: lm }, v, true, mtimeMs + 10)).toEqual({ outcome: 'ok', useRange: false });
    expect(evaluatePreconditions({ ifRange: lm }, v, true, mtimeMs + 1000)).toEqual({ outcome: 'ok', useRange: true });
    // The ETag form does not depend on the clock: a strong tag is strong.
    expect(ifRangeMatches('"abc"', v, mtimeMs)).toBe(true);
  });
});
