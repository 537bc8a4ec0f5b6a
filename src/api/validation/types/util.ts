/**
 * Shared helpers for the per-type validators: the upstream `IsX` string checks that the name
 * module does not already have (ports, IPs, CIDRs, config keys, env names, percents), label
 * selector validation, quantities, and Go-style semantic equality for immutability checks.
 * Ported from Kubernetes 1.32 staging/src/k8s.io/apimachinery/pkg/util/validation and
 * .../apis/meta/v1/validation. Every function is pure; returned arrays are new and owned by the
 * caller.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { quantityFromJSON } from '../../quantity.ts';
import type { Quantity } from '../../quantity.ts';
import { invalid, forbidden, required } from '../field-errors.ts';
import type { FieldError, FieldPath } from '../field-errors.ts';
import {
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  maxLenError,
  regexError,
} from '../names.ts';
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  IS_NEGATIVE_ERROR_MSG,
  validateLabels,
} from '../object-meta.ts';

/** A JSON object as decoded from a request body. */
export type Obj = Record<string, unknown>;

/** `v` as an object, or undefined when it is not a (non-array) object. */
export function asObj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** `v` as an array, or [] when it is not one (Go's nil slice). */
export function asArr(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

/** `v` as a string, or '' (Go's zero value). */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** `v` as a number, or 0 (Go's zero value). */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** `v` as a number, or undefined for an unset pointer. */
export function optNum(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** `v` as a string map (labels, selectors), dropping non-string values. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asObj(v) ?? {})) {
    if (typeof val === 'string') out[k] = val;
  }
  return out;
}

/** True when `v` is present (Go's non-nil pointer). */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** Upstream ValidateNonnegativeField. */
export function validateNonnegative(value: number, path: FieldPath): FieldError[] {
  return value < 0 ? [invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** Upstream ValidateImmutableField: Invalid "field is immutable" when the values differ. */
export function validateImmutable(newVal: unknown, oldVal: unknown, path: FieldPath): FieldError[] {
  return semanticEqual(newVal, oldVal) ? [] : [invalid(path, newVal, FIELD_IMMUTABLE_ERROR_MSG)];
}

/**
 * Go's apiequality.Semantic.DeepEqual on JSON values: absent, null, empty list and empty map
 * are equal (Go's nil and empty slices and maps), everything else compares structurally.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmptyish(a) && isEmptyish(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  const oa = asObj(a);
  const ob = asObj(b);
  if (oa !== undefined || ob !== undefined) {
    if (oa === undefined || ob === undefined) return false;
    const keys = new Set([...Object.keys(oa), ...Object.keys(ob)]);
    for (const k of keys) {
      if (!semanticEqual(oa[k], ob[k])) return false;
    }
    return true;
  }
  return a === b;
}

function isEmptyish(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/** A deep copy of a JSON value (objects handed to validators are never mutated). */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}

/** Parses a quantity field; undefined when it does not parse (the decoder reports that). */
export function quantity(v: unknown): Quantity | undefined {
  try {
    return quantityFromJSON(v);
  } catch {
    return undefined;
  }
}

/** Upstream IsValidPortNum. */
export function isValidPortNum(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** Upstream IsValidPortName (IANA_SVC_NAME). */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) {
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  }
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) {
    errs.push('must not begin or end with a hyphen');
  }
  return errs;
}

/** Upstream ValidatePortNumOrName for an IntOrString port. */
export function validatePortNumOrName(port: unknown, path: FieldPath): FieldError[] {
  if (typeof port === 'number') {
    return isValidPortNum(port).map((m) => invalid(path, port, m));
  }
  if (typeof port === 'string') {
    return isValidPortName(port).map((m) => invalid(path, port, m));
  }
  // An absent IntOrString is Go's zero value: the integer 0.
  return isValidPortNum(0).map((m) => invalid(path, 0, m));
}

const MAX_UID = 0xffffffff;

/** Upstream IsValidUserID / IsValidGroupID (the same range). */
export function isValidUserID(id: number): string[] {
  return id >= 0 && id <= MAX_UID ? [] : [inclusiveRangeError(0, MAX_UID)];
}

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return [`must not be '.'`];
  if (value === '..') return [`must not be '..'`];
  if (value.startsWith('..')) return [`must not start with '..'`];
  return [];
}

/** Upstream IsConfigMapKey. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        '[-._a-zA-Z0-9]+',
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

/**
 * Upstream IsRelaxedEnvVarName: the RelaxedEnvironmentVariableValidation gate is on by default
 * in 1.32, so env names and envFrom prefixes only need printable ASCII other than '='.
 */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push('environment variable name must be non-empty');
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp > 0x7e || cp < 0x20 || ch === '=') {
      errs.push(
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      );
      break;
    }
  }
  return errs;
}

/** Upstream IsValidPercent. */
export function isValidPercent(percent: string): string[] {
  return /^[0-9]+%$/.test(percent)
    ? []
    : [
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          '[0-9]+%',
          '1%',
          '93%',
        ),
      ];
}

/** Upstream IsHTTPHeaderName. */
export function isHTTPHeaderName(value: string): string[] {
  return /^[-A-Za-z0-9]+$/.test(value)
    ? []
    : [
        regexError(
          "a valid HTTP header must consist of alphanumeric characters or '-'",
          '[-A-Za-z0-9]+',
          'X-Header-Name',
        ),
      ];
}

/** Upstream IsWildcardDNS1123Subdomain. */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const fmt = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!new RegExp(`^${fmt}$`).test(value)) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        fmt,
        '*.example.com',
      ),
    );
  }
  return errs;
}

/** A parsed IP address: 16 bytes (IPv4 as IPv4-mapped IPv6) and whether it was written as v4. */
export interface ParsedIP {
  readonly bytes: Uint8Array;
  readonly v4: boolean;
}

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // Go's ParseIPSloppy accepts leading zeros (as decimal), unlike net.ParseIP in Go 1.17+.
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** Go's netutils.ParseIPSloppy: undefined when `s` is not an IPv4 or IPv6 address. */
export function parseIP(s: string): ParsedIP | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) {
    const bytes = new Uint8Array(16);
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(v4, 12);
    return { bytes, v4: true };
  }
  if (!s.includes(':')) return undefined;
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return undefined;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] ?? '';
      if (i === groups.length - 1 && g.includes('.')) {
        const embedded = parseIPv4(g);
        if (embedded === undefined) return undefined;
        out.push(((embedded[0] ?? 0) << 8) | (embedded[1] ?? 0));
        out.push(((embedded[2] ?? 0) << 8) | (embedded[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = parseGroups(head);
  const t = parseGroups(tail);
  if (h === undefined || t === undefined) return undefined;
  let groups: number[];
  if (dbl >= 0) {
    if (h.length + t.length > 7) return undefined;
    groups = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  } else {
    if (h.length !== 8) return undefined;
    groups = h;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return { bytes, v4: false };
}

/** Whether `ip` is an IPv4 address (including IPv4-mapped IPv6, as Go's To4). */
export function isIPv4(ip: ParsedIP): boolean {
  const b = ip.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Upstream IsValidIP (1.32 wording). */
export function isValidIP(path: FieldPath, value: string): FieldError[] {
  return parseIP(value) === undefined
    ? [invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')]
    : [];
}

/** Go's ParseCIDRSloppy: the address and prefix length, or undefined. */
export function parseCIDR(s: string): { ip: ParsedIP; bits: number } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const prefix = s.slice(slash + 1);
  if (ip === undefined || !/^[0-9]{1,3}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  const v4 = parseIPv4(s.slice(0, slash)) !== undefined;
  if (bits > (v4 ? 32 : 128)) return undefined;
  return { ip, bits: v4 ? bits + 96 : bits };
}

/** Upstream IsValidCIDR (1.32 wording). */
export function isValidCIDR(path: FieldPath, value: string): FieldError[] {
  return parseCIDR(value) === undefined
    ? [invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')]
    : [];
}

/** Whether the 16-byte address `ip` lies in the CIDR (`bits` counted on the 16-byte form). */
export function cidrContains(cidr: { ip: ParsedIP; bits: number }, ip: ParsedIP): boolean {
  for (let i = 0; i < cidr.bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((cidr.ip.bytes[byte] ?? 0) & mask) !== ((ip.bytes[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** Upstream ValidateNonSpecialIP (endpoints, external IPs). */
export function validateNonSpecialIP(value: string, path: FieldPath): FieldError[] {
  const ip = parseIP(value);
  if (ip === undefined) return [invalid(path, value, 'must be a valid IP address')];
  const b = ip.bytes;
  const errs: FieldError[] = [];
  const v4 = isIPv4(ip);
  const allZero = (from: number): boolean => b.slice(from).every((x) => x === 0);
  if ((v4 && allZero(12)) || (!v4 && allZero(0))) {
    errs.push(invalid(path, value, `may not be unspecified (${value})`));
  }
  if ((v4 && b[12] === 127) || (!v4 && b.slice(0, 15).every((x) => x === 0) && b[15] === 1)) {
    errs.push(invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  }
  if (
    (v4 && b[12] === 169 && b[13] === 254) ||
    (!v4 && b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80)
  ) {
    errs.push(
      invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'),
    );
  }
  if (
    (v4 && b[12] === 224 && b[13] === 0 && b[14] === 0) ||
    (!v4 && b[0] === 0xff && ((b[1] ?? 0) & 0x0f) === 0x02)
  ) {
    errs.push(
      invalid(
        path,
        value,
        'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
      ),
    );
  }
  return errs;
}

/** Upstream ValidateLabelName: a qualified name. */
export function validateLabelName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(path, name, m));
}

/** Upstream ValidateQualifiedName. */
export const validateQualifiedName = validateLabelName;

/** Upstream ValidateDNS1123Label. */
export function validateDNS1123Label(value: string, path: FieldPath): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(path, value, m));
}

/** Upstream ValidateDNS1123Subdomain. */
export function validateDNS1123Subdomain(value: string, path: FieldPath): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => invalid(path, value, m));
}

/** Upstream unversioned ValidateLabels with our typed input. */
export function validateLabelMap(labels: unknown, path: FieldPath): FieldError[] {
  return validateLabels(strMap(labels), path);
}

/** Upstream metav1 ValidateLabelSelector (strict label values). */
export function validateLabelSelector(
  ps: LabelSelector | undefined,
  path: FieldPath,
): FieldError[] {
  if (!isSet(ps) || ps === undefined) return [];
  const errs = validateLabelMap(ps.matchLabels, path.child('matchLabels'));
  (ps.matchExpressions ?? []).forEach((expr, i) => {
    const p = path.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            required(p.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(
              p.child('values'),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(invalid(p.child('operator'), expr.operator, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(expr.key, p.child('key')));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(p.child('values').index(j), v, m));
    });
  });
  return errs;
}
