/**
 * The cron schedule parser CronJob validation uses: a port of github.com/robfig/cron/v3
 * `ParseStandard` (5 fields, descriptors like `@hourly` and `@every 1h`, `TZ=`/`CRON_TZ=`
 * prefixes), returning upstream's error text so `spec.schedule` messages match the Go API
 * server. Pure; the returned schedule is a plain value.
 */
import { goQuote } from '../quote.ts';

/** A parsed standard cron schedule: the allowed values of each field. */
export interface CronSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  /** True when day-of-month or day-of-week was `*` or `?` (robfig's starBit). */
  readonly domStar: boolean;
  readonly dowStar: boolean;
  /** Set for `@every <duration>` schedules, in milliseconds. */
  readonly everyMs?: number;
  /** The `TZ=`/`CRON_TZ=` location, when given. */
  readonly location?: string;
}

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const DOW: Bounds = {
  min: 0,
  max: 6,
  names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
};

/** A cron parse failure; `message` is robfig/cron's error text. */
export class CronParseError extends Error {
  override readonly name = 'CronParseError';
}

/** Go's strconv.Atoi error text for `s`, or the value. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) {
    throw new CronParseError(
      `failed to parse int from ${s}: strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`,
    );
  }
  const n = Number(s);
  if (!Number.isSafeInteger(n)) {
    throw new CronParseError(
      `failed to parse int from ${s}: strconv.Atoi: parsing ${goQuote(s)}: value out of range`,
    );
  }
  return n;
}

function mustParseInt(expr: string): number {
  const n = atoi(expr);
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Bounds['names']): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

function getRange(expr: string, r: Bounds, out: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  const low = lowAndHigh[0] ?? '';
  if (low === '*' || low === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(low, r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    // "N/step" means "N-max/step".
    if (single) end = r.max;
    if (step > 1) star = false;
  } else throw new CronParseError(`too many slashes: ${expr}`);
  if (start < r.min)
    throw new CronParseError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max)
    throw new CronParseError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end)
    throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) out.add(v);
  return star;
}

function getField(field: string, r: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const expr of field.split(',').filter((e) => e !== '')) {
    if (getRange(expr, r, values)) star = true;
  }
  return { values, star };
}

const ALL = (b: Bounds): Set<number> => {
  const s = new Set<number>();
  for (let i = b.min; i <= b.max; i++) s.add(i);
  return s;
};

function simple(
  minute: number,
  hour: number | 'all',
  dom: number | 'all',
  month: number | 'all',
  dow: number | 'all',
  location?: string,
): CronSchedule {
  const pick = (v: number | 'all', b: Bounds): Set<number> => (v === 'all' ? ALL(b) : new Set([v]));
  return {
    minutes: new Set([minute]),
    hours: pick(hour, HOURS),
    daysOfMonth: pick(dom, DOM),
    months: pick(month, MONTHS),
    daysOfWeek: pick(dow, DOW),
    domStar: dom === 'all',
    dowStar: dow === 'all',
    ...(location !== undefined ? { location } : {}),
  };
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds; throws Go's error text. */
export function parseGoDuration(s: string): number {
  const orig = s;
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new CronParseError(`time: invalid duration ${goQuote(orig)}`);
  let total = 0;
  while (rest !== '') {
    const m = /^([0-9]*(?:\.[0-9]*)?)/.exec(rest);
    const numText = m?.[1] ?? '';
    if (numText === '' || numText === '.')
      throw new CronParseError(`time: invalid duration ${goQuote(orig)}`);
    rest = rest.slice(numText.length);
    const u = /^([^0-9.]*)/.exec(rest)?.[1] ?? '';
    if (u === '') throw new CronParseError(`time: missing unit in duration ${goQuote(orig)}`);
    const factor = DURATION_UNITS[u];
    if (factor === undefined) {
      throw new CronParseError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    }
    rest = rest.slice(u.length);
    total += Number(numText) * factor;
  }
  return sign * total;
}

/** Whether `tz` names a time zone the runtime knows (Go's time.LoadLocation succeeds). */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'UTC' || tz === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function parseDescriptor(d: string, location?: string): CronSchedule {
  switch (d) {
    case '@yearly':
    case '@annually':
      return simple(0, 0, 1, 1, 'all', location);
    case '@monthly':
      return simple(0, 0, 1, 'all', 'all', location);
    case '@weekly':
      return { ...simple(0, 0, 'all', 'all', 0, location), domStar: true, dowStar: false };
    case '@daily':
    case '@midnight':
      return simple(0, 0, 'all', 'all', 'all', location);
    case '@hourly':
      return simple(0, 'all', 'all', 'all', 'all', location);
    default:
      break;
  }
  const every = '@every ';
  if (d.startsWith(every)) {
    let ms: number;
    try {
      ms = parseGoDuration(d.slice(every.length));
    } catch (e) {
      throw new CronParseError(`failed to parse duration ${d}: ${(e as Error).message}`);
    }
    return { ...simple(0, 'all', 'all', 'all', 'all', location), everyMs: ms };
  }
  throw new CronParseError(`unrecognized descriptor: ${d}`);
}

/**
 * robfig/cron v3 ParseStandard: parses `spec` or throws CronParseError with upstream's text
 * (e.g. `expected exactly 5 fields, found 3: [a b c]`, `unrecognized descriptor: @foo`).
 */
export function parseStandardCron(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronParseError('empty spec string');
  let location: string | undefined;
  let s = spec;
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    const eq = s.indexOf('=');
    const loc = i < 0 ? s.slice(eq + 1) : s.slice(eq + 1, i);
    if (!isKnownTimeZone(loc)) {
      throw new CronParseError(`provided bad location ${loc}: unknown time zone ${loc}`);
    }
    location = loc;
    s = i < 0 ? '' : s.slice(i).trim();
  }
  if (s.startsWith('@')) return parseDescriptor(s, location);
  const fields = s.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    throw new CronParseError(
      `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`,
    );
  }
  const [mi = '', h = '', dom = '', mo = '', dow = ''] = fields;
  const minutes = getField(mi, MINUTES);
  const hours = getField(h, HOURS);
  const doms = getField(dom, DOM);
  const months = getField(mo, MONTHS);
  const dows = getField(dow, DOW);
  return {
    minutes: minutes.values,
    hours: hours.values,
    daysOfMonth: doms.values,
    months: months.values,
    daysOfWeek: dows.values,
    domStar: doms.star,
    dowStar: dows.star,
    ...(location !== undefined ? { location } : {}),
  };
}
