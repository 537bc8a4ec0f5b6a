/**
 * Cases ported from Kubernetes 1.32
 * staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/{conflict,lastappliedmanager}_test.go
 * (YAML fixtures rewritten as JSON objects).
 */
import assert from 'node:assert/strict';
// eslint-disable-next-line no-restricted-imports -- tests read the generated schemas (allowed by the lead)
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { StatusError } from '../errors.ts';
import { fieldKey as f } from './fieldpath.ts';
import type { JsonObject } from './fieldpath.ts';
import {
  LAST_APPLIED_CONFIG_ANNOTATION,
  applyObject,
  conflictError,
  trackUpdate,
} from './manager.ts';
import { newTypeResolver } from './schema.ts';

const file = new URL('../../apiserver/openapi/schemas.generated.json', import.meta.url);
const schemas = (JSON.parse(readFileSync(file, 'utf8')) as { schemas: Record<string, object> })
  .schemas;
const resolver = newTypeResolver(schemas);

describe('NewConflictError (conflict_test.go)', () => {
  const cases: {
    conflicts: { managerId: string; path: string[] }[];
    causes: [string, string][];
    message: string;
  }[] = [
    {
      conflicts: [
        {
          managerId:
            '{"manager":"foo","operation":"Update","apiVersion":"v1","time":"2001-02-03T04:05:06Z"}',
          path: [f('spec'), f('replicas')],
        },
      ],
      causes: [['conflict with "foo" using v1 at 2001-02-03T04:05:06Z', '.spec.replicas']],
      message:
        'Apply failed with 1 conflict: conflict with "foo" using v1 at 2001-02-03T04:05:06Z: .spec.replicas',
    },
    {
      conflicts: [
        {
          managerId:
            '{"manager":"foo","operation":"Update","apiVersion":"v1","time":"2001-02-03T04:05:06Z"}',
          path: [f('spec'), f('replicas')],
        },
        {
          managerId: '{"manager":"bar","operation":"Apply"}',
          path: [f('metadata'), f('labels'), f('app')],
        },
      ],
      causes: [
        ['conflict with "foo" using v1 at 2001-02-03T04:05:06Z', '.spec.replicas'],
        ['conflict with "bar"', '.metadata.labels.app'],
      ],
      message:
        'Apply failed with 2 conflicts: conflicts with "bar":\n- .metadata.labels.app\nconflicts with "foo" using v1 at 2001-02-03T04:05:06Z:\n- .spec.replicas',
    },
    {
      conflicts: [
        {
          managerId:
            '{"manager":"foo","operation":"Update","subresource":"scale","apiVersion":"v1","time":"2001-02-03T04:05:06Z"}',
          path: [f('spec'), f('replicas')],
        },
      ],
      causes: [
        [
          'conflict with "foo" with subresource "scale" using v1 at 2001-02-03T04:05:06Z',
          '.spec.replicas',
        ],
      ],
      message:
        'Apply failed with 1 conflict: conflict with "foo" with subresource "scale" using v1 at 2001-02-03T04:05:06Z: .spec.replicas',
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(`case ${String(i)}`, () => {
      const err = conflictError(c.conflicts);
      assert.equal(err.code, 409);
      assert.equal(err.reason, 'Conflict');
      assert.equal(err.message, c.message);
      assert.deepEqual(
        err.status.details?.causes,
        c.causes.map(([message, field]) => ({ reason: 'FieldManagerConflict', message, field })),
      );
    });
  }
});

interface ConflictCase {
  name: string;
  manager: string;
  original: JsonObject;
  /** The annotation's object; the original when undefined; '' for an empty annotation. */
  lastApplied?: JsonObject | '';
  applied: JsonObject;
  expectConflicts?: string[];
}

function runConflictCases(
  apiVersion: string,
  kind: string,
  schemaName: string,
  cases: ConflictCase[],
) {
  const type = resolver.typeFor(schemaName);
  assert.ok(type !== undefined);
  for (const c of cases) {
    it(c.name, () => {
      const lastApplied = c.lastApplied === '' ? '' : JSON.stringify(c.lastApplied ?? c.original);
      const originalMeta = (c.original['metadata'] as JsonObject | undefined) ?? {};
      const annotations = { ...((originalMeta['annotations'] as JsonObject | undefined) ?? {}) };
      annotations[LAST_APPLIED_CONFIG_ANNOTATION] = lastApplied;
      const live = trackUpdate({
        live: undefined,
        updated: { ...c.original, metadata: { ...originalMeta, annotations } },
        manager: 'test_client_side_apply',
        type,
        apiVersion,
        now: '2026-01-01T00:00:00Z',
      });
      const run = (force: boolean) =>
        applyObject({
          live,
          applied: c.applied,
          manager: c.manager,
          force,
          type,
          apiVersion,
          kind,
          now: '2026-01-01T00:01:00Z',
        });
      let result: JsonObject;
      if (c.expectConflicts === undefined) {
        result = run(false);
      } else {
        const expected = c.expectConflicts;
        assert.throws(
          () => run(false),
          (err: unknown) => {
            assert.ok(err instanceof StatusError);
            assert.equal(err.code, 409);
            assert.deepEqual(
              err.status.details?.causes,
              expected.map((field) => ({
                reason: 'FieldManagerConflict',
                message: `conflict with "test_client_side_apply" using ${apiVersion}`,
                field,
              })),
            );
            return true;
          },
        );
        result = run(true);
      }
      assertDerivative(c.applied, result);
    });
  }
}

/** apiequality.Semantic.DeepDerivative: every value set in `a` is the same in `b`. */
function assertDerivative(a: unknown, b: unknown, at = ''): void {
  if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
    assert.ok(typeof b === 'object' && b !== null, at);
    for (const [k, v] of Object.entries(a)) {
      assertDerivative(v, (b as Record<string, unknown>)[k], `${at}.${k}`);
    }
    return;
  }
  if (Array.isArray(a)) {
    assert.ok(Array.isArray(b) && b.length === a.length, at);
    a.forEach((v, i) => {
      assertDerivative(v, (b as unknown[])[i], `${at}[${String(i)}]`);
    });
    return;
  }
  assert.deepEqual(b, a, at);
}

const deploy = (meta: JsonObject, spec: JsonObject): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'my-deployment', ...meta },
  spec,
});
const podTemplate = (label: string, containers: JsonObject[]): JsonObject => ({
  metadata: { labels: { app: label } },
  spec: { containers },
});

describe('TestApplyUsingLastAppliedAnnotation', () => {
  runConflictCases('apps/v1', 'Deployment', 'io.k8s.api.apps.v1.Deployment', [
    {
      name: 'conflicts due to fields not allowed by last-applied',
      manager: 'kubectl',
      lastApplied: deploy(
        {},
        {
          replicas: 3,
          selector: { matchLabels: { app: 'my-app' } },
          template: podTemplate('my-app', [
            { name: 'my-c', image: 'my-image-v1' },
            { name: 'my-c2', image: 'my-image2' },
          ]),
        },
      ),
      original: deploy(
        { labels: { app: 'my-app' } },
        {
          replicas: 100,
          selector: { matchLabels: { app: 'my-app' } },
          template: podTemplate('my-app', [{ name: 'my-c', image: 'my-image-v2' }]),
        },
      ),
      applied: deploy(
        { labels: { app: 'my-new-label' } },
        {
          replicas: 333,
          selector: { matchLabels: { app: 'my-new-label' } },
          template: podTemplate('my-new-label', [{ name: 'my-c', image: 'my-image-new' }]),
        },
      ),
      expectConflicts: [
        '.metadata.labels.app',
        '.spec.replicas',
        '.spec.template.spec.containers[name="my-c"].image',
      ],
    },
    {
      name: 'replicas differing from last-applied conflict',
      manager: 'kubectl',
      lastApplied: deploy(
        { labels: { app: 'my-app' } },
        {
          replicas: 3,
          selector: { matchLabels: { app: 'my-app' } },
          template: podTemplate('my-app', [{ name: 'my-c', image: 'my-image' }]),
        },
      ),
      original: deploy(
        { labels: { app: 'my-app' } },
        {
          replicas: 100,
          selector: { matchLabels: { app: 'my-app' } },
          template: podTemplate('my-app', [{ name: 'my-c', image: 'my-image' }]),
        },
      ),
      applied: deploy(
        { labels: { app: 'my-new-label' } },
        {
          replicas: 3,
          template: podTemplate('my-app', [{ name: 'my-c', image: 'my-image' }]),
        },
      ),
      expectConflicts: ['.spec.replicas'],
    },
    {
      name: 'allowed update with no conflicts',
      manager: 'kubectl',
      original: deploy(
        { labels: { app: 'my-app' } },
        {
          replicas: 3,
          selector: { matchLabels: { app: 'my-app' } },
          template: podTemplate('my-app', [{ name: 'my-c', image: 'my-image' }]),
        },
      ),
      applied: deploy(
        { labels: { app: 'my-new-label' } },
        {
          replicas: 333,
          selector: { matchLabels: { app: 'my-new-label' } },
          template: podTemplate('my-new-label', [{ name: 'my-c', image: 'my-image' }]),
        },
      ),
    },
    {
      name: 'conflicts because the field manager is not kubectl',
      manager: 'not_kubectl',
      lastApplied: deploy(
        { labels: { app: 'my-app' } },
        {
          replicas: 3,
          selector: { matchLabels: { app: 'my-app' } },
          template: podTemplate('my-app', [{ name: 'my-c', image: 'my-image-v1' }]),
        },
      ),
      original: deploy(
        { labels: { app: 'my-app' } },
        {
          replicas: 100,
          selector: { matchLabels: { app: 'my-app' } },
          template: podTemplate('my-app', [{ name: 'my-c', image: 'my-image-v2' }]),
        },
      ),
      applied: deploy(
        { labels: { app: 'my-new-label' } },
        {
          replicas: 333,
          selector: { matchLabels: { app: 'my-new-label' } },
          template: podTemplate('my-new-label', [{ name: 'my-c', image: 'my-image-new' }]),
        },
      ),
      expectConflicts: [
        '.metadata.labels.app',
        '.spec.replicas',
        '.spec.selector',
        '.spec.template.metadata.labels.app',
        '.spec.template.spec.containers[name="my-c"].image',
      ],
    },
    {
      name: 'no selector or template at all',
      manager: 'kubectl',
      original: deploy({}, { replicas: 3 }),
      applied: deploy({}, { replicas: 100 }),
    },
    {
      name: 'last-applied of another apiVersion',
      manager: 'kubectl',
      lastApplied: { ...deploy({}, { replicas: 3 }), apiVersion: 'extensions/v1beta1' },
      original: deploy({}, { replicas: 3 }),
      applied: deploy({}, { replicas: 100 }),
      expectConflicts: ['.spec.replicas'],
    },
    {
      name: 'invalid last-applied object',
      manager: 'kubectl',
      lastApplied: {
        apiVersion: 'foo',
        kind: 'bar',
        spec: 'expect conflict due to invalid object',
      },
      original: deploy({}, { replicas: 3 }),
      applied: deploy({}, { replicas: 100 }),
      expectConflicts: ['.spec.replicas'],
    },
    {
      name: 'empty last-applied',
      manager: 'kubectl',
      lastApplied: '',
      original: deploy({}, { replicas: 3 }),
      applied: deploy({}, { replicas: 100 }),
      expectConflicts: ['.spec.replicas'],
    },
  ]);
});

describe('TestServiceApply', () => {
  const svc = (spec: JsonObject): JsonObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'test' },
    spec,
  });
  const ports = (targetPort: number) => [{ name: 'https', port: 443, protocol: 'TCP', targetPort }];
  runConflictCases('v1', 'Service', 'io.k8s.api.core.v1.Service', [
    {
      name: 'all accepted while using the same field manager',
      manager: 'kubectl',
      original: svc({ ports: ports(8443), selector: { old: 'test' } }),
      applied: svc({ ports: ports(8444), selector: { new: 'test' } }),
    },
    {
      name: 'allowed to remove selectors while using the same field manager',
      manager: 'kubectl',
      original: svc({ ports: ports(8443), selector: { old: 'test' } }),
      applied: svc({ ports: ports(8444), selector: {} }),
    },
    {
      name: 'selector update not allowed by last-applied',
      manager: 'not_kubectl',
      original: svc({ ports: ports(8443), selector: { old: 'test' } }),
      applied: svc({ ports: ports(8444), selector: { new: 'test' } }),
      expectConflicts: ['.spec.selector', '.spec.ports[port=443,protocol="TCP"].targetPort'],
    },
  ]);
});

describe('TestPodApply', () => {
  const pod = (spec: JsonObject): JsonObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'test', namespace: 'test' },
    spec: {
      containers: [
        {
          args: ['-v=2'],
          command: ['controller'],
          image: 'some.registry/app:latest',
          name: 'doJob',
        },
      ],
      ...spec,
    },
  });
  const original = pod({
    nodeName: 'definetlyControlPlane',
    nodeSelector: { 'node-role.kubernetes.io/master': '' },
  });
  runConflictCases('v1', 'Pod', 'io.k8s.api.core.v1.Pod', [
    {
      name: 'all accepted while using the same field manager',
      manager: 'kubectl',
      original,
      applied: pod({ nodeSelector: { 'node-role.kubernetes.io/worker': '' } }),
    },
    {
      name: 'selector update not allowed by last-applied',
      manager: 'not_kubectl',
      original,
      applied: pod({
        nodeName: 'definetlyControlPlane',
        nodeSelector: { 'node-role.kubernetes.io/master': '', otherNodeType: '' },
      }),
      expectConflicts: ['.spec.nodeSelector'],
    },
    {
      name: 'purging selector not allowed for different manager',
      manager: 'not_kubectl',
      original,
      applied: pod({ nodeName: 'another', nodeSelector: {} }),
      expectConflicts: ['.spec.nodeName', '.spec.nodeSelector'],
    },
    {
      name: 'same manager could purge nodeSelector',
      manager: 'kubectl',
      original,
      applied: pod({ nodeName: 'another', nodeSelector: {} }),
    },
  ]);
});
