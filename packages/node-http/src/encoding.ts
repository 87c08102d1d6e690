/**
 * Content-coding negotiation: `Accept-Encoding` (RFC 9110 §12.5.3) against the codings a file has.
 * @module
 */
import { CONTENT_CODINGS, type ContentCoding } from '@hotfs/core';

/**
 * How acceptable each coding is to a client: its q-value from 0 (refused) to 1. `identity` is the
 * unencoded representation.
 */
export interface AcceptedEncodings {
  readonly br: number;
  readonly zstd: number;
  readonly gzip: number;
  readonly identity: number;
}

/** No header: only identity (RFC 9110 §12.5.3: "no preference", and a server then sends identity). */
const IDENTITY_ONLY: AcceptedEncodings = Object.freeze({ br: 0, zstd: 0, gzip: 0, identity: 1 });

/**
 * The weight of identity when the client names neither it nor `*`: acceptable (§12.5.3), yet below
 * any coding it does name (q-values have three decimals, so 0.001 is the least a client can give).
 */
const IMPLICIT_IDENTITY = 0.0005;

// weight = OWS ";" OWS "q=" qvalue; qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses an `Accept-Encoding` value into a q-value per coding (RFC 9110 §12.5.3). Codings are
 * case-insensitive; `x-gzip` counts as `gzip` (§8.4.1.3); `*` stands for every coding not named;
 * `identity` is acceptable unless refused by `identity;q=0` or `*;q=0`, and when not named it ranks
 * below every coding the client names. An element that cannot be
 * parsed (a bad token, a q-value like `abc` or `2`) is ignored, as if absent: a client that sends
 * nonsense is not refused service. An empty value means identity only.
 */
export function parseAcceptEncoding(header: string | undefined): AcceptedEncodings {
  if (header === undefined) return IDENTITY_ONLY;
  const named = new Map<string, number>();
  for (const element of header.split(',')) {
    const [rawCoding, ...params] = element.split(';');
    const coding = rawCoding!.trim().toLowerCase();
    if (!TOKEN.test(coding)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const eq = param.indexOf('=');
      if ((eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase() !== 'q') continue;
      const value = eq < 0 ? '' : param.slice(eq + 1).trim();
      if (QVALUE.test(value)) q = Number(value);
      else valid = false;
    }
    if (!valid) continue;
    const key = coding === 'x-gzip' ? 'gzip' : coding;
    // The same coding twice: the higher weight counts (the RFC leaves it open; refusing is stricter).
    named.set(key, Math.max(q, named.get(key) ?? 0));
  }
  const star = named.get('*');
  const weight = (coding: string): number => named.get(coding) ?? star ?? 0;
  return { br: weight('br'), zstd: weight('zstd'), gzip: weight('gzip'), identity: named.get('identity') ?? star ?? IMPLICIT_IDENTITY };
}

/**
 * The codings worth sending to a client, best first: those it accepts (q > 0) and weights at least
 * as high as identity, by q-value, equal ones in the order br, zstd, gzip. The server sends the first
 * of them the file has, else identity. When every coding is refused and so is identity, identity is
 * sent anyway: RFC 9110 §12.5.3 allows that instead of a 406, and a usable answer beats an error a
 * browser shows as a blank page.
 */
export function preferredEncodings(accepted: AcceptedEncodings): readonly ContentCoding[] {
  const codings = CONTENT_CODINGS.filter((c) => accepted[c] > 0 && accepted[c] >= accepted.identity);
  // A stable sort: equal weights keep br, zstd, gzip.
  return codings.sort((a, b) => accepted[b] - accepted[a]);
}
