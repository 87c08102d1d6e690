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
});
