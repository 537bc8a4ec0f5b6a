/**
 * The registry's managedFields tracking and server-side apply path (registry.apply), over the
 * memory store with the built-in schemas' types.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  StatusError,
  newBuiltinScheme,
  newTypeResolver,
  type ResourceInfo,
} from '../../api/index.ts';
import { Store, type StoredObject } from '../../storage/index.ts';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { generatedSchemas, schemaNameOf } from '../openapi/index.ts';
import { ResourceRegistry, type RegistryHooks, type WriteOptions } from './registry.ts';
import { strategyFor } from './strategy.ts';

const scheme = newBuiltinScheme();
const resolver = newTypeResolver(generatedSchemas().schemas);

function setup(resource: [string, string, string], typed = true) {
  const storage = new Store(createMemoryBackend());
  const hooks: RegistryHooks = {
    setDefaults: () => undefined,
    validateCreate: () => [],
    validateUpdate: () => [],
    validateStatusUpdate: () => [],
    applyPatch: () => {
      throw new Error('not used');
    },
    namespacePhase: () => Promise.resolve('Active'),
    now: () => new Date('2026-01-02T03:04:05.678Z'),
    ...(typed
      ? {
          managedFieldsType: (info: ResourceInfo) =>
            resolver.typeFor(schemaNameOf(info.group, info.version, info.kind)),
        }
      : {}),
  };
  const [group, version, name] = resource;
  const info = scheme.byGroupVersionResource({ group, version, resource: name });
  assert.ok(info);
  return new ResourceRegistry(info, storage, strategyFor(info), hooks);
}

const user = { username: 'admin', groups: ['system:masters'] };
const asUser = (extra: Partial<WriteOptions> = {}): WriteOptions => ({
  dryRun: false,
  user,
  userAgent: 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc',
  ...extra,
});

interface Entry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: Record<string, unknown>;
}
const entries = (obj: StoredObject): Entry[] =>
  (obj.metadata?.managedFields ?? []) as unknown as Entry[];
const summary = (obj: StoredObject): string[] =>
  entries(obj).map((e) => [e.manager, e.operation, e.subresource ?? ''].join('/'));

const deployment = (replicas: number, extra: Record<string, unknown> = {}): StoredObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } } },
  ...extra,
});
const yaml = (obj: object): Uint8Array => new TextEncoder().encode(JSON.stringify(obj));

const code = (err: unknown): number | undefined =>
  err instanceof StatusError ? err.status.code : undefined;

describe('registry managedFields', () => {
  it('records creates and updates of requests, never of the server itself', async () => {
    const r = setup(['apps', 'v1', 'deployments']);
    const created = await r.create(
      'default',
      deployment(1, { status: { replicas: 3 } }),
      asUser({ fieldManager: '' }),
    );
    assert.deepEqual(summary(created), ['kubectl/Update/']);
    // status is reset on the main resource: never owned through it. spec is a value struct
    // upstream (always present), so it has no "." entry of its own.
    assert.deepEqual(entries(created)[0]?.fieldsV1, {
      'f:spec': { 'f:replicas': {}, 'f:selector': {} },
    });
    const updated = await r.update(
      'default',
      'web',
      {
        ...deployment(2),
        metadata: { name: 'web', managedFields: created.metadata?.managedFields },
      },
      '',
      asUser({ fieldManager: 'scaler' }),
    );
    assert.deepEqual(summary(updated.object), ['kubectl/Update/', 'scaler/Update/']);
    assert.deepEqual(entries(updated.object)[1]?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    const status = await r.update(
      'default',
      'web',
      { ...deployment(9), status: { replicas: 2 } },
      'status',
      asUser({ fieldManager: 'ctrl' }),
    );
    // Sorted by operation, time, then manager (one fixed clock here).
    assert.deepEqual(summary(status.object), [
      'ctrl/Update/status',
      'kubectl/Update/',
      'scaler/Update/',
    ]);
    assert.deepEqual(entries(status.object)[0]?.fieldsV1, {
      'f:status': { 'f:replicas': {} },
    });
    const internal = setup(['', 'v1', 'configmaps']);
    const cm = await internal.create('default', { metadata: { name: 'c' } }, { dryRun: false });
    assert.equal(cm.metadata?.managedFields, undefined);
    // An object without managedFields stays without (upstream skipNonAppliedManager).
    const touched = await internal.update(
      'default',
      'c',
      { metadata: { name: 'c' }, data: { a: '1' } },
      '',
      asUser(),
    );
    assert.equal(touched.object.metadata?.managedFields, undefined);
  });

  it('clears managedFields when an update sends an empty list', async () => {
    const r = setup(['', 'v1', 'configmaps']);
    await r.create('default', { metadata: { name: 'c' }, data: { a: '1' } }, asUser());
    const cleared = await r.update(
      'default',
      'c',
      { metadata: { name: 'c', managedFields: [] }, data: { a: '2' } },
      '',
      asUser(),
    );
    assert.equal(cleared.object.metadata?.managedFields, undefined);
  });

  it('applies: creates, conflicts, forces, bumps generation and honours dry run', async () => {
    const r = setup(['apps', 'v1', 'deployments']);
    const dry = await r.apply('default', 'web', yaml(deployment(1)), '', {
      ...asUser({ fieldManager: 'a', dryRun: true }),
    });
    assert.equal(dry.created, true);
    await assert.rejects(r.get('default', 'web'), (e) => code(e) === 404);
    const first = await r.apply(
      'default',
      'web',
      yaml(deployment(1)),
      '',
      asUser({ fieldManager: 'a' }),
    );
    assert.equal(first.created, true);
    assert.deepEqual(summary(first.object), ['a/Apply/']);
    assert.equal(first.object.metadata?.generation, 1);
    await assert.rejects(
      r.apply('default', 'web', yaml(deployment(2)), '', asUser({ fieldManager: 'b' })),
      (e: unknown) =>
        code(e) === 409 &&
        (e as StatusError).status.message ===
          'Apply failed with 1 conflict: conflict with "a": .spec.replicas',
    );
    const forced = await r.apply(
      'default',
      'web',
      yaml(deployment(2)),
      '',
      asUser({ fieldManager: 'b', force: true }),
    );
    assert.equal(forced.created, false);
    assert.equal((forced.object['spec'] as { replicas: number }).replicas, 2);
    assert.equal(forced.object.metadata?.generation, 2);
    assert.deepEqual(summary(forced.object), ['a/Apply/', 'b/Apply/']);
    // A stale resourceVersion in the configuration is a precondition.
    const stale = { ...deployment(3), metadata: { name: 'web', resourceVersion: '1' } };
    await assert.rejects(
      r.apply('default', 'web', yaml(stale), '', asUser({ fieldManager: 'b' })),
      (e) => code(e) === 409,
    );
    // Status through /status of a missing object is NotFound (no apply-create there).
    await assert.rejects(
      r.apply('default', 'nope', yaml(deployment(1)), 'status', asUser({ fieldManager: 'a' })),
      (e) => code(e) === 404,
    );
  });

  it('gives fields of objects without managedFields to before-first-apply', async () => {
    const r = setup(['apps', 'v1', 'deployments']);
    await r.create('default', deployment(1), { dryRun: false });
    await assert.rejects(
      r.apply('default', 'web', yaml(deployment(2)), '', asUser({ fieldManager: 'a' })),
      (e: unknown) =>
        (e as StatusError).status.message ===
        'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    );
  });

  it('rejects unreadable bodies, wrong kinds and repeated keys under Strict', async () => {
    const r = setup(['', 'v1', 'configmaps']);
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const cases: [string, string, string | undefined][] = [
      [
        '[1]',
        'error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}',
        undefined,
      ],
      [
        'apiVersion: v1\nkind: Secret\nmetadata: {name: c}\n',
        'invalid object type: /v1, Kind=Secret',
        undefined,
      ],
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nkind: ConfigMap\n',
        'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 4: key "kind" already set in map',
        'Strict',
      ],
    ];
    for (const [body, message, fv] of cases) {
      await assert.rejects(
        r.apply('default', 'c', enc(body), '', {
          ...asUser({ fieldManager: 'a' }),
          ...(fv === 'Strict' ? { fieldValidation: 'Strict' as const } : {}),
        }),
        (e: unknown) => code(e) === 400 && (e as StatusError).status.message === message,
        body,
      );
    }
    const warnings: string[] = [];
    await r.apply(
      'default',
      'c',
      enc('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nkind: ConfigMap\n'),
      '',
      asUser({ fieldManager: 'a', warn: (w) => warnings.push(w) }),
    );
    assert.deepEqual(warnings, ['line 4: key "kind" already set in map']);
  });

  it('applies untyped when the resource has no type', async () => {
    const r = setup(['', 'v1', 'configmaps'], false);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    const res = await r.apply('default', 'c', yaml(cm), '', asUser({ fieldManager: 'a' }));
    assert.deepEqual(res.object['data'], { a: '1' });
    assert.deepEqual(summary(res.object), ['a/Apply/']);
  });
});
