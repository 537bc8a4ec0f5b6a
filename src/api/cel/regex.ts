/**
 * RE2 (Go regexp syntax) to JavaScript RegExp translation. CEL's `matches`, `find` and `findAll`
 * use RE2; JS regexps are a superset in some places (lookaround, backreferences) and differ in
 * others. We translate the common, unambiguous subset and reject what RE2 rejects or what we
 * cannot translate faithfully, rather than risk a different answer. Compiled patterns are cached
 * because rules run the same literal patterns on every write.
 */
import { CelError } from './values.ts';

const cache = new Map<string, RegExp>();
const CACHE_MAX = 512;

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function parseError(pattern: string, detail: string): CelError {
  return new CelError(`error parsing regexp: ${detail}: \`${pattern}\``);
}

/**
 * Translates an RE2 pattern to JS source and flags. Throws CelError (`error parsing regexp:
 * ...` as Go) for constructs RE2 rejects (lookaround, backreferences) or we do not support.
 */
export function translateRe2(pattern: string): { source: string; flags: string } {
  let flags = 'u';
  let i = 0;
  // Leading flag groups like (?i) or (?is) apply to the whole pattern.
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead !== null) {
    for (const f of lead[1] ?? '') {
      if (f === 'U') throw parseError(pattern, 'unsupported flag U');
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i] ?? '';
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) throw parseError(pattern, 'trailing backslash at end of expression');
      if (d >= '1' && d <= '9') throw parseError(pattern, `invalid escape sequence: \`\\${d}\``);
      if (d === 'A' && !inClass) {
        out += '^';
        i += 2;
        continue;
      }
      if (d === 'z' && !inClass) {
        out += '(?![\\s\\S])';
        i += 2;
        continue;
      }
      if (d === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const lit = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (d === 'C' || d === 'Z' || d === 'G' || d === 'k' || d === 'c') {
        throw parseError(pattern, `invalid escape sequence: \`\\${d}\``);
      }
      if (d === 'p' || d === 'P') {
        // \pL or \p{Greek}: JS needs braces.
        if (pattern[i + 2] === '{') {
          const end = pattern.indexOf('}', i + 3);
          if (end < 0) throw parseError(pattern, 'invalid character class range');
          out += pattern.slice(i, end + 1);
          i = end + 1;
        } else {
          out += `\\${d}{${pattern[i + 2] ?? ''}}`;
          i += 3;
        }
        continue;
      }
      out += c + d;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          let name = pattern.slice(i + 2, end);
          const negated = name.startsWith('^');
          if (negated) name = name.slice(1);
          const cls = POSIX_CLASSES[name];
          if (cls === undefined || negated) {
            throw parseError(pattern, `invalid character class range: \`[:${name}:]\``);
          }
          out += cls;
          i = end + 2;
          continue;
        }
      }
      if (c === '[') {
        out += '\\[';
        i++;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      // A leading ] is a literal in RE2.
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 4;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 3;
        continue;
      }
      if (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (
        rest.startsWith('=') ||
        rest.startsWith('!') ||
        rest.startsWith('<=') ||
        rest.startsWith('<!')
      ) {
        throw parseError(pattern, `invalid or unsupported Perl syntax: \`(?${rest[0] ?? ''}\``);
      }
      throw parseError(pattern, 'unsupported inline flag group');
    }
    if (c === '{') {
      // RE2 treats a `{` that does not start a valid repetition as a literal.
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (rep === null) {
        out += '\\{';
        i++;
        continue;
      }
      if (Number(rep[1]) > 1000 || Number(rep[3] ?? 0) > 1000) {
        throw parseError(pattern, `invalid repeat count: \`${rep[0]}\``);
      }
      out += rep[0];
      i += rep[0].length;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) throw parseError(pattern, 'missing closing ]');
  return { source: out, flags };
}

/** Compiles (and caches) an RE2 pattern as a JS RegExp; throws CelError when invalid. */
export function compileRe2(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const { source, flags } = translateRe2(pattern);
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (e) {
    throw parseError(pattern, e instanceof Error ? e.message : String(e));
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, re);
  return re;
}
