/**
 * meta.k8s.io/v1 Table responses (server-side printing for kubectl): columns and cells from the
 * per-resource printers in src/api/printers, rows carrying the object as kubectl needs it
 * (PartialObjectMetadata by default, the full object, or nothing: `includeObject`).
 */
import { tableFor, type CrTableConvertor, type ResourceInfo } from '../../api/index.ts';
import type { StoredObject } from '../../storage/index.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Printer columns of custom resource versions (their `additionalPrinterColumns`). */
const customTables = new WeakMap<ResourceInfo, CrTableConvertor>();

/**
 * Makes tables of `info`'s objects use `convertor` (a custom resource version's printer
 * columns). Keyed by the ResourceInfo object, so a re-registered version replaces it.
 */
export function registerCustomTable(info: ResourceInfo, convertor: CrTableConvertor): void {
  customTables.set(info, convertor);
}

/** True when the Accept header asks for a meta.k8s.io Table (v1 or v1beta1). */
export function wantsTable(accept: string): boolean {
  return accept.split(',').some((part) => {
    const p = part.replace(/\s/g, '');
    return (
      p.includes('as=Table') && p.includes('g=meta.k8s.io') && p.startsWith('application/json')
    );
  });
}

function rowObject(
  info: ResourceInfo,
  obj: StoredObject,
  include: IncludeObject,
): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') {
    return {
      ...obj,
      apiVersion: info.group === '' ? info.version : `${info.group}/${info.version}`,
      kind: info.kind,
    };
  }
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: obj.metadata ?? {},
  };
}

/** A Table of `objects`. `noHeaders` omits column definitions (watch events after the first). */
export function tableFromObjects(
  info: ResourceInfo,
  objects: StoredObject[],
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  include: IncludeObject,
  now: Date,
  noHeaders = false,
): object {
  const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
  const custom = customTables.get(info);
  const table =
    custom === undefined
      ? tableFor(objects, { apiVersion, kind: info.kind, now })
      : {
          columnDefinitions: custom.columns,
          rows: objects.map((o) => ({ cells: custom.cells(o, now), conditions: undefined })),
        };
  const metadata: Record<string, unknown> = { resourceVersion: listMeta.resourceVersion };
  if (listMeta.continue !== undefined) metadata['continue'] = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined)
    metadata['remainingItemCount'] = listMeta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: noHeaders ? [] : table.columnDefinitions,
    rows: table.rows.map((row, i) => {
      const obj = objects[i];
      const object = obj === undefined ? undefined : rowObject(info, obj, include);
      return {
        cells: row.cells,
        ...(row.conditions !== undefined ? { conditions: row.conditions } : {}),
        ...(object !== undefined ? { object } : {}),
      };
    }),
  };
}
