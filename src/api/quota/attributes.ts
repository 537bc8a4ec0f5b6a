// What the quota, limit-range and priority plugins need to know about a request. Structurally a
// subset of the API server's admission attributes, so the lead passes those straight in.
import { newForbidden } from '../errors.ts';
import type { GroupResource, StatusError } from '../errors.ts';

/** An API object as plain JSON. */
export type JsonObject = Record<string, unknown>;

/** Admission operations (upstream admission.Operation). */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * One request as these plugins see it (a subset of upstream admission.Attributes). `object` is
 * the new object (CREATE/UPDATE), `oldObject` the stored one (UPDATE/DELETE). These plugins
 * never modify either; mutating plugins return a new object.
 */
export interface PluginAttributes {
  readonly operation: AdmissionOperation;
  readonly resource: { readonly group: string; readonly resource: string };
  /** '' for the main resource. */
  readonly subresource: string;
  /** '' when not yet known (generateName). */
  readonly name: string;
  /** '' for cluster-scoped resources. */
  readonly namespace: string;
  readonly object?: JsonObject | undefined;
  readonly oldObject?: JsonObject | undefined;
  readonly dryRun?: boolean | undefined;
}

function metaOf(obj: JsonObject | undefined): { name?: unknown; generateName?: unknown } {
  const m = obj?.['metadata'];
  return typeof m === 'object' && m !== null ? m : {};
}

/**
 * Upstream admission.NewForbidden: 403 `<resource> "<name>" is forbidden: <message>`, where the
 * name is the request's, else the object's name or generateName, else `Unknown`.
 */
export function admissionForbidden(attrs: PluginAttributes, message: string): StatusError {
  let name = attrs.name;
  if (name === '') {
    name = 'Unknown';
    const meta = metaOf(attrs.object);
    if (typeof meta.name === 'string' && meta.name !== '') name = meta.name;
    else if (typeof meta.generateName === 'string' && meta.generateName !== '') {
      name = meta.generateName;
    }
  }
  const gr: GroupResource = { group: attrs.resource.group, resource: attrs.resource.resource };
  return newForbidden(gr, name, message);
}

/**
 * Upstream utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]`.
 * Returns '' for none.
 */
export function aggregateMessages(msgs: readonly string[]): string {
  if (msgs.length === 0) return '';
  if (msgs.length === 1) return msgs[0] ?? '';
  // Upstream dedupes identical messages when printing an aggregate.
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const m of msgs) {
    if (seen.has(m)) continue;
    seen.add(m);
    parts.push(m);
  }
  return parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
}
