/**
 * Shared formatting helpers of upstream pkg/printers/internalversion/printers.go and the
 * apimachinery helpers it calls (labels.FormatLabels, metav1.FormatLabelSelector, ...).
 */
import type { LabelSelector, ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { LabelSelectorError, labelSelectorAsSelector } from '../labels.ts';
import { quantityFromJSON } from '../quantity.ts';
import { humanDuration } from './duration.ts';
import type { ColumnDefinition } from './types.ts';
import { DESCRIPTIONS } from './descriptions.ts';

/** Milliseconds of 0001-01-01T00:00:00Z, Go's zero time. */
const ZERO_TIME_MS = -62135596800000;

/**
 * Parses an RFC 3339 timestamp (metav1.Time or MicroTime) to epoch milliseconds; undefined for
 * an absent, empty, unparsable or Go-zero value (`IsZero()` upstream).
 */
export function parseTime(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const ms = Date.parse(ts);
  if (Number.isNaN(ms) || ms <= ZERO_TIME_MS) return undefined;
  return ms;
}

/** `translateTimestampSince`: the age of a timestamp, `<unknown>` when it is unset. */
export function since(ts: unknown, now: Date): string {
  const ms = parseTime(ts);
  if (ms === undefined) return '<unknown>';
  return humanDuration(now.getTime() - ms);
}

/** The age of an object: {@link since} its `creationTimestamp`. */
export function age(meta: ObjectMeta | undefined, now: Date): string {
  return since(meta?.creationTimestamp, now);
}

/** Go's byte-wise string order (sort.Strings), not locale order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `labels.FormatLabels`: `k=v` pairs sorted by key and joined by `,`; `<none>` if empty. */
export function formatLabels(m: Readonly<Record<string, string>> | undefined | null): string {
  if (!m) return '<none>';
  const keys = Object.keys(m).sort(compareStrings);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${m[k] ?? ''}`).join(',');
}

/**
 * `metav1.LabelSelectorAsSelector(s).String()`: '' for nil or empty, `invalid` when the
 * selector does not convert (upstream's callers print their own marker then).
 */
function selectorString(s: LabelSelector | undefined | null): string | undefined {
  try {
    return labelSelectorAsSelector(s).toString();
  } catch (err) {
    if (err instanceof LabelSelectorError) return undefined;
    throw err;
  }
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` if empty, `<error>` if invalid. */
export function formatLabelSelector(s: LabelSelector | undefined | null): string {
  const str = selectorString(s);
  if (str === undefined) return '<error>';
  return str === '' ? '<none>' : str;
}

/** The deployment printer's selector: the selector string, `<invalid>` if it does not convert. */
export function deploymentSelector(s: LabelSelector | undefined | null): string {
  return selectorString(s) ?? '<invalid>';
}

/** `layoutContainerCells`: container names and images, each joined by `,`. */
export function layoutContainerCells(
  containers: readonly { name?: string; image?: string }[] | undefined,
): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `resource.Quantity.String()` of a wire quantity; the zero quantity prints `0`. */
export function quantityString(v: unknown): string {
  if (v === undefined) return '0';
  try {
    return quantityFromJSON(v).toString();
  } catch {
    return typeof v === 'string' ? v : '0';
  }
}

/** `printBoolPtr`: `True`, `False` or `<unset>`. */
export function boolPtr(v: boolean | undefined | null): string {
  if (v === undefined || v === null) return '<unset>';
  return v ? 'True' : 'False';
}

/** `net.JoinHostPort`: brackets around hosts that contain a colon (IPv6). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
}

/** `listWithMoreString`: the joined list, ` + N more...` past `max`, `<unset>` when empty. */
export function listWithMoreString(
  list: readonly string[],
  more: boolean,
  count: number,
  max: number,
): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${String(count - max)} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** Builds a column definition; `format` and `priority` default to upstream's zero values. */
export function column(
  name: string,
  type: string,
  description: string,
  opts: { priority?: number; format?: string } = {},
): ColumnDefinition {
  return {
    name,
    type,
    format: opts.format ?? '',
    description,
    priority: opts.priority ?? 0,
  };
}

/** The `Name` column every printer starts with. */
export const NAME_COLUMN: ColumnDefinition = column(
  'Name',
  'string',
  DESCRIPTIONS['ObjectMeta.name'],
  {
    format: 'name',
  },
);

/** The `Age` column (creation timestamp rendered as a duration). */
export const AGE_COLUMN: ColumnDefinition = column(
  'Age',
  'string',
  DESCRIPTIONS['ObjectMeta.creationTimestamp'],
);

/** Shorthand for a priority-1 (`-o wide`) column. */
export const WIDE = { priority: 1 } as const;

/** The wide `Containers` column of workload printers. */
export const CONTAINERS_COLUMN: ColumnDefinition = column(
  'Containers',
  'string',
  'Names of each container in the template.',
  WIDE,
);

/** The wide `Images` column of workload printers. */
export const IMAGES_COLUMN: ColumnDefinition = column(
  'Images',
  'string',
  'Images referenced by each container in the template.',
  WIDE,
);
