/**
 * Selectable fields per resource (upstream: each registry's GetAttrs / ToSelectableFields and
 * the field label conversion functions registered per kind). Every resource supports
 * metadata.name and metadata.namespace.
 */
import type { StoredObject } from '../../storage/index.ts';

type FieldFn = (obj: StoredObject) => Record<string, string>;

const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

const paths =
  (...fields: string[]): FieldFn =>
  (obj) => {
    const out: Record<string, string> = {};
    for (const f of fields) out[f] = str(get(obj, f));
    return out;
  };

/** Extra fields by "group/resource" (group empty for core). */
const EXTRA: Record<string, FieldFn> = {
  '/pods': (obj) => ({
    ...paths(
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    )(obj),
    'spec.hostNetwork': get(obj, 'spec.hostNetwork') === true ? 'true' : 'false',
  }),
  '/events': paths(
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ),
  'events.k8s.io/events': paths(
    'regarding.kind',
    'regarding.namespace',
    'regarding.name',
    'regarding.uid',
    'regarding.apiVersion',
    'regarding.resourceVersion',
    'regarding.fieldPath',
    'reason',
    'reportingController',
    'type',
  ),
  '/secrets': paths('type'),
  '/namespaces': paths('status.phase'),
  '/nodes': (obj) => ({
    'spec.unschedulable': get(obj, 'spec.unschedulable') === true ? 'true' : 'false',
  }),
  '/replicationcontrollers': paths('status.replicas'),
  'apps/replicasets': paths('status.replicas'),
  'batch/jobs': paths('status.successful'),
  '/services': paths('spec.clusterIP', 'spec.type'),
  'certificates.k8s.io/certificatesigningrequests': paths('spec.signerName'),
};

/** The selectable fields of `obj` (values as strings; absent values are ''). */
export function selectableFields(
  group: string,
  resource: string,
  obj: StoredObject,
): Record<string, string> {
  const meta = obj.metadata ?? {};
  const base: Record<string, string> = {
    'metadata.name': meta.name ?? '',
    'metadata.namespace': meta.namespace ?? '',
  };
  const extra = EXTRA[`${group}/${resource}`];
  return extra ? { ...base, ...extra(obj) } : base;
}

/** The field names a resource supports in field selectors. */
export function supportedFields(group: string, resource: string): Set<string> {
  return new Set(Object.keys(selectableFields(group, resource, { metadata: {} })));
}
