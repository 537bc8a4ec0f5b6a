/**
 * The string formats of kube-openapi's default registry
 * (k8s.io/kube-openapi/pkg/validation/strfmt), which the API server checks for custom
 * resources. A format outside the registry (e.g. `int32` on a string) is not checked.
 */

const HOSTNAME =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$/u;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const MAC =
  /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$|^([0-9A-Fa-f]{2}[:-]){7}[0-9A-Fa-f]{2}$/;
const HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGBCOLOR =
  /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/;
const SSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const BSON_OBJECT_ID = /^[0-9a-fA-F]{24}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;
const DURATION =
  /^(?:[+-]?\d+(?:\.\d*)?\s*(?:ns|us|µs|μs|ms|s|m|h|d|w|seconds?|minutes?|hours?|days?|weeks?|sec|min|hr)\s*)+$/;
const CREDITCARD = /^[\d -]{12,23}$/;

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return (
    parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p.length === 1 || p[0] !== '0'))
  );
}

function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  let rest = s;
  const lastColon = s.lastIndexOf(':');
  let groupsNeeded = 8;
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    rest = s.slice(0, lastColon + 1) + '0:0';
    groupsNeeded = 8;
  }
  const dbl = rest.split('::');
  if (dbl.length > 2) return false;
  const hex = /^[0-9a-fA-F]{1,4}$/;
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const head = groups(dbl[0] ?? '');
  const back = dbl.length === 2 ? groups(dbl[1] ?? '') : [];
  if (![...head, ...back].every((g) => hex.test(g))) return false;
  const n = head.length + back.length;
  return dbl.length === 2 ? n < groupsNeeded : n === groupsNeeded;
}

function isCIDR(s: string): boolean {
  const i = s.indexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i);
  const bits = s.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

function validDate(y: string, m: string, d: string): boolean {
  const mm = Number(m);
  const dd = Number(d);
  if (mm < 1 || mm > 12 || dd < 1) return false;
  const days = new Date(Date.UTC(Number(y), mm, 0)).getUTCDate();
  return dd <= days;
}

function isISBN10(s: string): boolean {
  const c = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const ch = c[i] ?? '0';
    sum += (ch === 'X' ? 10 : Number(ch)) * (10 - i);
  }
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const c = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(c[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

function luhn(s: string): boolean {
  const digits = s.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const FORMATS: ReadonlyMap<string, (s: string) => boolean> = new Map<
  string,
  (s: string) => boolean
>([
  ['bsonobjectid', (s) => BSON_OBJECT_ID.test(s)],
  [
    'uri',
    (s) => {
      // govalidator.IsRequestURI: url.ParseRequestURI succeeds (absolute URI or absolute path).
      if (s.startsWith('/')) return !/\s/.test(s);
      return /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/.test(s);
    },
  ],
  ['email', (s) => EMAIL.test(s)],
  [
    'hostname',
    (s) => HOSTNAME.test(s) && s.length <= 255 && s.split('.').every((p) => p.length <= 63),
  ],
  ['ipv4', isIPv4],
  ['ipv6', isIPv6],
  ['cidr', isCIDR],
  ['mac', (s) => MAC.test(s)],
  ['uuid', (s) => UUID.test(s)],
  ['uuid3', (s) => UUID3.test(s)],
  ['uuid4', (s) => UUID4.test(s)],
  ['uuid5', (s) => UUID5.test(s)],
  ['isbn', (s) => isISBN10(s) || isISBN13(s)],
  ['isbn10', isISBN10],
  ['isbn13', isISBN13],
  ['creditcard', (s) => CREDITCARD.test(s) && luhn(s)],
  ['ssn', (s) => SSN.test(s)],
  ['hexcolor', (s) => HEXCOLOR.test(s)],
  ['rgbcolor', (s) => RGBCOLOR.test(s)],
  ['byte', (s) => BASE64.test(s)],
  ['password', () => true],
  [
    'date',
    (s) => {
      const m = DATE.exec(s);
      return m !== null && validDate(m[1] ?? '', m[2] ?? '', m[3] ?? '');
    },
  ],
  ['duration', (s) => DURATION.test(s)],
  [
    'date-time',
    (s) => {
      const m = DATE_TIME.exec(s);
      if (m === null || !validDate(m[1] ?? '', m[2] ?? '', m[3] ?? '')) return false;
      return Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
    },
  ],
]);

/** Upstream normalises format names (`date-time`, `datetime`, `dateTime` are one format). */
function normalizeFormat(name: string): string {
  const n = name.replace(/[-_ ]/g, '').toLowerCase();
  switch (n) {
    case 'datetime':
      return 'date-time';
    default:
      return n;
  }
}

/** True when kube-openapi's default registry knows the string format `name`. */
export function isKnownFormat(name: string): boolean {
  return FORMATS.has(normalizeFormat(name));
}

/**
 * Checks `value` against the string format `name`; true for formats the registry does not
 * know (they are not validated upstream either).
 */
export function validateFormat(name: string, value: string): boolean {
  const f = FORMATS.get(normalizeFormat(name));
  return f === undefined ? true : f(value);
}
