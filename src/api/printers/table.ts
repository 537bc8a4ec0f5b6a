/**
 * Server-side printing: the column definitions and rows of the `Table` a client asks for with
 * `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`. Built-in kinds use the printers of
 * upstream pkg/printers/internalversion; every other kind (CRDs without printer columns, roles,
 * limit ranges, ...) gets upstream's default table (staging/src/k8s.io/apiserver/pkg/registry/
 * rest/table.go): Name and Created At.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { CORE_PRINTERS } from './core.ts';
import { DESCRIPTIONS } from './descriptions.ts';
import { NAME_COLUMN, column, parseTime } from './format.ts';
import { OTHER_PRINTERS } from './others.ts';
import type { AnyPrinter } from './printer.ts';
import type { ColumnDefinition, PrintedTable, TableRow } from './types.ts';
import {
  APPS_PRINTERS,
  AUTOSCALING_PRINTERS,
  BATCH_PRINTERS,
  POLICY_PRINTERS,
} from './workloads.ts';

/** Options of {@link tableFor}. */
export interface PrintOptions {
  /** The apiVersion the objects are served in, e.g. `v1` or `apps/v1`. */
  readonly apiVersion: string;
  /** The kind of the objects (a `...List` kind is accepted too). */
  readonly kind: string;
  /** The clock reading ages are computed against. */
  readonly now: Date;
  /** metav1 `TableOptions.noHeaders`: leave the column definitions out. */
  readonly noHeaders?: boolean;
  /**
   * Include the `-o wide` (priority 1) cells and columns. The API server always prints wide
   * (kubectl hides priority columns itself); defaults to true.
   */
  readonly wide?: boolean;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The printer registered for a group/version/kind, if any. */
function lookupPrinter(group: string, version: string, kind: string): AnyPrinter | undefined {
  switch (group) {
    case '':
      return CORE_PRINTERS[kind];
    case 'apps':
      return APPS_PRINTERS[kind];
    case 'batch':
      return BATCH_PRINTERS[kind];
    case 'policy':
      return POLICY_PRINTERS[kind];
    case 'autoscaling':
      return AUTOSCALING_PRINTERS[version]?.[kind];
    default:
      return OTHER_PRINTERS[group]?.[kind];
  }
}

/** True when a built-in printer exists for the kind (false means the default table). */
export function hasPrinter(apiVersion: string, kind: string): boolean {
  const { group, version } = splitApiVersion(apiVersion);
  return resolvePrinter(group, version, kind) !== undefined;
}

function resolvePrinter(group: string, version: string, kind: string): AnyPrinter | undefined {
  const p = lookupPrinter(group, version, kind);
  if (p !== undefined || !kind.endsWith('List')) return p;
  return lookupPrinter(group, version, kind.slice(0, -'List'.length));
}

/** The columns of the default table (upstream defaultTableConvertor). */
export const DEFAULT_TABLE_COLUMNS: readonly ColumnDefinition[] = [
  NAME_COLUMN,
  column('Created At', 'date', DESCRIPTIONS['ObjectMeta.creationTimestamp']),
];

/** Go's `Time.UTC().Format(time.RFC3339)`: whole seconds, `Z`; the zero time for unset. */
export function formatRFC3339(ts: unknown): string {
  const ms = parseTime(ts);
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function defaultRow(obj: object): TableRow {
  const meta = (obj as { metadata?: ObjectMeta }).metadata;
  return { cells: [meta?.name ?? '', formatRFC3339(meta?.creationTimestamp)] };
}

/**
 * Prints objects of one kind as Table columns and rows, one row per object in order. The
 * objects are the wire JSON of `opts.kind` in `opts.apiVersion` (as stored, defaults applied);
 * they are only read. Cells are strings, integers (JS numbers) and booleans exactly as
 * upstream's printers produce them; rows of finished pods carry the `Completed` condition.
 * Column definitions follow upstream: all of them when wide (the default), the priority-0 ones
 * otherwise, none with `noHeaders`. The result is a fresh object owned by the caller.
 */
export function tableFor(objects: readonly object[], opts: PrintOptions): PrintedTable {
  const wide = opts.wide ?? true;
  const { group, version } = splitApiVersion(opts.apiVersion);
  const p = resolvePrinter(group, version, opts.kind);
  const ctx = { now: opts.now, wide };
  if (p === undefined) {
    return {
      columnDefinitions: opts.noHeaders ? [] : [...DEFAULT_TABLE_COLUMNS],
      rows: objects.map(defaultRow),
    };
  }
  const columns = opts.noHeaders ? [] : p.columns.filter((c) => wide || c.priority === 0);
  return {
    columnDefinitions: [...columns],
    rows: objects.map((o) => p.print(o as never, ctx)),
  };
}
