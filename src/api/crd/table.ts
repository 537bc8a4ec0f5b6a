/**
 * Server-side printing of custom resources (Kubernetes 1.32
 * apiextensions-apiserver pkg/registry/customresource/tableconvertor and the handler's
 * serveDefaultColumnsIfEmpty): a `Name` column, then the version's `additionalPrinterColumns`,
 * or a single `Age` column when the version declares none.
 */
import type { ColumnDefinition } from '../printers/index.ts';
import { DEFAULT_TABLE_COLUMNS, formatRFC3339, humanDuration } from '../printers/index.ts';
import { goFloat } from './schema-validate.ts';
import type { JsonPath } from './jsonpath.ts';
import { findJsonPathResults, parseJsonPath } from './jsonpath.ts';
import type { CustomResourceColumnDefinition, CustomResourceDefinitionVersion } from './types.ts';
import { isJsonObject } from './types.ts';

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** The column upstream serves when a version has no additionalPrinterColumns. */
export const DEFAULT_CR_COLUMNS: readonly CustomResourceColumnDefinition[] = [
  {
    name: 'Age',
    type: 'date',
    description: CREATION_TIMESTAMP_DESCRIPTION,
    jsonPath: '.metadata.creationTimestamp',
  },
];

/** A compiled table convertor for one CRD version; build once per version and reuse. */
export interface CrTableConvertor {
  /** Column definitions (a fresh copy is not made: treat as read-only). */
  readonly columns: readonly ColumnDefinition[];
  /** The cells of one object's row, in column order. */
  cells(obj: unknown, now: Date): unknown[];
}

/**
 * Compiles the printer columns of `version`. When a column's JSONPath does not parse, upstream
 * falls back to the default table (`Name`, `Created At`); so does this.
 */
export function compileCrTable(
  version: Pick<CustomResourceDefinitionVersion, 'additionalPrinterColumns'>,
): CrTableConvertor {
  const defs =
    (version.additionalPrinterColumns ?? []).length > 0
      ? (version.additionalPrinterColumns ?? [])
      : DEFAULT_CR_COLUMNS;
  const columns: ColumnDefinition[] = [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
  ];
  const paths: JsonPath[] = [];
  for (const col of defs) {
    const jp = col.jsonPath ?? '';
    try {
      paths.push(parseJsonPath(`{${jp}}`));
    } catch {
      return {
        columns: DEFAULT_TABLE_COLUMNS,
        cells: (obj) => {
          const meta = isJsonObject(obj) && isJsonObject(obj.metadata) ? obj.metadata : {};
          return [
            typeof meta.name === 'string' ? meta.name : '',
            formatRFC3339(meta.creationTimestamp),
          ];
        },
      };
    }
    const desc =
      (col.description ?? '') !== ''
        ? (col.description ?? '')
        : `Custom resource definition column (in JSONPath format): ${jp}`;
    columns.push({
      name: col.name ?? '',
      type: col.type ?? '',
      format: col.format ?? '',
      description: desc,
      priority: col.priority ?? 0,
    });
  }
  const types = columns.slice(1).map((c) => c.type);
  return {
    columns,
    cells(obj: unknown, now: Date): unknown[] {
      const meta = isJsonObject(obj) && isJsonObject(obj.metadata) ? obj.metadata : {};
      const cells: unknown[] = [typeof meta.name === 'string' ? meta.name : ''];
      paths.forEach((p, i) => {
        const results = findJsonPathResults(p, obj);
        if (results.length === 0) {
          cells.push(null);
          return;
        }
        const value = results[0];
        const type = types[i] ?? 'string';
        if (type === 'string') {
          cells.push(value === null || value === undefined ? null : jsonPathText(value));
        } else {
          cells.push(cellForJsonValue(type, value, now));
        }
      });
      return cells;
    },
  };
}

/** Column definitions for `version` (Name, then its columns or the default Age column). */
export function crTableColumns(
  version: Pick<CustomResourceDefinitionVersion, 'additionalPrinterColumns'>,
): readonly ColumnDefinition[] {
  return compileCrTable(version).columns;
}

/**
 * One row's cells for `obj` (upstream ConvertToTable): the name, then per column the first
 * JSONPath result typed as upstream's cellForJSONValue (integer/number as numbers, boolean,
 * date as an age like `5m`, string as printed by JSONPath), `null` when missing or of the wrong
 * type. Prefer `compileCrTable` on hot paths.
 */
export function crTableCells(
  version: Pick<CustomResourceDefinitionVersion, 'additionalPrinterColumns'>,
  obj: unknown,
  now: Date,
): unknown[] {
  return compileCrTable(version).cells(obj, now);
}

/** Go's json.Marshal: map keys sorted, `<`, `>` and `&` escaped. */
function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (isJsonObject(x)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) out[k] = sorted(x[k]);
      return out;
    }
    return x;
  };
  return JSON.stringify(sorted(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

/**
 * How client-go's JSONPath printer renders one value: strings as they are, lists and maps as
 * JSON, numbers and booleans as Go prints them.
 */
function jsonPathText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  return goJson(v);
}

function cellForJsonValue(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '' || value === 'null') return '<unknown>';
      const ms = Date.parse(value);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
        return '<invalid>';
      }
      if (Number.isNaN(ms)) return '<invalid>';
      return humanDuration(now.getTime() - ms);
    }
    default:
      return null;
  }
}
