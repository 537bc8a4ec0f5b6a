/**
 * The next-activation computation of cron schedules (a port of robfig/cron v3
 * `SpecSchedule.Next` and `ConstantDelaySchedule.Next`, which the CronJob controller uses),
 * in an IANA time zone through `Intl`, with Go's `time.Date` rules for wall times that fall
 * in a DST gap or overlap. Pure: time is epoch milliseconds.
 */
import type { CronSchedule } from '../../api/index.ts';

/** Wall-clock fields of an instant in a time zone (month 1-12, weekday 0 = Sunday). */
interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock of `ms` in `tz` (seconds precision). */
export function wallClock(ms: number, tz: string): Wall {
  const secMs = Math.floor(ms / 1000) * 1000;
  if (tz === 'UTC' || tz === '') {
    const d = new Date(secMs);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
    };
  }
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(secMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const year = parts.year ?? 1970;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  return {
    year,
    month,
    day,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** The UTC offset of `tz` at instant `ms`, in ms (wall minus UTC). */
export function zoneOffset(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a wall time in `tz`, out-of-range fields normalised (Go's time.Date): in a
 * DST gap or overlap Go takes the offset in force at the wall time read as UTC, unless that
 * instant falls outside the offset's period, then the offset in force at the adjusted time.
 */
export function fromWall(
  tz: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const unix = Date.UTC(year, month - 1, day, hour, minute, second);
  const offset = zoneOffset(unix, tz);
  if (offset === 0) return unix;
  const utc = unix - offset;
  const offset2 = zoneOffset(utc, tz);
  return offset2 === offset ? utc : unix - offset2;
}

function dayMatches(s: CronSchedule, w: Wall): boolean {
  const dom = s.daysOfMonth.has(w.day);
  const dow = s.daysOfWeek.has(w.weekday);
  if (s.domStar || s.dowStar) return dom && dow;
  return dom || dow;
}

/**
 * The first activation of `s` strictly after `afterMs` (robfig/cron v3 Next), or undefined
 * when there is none within five years (Go's zero time). `defaultTz` applies when the schedule
 * has no `TZ=` location. `@every` schedules add their delay (at least 1 s, whole seconds).
 */
export function nextActivation(
  s: CronSchedule,
  afterMs: number,
  defaultTz = 'UTC',
): number | undefined {
  if (s.everyMs !== undefined) {
    const delay = s.everyMs < 1000 ? 1000 : s.everyMs - (s.everyMs % 1000);
    return afterMs - (afterMs % 1000) + delay;
  }
  const tz = s.location === undefined || s.location === 'Local' ? defaultTz : s.location;
  // The upcoming second.
  let t = Math.floor(afterMs / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = wallClock(t, tz).year + 5;
  wrap: for (;;) {
    let w = wallClock(t, tz);
    if (w.year > yearLimit) return undefined;
    while (!s.months.has(w.month)) {
      if (!added) {
        added = true;
        t = fromWall(tz, w.year, w.month, 1);
        w = wallClock(t, tz);
      }
      t = fromWall(tz, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
      w = wallClock(t, tz);
      if (w.month === 1) continue wrap;
    }
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true;
        t = fromWall(tz, w.year, w.month, w.day);
        w = wallClock(t, tz);
      }
      t = fromWall(tz, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
      w = wallClock(t, tz);
      // DST may move midnight: back to 0h.
      if (w.hour !== 0) {
        t += (w.hour > 12 ? 24 - w.hour : -w.hour) * 3_600_000;
        w = wallClock(t, tz);
      }
      if (w.day === 1) continue wrap;
    }
    while (!s.hours.has(w.hour)) {
      if (!added) {
        added = true;
        t = fromWall(tz, w.year, w.month, w.day, w.hour);
      }
      t += 3_600_000;
      w = wallClock(t, tz);
      if (w.hour === 0) continue wrap;
    }
    while (!s.minutes.has(w.minute)) {
      if (!added) {
        added = true;
        t -= t % 60_000;
      }
      t += 60_000;
      w = wallClock(t, tz);
      if (w.minute === 0) continue wrap;
    }
    // The standard parser allows only second 0.
    while (w.second !== 0) {
      if (!added) {
        added = true;
        t -= t % 1000;
      }
      t += 1000;
      w = wallClock(t, tz);
      if (w.second === 0) continue wrap;
    }
    return t;
  }
}

/** RFC 3339 of `ms` in `tz` (`Z` for a zero offset), as Go's time.RFC3339 formats. */
export function formatRFC3339(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  const off = Math.round(zoneOffset(ms, tz) / 60_000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const base = `${String(w.year).padStart(4, '0')}-${p2(w.month)}-${p2(w.day)}T${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}`;
  if (off === 0) return `${base}Z`;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${base}${sign}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z of `ms` in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function formatRFC1123ZUTC(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()] ?? ''}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}
