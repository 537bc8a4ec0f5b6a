/**
 * JSON forms of the apimachinery types whose protobuf and JSON shapes differ: meta/v1 Time,
 * MicroTime and Duration, resource.Quantity, intstr.IntOrString, runtime.RawExtension and
 * meta/v1 FieldsV1. Each pair of functions maps between the message bytes and the JSON value
 * that upstream's MarshalJSON produces for the same Go value.
 */
import { parseQuantity, QuantityParseError } from '../quantity.ts';
import { ProtobufDecodeError } from './errors.ts';
import type { WireReader } from './wire.ts';
import { WireType } from './wire.ts';
import type { WireWriter } from './writer.ts';

/** Seconds of 0001-01-01T00:00:00Z, Go's zero time.Time (printed as JSON null). */
const GO_ZERO_TIME_SECONDS = -62135596800;
/** Seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: Go's MarshalJSON range. */
const MIN_JSON_SECONDS = -62167219200;
const MAX_JSON_SECONDS = 253402300799;

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function readTimestamp(r: WireReader): { seconds: number; nanos: number } {
  let seconds = 0;
  let nanos = 0;
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    const no = tag >>> 3;
    if (no === 1 || no === 2) {
      if (wt !== WireType.Varint) throw wrongWireType('Timestamp', no, wt, r.pos);
      if (no === 1) seconds = r.readInt64();
      else nanos = r.readInt32();
    } else {
      if (wt === WireType.EndGroup) throw endGroup('Timestamp', r.pos);
      r.skip(wt);
    }
  }
  return { seconds, nanos };
}

function isoSeconds(seconds: number, at: number): string {
  if (seconds < MIN_JSON_SECONDS || seconds > MAX_JSON_SECONDS) {
    throw new ProtobufDecodeError('time is outside the range JSON can represent (years 0-9999)', {
      offset: at,
    });
  }
  // toISOString prints milliseconds; Go's RFC3339 form for Time has none.
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/**
 * meta/v1 Time: `{1: seconds, 2: nanos}`. Upstream Time.Unmarshal drops the nanoseconds (JSON
 * only ever carried seconds), an empty message is the zero time, and the zero time is JSON null.
 */
export function decodeTime(r: WireReader): string | null {
  if (r.done()) return null;
  const { seconds } = readTimestamp(r);
  if (seconds === GO_ZERO_TIME_SECONDS) return null;
  return `${isoSeconds(seconds, r.pos)}Z`;
}

/**
 * meta/v1 MicroTime: like Time but keeps microseconds (`2006-01-02T15:04:05.000000Z`); nanos
 * outside [0, 1e9) are normalised as Go's time.Unix does, then truncated to microseconds.
 */
export function decodeMicroTime(r: WireReader): string | null {
  if (r.done()) return null;
  const ts = readTimestamp(r);
  const total = BigInt(ts.seconds) * 1_000_000_000n + BigInt(ts.nanos);
  let seconds = total / 1_000_000_000n;
  let rem = total % 1_000_000_000n;
  if (rem < 0n) {
    rem += 1_000_000_000n;
    seconds -= 1n;
  }
  const micros = rem / 1000n;
  if (Number(seconds) === GO_ZERO_TIME_SECONDS && micros === 0n) return null;
  return `${isoSeconds(Number(seconds), r.pos)}.${micros.toString().padStart(6, '0')}Z`;
}

/** meta/v1 Duration: `{1: int64 nanoseconds}` → Go's time.Duration.String() (`1h2m3.5s`). */
export function decodeDuration(r: WireReader): string {
  let ns = 0n;
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    if (tag >>> 3 === 1) {
      if (wt !== WireType.Varint) throw wrongWireType('Duration', 1, wt, r.pos);
      ns = r.readInt64BigInt();
    } else {
      if (wt === WireType.EndGroup) throw endGroup('Duration', r.pos);
      r.skip(wt);
    }
  }
  return formatGoDuration(ns);
}

/** Formats nanoseconds exactly like Go's time.Duration.String(). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u.toString()}ns`;
    else if (u < 1_000_000n) out = `${frac(u, 3)}µs`;
    else out = `${frac(u, 6)}ms`;
  } else {
    const secs = u / 1_000_000_000n;
    const fraction = frac(u % 1_000_000_000n, 9, true);
    const s = secs % 60n;
    const mins = secs / 60n;
    out = `${s.toString()}${fraction}s`;
    if (mins > 0n) {
      out = `${(mins % 60n).toString()}m${out}`;
      const hours = mins / 60n;
      if (hours > 0n) out = `${hours.toString()}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** `v / 10^prec` with the fraction's trailing zeros (and a bare point) removed. */
function frac(v: bigint, prec: number, fractionOnly = false): string {
  const p = 10n ** BigInt(prec);
  const digits = (v % p).toString().padStart(prec, '0').replace(/0+$/, '');
  const fracPart = digits === '' ? '' : `.${digits}`;
  return fractionOnly ? fracPart : `${(v / p).toString()}${fracPart}`;
}

/** Parses Go's duration syntax (`1h2m3.5s`, `300ms`, `-1.5h`) into nanoseconds. */
export function parseGoDuration(s: string): bigint {
  const units: Record<string, bigint> = {
    ns: 1n,
    us: 1000n,
    µs: 1000n,
    μs: 1000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
  };
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw new Error(`invalid duration "${s}"`);
  let total = 0n;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = re.exec(rest);
    const unitName = m?.[3];
    if (m === null || unitName === undefined || (m[1] === '' && (m[2] ?? '') === '')) {
      throw new Error(`invalid duration "${s}"`);
    }
    const unit = units[unitName] ?? 1n;
    const whole = BigInt(m[1] === '' ? '0' : (m[1] ?? '0'));
    const fracDigits = m[2] ?? '';
    total += whole * unit;
    if (fracDigits !== '') total += (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

/**
 * resource.Quantity: `{1: string}`. Upstream parses the string while unmarshalling (a bad
 * quantity fails the decode) and JSON carries the canonical form; an empty message is zero.
 */
export function decodeQuantity(r: WireReader): string {
  let text: string | undefined;
  let at = r.pos;
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    if (tag >>> 3 === 1) {
      if (wt !== WireType.LengthDelimited) throw wrongWireType('Quantity', 1, wt, r.pos);
      at = r.pos;
      text = r.readString();
    } else {
      if (wt === WireType.EndGroup) throw endGroup('Quantity', r.pos);
      r.skip(wt);
    }
  }
  if (text === undefined) return '0';
  try {
    return parseQuantity(text).toString();
  } catch (err) {
    if (err instanceof QuantityParseError) {
      throw new ProtobufDecodeError(`invalid quantity ${JSON.stringify(text)}: ${err.message}`, {
        offset: at,
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * intstr.IntOrString: `{1: type (0 Int, 1 String), 2: intVal, 3: strVal}` → a JSON number or
 * string. Any other type is an error, as upstream MarshalJSON refuses it.
 */
export function decodeIntOrString(r: WireReader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    const no = tag >>> 3;
    if (no === 1 || no === 2) {
      if (wt !== WireType.Varint) throw wrongWireType('IntOrString', no, wt, r.pos);
      if (no === 1) type = r.readInt64();
      else intVal = r.readInt32();
    } else if (no === 3) {
      if (wt !== WireType.LengthDelimited) throw wrongWireType('IntOrString', no, wt, r.pos);
      strVal = r.readString();
    } else {
      if (wt === WireType.EndGroup) throw endGroup('IntOrString', r.pos);
      r.skip(wt);
    }
  }
  if (type === 0) return intVal;
  if (type === 1) return strVal;
  throw new ProtobufDecodeError(`impossible IntOrString type ${String(type)}`, { offset: r.pos });
}

/**
 * runtime.RawExtension and meta/v1 FieldsV1: `{1: bytes}` holding JSON, embedded as the parsed
 * value (upstream MarshalJSON writes the raw bytes through; empty raw is `null`).
 */
export function decodeEmbeddedJSON(r: WireReader, what: string): unknown {
  let raw: Uint8Array | undefined;
  let at = r.pos;
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    if (tag >>> 3 === 1) {
      if (wt !== WireType.LengthDelimited) throw wrongWireType(what, 1, wt, r.pos);
      at = r.pos;
      raw = r.readBytes();
    } else {
      if (wt === WireType.EndGroup) throw endGroup(what, r.pos);
      r.skip(wt);
    }
  }
  if (raw === undefined || raw.length === 0) return null;
  try {
    return JSON.parse(utf8Strict.decode(raw)) as unknown;
  } catch (err) {
    throw new ProtobufDecodeError(`${what} does not hold valid JSON`, { offset: at, cause: err });
  }
}

/** A `{1: repeated string}` message as the JSON array of its strings. */
export function decodeStringArray(r: WireReader): string[] {
  const out: string[] = [];
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    if (tag >>> 3 === 1) {
      if (wt !== WireType.LengthDelimited) throw wrongWireType('StringArray', 1, wt, r.pos);
      out.push(r.readString());
    } else {
      if (wt === WireType.EndGroup) throw endGroup('StringArray', r.pos);
      r.skip(wt);
    }
  }
  return out;
}

/** Writes the message form of a special type's JSON value (the inverse of the decoders). */
export function encodeSpecial(w: WireWriter, special: string, value: unknown): void {
  switch (special) {
    case 'Time':
    case 'MicroTime': {
      if (value === null || value === undefined) return;
      if (typeof value !== 'string') throw new TypeError(`${special} must be a string`);
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw new TypeError(`invalid ${special} ${value}`);
      const seconds = Math.floor(ms / 1000);
      const fracDigits = /\.(\d+)/.exec(value)?.[1] ?? '';
      const nanos = special === 'MicroTime' ? Number(fracDigits.padEnd(9, '0').slice(0, 9)) : 0;
      w.tag(1, WireType.Varint).int64(seconds);
      w.tag(2, WireType.Varint).int64(nanos);
      return;
    }
    case 'Duration':
      if (typeof value !== 'string') throw new TypeError('Duration must be a string');
      w.tag(1, WireType.Varint).int64BigInt(parseGoDuration(value));
      return;
    case 'Quantity':
      w.tag(1, WireType.LengthDelimited).string(
        typeof value === 'number' ? String(value) : String(value),
      );
      return;
    case 'IntOrString':
      if (typeof value === 'number') {
        w.tag(1, WireType.Varint).int64(0);
        w.tag(2, WireType.Varint).int64(value);
        w.tag(3, WireType.LengthDelimited).string('');
      } else {
        w.tag(1, WireType.Varint).int64(1);
        w.tag(2, WireType.Varint).int64(0);
        w.tag(3, WireType.LengthDelimited).string(String(value));
      }
      return;
    case 'StringArray':
      if (!Array.isArray(value)) throw new TypeError('StringArray must be an array');
      for (const item of value as unknown[])
        w.tag(1, WireType.LengthDelimited).string(String(item));
      return;
    case 'RawExtension':
    case 'FieldsV1':
      if (value === null || value === undefined) return;
      w.tag(1, WireType.LengthDelimited).bytes(utf8Encoder.encode(JSON.stringify(value)));
      return;
    default:
      throw new TypeError(`unknown special type ${special}`);
  }
}

function wrongWireType(msg: string, no: number, wt: number, at: number): ProtobufDecodeError {
  return new ProtobufDecodeError(
    `wrong wire type ${String(wt)} for field ${String(no)} of ${msg}`,
    { offset: at },
  );
}

function endGroup(msg: string, at: number): ProtobufDecodeError {
  return new ProtobufDecodeError(`wire type end group for non-group in ${msg}`, { offset: at });
}
