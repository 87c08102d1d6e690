/**
 * The `hotfs` flags of the serving options (`--single`, `--cors`, `--header-rule`): flags whose
 * value is optional, and header rules. Pure; each problem is a {@link UsageError} naming the flag.
 * @module
 */
import { parseRegExp, usageError, UsageError } from './cli-values.js';
import type { HeaderRule } from './header-rules.js';
import { resolveOptions } from './options.js';

/**
 * Takes the bare form of flags whose value is optional out of `args`: `--single` alone means the
 * default, `--single=/app.html` gives a value (`node:util` parseArgs has no optional values, so it
 * sees only the `=` form). A value after a space is refused rather than guessed at: in
 * `--single app.html` it could as well be a stray argument.
 * @returns the remaining arguments, and the names given bare.
 */
export function takeBareFlags(args: readonly string[], names: readonly string[]): { args: string[]; bare: Set<string> } {
  const rest: string[] = [];
  const bare = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const name = arg.slice(2);
    if (!arg.startsWith('--') || !names.includes(name)) {
      rest.push(arg);
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('-')) throw usageError(arg, `takes its value after '=', like ${arg}=${next}`, next);
    bare.add(name);
  }
  return { args: rest, bare };
}

/** `--cors=https://a.example,https://b.example`, repeatable: the origins, in order. */
export function parseOrigins(texts: readonly string[]): string[] {
  const origins = texts.flatMap((t) => t.split(',')).map((o) => o.trim());
  if (origins.includes('*')) throw usageError('--cors', 'allows every origin when given alone, without a value', texts.join(','));
  return origins;
}

/**
 * `--header-rule '<regexp> <Name>: <value>'`: the regexp (tested against the hotfs path, like
 * `/assets/app.0123abcd.js`) ends at the first space, so a space in it is written `\s` or `\x20`.
 * Checked here as option `headerRules` checks it; with `cors`, Access-Control-* names are refused.
 */
export function parseHeaderRule(text: string, cors: boolean): HeaderRule {
  const flag = '--header-rule';
  const space = text.search(/\s/);
  const colon = text.indexOf(':', space);
  if (space <= 0 || colon < 0) throw usageError(flag, "must be '<regexp> <Name>: <value>', like '\\.html$ Cache-Control: no-cache'", text);
  const match = parseRegExp(text.slice(0, space), flag);
  const rule: HeaderRule = { match, headers: { [text.slice(space, colon).trim()]: text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '') } };
  try {
    resolveOptions({ headerRules: [rule], cors });
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    // "option 'headerRules[0].headers' has an invalid value for X-A: …" → "has an invalid value for X-A: …".
    throw new UsageError(`${flag}: ${err.message.replace(/^option '[^']*' /, '').replace("option 'cors'", '--cors')} (got ${JSON.stringify(text)})`);
  }
  return rule;
}
