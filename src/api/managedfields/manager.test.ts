import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports -- tests read the generated schemas (allowed by the lead)
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { StatusError } from '../errors.ts';
import type { JsonObject, JsonValue } from './fieldpath.ts';
import {
  LAST_APPLIED_CONFIG_ANNOTATION,
  applyObject,
  fieldSetFromPaths,
  managerFromUserAgent,
  trackUpdate,
  validateFieldManager,
  validatePatchOptions,
} from './manager.ts';
import { OBJECT_META_SCHEMA, newTypeResolver, typeFromCustomResourceSchema } from './schema.ts';
import type { TypeNode } from './schema.ts';

const file = new URL('../../apiserver/openapi/schemas.generated.json', import.meta.url);
const schemas = (JSON.parse(readFileSync(file, 'utf8')) as { schemas: Record<string, object> })
  .schemas;
const resolver = newTypeResolver(schemas);
function typeOf(name: string): TypeNode {
  const t = resolver.typeFor(name);
  assert.ok(t !== undefined, name);
  return t;
}
const deployment = typeOf('io.k8s.api.apps.v1.Deployment');
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const T2 = '2026-01-01T00:02:00Z';

function meta(o: JsonObject): JsonObject {
  return o['metadata'] as JsonObject;
}
function entries(o: JsonObject): JsonObject[] {
  return (meta(o)['managedFields'] as JsonObject[] | undefined) ?? [];
}
function summary(o: JsonObject): string[] {
  return entries(o).map((e) => {
    const text = (k: string): string => {
      const v = e[k];
      return typeof v === 'string' ? v : '';
    };
    const sub = text('subresource') === '' ? '' : `/${text('subresource')}`;
    return `${text('manager')}/${text('operation')}${sub}: ${JSON.stringify(e['fieldsV1'])}`;
  });
}
function spec(o: JsonObject): JsonObject {
  return o['spec'] as JsonObject;
}

function apply(
  live: JsonObject | undefined,
  applied: JsonValue,
  manager: string,
  force = false,
  now = T1,
): JsonObject {
  return applyObject({
    live,
    applied: applied as JsonObject,
    manager,
    force,
    type: deployment,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    now,
  });
}

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err;
  }
  assert.fail('expected a StatusError');
}

const base = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx' } };
const nginxDeployment: JsonObject = {
  ...base,
  metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] },
    },
  },
};

describe('Deployment: client-side apply, then server-side apply', () => {
  const created = trackUpdate({
    live: undefined,
    updated: nginxDeployment,
    manager: 'kubectl-client-side-apply',
    type: deployment,
    apiVersion: 'apps/v1',
    now: T0,
  });

  it('tracks the create as an Update entry', () => {
    assert.deepEqual(entries(created), [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  '.': {},
                  'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} },
                },
              },
            },
          },
        },
      },
    ]);
    assert.equal(nginxDeployment['metadata'] !== created['metadata'], true);
    assert.equal((nginxDeployment['metadata'] as JsonObject)['managedFields'], undefined);
  });

  const scale = { ...base, spec: { replicas: 5 } };

  it('conflicts on replicas with upstream wording', () => {
    const err = statusOf(() => apply(created, scale, 'scaler'));
    assert.equal(err.code, 409);
    assert.deepEqual(err.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      reason: 'Conflict',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl-client-side-apply" using apps/v1',
            field: '.spec.replicas',
          },
        ],
      },
      code: 409,
    });
  });

  const forced = apply(created, scale, 'scaler', true);
  it('force takes ownership', () => {
    assert.equal(spec(forced)['replicas'], 5);
    assert.deepEqual(summary(forced)[0], 'scaler/Apply: {"f:spec":{"f:replicas":{}}}');
    assert.ok(!summary(forced)[1]?.includes('f:replicas'));
  });

  const second = apply(forced, { ...base, spec: { replicas: 5, paused: true } }, 'other');
  it('a second manager applying the same value shares ownership', () => {
    assert.equal(spec(second)['paused'], true);
    // Same operation and time: entries sort by manager name.
    assert.deepEqual(summary(second).slice(0, 2), [
      'other/Apply: {"f:spec":{"f:paused":{},"f:replicas":{}}}',
      'scaler/Apply: {"f:spec":{"f:replicas":{}}}',
    ]);
  });

  it('a changed value then conflicts with both managers', () => {
    const err = statusOf(() => apply(second, { ...base, spec: { replicas: 7 } }, 'third'));
    assert.equal(
      err.message,
      'Apply failed with 2 conflicts: conflicts with "other":\n- .spec.replicas\nconflicts with "scaler":\n- .spec.replicas',
    );
    assert.equal(err.status.details?.causes?.length, 2);
  });

  it('fields a manager stops applying are removed unless someone else owns them', () => {
    const dropped = apply(second, { ...base, spec: {} }, 'other', false, T2);
    assert.equal(spec(dropped)['paused'], undefined);
    assert.equal(spec(dropped)['replicas'], 5);
    // `spec: {}` still sets (and owns) the empty spec, as upstream's ToFieldSet does.
    assert.ok(summary(dropped).includes('other/Apply: {"f:spec":{}}'));
  });

  it('an apply with an empty body removes the manager', () => {
    const emptied = apply(forced, base, 'scaler', false, T2);
    assert.ok(summary(emptied).every((s) => !s.startsWith('scaler/')));
    // Nobody else owns replicas any more, so the applier's removal drops it.
    assert.equal(spec(emptied)['replicas'], undefined);
  });
});

describe('multiple appliers (structured-merge-diff multiple_appliers_test shapes)', () => {
  const withFinalizers = (list: string[]): JsonObject => ({
    ...base,
    metadata: { name: 'nginx', finalizers: list },
  });

  it('set items are shared and removed only when no applier owns them', () => {
    let obj = apply(undefined, withFinalizers(['a', 'b']), 'apply-one');
    obj = apply(obj, withFinalizers(['a', 'c']), 'apply-two');
    assert.deepEqual(meta(obj)['finalizers'], ['a', 'b', 'c']);
    obj = apply(obj, withFinalizers([]), 'apply-one');
    assert.deepEqual(meta(obj)['finalizers'], ['a', 'c']);
    assert.deepEqual(summary(obj), [
      'apply-two/Apply: {"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"c\\"":{}}}}',
    ]);
  });

  const containers = (...names: string[]): JsonObject => ({
    ...base,
    spec: {
      template: { spec: { containers: names.map((name) => ({ name, image: `${name}:1` })) } },
    },
  });

  it('associative list items merge by key and keep order', () => {
    let obj = apply(undefined, containers('a', 'b'), 'one');
    obj = apply(obj, containers('c', 'b'), 'two', true);
    const names = (o: JsonObject): JsonValue[] =>
      (
        ((spec(o)['template'] as JsonObject)['spec'] as JsonObject)['containers'] as JsonObject[]
      ).map((c) => c['name'] ?? null);
    assert.deepEqual(names(obj), ['a', 'c', 'b']);
    obj = apply(obj, containers('a'), 'one');
    assert.deepEqual(names(obj), ['a', 'c', 'b']);
    obj = apply(obj, containers(), 'two');
    assert.deepEqual(names(obj), ['a']);
  });

  it('conflicts name the list item path', () => {
    const obj = apply(undefined, containers('nginx'), 'one');
    const err = statusOf(() =>
      apply(
        obj,
        { ...base, spec: { template: { spec: { containers: [{ name: 'nginx', image: 'x' }] } } } },
        'two',
      ),
    );
    assert.equal(
      err.message,
      'Apply failed with 1 conflict: conflict with "one": .spec.template.spec.containers[name="nginx"].image',
    );
  });
});

describe('apply errors', () => {
  it('rejects a different kind', () => {
    const err = statusOf(() => apply(undefined, { ...base, kind: 'StatefulSet' }, 'm'));
    assert.equal(err.code, 400);
    assert.equal(err.message, 'invalid object type: apps/v1, Kind=StatefulSet');
  });
  it('rejects managedFields in the body', () => {
    const err = statusOf(() =>
      apply(undefined, { ...base, metadata: { name: 'x', managedFields: [] } }, 'm'),
    );
    assert.equal(err.message, 'metadata.managedFields must be nil');
  });
  it('reports undeclared fields and bad list items like upstream', () => {
    const err = statusOf(() =>
      apply(
        undefined,
        { ...base, metadata: { name: 'x', namespace: 'ns' }, spec: { foo: 1 } },
        'm',
      ),
    );
    assert.equal(err.code, 500);
    assert.equal(
      err.message,
      'failed to create typed patch object (ns/x; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema',
    );
    const dup = statusOf(() => apply(undefined, containersDup(), 'm'));
    assert.equal(
      dup.message,
      'failed to create typed patch object (/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="a"]',
    );
  });
});

function containersDup(): JsonObject {
  return {
    ...base,
    spec: {
      template: {
        spec: {
          containers: [{ name: 'a', image: '1' }, { name: 'a', image: '2' }, { image: '3' }],
        },
      },
    },
  };
}

describe('update tracking', () => {
  const track = (live: JsonObject | undefined, updated: JsonObject, manager: string, extra = {}) =>
    trackUpdate({
      live,
      updated,
      manager,
      type: deployment,
      apiVersion: 'apps/v1',
      now: T1,
      ...extra,
    });

  const v1 = track(undefined, { ...base, spec: { replicas: 1, paused: false } }, 'creator');

  it('moves changed fields to the writer and drops emptied entries', () => {
    const v2 = track(v1, { ...v1, spec: { replicas: 2, paused: false } }, 'scaler');
    assert.deepEqual(summary(v2), [
      'creator/Update: {"f:spec":{"f:paused":{}}}',
      'scaler/Update: {"f:spec":{"f:replicas":{}}}',
    ]);
    const v3 = track(v2, { ...v2, spec: { replicas: 2 } }, 'editor');
    assert.deepEqual(summary(v3), ['scaler/Update: {"f:spec":{"f:replicas":{}}}']);
  });

  it('a writer changing only fields it owns keeps its set, with a new time (a heartbeat)', () => {
    // As a client's PUT: the object it read back, managedFields included (a JSON copy).
    const read = JSON.parse(JSON.stringify(v1)) as JsonObject;
    const beat = track(v1, { ...read, spec: { replicas: 3, paused: false } }, 'creator', {
      now: '2026-01-01T00:02:00Z',
    });
    assert.deepEqual(entries(beat), [{ ...entries(v1)[0], time: '2026-01-01T00:02:00Z' }]);
    // Then a field it did not own: the union, as before.
    const more = track(
      beat,
      { ...beat, metadata: { ...meta(beat), labels: { a: 'b' } } },
      'creator',
    );
    assert.deepEqual(summary(more), [
      'creator/Update: {"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{"f:paused":{},"f:replicas":{}}}',
    ]);
  });

  it('keeps managedFields on a no-op write', () => {
    const same = track(v1, { ...v1 }, 'other');
    assert.deepEqual(entries(same), entries(v1));
  });

  it('honours an explicit reset and ignores invalid lists', () => {
    const reset = track(v1, { ...v1, metadata: { ...meta(v1), managedFields: [] } }, 'x');
    assert.equal(meta(reset)['managedFields'], undefined);
    const invalid = track(
      v1,
      { ...v1, metadata: { ...meta(v1), managedFields: [{ manager: 'a', operation: 'Bad' }] } },
      'x',
    );
    assert.deepEqual(entries(invalid), entries(v1));
    const replaced = track(
      v1,
      {
        ...v1,
        metadata: {
          ...meta(v1),
          managedFields: [
            {
              manager: 'mine',
              operation: 'Apply',
              apiVersion: 'apps/v1',
              fieldsType: 'FieldsV1',
              fieldsV1: { 'f:spec': { 'f:replicas': {} } },
            },
          ],
        },
      },
      'x',
    );
    assert.deepEqual(summary(replaced), ['mine/Apply: {"f:spec":{"f:replicas":{}}}']);
  });

  it('records status writes under the subresource and ignores reset fields', () => {
    const withStatus = { ...v1, spec: { replicas: 9, paused: false }, status: { replicas: 1 } };
    const out = track(v1, withStatus, 'controller', {
      subresource: 'status',
      resetFields: fieldSetFromPaths('spec', 'metadata.labels'),
    });
    assert.deepEqual(summary(out), [
      'controller/Update/status: {"f:status":{"f:replicas":{}}}',
      'creator/Update: {"f:spec":{"f:paused":{},"f:replicas":{}}}',
    ]);
  });

  it('caps update managers into ancient-changes', () => {
    let obj: JsonObject = { ...base };
    for (let i = 0; i < 12; i++) {
      const labels: JsonObject = { ...((meta(obj)['labels'] as JsonObject | undefined) ?? {}) };
      labels[`l${String(i)}`] = 'x';
      obj = trackUpdate({
        live: obj,
        updated: { ...obj, metadata: { ...meta(obj), labels } },
        manager: `mgr-${String(i).padStart(2, '0')}`,
        type: deployment,
        apiVersion: 'apps/v1',
        now: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      });
    }
    // mgr-00 and mgr-01 merged at the 11th entry, then mgr-02 into the bucket at the 12th.
    assert.deepEqual(
      entries(obj).map((e) => e['manager']),
      [
        'ancient-changes',
        ...[3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => `mgr-${String(i).padStart(2, '0')}`),
      ],
    );
    const bucket = entries(obj)[0]!;
    assert.equal(bucket['time'], '2026-01-01T00:00:02Z');
    assert.deepEqual(bucket['fieldsV1'], {
      'f:metadata': { 'f:labels': { '.': {}, 'f:l0': {}, 'f:l1': {}, 'f:l2': {} } },
    });
  });
});

describe('client-side apply upgrade (lastAppliedManager / lastAppliedUpdater)', () => {
  const lastApplied = JSON.stringify({ ...base, spec: { replicas: 3 } });
  const csa = trackUpdate({
    live: undefined,
    updated: {
      ...base,
      metadata: { name: 'nginx', annotations: { [LAST_APPLIED_CONFIG_ANNOTATION]: lastApplied } },
      spec: { replicas: 3 },
    },
    manager: 'kubectl-client-side-apply',
    type: deployment,
    apiVersion: 'apps/v1',
    now: T0,
  });

  it('kubectl takes over fields from the annotation without conflicts', () => {
    const out = apply(csa, { ...base, spec: { replicas: 4 } }, 'kubectl');
    assert.equal(spec(out)['replicas'], 4);
    const ann = (meta(out)['annotations'] as JsonObject)[LAST_APPLIED_CONFIG_ANNOTATION];
    assert.equal(
      ann,
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx"},"spec":{"replicas":4}}\n',
    );
  });

  it('other managers still conflict', () => {
    const err = statusOf(() => apply(csa, { ...base, spec: { replicas: 4 } }, 'kubectl-2'));
    assert.equal(err.code, 409);
  });
});

describe('custom resources', () => {
  const crd = typeFromCustomResourceSchema(
    {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['id'],
              items: {
                type: 'object',
                properties: { id: { type: 'string' }, v: { type: 'integer' } },
              },
            },
            free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      },
    },
    resolver.typeFor(OBJECT_META_SCHEMA),
  );
  it('applies with list-map keys, ObjectMeta and preserved fields', () => {
    const out = applyObject({
      live: undefined,
      applied: {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w', labels: { a: 'b' } },
        spec: { items: [{ id: 'x', v: 1 }], free: { any: { deep: [1] } } },
      },
      manager: 'm',
      force: false,
      type: crd,
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      now: T0,
    });
    assert.deepEqual(entries(out)[0]?.['fieldsV1'], {
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': {
        'f:free': { 'f:any': { '.': {}, 'f:deep': {} } },
        'f:items': { 'k:{"id":"x"}': { '.': {}, 'f:id': {}, 'f:v': {} } },
      },
    });
  });
});

describe('field manager names', () => {
  it('defaults from the User-Agent like prefixFromUserAgent', () => {
    assert.equal(managerFromUserAgent('kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl');
    assert.equal(managerFromUserAgent('a\u0007b/1'), 'ab');
    assert.equal(managerFromUserAgent('x'.repeat(200)).length, 128);
    // Non-ASCII: cut at 128 bytes of UTF-8, never inside a character; asked again, the same.
    const wide = 'é'.repeat(100);
    assert.equal(managerFromUserAgent(wide), 'é'.repeat(64));
    assert.equal(managerFromUserAgent(wide), 'é'.repeat(64));
    assert.equal(managerFromUserAgent('kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  });
  it('validates like ValidatePatchOptions', () => {
    assert.deepEqual(
      validatePatchOptions({ fieldManager: '', force: undefined, isApply: true }).map((e) =>
        e.error(),
      ),
      ['fieldManager: Required value: is required for apply patch'],
    );
    assert.deepEqual(
      validatePatchOptions({ fieldManager: 'm', force: true, isApply: false }).map((e) =>
        e.error(),
      ),
      ['force: Forbidden: may not be specified for non-apply patch'],
    );
    assert.equal(validateFieldManager('x'.repeat(129)).length, 1);
    assert.match(
      validateFieldManager('a\u0007')[0]?.error() ?? '',
      /invalid character U\+0007 \(at position 1\)/,
    );
  });
});

describe('apply examples from the Server-Side Apply documentation', () => {
  const configMap = typeOf('io.k8s.api.core.v1.ConfigMap');
  it('records the applied ConfigMap fields', () => {
    const out = applyObject({
      live: undefined,
      applied: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } },
        data: { key: 'some value' },
      },
      manager: 'kubectl',
      force: false,
      type: configMap,
      apiVersion: 'v1',
      kind: 'ConfigMap',
      now: new Date(Date.UTC(2010, 9, 10)),
    });
    assert.deepEqual(entries(out), [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2010-10-10T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { 'f:key': {} },
          'f:metadata': { 'f:labels': { 'f:test-label': {} } },
        },
      },
    ]);
    assert.deepEqual(out['data'], { key: 'some value' });
  });

  it('does not own reset fields (status on the main resource)', () => {
    const out = applyObject({
      live: undefined,
      applied: { ...base, spec: { replicas: 1 }, status: { replicas: 9 } },
      manager: 'm',
      force: false,
      type: deployment,
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      now: T0,
      resetFields: fieldSetFromPaths('status'),
    });
    assert.deepEqual(summary(out), ['m/Apply: {"f:spec":{"f:replicas":{}}}']);
  });
});
