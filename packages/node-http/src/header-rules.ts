/**
 * Headers by path: rules that add response headers to the files (and listings) whose hotfs path
 * they match. Pure.
 * @module
 */

/**
 * One rule of option `headerRules`: `headers` are added to every file response (200, 206, 304)
 * and listing whose hotfs path `match` accepts. The path is the one served, below the prefix: a
 * directory's index is `/docs/index.html`, the SPA fallback is its file (`/index.html`), a listing
 * is the directory with a trailing slash (`/docs/`).
 *
 * @example
 * ```ts
 * const rules: HeaderRule[] = [
 *   { match: /\.[0-9a-f]{8,}\.(js|css)$/, headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
 *   { match: /\.html$/, headers: { 'Cache-Control': 'no-cache' } },
 *   { match: (path) => path.startsWith('/embed/'), headers: { 'Cross-Origin-Resource-Policy': 'cross-origin' } },
 * ];
 * ```
 */
export interface HeaderRule {
  /** A RegExp (without the `g` or `y` flag) or a function, tested against the hotfs path. */
  match: RegExp | ((path: string) => boolean);
  /** Header names to values; the names the handler computes itself are refused, as in option `headers`. */
  headers: Readonly<Record<string, string>>;
}

/** A rule after validation: its test and its headers as a flat `[name, value, …]` list. */
export interface ResolvedRule {
  test: (path: string) => boolean;
  headers: readonly string[];
}

/**
 * Validates option `headerRules`; `headerList` checks and flattens one rule's headers (the same
 * check as option `headers`). Undefined when there are no rules, so the request path can tell at
 * a glance.
 * @throws TypeError naming the option and the rule.
 */
export function resolveHeaderRules(rules: unknown, headerList: (headers: unknown, option: string) => string[]): readonly ResolvedRule[] | undefined {
  if (rules === undefined) return undefined;
  if (!Array.isArray(rules)) throw new TypeError(`option 'headerRules' must be an array of { match, headers }; got ${typeof rules}`);
  const resolved = (rules as unknown[]).map((rule, i): ResolvedRule => {
    const where = `headerRules[${i}]`;
    if (typeof rule !== 'object' || rule === null) throw new TypeError(`option '${where}' must be an object { match, headers }`);
    const { match, headers } = rule as Partial<HeaderRule>;
    return { test: tester(match, where), headers: Object.freeze(headerList(headers, `${where}.headers`)) };
  });
  return resolved.length === 0 ? undefined : Object.freeze(resolved);
}

function tester(match: unknown, where: string): (path: string) => boolean {
  if (match instanceof RegExp) {
    // test() of a global or sticky RegExp starts where the last match ended: every other request would miss.
    if (match.global || match.sticky) throw new TypeError(`option '${where}.match' must not have the g or y flag; got ${String(match)}`);
    return (path) => match.test(path);
  }
  if (typeof match === 'function') return (path) => Boolean((match as (path: string) => unknown)(path));
  throw new TypeError(`option '${where}.match' must be a RegExp or a function of the path`);
}

/**
 * `base` (`[name, value, …]`) with the headers of every rule that matches `path` added, in order.
 * A name set again (in any case) replaces the earlier value, so a later rule wins over an earlier
 * one, and a rule wins over options `headers` and `maxAge` (which are in `base`). Returns `base`
 * itself when no rule matches.
 *
 * @example
 * ```ts
 * applyHeaderRules(['Cache-Control', 'public, max-age=60'], rules, '/index.html'); // ['Cache-Control', 'no-cache']
 * ```
 */
export function applyHeaderRules(base: readonly string[], rules: readonly ResolvedRule[], path: string): readonly string[] {
  let out: string[] | undefined;
  for (const rule of rules) {
    if (!rule.test(path)) continue;
    out ??= base.slice();
    const h = rule.headers;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]!.toLowerCase();
      let value = h[i + 1]!;
      for (let j = out.length - 2; j >= 0; j -= 2) {
        if (out[j]!.toLowerCase() !== name) continue;
        // Vary lists what the answer depends on: the handler's own entries (Accept-Encoding, Origin)
        // stay true whatever a rule adds, so values are joined, never replaced.
        if (name === 'vary') value = `${out[j + 1]!}, ${value}`;
        out.splice(j, 2);
      }
      out.push(h[i]!, value);
    }
  }
  return out ?? base;
}
