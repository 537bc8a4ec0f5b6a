/**
 * The CEL function library Kubernetes exposes to CRD validation rules: the CEL standard
 * functions, cel-go's strings extension (version 2) and sets extension, optionals, and the
 * Kubernetes libraries lists, regex, url and quantity. Dispatch is by name and runtime argument
 * types; a mismatch is cel-go's `no such overload`.
 */
import { parseQuantity, QuantityParseError } from '../quantity.ts';
import { compileRe2 } from './regex.ts';
import {
  checkTimestampRange,
  parseGoDuration,
  parseTimestamp,
  timezoneOffsetMinutes,
} from './time.ts';
import {
  ArrayList,
  celCompare,
  celEquals,
  CelDuration,
  CelError,
  CelOptional,
  CelQuantity,
  CelTimestamp,
  CelType,
  CelUint,
  CelURL,
  checkInt,
  codePointLength,
  codePoints,
  EntryMap,
  formatDouble,
  formatDuration,
  formatTimestamp,
  INT64_MAX,
  INT64_MIN,
  isBmpOnly,
  isList,
  isMap,
  noSuchOverload,
  typeName,
  UINT64_MAX,
} from './values.ts';
import type { CelList, CelValue, CostMeter } from './values.ts';

/** Identifiers that qualify function names (`optional.of`, `sets.contains`, `strings.quote`). */
export const NAMESPACES: ReadonlySet<string> = new Set(['optional', 'sets', 'strings']);

type Fn = (interp: CostMeter, target: CelValue | undefined, args: readonly CelValue[]) => CelValue;

const str = (v: CelValue | undefined): string => {
  if (typeof v !== 'string') throw noSuchOverload();
  return v;
};
const int = (v: CelValue | undefined): bigint => {
  if (typeof v !== 'bigint') throw noSuchOverload();
  return v;
};
const list = (v: CelValue | undefined): CelList => {
  if (v === undefined || !isList(v)) throw noSuchOverload();
  return v;
};
const listItems = (l: CelList): CelValue[] => {
  const out: CelValue[] = [];
  for (let i = 0; i < l.size; i++) out.push(l.get(i));
  return out;
};
const strCost = (interp: CostMeter, ...ss: string[]): void => {
  let n = 0;
  for (const s of ss) n += s.length;
  interp.charge(Math.ceil(n * 0.1));
};

/** `elem in container` for lists (equality) and maps (keys). */
export function contains(interp: CostMeter, container: CelValue, elem: CelValue): boolean {
  if (isList(container)) {
    interp.charge(container.size);
    for (let i = 0; i < container.size; i++) if (celEquals(container.get(i), elem)) return true;
    return false;
  }
  if (isMap(container)) return container.get(elem) !== undefined;
  throw noSuchOverload();
}

function size(v: CelValue | undefined): bigint {
  if (typeof v === 'string') return BigInt(codePointLength(v));
  if (v instanceof Uint8Array) return BigInt(v.length);
  if (v !== undefined && (isList(v) || isMap(v))) return BigInt(v.size);
  throw noSuchOverload();
}

/** Go's strconv.ParseInt error text, which cel-go surfaces for failed string→int conversion. */
function parseIntStrict(s: string, fn: 'ParseInt' | 'ParseUint'): bigint {
  const ok = fn === 'ParseInt' ? /^[+-]?[0-9]+$/ : /^\+?[0-9]+$/;
  if (!ok.test(s)) throw new CelError(`strconv.${fn}: parsing "${s}": invalid syntax`);
  const v = BigInt(s);
  const max = fn === 'ParseInt' ? INT64_MAX : UINT64_MAX;
  const min = fn === 'ParseInt' ? INT64_MIN : 0n;
  if (v > max || v < min) throw new CelError(`strconv.${fn}: parsing "${s}": value out of range`);
  return v;
}

function toInt(v: CelValue | undefined): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof CelUint) {
    if (v.v > INT64_MAX) throw new CelError('integer overflow');
    return v.v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= -9223372036854775808 * 1.0000000001 || v >= 2 ** 63) {
      throw new CelError('integer overflow');
    }
    return BigInt(Math.trunc(v));
  }
  if (typeof v === 'string') return parseIntStrict(v, 'ParseInt');
  if (v instanceof CelTimestamp) return floorDiv(v.nanos, 1_000_000_000n);
  if (v instanceof CelDuration) return v.nanos;
  throw noSuchOverload();
}

function toUint(v: CelValue | undefined): CelUint {
  if (v instanceof CelUint) return v;
  if (typeof v === 'bigint') {
    if (v < 0n) throw new CelError('unsigned integer overflow');
    return new CelUint(v);
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0 || v >= 2 ** 64) {
      throw new CelError('unsigned integer overflow');
    }
    return new CelUint(BigInt(Math.trunc(v)));
  }
  if (typeof v === 'string') return new CelUint(parseIntStrict(v, 'ParseUint'));
  throw noSuchOverload();
}

function toDouble(v: CelValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof CelUint) return Number(v.v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (
      t !== v ||
      !/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|[Ii]nf(inity)?|NaN)$/i.test(v)
    ) {
      throw new CelError(`strconv.ParseFloat: parsing "${v}": invalid syntax`);
    }
    if (/^[+-]?inf/i.test(v)) return v.startsWith('-') ? -Infinity : Infinity;
    return Number(v);
  }
  throw noSuchOverload();
}

function toStr(v: CelValue | undefined): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof CelUint) return v.v.toString();
  if (typeof v === 'number') return formatDouble(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(v);
    } catch {
      throw new CelError('invalid UTF-8 in bytes, cannot convert to string');
    }
  }
  if (v instanceof CelDuration) return formatDuration(v.nanos);
  if (v instanceof CelTimestamp) return formatTimestamp(v.nanos);
  if (v instanceof CelQuantity) return v.q.toString();
  if (v instanceof CelURL) return urlString(v);
  throw noSuchOverload();
}

function toBool(v: CelValue | undefined): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    switch (v) {
      case '1':
      case 't':
      case 'T':
      case 'true':
      case 'TRUE':
      case 'True':
        return true;
      case '0':
      case 'f':
      case 'F':
      case 'false':
      case 'FALSE':
      case 'False':
        return false;
    }
    throw new CelError(`strconv.ParseBool: parsing "${v}": invalid syntax`);
  }
  throw noSuchOverload();
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Date parts of a timestamp in a fixed-offset zone. */
function dateParts(ts: CelTimestamp, tz: CelValue | undefined): Date {
  const offset = tz === undefined ? 0 : timezoneOffsetMinutes(str(tz));
  const ms = Number(floorDiv(ts.nanos, 1_000_000n)) + offset * 60_000;
  return new Date(ms);
}

function tsAccessor(
  name: string,
  target: CelValue | undefined,
  args: readonly CelValue[],
): CelValue {
  if (target instanceof CelDuration) {
    if (args.length !== 0) throw noSuchOverload();
    const n = target.nanos;
    switch (name) {
      case 'getHours':
        return n / 3_600_000_000_000n;
      case 'getMinutes':
        return n / 60_000_000_000n;
      case 'getSeconds':
        return n / 1_000_000_000n;
      case 'getMilliseconds':
        return (n % 1_000_000_000n) / 1_000_000n;
    }
    throw noSuchOverload();
  }
  if (!(target instanceof CelTimestamp) || args.length > 1) throw noSuchOverload();
  const d = dateParts(target, args[0]);
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  switch (name) {
    case 'getFullYear':
      return BigInt(d.getUTCFullYear());
    case 'getMonth':
      return BigInt(d.getUTCMonth());
    case 'getDate':
      return BigInt(d.getUTCDate());
    case 'getDayOfMonth':
      return BigInt(d.getUTCDate() - 1);
    case 'getDayOfWeek':
      return BigInt(d.getUTCDay());
    case 'getDayOfYear':
      return BigInt(Math.floor((d.getTime() - startOfYear) / 86_400_000));
    case 'getHours':
      return BigInt(d.getUTCHours());
    case 'getMinutes':
      return BigInt(d.getUTCMinutes());
    case 'getSeconds':
      return BigInt(d.getUTCSeconds());
    case 'getMilliseconds':
      return (((target.nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n) / 1_000_000n;
  }
  throw noSuchOverload();
}

/** Code-point aware string helpers (CEL indexes strings by code point). */
function cpIndexOf(s: string, sub: string, from: number): number {
  if (isBmpOnly(s) && isBmpOnly(sub)) return s.indexOf(sub, from);
  const cps = codePoints(s);
  const sc = codePoints(sub);
  outer: for (let i = from; i + sc.length <= cps.length; i++) {
    for (let j = 0; j < sc.length; j++) if (cps[i + j] !== sc[j]) continue outer;
    return i;
  }
  return -1;
}

function cpLastIndexOf(s: string, sub: string, from: number): number {
  if (isBmpOnly(s) && isBmpOnly(sub)) return s.lastIndexOf(sub, from);
  const cps = codePoints(s);
  const sc = codePoints(sub);
  outer: for (let i = Math.min(from, cps.length - sc.length); i >= 0; i--) {
    for (let j = 0; j < sc.length; j++) if (cps[i + j] !== sc[j]) continue outer;
    return i;
  }
  return -1;
}

function cpSlice(s: string, start: number, end: number): string {
  if (isBmpOnly(s)) return s.slice(start, end);
  return codePoints(s).slice(start, end).join('');
}

function indexOutOfRange(i: bigint | number): CelError {
  return new CelError(`index out of range: ${i}`);
}

function stringsIndexOf(target: string, args: readonly CelValue[], last: boolean): bigint {
  const sub = str(args[0]);
  const len = codePointLength(target);
  if (args.length > 1) {
    const off = int(args[1]);
    if (off < 0n || off > BigInt(len)) throw indexOutOfRange(off);
    if (sub === '') return off;
    return BigInt(
      last ? cpLastIndexOf(target, sub, Number(off)) : cpIndexOf(target, sub, Number(off)),
    );
  }
  if (sub === '') return last ? BigInt(len) : 0n;
  return BigInt(last ? cpLastIndexOf(target, sub, len) : cpIndexOf(target, sub, 0));
}

function replaceN(s: string, from: string, to: string, n: number): string {
  if (n === 0) return s;
  if (n < 0)
    return from === '' ? codePoints(s).join(to).replace(/^/, to) + to : s.split(from).join(to);
  let out = '';
  let rest = s;
  let count = 0;
  while (count < n) {
    const i = rest.indexOf(from);
    if (i < 0) break;
    if (from === '') {
      const first = codePoints(rest)[0];
      out += to + (first ?? '');
      rest = rest.slice(first?.length ?? 0);
      count++;
      if (first === undefined) break;
      continue;
    }
    out += rest.slice(0, i) + to;
    rest = rest.slice(i + from.length);
    count++;
  }
  return out + rest;
}

function splitN(s: string, sep: string, n: number): CelValue[] {
  if (n === 0) return [];
  const parts = sep === '' ? codePoints(s) : s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  const head = parts.slice(0, n - 1);
  const tail = parts.slice(n - 1).join(sep);
  return [...head, tail];
}

/** Go's strings.TrimSpace whitespace (Unicode White_Space). */
function trimSpace(s: string): string {
  return s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '');
}

function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      default:
        out += ch;
    }
  }
  return out + '"';
}

/** `'%s is %d'.format([a, b])` (cel-go strings extension). */
function formatString(interp: CostMeter, fmt: string, args: CelList): string {
  let out = '';
  let argi = 0;
  const next = (): CelValue => {
    if (argi >= args.size) throw new CelError(`index ${argi} out of range`);
    return args.get(argi++);
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i] ?? '';
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    let precision: number | undefined;
    const pm = /^\.(\d+)/.exec(fmt.slice(i));
    if (pm !== null) {
      precision = Number(pm[1]);
      i += pm[0].length;
    }
    const verb = fmt[i];
    if (verb === '%') {
      out += '%';
      continue;
    }
    const v = next();
    switch (verb) {
      case 's':
        out += formatAsString(v);
        break;
      case 'd':
        if (typeof v === 'bigint') out += v.toString();
        else if (v instanceof CelUint) out += v.v.toString();
        else
          throw new CelError(
            `error during formatting: decimal clause can only be used on integers, was given ${typeName(v)}`,
          );
        break;
      case 'f':
      case 'e': {
        const d = toDouble(v);
        const p = precision ?? 6;
        if (!Number.isFinite(d))
          out += formatDouble(d).replace('+Inf', 'Infinity').replace('-Inf', '-Infinity');
        else if (verb === 'f') out += d.toFixed(p);
        else out += d.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2');
        break;
      }
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        const radix = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
        let s: string;
        if (typeof v === 'bigint') s = v.toString(radix);
        else if (v instanceof CelUint) s = v.v.toString(radix);
        else if (typeof v === 'string' && radix === 16) s = Buffer_hex(new TextEncoder().encode(v));
        else if (v instanceof Uint8Array && radix === 16) s = Buffer_hex(v);
        else throw noSuchOverload();
        out += verb === 'X' ? s.toUpperCase() : s;
        break;
      }
      default:
        throw new CelError(
          `could not parse formatting clause: unrecognized formatting clause "${verb ?? ''}"`,
        );
    }
  }
  interp.charge(Math.ceil(out.length * 0.1));
  if (argi < args.size) {
    // cel-go ignores surplus arguments.
  }
  return out;
}

function Buffer_hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function formatAsString(v: CelValue): string {
  if (v === null) return 'null';
  if (isList(v)) return '[' + listItems(v).map(formatAsString).join(', ') + ']';
  if (isMap(v)) {
    const parts: string[] = [];
    for (const k of v.keys())
      parts.push(`${formatAsString(k)}: ${formatAsString(v.get(k) ?? null)}`);
    return '{' + parts.sort().join(', ') + '}';
  }
  if (v instanceof CelType) return v.typeName;
  return toStr(v);
}

function requireQuantity(v: CelValue | undefined): CelQuantity {
  if (!(v instanceof CelQuantity)) throw noSuchOverload();
  return v;
}

function quantityOf(v: CelValue | undefined): CelQuantity {
  if (v instanceof CelQuantity) return v;
  if (typeof v === 'bigint') return new CelQuantity(parseQuantity(v.toString()));
  throw noSuchOverload();
}

/** Parses a URL as Go's url.ParseRequestURI, which Kubernetes' url() uses. */
function parseUrl(s: string): CelURL | undefined {
  if (s === '' || /[\s\u007f]/.test(s) || hasControlChars(s)) return undefined;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#.*)?$/.exec(s);
  if (m === null) {
    // An absolute path with no scheme is a valid request URI.
    const p = /^(\/[^?#]*)(\?([^#]*))?$/.exec(s);
    if (p === null) return undefined;
    return new CelURL('', '', p[1] ?? '', p[3] ?? '');
  }
  if (m[7] !== undefined) return undefined;
  const scheme = m[1] ?? '';
  const host = m[3] ?? '';
  const path = m[4] ?? '';
  if (m[2] === undefined && path !== '' && !path.startsWith('/')) {
    // Opaque URLs (mailto:x) are rejected by ParseRequestURI only if not absolute; accept.
  }
  if (/%(?![0-9a-fA-F]{2})/.test(path) || /%(?![0-9a-fA-F]{2})/.test(host)) return undefined;
  if (host.includes('@')) {
    const at = host.lastIndexOf('@');
    return new CelURL(scheme, host.slice(at + 1), path, m[6] ?? '');
  }
  return new CelURL(scheme, host, path, m[6] ?? '');
}

function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

function urlString(u: CelURL): string {
  let s = '';
  if (u.scheme !== '') s += u.scheme + ':';
  if (u.host !== '' || u.scheme !== '') s += '//' + u.host;
  s += u.escapedPath;
  if (u.rawQuery !== '') s += '?' + u.rawQuery;
  return s;
}

function hostname(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function port(host: string): string {
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : 0;
  const colon = host.indexOf(':', end);
  return colon < 0 ? '' : host.slice(colon + 1);
}

function queryMap(raw: string): CelValue {
  const m = new Map<string, string[]>();
  if (raw !== '') {
    for (const part of raw.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const k = decodeQuery(eq < 0 ? part : part.slice(0, eq));
      const v = decodeQuery(eq < 0 ? '' : part.slice(eq + 1));
      const arr = m.get(k) ?? [];
      arr.push(v);
      m.set(k, arr);
    }
  }
  const out = new EntryMap();
  for (const [k, vs] of m) out.set(k, new ArrayList(vs));
  return out;
}

function decodeQuery(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function listMinMax(l: CelList, wantMax: boolean): CelValue {
  if (l.size === 0) throw new CelError(`${wantMax ? 'max' : 'min'}(list) called on empty list`);
  let best = l.get(0);
  for (let i = 1; i < l.size; i++) {
    const v = l.get(i);
    const c = compareOrdered(v, best);
    if (wantMax ? c > 0 : c < 0) best = v;
  }
  return best;
}

function compareOrdered(a: CelValue, b: CelValue): number {
  if (a instanceof CelQuantity && b instanceof CelQuantity) return a.q.cmp(b.q);
  return celCompare(a, b) ?? 0;
}

function sumList(l: CelList): CelValue {
  if (l.size === 0) return 0n;
  let acc = l.get(0);
  for (let i = 1; i < l.size; i++) {
    const v = l.get(i);
    if (typeof acc === 'bigint' && typeof v === 'bigint') acc = checkInt(acc + v);
    else if (typeof acc === 'number' && typeof v === 'number') acc = acc + v;
    else if (acc instanceof CelUint && v instanceof CelUint) acc = new CelUint(acc.v + v.v);
    else if (acc instanceof CelDuration && v instanceof CelDuration)
      acc = new CelDuration(acc.nanos + v.nanos);
    else if (acc instanceof CelQuantity && v instanceof CelQuantity)
      acc = new CelQuantity(acc.q.add(v.q));
    else throw noSuchOverload();
  }
  return acc;
}

const member: Record<string, Fn> = {
  size: (_i, t) => size(t),
  contains: (i, t, a) => {
    const s = str(t);
    const sub = str(a[0]);
    strCost(i, s, sub);
    return s.includes(sub);
  },
  startsWith: (i, t, a) => {
    strCost(i, str(a[0]));
    return str(t).startsWith(str(a[0]));
  },
  endsWith: (i, t, a) => {
    strCost(i, str(a[0]));
    return str(t).endsWith(str(a[0]));
  },
  matches: (i, t, a) => {
    const s = str(t);
    strCost(i, s, str(a[0]));
    return compileRe2(str(a[0])).test(s);
  },
  // strings extension
  charAt: (_i, t, a) => {
    const s = str(t);
    const idx = int(a[0]);
    const len = codePointLength(s);
    if (idx < 0n || idx > BigInt(len)) throw indexOutOfRange(idx);
    return cpSlice(s, Number(idx), Number(idx) + 1);
  },
  indexOf: (i, t, a) => {
    if (t !== undefined && isList(t)) {
      i.charge(t.size);
      for (let k = 0; k < t.size; k++) if (celEquals(t.get(k), a[0] ?? null)) return BigInt(k);
      return -1n;
    }
    strCost(i, str(t));
    return stringsIndexOf(str(t), a, false);
  },
  lastIndexOf: (i, t, a) => {
    if (t !== undefined && isList(t)) {
      i.charge(t.size);
      for (let k = t.size - 1; k >= 0; k--) if (celEquals(t.get(k), a[0] ?? null)) return BigInt(k);
      return -1n;
    }
    strCost(i, str(t));
    return stringsIndexOf(str(t), a, true);
  },
  lowerAscii: (i, t) => {
    strCost(i, str(t));
    return str(t).replace(/[A-Z]+/g, (m) => m.toLowerCase());
  },
  upperAscii: (i, t) => {
    strCost(i, str(t));
    return str(t).replace(/[a-z]+/g, (m) => m.toUpperCase());
  },
  replace: (i, t, a) => {
    const s = str(t);
    strCost(i, s);
    const n = a.length > 2 ? Number(int(a[2])) : -1;
    return replaceN(s, str(a[0]), str(a[1]), n);
  },
  split: (i, t, a) => {
    const s = str(t);
    strCost(i, s);
    const n = a.length > 1 ? Number(int(a[1])) : -1;
    return new ArrayList(splitN(s, str(a[0]), n));
  },
  substring: (_i, t, a) => {
    const s = str(t);
    const len = BigInt(codePointLength(s));
    const start = int(a[0]);
    const end = a.length > 1 ? int(a[1]) : len;
    if (start < 0n || start > len) throw indexOutOfRange(start);
    if (end < 0n || end > len) throw indexOutOfRange(end);
    if (start > end) throw new CelError(`invalid substring range. start: ${start}, end: ${end}`);
    return cpSlice(s, Number(start), Number(end));
  },
  trim: (i, t) => {
    strCost(i, str(t));
    return trimSpace(str(t));
  },
  join: (i, t, a) => {
    const l = list(t);
    const parts: string[] = [];
    for (let k = 0; k < l.size; k++) parts.push(str(l.get(k)));
    const out = parts.join(a.length > 0 ? str(a[0]) : '');
    strCost(i, out);
    return out;
  },
  format: (i, t, a) => formatString(i, str(t), list(a[0])),
  // lists library
  isSorted: (i, t) => {
    const l = list(t);
    i.charge(l.size);
    for (let k = 1; k < l.size; k++) if (compareOrdered(l.get(k - 1), l.get(k)) > 0) return false;
    return true;
  },
  sum: (i, t) => {
    const l = list(t);
    i.charge(l.size);
    return sumList(l);
  },
  min: (i, t) => {
    const l = list(t);
    i.charge(l.size);
    return listMinMax(l, false);
  },
  max: (i, t) => {
    const l = list(t);
    i.charge(l.size);
    return listMinMax(l, true);
  },
  // regex library
  find: (i, t, a) => {
    const s = str(t);
    strCost(i, s);
    const m = compileRe2(str(a[0])).exec(s);
    return m === null ? '' : m[0];
  },
  findAll: (i, t, a) => {
    const s = str(t);
    strCost(i, s);
    const limit = a.length > 1 ? Number(int(a[1])) : -1;
    if (limit === 0) return new ArrayList([]);
    const re = compileRe2(str(a[0]));
    const g = new RegExp(re.source, re.flags + 'g');
    const out: CelValue[] = [];
    for (const m of s.matchAll(g)) {
      out.push(m[0]);
      if (limit > 0 && out.length >= limit) break;
    }
    return new ArrayList(out);
  },
  // url library
  getScheme: (_i, t) => urlOf(t).scheme,
  getHost: (_i, t) => urlOf(t).host,
  getHostname: (_i, t) => hostname(urlOf(t).host),
  getPort: (_i, t) => port(urlOf(t).host),
  getEscapedPath: (_i, t) => urlOf(t).escapedPath,
  getQuery: (_i, t) => queryMap(urlOf(t).rawQuery),
  // quantity library
  sign: (_i, t) => BigInt(requireQuantity(t).q.sign()),
  isInteger: (_i, t) => {
    const q = requireQuantity(t).q;
    const s = q.scaledValue(0);
    return q.cmpInt(s) === 0 && s <= INT64_MAX && s >= INT64_MIN;
  },
  asInteger: (_i, t) => {
    const q = requireQuantity(t).q;
    const s = q.scaledValue(0);
    if (q.cmpInt(s) !== 0 || s > INT64_MAX || s < INT64_MIN) {
      throw new CelError('cannot convert value to integer');
    }
    return s;
  },
  asApproximateFloat: (_i, t) => requireQuantity(t).q.asApproximateFloat64(),
  add: (_i, t, a) => new CelQuantity(requireQuantity(t).q.add(quantityOf(a[0]).q)),
  sub: (_i, t, a) => new CelQuantity(requireQuantity(t).q.sub(quantityOf(a[0]).q)),
  compareTo: (_i, t, a) => BigInt(requireQuantity(t).q.cmp(requireQuantity(a[0]).q)),
  isLessThan: (_i, t, a) => requireQuantity(t).q.cmp(requireQuantity(a[0]).q) < 0,
  isGreaterThan: (_i, t, a) => requireQuantity(t).q.cmp(requireQuantity(a[0]).q) > 0,
  // optionals
  hasValue: (_i, t) => optionalOf(t).value !== undefined,
  value: (_i, t) => {
    const o = optionalOf(t);
    if (o.value === undefined) throw new CelError('optional.none() dereference');
    return o.value;
  },
  orValue: (_i, t, a) => optionalOf(t).value ?? a[0] ?? null,
  or: (_i, t, a) => {
    const o = optionalOf(t);
    if (o.value !== undefined) return o;
    return optionalOf(a[0]);
  },
};

function urlOf(v: CelValue | undefined): CelURL {
  if (!(v instanceof CelURL)) throw noSuchOverload();
  return v;
}

function optionalOf(v: CelValue | undefined): CelOptional {
  if (!(v instanceof CelOptional)) throw noSuchOverload();
  return v;
}

const MEMBER_ARITY: Readonly<Record<string, readonly number[]>> = {
  size: [0],
  contains: [1],
  startsWith: [1],
  endsWith: [1],
  matches: [1],
  charAt: [1],
  indexOf: [1, 2],
  lastIndexOf: [1, 2],
  lowerAscii: [0],
  upperAscii: [0],
  replace: [2, 3],
  split: [1, 2],
  substring: [1, 2],
  trim: [0],
  join: [0, 1],
  format: [1],
  isSorted: [0],
  sum: [0],
  min: [0],
  max: [0],
  find: [1],
  findAll: [1, 2],
  getScheme: [0],
  getHost: [0],
  getHostname: [0],
  getPort: [0],
  getEscapedPath: [0],
  getQuery: [0],
  sign: [0],
  isInteger: [0],
  asInteger: [0],
  asApproximateFloat: [0],
  add: [1],
  sub: [1],
  compareTo: [1],
  isLessThan: [1],
  isGreaterThan: [1],
  hasValue: [0],
  value: [0],
  orValue: [1],
  or: [1],
  getFullYear: [0, 1],
  getMonth: [0, 1],
  getDate: [0, 1],
  getDayOfMonth: [0, 1],
  getDayOfWeek: [0, 1],
  getDayOfYear: [0, 1],
  getHours: [0, 1],
  getMinutes: [0, 1],
  getSeconds: [0, 1],
  getMilliseconds: [0, 1],
};

const TS_ACCESSORS = new Set([
  'getFullYear',
  'getMonth',
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getDayOfYear',
  'getHours',
  'getMinutes',
  'getSeconds',
  'getMilliseconds',
]);

const global: Record<string, Fn> = {
  size: (_i, _t, a) => size(a[0]),
  matches: (i, _t, a) => {
    const s = str(a[0]);
    strCost(i, s);
    return compileRe2(str(a[1])).test(s);
  },
  int: (_i, _t, a) => checkInt(toInt(a[0])),
  uint: (_i, _t, a) => toUint(a[0]),
  double: (_i, _t, a) => toDouble(a[0]),
  string: (_i, _t, a) => toStr(a[0]),
  bool: (_i, _t, a) => toBool(a[0]),
  bytes: (_i, _t, a) => {
    const v = a[0];
    if (v instanceof Uint8Array) return v;
    return new TextEncoder().encode(str(v));
  },
  dyn: (_i, _t, a) => a[0] ?? null,
  type: (_i, _t, a) => new CelType(typeName(a[0] ?? null)),
  duration: (_i, _t, a) => {
    const v = a[0];
    if (v instanceof CelDuration) return v;
    return new CelDuration(parseGoDuration(str(v)));
  },
  timestamp: (_i, _t, a) => {
    const v = a[0];
    if (v instanceof CelTimestamp) return v;
    if (typeof v === 'bigint') return new CelTimestamp(checkTimestampRange(v * 1_000_000_000n));
    return new CelTimestamp(parseTimestamp(str(v)));
  },
  url: (_i, _t, a) => {
    const s = str(a[0]);
    const u = parseUrl(s);
    if (u === undefined)
      throw new CelError(
        `URL parse error during conversion from string: parse "${s}": invalid URI for request`,
      );
    return u;
  },
  isURL: (_i, _t, a) => parseUrl(str(a[0])) !== undefined,
  quantity: (_i, _t, a) => {
    const s = str(a[0]);
    try {
      return new CelQuantity(parseQuantity(s));
    } catch (e) {
      if (e instanceof QuantityParseError) throw new CelError(e.message);
      throw e;
    }
  },
  isQuantity: (_i, _t, a) => {
    try {
      parseQuantity(str(a[0]));
      return true;
    } catch (e) {
      if (e instanceof QuantityParseError) return false;
      throw e;
    }
  },
  'optional.of': (_i, _t, a) => new CelOptional(a[0] ?? null),
  'optional.none': () => CelOptional.NONE,
  'optional.ofNonZeroValue': (_i, _t, a) => {
    const v = a[0] ?? null;
    return isZeroValue(v) ? CelOptional.NONE : new CelOptional(v);
  },
  'sets.contains': (i, _t, a) => {
    const l1 = list(a[0]);
    const l2 = list(a[1]);
    i.charge(l1.size * l2.size);
    for (let k = 0; k < l2.size; k++) if (!contains(i, l1, l2.get(k))) return false;
    return true;
  },
  'sets.equivalent': (i, _t, a) => {
    const l1 = list(a[0]);
    const l2 = list(a[1]);
    i.charge(l1.size * l2.size);
    for (let k = 0; k < l2.size; k++) if (!contains(i, l1, l2.get(k))) return false;
    for (let k = 0; k < l1.size; k++) if (!contains(i, l2, l1.get(k))) return false;
    return true;
  },
  'sets.intersects': (i, _t, a) => {
    const l1 = list(a[0]);
    const l2 = list(a[1]);
    i.charge(l1.size * l2.size);
    for (let k = 0; k < l2.size; k++) if (contains(i, l1, l2.get(k))) return true;
    return false;
  },
  'strings.quote': (_i, _t, a) => quoteString(str(a[0])),
};

const GLOBAL_ARITY: Readonly<Record<string, readonly number[]>> = {
  size: [1],
  matches: [2],
  int: [1],
  uint: [1],
  double: [1],
  string: [1],
  bool: [1],
  bytes: [1],
  dyn: [1],
  type: [1],
  duration: [1],
  timestamp: [1],
  url: [1],
  isURL: [1],
  quantity: [1],
  isQuantity: [1],
  'optional.of': [1],
  'optional.none': [0],
  'optional.ofNonZeroValue': [1],
  'sets.contains': [2],
  'sets.equivalent': [2],
  'sets.intersects': [2],
  'strings.quote': [1],
};

function isZeroValue(v: CelValue): boolean {
  if (v === null || v === false || v === 0n || v === 0 || v === '') return true;
  if (v instanceof CelUint) return v.v === 0n;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isList(v) || isMap(v)) return v.size === 0;
  return false;
}

/** True when `name` is a known global function taking `arity` arguments. */
export function isGlobalFunction(name: string, arity: number): boolean {
  return GLOBAL_ARITY[name]?.includes(arity) ?? false;
}

/** True when `name` is a known member (receiver-style) function taking `arity` arguments. */
export function isMemberFunction(name: string, arity: number): boolean {
  return MEMBER_ARITY[name]?.includes(arity) ?? false;
}

/** True when any function (global or member) of that name exists. */
export function isKnownFunctionName(name: string): boolean {
  return GLOBAL_ARITY[name] !== undefined || MEMBER_ARITY[name] !== undefined;
}

/** Calls a function: `target` is the receiver of a member call, undefined for global calls. */
export function callFunction(
  interp: CostMeter,
  name: string,
  target: CelValue | undefined,
  args: readonly CelValue[],
): CelValue {
  interp.charge(1);
  if (target !== undefined) {
    if (!isMemberFunction(name, args.length)) throw noSuchOverload();
    if (TS_ACCESSORS.has(name)) return tsAccessor(name, target, args);
    const f = member[name];
    if (f === undefined) throw noSuchOverload();
    return f(interp, target, args);
  }
  if (!isGlobalFunction(name, args.length)) throw noSuchOverload();
  const f = global[name];
  if (f === undefined) throw noSuchOverload();
  return f(interp, undefined, args);
}
