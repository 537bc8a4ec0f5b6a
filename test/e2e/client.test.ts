/**
 * The client library (src/client) against the real `./skiff server`: kubeconfig loading, the
 * HTTP/2 transport, typed clients (CRUD, status, patches, subresources, errors as StatusErrors),
 * watches, and a shared informer (list, watch, handlers, re-list after a restart of the watch).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import { StatusError, isAlreadyExists, isConflict, isNotFound } from '../../src/api/index.ts';
import {
  BUILTIN_RESOURCES,
  InformerFactory,
  loadKubeconfig,
  newRestClientset,
} from '../../src/client/index.ts';
import type { Clientset, Transport, WatchEvent } from '../../src/client/index.ts';
import { startSkiffServer, type SkiffServer } from './harness.ts';

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('client library against skiff server', () => {
  let s: SkiffServer;
  let cs: Clientset;
  let transport: Transport;
  before(async () => {
    s = await startSkiffServer();
    const config = await loadKubeconfig(s.kubeconfig);
    ({ clientset: cs, transport } = newRestClientset({
      ...config,
      userAgent: 'skiff-client-test/v1.32.0 (linux/amd64) skiff',
    }));
    await cs.namespaces.create('', { metadata: { name: 'client' } });
  });
  after(async () => {
    transport.close();
    await s.stop();
  });

  it('creates, reads, updates, patches and deletes with typed clients', async () => {
    const created = await cs.configMaps.create('client', {
      metadata: { name: 'a', labels: { app: 'x' } },
      data: { k: 'v' },
    });
    assert.equal(created.metadata?.namespace, 'client');
    assert.ok(created.metadata.resourceVersion);
    assert.equal(created.metadata.managedFields?.[0]?.manager, 'skiff-client-test');

    await assert.rejects(cs.configMaps.create('client', { metadata: { name: 'a' } }), (err) =>
      isAlreadyExists(err),
    );
    const got = await cs.configMaps.get('client', 'a');
    assert.deepEqual(got.data, { k: 'v' });

    const updated = await cs.configMaps.update('client', { ...got, data: { k: 'w' } });
    assert.notEqual(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);
    await assert.rejects(cs.configMaps.update('client', { ...got, data: { k: 'stale' } }), (err) =>
      isConflict(err),
    );

    const merged = await cs.configMaps.patch('client', 'a', 'merge', { data: { m: '1' } });
    assert.deepEqual(merged.data, { k: 'w', m: '1' });
    const jsonPatched = await cs.configMaps.patch('client', 'a', 'json', [
      { op: 'remove', path: '/data/k' },
    ]);
    assert.deepEqual(jsonPatched.data, { m: '1' });

    const list = await cs.configMaps.list('client', { labelSelector: 'app=x' });
    assert.deepEqual(
      list.items.map((c) => c.metadata?.name),
      ['a'],
    );
    assert.ok(list.metadata.resourceVersion);

    await cs.configMaps.delete('client', 'a');
    await assert.rejects(cs.configMaps.get('client', 'a'), (err) => isNotFound(err));
  });

  it('writes status and binds a pod through subresources', async () => {
    const pod: Pod = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    await cs.pods.create('client', pod);
    const bound = await cs.pods.createSubresource('client', 'p', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
    });
    assert.equal((bound as { status?: string }).status, 'Success');
    const current = await cs.pods.get('client', 'p');
    assert.equal(current.spec?.nodeName, 'node-1');
    const withStatus = await cs.pods.updateStatus('client', {
      ...current,
      status: { ...current.status, phase: 'Running', podIP: '10.244.0.5' },
    });
    assert.equal(withStatus.status?.phase, 'Running');
    await cs.pods.delete('client', 'p', { gracePeriodSeconds: 0 });
  });

  it('watches from a resourceVersion, and rejects a refused watch with its Status', async () => {
    const start = await cs.configMaps.list('client');
    const ac = new AbortController();
    const seen: WatchEvent<ConfigMap>[] = [];
    const watching = (async () => {
      for await (const e of cs.configMaps.watch(
        'client',
        { resourceVersion: start.metadata.resourceVersion ?? '', allowWatchBookmarks: true },
        ac.signal,
      )) {
        seen.push(e);
        if (seen.filter((x) => x.type !== 'BOOKMARK').length === 3) ac.abort();
      }
    })();
    await cs.configMaps.create('client', { metadata: { name: 'w' } });
    await cs.configMaps.patch('client', 'w', 'merge', { data: { a: '1' } });
    await cs.configMaps.delete('client', 'w');
    await watching;
    assert.deepEqual(
      seen.filter((e) => e.type !== 'BOOKMARK').map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'w'],
        ['MODIFIED', 'w'],
        ['DELETED', 'w'],
      ],
    );
    // A watch the server refuses rejects with its Status.
    await assert.rejects(
      (async () => {
        for await (const e of cs.configMaps.watch(
          'client',
          { resourceVersion: 'abc' },
          new AbortController().signal,
        )) {
          assert.fail(`unexpected event ${e.type}`);
        }
      })(),
      (err: unknown) =>
        err instanceof StatusError &&
        err.code === 400 &&
        /invalid resource version: abc/.test(err.message),
    );
  });

  it('keeps a shared informer in step with the server', async () => {
    const factory = new InformerFactory(cs);
    const informer = factory.informer<ConfigMap>(BUILTIN_RESOURCES.configMaps);
    const events: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => {
        if (o.metadata?.namespace === 'client') events.push(`add ${o.metadata.name ?? ''}`);
      },
      onUpdate: (_old, o) => {
        if (o.metadata?.namespace === 'client') events.push(`update ${o.metadata.name ?? ''}`);
      },
      onDelete: (o) => {
        const obj = 'deletedFinalStateUnknown' in o ? o.obj : o;
        if (obj.metadata?.namespace === 'client') events.push(`delete ${obj.metadata.name ?? ''}`);
      },
    });
    await cs.configMaps.create('client', { metadata: { name: 'before' } });
    const ac = new AbortController();
    factory.start(ac.signal);
    await factory.waitForCacheSync();
    assert.ok(informer.lister.get('client', 'before'));
    assert.ok(informer.lister.get('client', 'kube-root-ca.crt'));
    await cs.configMaps.create('client', { metadata: { name: 'after', labels: { x: 'y' } } });
    await cs.configMaps.patch('client', 'after', 'merge', { data: { a: '1' } });
    await cs.configMaps.delete('client', 'before');
    await until(() => events.includes('delete before'), 5000, 'the informer to see the delete');
    assert.deepEqual(
      events.filter((e) => !e.includes('kube-root-ca.crt')),
      ['add before', 'add after', 'update after', 'delete before'],
    );
    assert.equal(informer.lister.get('client', 'before'), undefined);
    assert.deepEqual(informer.lister.get('client', 'after')?.data, { a: '1' });
    ac.abort();
    await factory.stopped();
  });
});
