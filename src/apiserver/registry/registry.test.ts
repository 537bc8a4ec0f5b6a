import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, newBuiltinScheme, storageKey, type ResourceInfo } from '../../api/index.ts';
import { Store, type Storage, type StoredObject } from '../../storage/index.ts';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { ResourceRegistry, type RegistryHooks } from './registry.ts';
import { strategyFor } from './strategy.ts';

const scheme = newBuiltinScheme();
const infoOf = (group: string, version: string, resource: string): ResourceInfo => {
  const info = scheme.byGroupVersionResource({ group, version, resource });
  assert.ok(info);
  return info;
};

/** A JSON merge patch, enough for these tests (the real patchers are tested in src/api/patch). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  const entries = Object.entries(patch as Record<string, unknown>);
  const removed = new Set(entries.filter(([, v]) => v === null).map(([k]) => k));
  const kept = Object.entries(out).filter(([k]) => !removed.has(k));
  const merged = new Map<string, unknown>(kept);
  for (const [k, v] of entries) if (v !== null) merged.set(k, mergePatch(merged.get(k), v));
  return Object.fromEntries(merged);
}

function setup(
  resource: [string, string, string],
  now = new Date('2026-01-02T03:04:05.678Z'),
  cache?: (storage: Storage) => Storage,
) {
  const storage = new Store(createMemoryBackend());
  const hooks: RegistryHooks = {
    setDefaults: () => undefined,
    validateCreate: () => [],
    validateUpdate: () => [],
    validateStatusUpdate: () => [],
    applyPatch: (_t, current, patch) =>
      mergePatch(current, JSON.parse(new TextDecoder().decode(patch))) as StoredObject,
    namespacePhase: (ns) =>
      Promise.resolve(ns === 'default' ? 'Active' : ns === 'dying' ? 'Terminating' : undefined),
    now: () => now,
  };
  const info = infoOf(...resource);
  const c = cache?.(storage);
  const registry = new ResourceRegistry(
    info,
    storage,
    strategyFor(info),
    hooks,
    c === undefined ? undefined : () => c,
  );
  return { registry, storage };
}

const statusCode = (err: unknown): number | undefined =>
  err instanceof StatusError ? err.status.code : undefined;

describe('generic registry', () => {
  it('fills system fields on create and ignores client-set ones', async () => {
    const { registry } = setup(['apps', 'v1', 'deployments']);
    const d = await registry.create(
      'default',
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', uid: 'client-uid', generation: 7 },
        spec: { replicas: 1 },
        status: { replicas: 5 },
      },
      { dryRun: false },
    );
    assert.match(d.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(d.metadata?.uid, 'client-uid');
    assert.equal(d.metadata?.creationTimestamp, '2026-01-02T03:04:05Z');
    assert.equal(d.metadata.generation, 1);
    assert.equal(d.metadata.namespace, 'default');
    assert.equal(d['status'], undefined);
    assert.match(d.metadata.resourceVersion ?? '', /^\d+$/);
  });

  it('generates names from generateName and validates metadata', async () => {
    const { registry } = setup(['', 'v1', 'configmaps']);
    const cm = await registry.create(
      'default',
      { metadata: { generateName: 'cfg-' } },
      { dryRun: false },
    );
    assert.match(cm.metadata?.name ?? '', /^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    await assert.rejects(
      registry.create('default', { metadata: { name: 'Bad_Name' } }, { dryRun: false }),
      (err) => {
        assert.equal(statusCode(err), 422);
        const s = (err as StatusError).status;
        assert.equal(s.details?.causes?.[0]?.field, 'metadata.name');
        assert.match(
          s.message ?? '',
          /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/,
        );
        return true;
      },
    );
  });

  it('enforces the namespace lifecycle and the namespace of the body', async () => {
    const { registry } = setup(['', 'v1', 'configmaps']);
    await assert.rejects(
      registry.create('missing', { metadata: { name: 'a' } }, { dryRun: false }),
      (err) => {
        assert.equal(statusCode(err), 404);
        assert.equal((err as StatusError).status.message, 'namespaces "missing" not found');
        return true;
      },
    );
    await assert.rejects(
      registry.create('dying', { metadata: { name: 'a' } }, { dryRun: false }),
      (err) => statusCode(err) === 403,
    );
    await assert.rejects(
      registry.create(
        'default',
        { metadata: { name: 'a', namespace: 'other' } },
        { dryRun: false },
      ),
      (err) => statusCode(err) === 400,
    );
    await assert.rejects(
      registry.create(
        'default',
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } },
        { dryRun: false },
      ),
      (err) => statusCode(err) === 400,
    );
  });

  it('does not persist dry-run creates and reports AlreadyExists', async () => {
    const { registry } = setup(['', 'v1', 'configmaps']);
    await registry.create('default', { metadata: { name: 'dry' } }, { dryRun: true });
    await assert.rejects(registry.get('default', 'dry'), (err) => statusCode(err) === 404);
    await registry.create('default', { metadata: { name: 'dry' } }, { dryRun: false });
    await assert.rejects(
      registry.create('default', { metadata: { name: 'dry' } }, { dryRun: true }),
      (err) => statusCode(err) === 409,
    );
    await assert.rejects(
      registry.create('default', { metadata: { name: 'dry' } }, { dryRun: false }),
      (err) => {
        assert.equal((err as StatusError).status.reason, 'AlreadyExists');
        return true;
      },
    );
  });

  it('updates with optimistic concurrency, keeping identity and bumping generation on spec changes', async () => {
    const { registry } = setup(['apps', 'v1', 'deployments']);
    const d = await registry.create(
      'default',
      { metadata: { name: 'web' }, spec: { replicas: 1 } },
      { dryRun: false },
    );
    const stale = d.metadata?.resourceVersion ?? '';
    const { object: u1 } = await registry.update(
      'default',
      'web',
      {
        metadata: { name: 'web', resourceVersion: stale, labels: { a: 'b' } },
        spec: { replicas: 1 },
      },
      '',
      { dryRun: false },
    );
    assert.equal(u1.metadata?.generation, 1, 'metadata-only change keeps generation');
    assert.equal(u1.metadata.uid, d.metadata?.uid);
    assert.equal(u1.metadata.creationTimestamp, d.metadata?.creationTimestamp);
    await assert.rejects(
      registry.update(
        'default',
        'web',
        { metadata: { name: 'web', resourceVersion: stale }, spec: { replicas: 2 } },
        '',
        { dryRun: false },
      ),
      (err) => {
        assert.equal(statusCode(err), 409);
        assert.match((err as StatusError).status.message ?? '', /the object has been modified/);
        return true;
      },
    );
    const { object: u2 } = await registry.update(
      'default',
      'web',
      { metadata: { name: 'web' }, spec: { replicas: 2 } },
      '',
      { dryRun: false },
    );
    assert.equal(u2.metadata?.generation, 2);
    await assert.rejects(
      registry.update('default', 'other', { metadata: { name: 'web' }, spec: {} }, '', {
        dryRun: false,
      }),
      (err) => statusCode(err) === 400,
      'a body name that differs from the URL is a bad request',
    );
    await assert.rejects(
      registry.update('default', 'other', { metadata: { name: 'other' }, spec: {} }, '', {
        dryRun: false,
      }),
      (err) => statusCode(err) === 404,
    );
  });

  it('separates status from the rest through the status subresource', async () => {
    const { registry } = setup(['apps', 'v1', 'deployments']);
    await registry.create(
      'default',
      { metadata: { name: 'web' }, spec: { replicas: 1 } },
      { dryRun: false },
    );
    const { object: s1 } = await registry.update(
      'default',
      'web',
      { metadata: { name: 'web' }, spec: { replicas: 9 }, status: { replicas: 1 } },
      'status',
      { dryRun: false },
    );
    assert.deepEqual(s1['spec'], { replicas: 1 });
    assert.deepEqual(s1['status'], { replicas: 1 });
    const { object: s2 } = await registry.update(
      'default',
      'web',
      { metadata: { name: 'web' }, spec: { replicas: 2 }, status: { replicas: 7 } },
      '',
      { dryRun: false },
    );
    assert.deepEqual(s2['status'], { replicas: 1 });
    assert.deepEqual(s2['spec'], { replicas: 2 });
  });

  it('patches through the same update path', async () => {
    const { registry } = setup(['', 'v1', 'configmaps']);
    await registry.create(
      'default',
      { metadata: { name: 'c' }, data: { a: '1' } },
      { dryRun: false },
    );
    const p = await registry.patch(
      'default',
      'c',
      'merge',
      new TextEncoder().encode('{"data":{"b":"2","a":null}}'),
      '',
      { dryRun: false },
    );
    assert.deepEqual(p['data'], { b: '2' });
    const dry = await registry.patch(
      'default',
      'c',
      'merge',
      new TextEncoder().encode('{"data":{"z":"9"}}'),
      '',
      { dryRun: true },
    );
    assert.deepEqual(dry['data'], { b: '2', z: '9' });
    assert.deepEqual((await registry.get('default', 'c'))['data'], { b: '2' });
  });

  it('filters lists by label and field selectors and rejects unknown fields', async () => {
    const { registry } = setup(['', 'v1', 'pods']);
    for (const [name, node, app] of [
      ['a', 'n1', 'web'],
      ['b', 'n2', 'web'],
      ['c', 'n1', 'db'],
    ] as const) {
      await registry.create(
        'default',
        { metadata: { name, labels: { app } }, spec: { nodeName: node, containers: [] } },
        { dryRun: false },
      );
    }
    const names = (l: { items: StoredObject[] }): string[] =>
      l.items.map((i) => i.metadata?.name ?? '');
    assert.deepEqual(names(await registry.list('default', { labelSelector: 'app=web' })), [
      'a',
      'b',
    ]);
    assert.deepEqual(names(await registry.list('', { fieldSelector: 'spec.nodeName=n1' })), [
      'a',
      'c',
    ]);
    assert.deepEqual(
      names(
        await registry.list('', {
          labelSelector: 'app in (web)',
          fieldSelector: 'spec.nodeName!=n1',
        }),
      ),
      ['b'],
    );
    await assert.rejects(registry.list('', { fieldSelector: 'spec.bogus=1' }), (err) => {
      assert.equal(statusCode(err), 400);
      assert.match(
        (err as StatusError).status.message ?? '',
        /field label not supported: spec.bogus/,
      );
      return true;
    });
    await assert.rejects(
      registry.list('', { labelSelector: 'a in (' }),
      (err) => statusCode(err) === 400,
    );
  });

  it('deletes immediately, gracefully for bound pods, and by marking when finalizers exist', async () => {
    const pods = setup(['', 'v1', 'pods']);
    await pods.registry.create(
      'default',
      { metadata: { name: 'unbound' }, spec: { containers: [] } },
      { dryRun: false },
    );
    const r1 = await pods.registry.delete('default', 'unbound', {}, { dryRun: false });
    assert.equal(r1.deleted, true);
    await pods.registry.create(
      'default',
      { metadata: { name: 'bound' }, spec: { nodeName: 'n1', containers: [] } },
      { dryRun: false },
    );
    const r2 = await pods.registry.delete('default', 'bound', {}, { dryRun: false });
    assert.equal(r2.deleted, false);
    assert.equal(r2.object.metadata?.deletionGracePeriodSeconds, 30);
    assert.equal(r2.object.metadata.deletionTimestamp, '2026-01-02T03:04:35Z');

    const cms = setup(['', 'v1', 'configmaps']);
    await cms.registry.create(
      'default',
      { metadata: { name: 'f', finalizers: ['example.com/x'] } },
      { dryRun: false },
    );
    const r3 = await cms.registry.delete(
      'default',
      'f',
      { propagationPolicy: 'Foreground' },
      { dryRun: false },
    );
    assert.equal(r3.deleted, false);
    assert.deepEqual(r3.object.metadata?.finalizers, ['example.com/x', 'foregroundDeletion']);
    const cleared = await cms.registry.patch(
      'default',
      'f',
      'merge',
      new TextEncoder().encode('{"metadata":{"finalizers":null}}'),
      '',
      { dryRun: false },
    );
    // Removing the last finalizer of an object being deleted finishes the deletion.
    assert.equal(cleared.metadata?.finalizers, undefined);
    await assert.rejects(cms.registry.get('default', 'f'), (err) => statusCode(err) === 404);
  });

  it('checks delete preconditions and protects system namespaces', async () => {
    const cms = setup(['', 'v1', 'configmaps']);
    const c = await cms.registry.create('default', { metadata: { name: 'p' } }, { dryRun: false });
    await assert.rejects(
      cms.registry.delete('default', 'p', { preconditions: { uid: 'nope' } }, { dryRun: false }),
      (err) => {
        assert.equal(statusCode(err), 409);
        assert.match(
          (err as StatusError).status.message ?? '',
          /Precondition failed: UID in precondition: nope/,
        );
        return true;
      },
    );
    await cms.registry.delete(
      'default',
      'p',
      { preconditions: { uid: c.metadata?.uid ?? '' } },
      { dryRun: false },
    );
    const ns = setup(['', 'v1', 'namespaces']);
    await assert.rejects(ns.registry.delete('', 'default', {}, { dryRun: false }), (err) => {
      assert.equal(statusCode(err), 403);
      assert.match((err as StatusError).status.message ?? '', /this namespace may not be deleted/);
      return true;
    });
  });

  it('PUT creates when the watch cache still has an object the store no longer has', async () => {
    // A cache a moment behind: it still holds the lease; its writes go to the store.
    let stale: StoredObject | undefined;
    const { registry, storage } = setup(['coordination.k8s.io', 'v1', 'leases'], undefined, (s) => {
      const cache: Pick<Storage, 'get' | 'guaranteedUpdate'> = {
        get: () => Promise.resolve(stale),
        guaranteedUpdate: (key, fn, opts) => s.guaranteedUpdate(key, fn, opts),
      };
      return cache as Storage;
    });
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'n1', namespace: 'default' },
      spec: { holderIdentity: 'n1' },
    };
    stale = await registry.create('default', lease, { dryRun: false });
    await storage.delete(
      storageKey(infoOf('coordination.k8s.io', 'v1', 'leases'), 'default', 'n1'),
    );
    const put = await registry.update('default', 'n1', lease, '', { dryRun: false });
    assert.equal(put.created, true);
    assert.equal(
      (put.object.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
      'n1',
    );
    // And when the cache has it and so does the store, PUT updates.
    stale = put.object;
    const again = await registry.update(
      'default',
      'n1',
      { ...put.object, spec: { holderIdentity: 'n2' } },
      '',
      { dryRun: false },
    );
    assert.equal(again.created, false);
    assert.equal(
      (again.object.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
      'n2',
    );
  });
});
