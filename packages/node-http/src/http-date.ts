/**
 * HTTP dates (RFC 9110 §5.6.7): formatting as IMF-fixdate and parsing all three accepted formats.
 * @module
 */

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Formats milliseconds since the epoch as an IMF-fixdate (RFC 9110 §5.6.7: `Sun, 06 Nov 1994 08:49:37 GMT`). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * Parses an HTTP date in IMF-fixdate, obsolete RFC 850 or asctime format (the three a recipient must
 * accept, RFC 9110 §5.6.7) and returns milliseconds since the epoch, or `undefined` when the text is none of them. Strict on purpose: `Date.parse`
 * would read asctime as local time and accept many non-HTTP forms.
 */
export function parseHttpDate(text: string): number | undefined {
  const s = text.trim();
  const comma = s.indexOf(',');
  if (comma === 3) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (s.length !== 29 || !days.includes(s.slice(0, 3)) || s[4] !== ' ' || s[7] !== ' ' || s[11] !== ' ' || s[16] !== ' ' || !s.endsWith(' GMT')) return undefined;
    return build(num(s, 12, 4), months.indexOf(s.slice(8, 11)), num(s, 5, 2), s, 17);
  }
  if (comma > 3) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    if (!longDays.includes(s.slice(0, comma))) return undefined;
    const r = s.slice(comma + 1);
    if (r.length !== 23 || r[0] !== ' ' || r[3] !== '-' || r[7] !== '-' || r[10] !== ' ' || !r.endsWith(' GMT')) return undefined;
    const yy = num(r, 8, 2);
    // Two-digit years as Go reads them: 69-99 are 19xx, 00-68 are 20xx.
    return build(yy < 0 ? -1 : yy < 69 ? 2000 + yy : 1900 + yy, months.indexOf(r.slice(4, 7)), num(r, 1, 2), r, 11);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (s.length !== 24 || !days.includes(s.slice(0, 3)) || s[3] !== ' ' || s[7] !== ' ' || s[10] !== ' ' || s[19] !== ' ') return undefined;
  const day = s[8] === ' ' ? num(s, 9, 1) : num(s, 8, 2);
  return build(num(s, 20, 4), months.indexOf(s.slice(4, 7)), day, s, 11);
}

// Reads "hh:mm:ss" at `at` and assembles the time, rejecting out-of-range fields.
function build(year: number, month: number, day: number, s: string, at: number): number | undefined {
  if (s[at + 2] !== ':' || s[at + 5] !== ':') return undefined;
  const h = num(s, at, 2);
  const m = num(s, at + 3, 2);
  const sec = num(s, at + 6, 2);
  if (year < 0 || month < 0 || day < 1 || day > 31 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return undefined;
  const ms = Date.UTC(year, month, day, h, m, sec === 60 ? 59 : sec);
  // Reject dates such as 31 Feb that Date.UTC would roll over into the next month.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return ms;
}

// Digits only; -1 for anything else.
function num(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}
