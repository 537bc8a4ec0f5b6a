import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import { newGone, parseSelector } from '../../api/index.ts';
import { FakeCluster } from '../fake/index.ts';
import { BUILTIN_RESOURCES } from '../clientset.ts';
import { SharedInformer, stripManagedFields } from './shared-informer.ts';
import { Store } from './store.ts';

const CM = BUILTIN_RESOURCES.configMaps;

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

describe('Store', () => {
  it('lists by namespace and selector and keeps custom indexes in step', () => {
    const store = new Store<Pod>({ node: (p) => [p.spec?.nodeName ?? ''] });
    const pod = (ns: string, name: string, node: string, app: string): Pod => ({
      metadata: { namespace: ns, name, labels: { app } },
      spec: { nodeName: node, containers: [] },
    });
    store.upsert(pod('a', 'p1', 'n1', 'web'));
    store.upsert(pod('a', 'p2', 'n2', 'db'));
    store.upsert(pod('b', 'p3', 'n1', 'web'));
    assert.deepEqual(
      store.list('a').map((p) => p.metadata?.name),
      ['p1', 'p2'],
    );
    assert.deepEqual(
      store.list(undefined, parseSelector('app=web')).map((p) => p.metadata?.name),
      ['p1', 'p3'],
    );
    assert.deepEqual(
      store.byIndex('node', 'n1').map((p) => p.metadata?.name),
      ['p1', 'p3'],
    );
    store.upsert(pod('a', 'p1', 'n2', 'web'));
    assert.deepEqual(
      store.byIndex('node', 'n1').map((p) => p.metadata?.name),
      ['p3'],
    );
    const gone = store.replace([pod('b', 'p3', 'n1', 'web')]);
    assert.deepEqual(gone.map((p) => p.metadata?.name).sort(), ['p1', 'p2']);
    assert.deepEqual(store.byIndex('node', 'n2'), []);
    assert.equal(store.get('b', 'p3')?.metadata?.name, 'p3');
  });
});

describe('SharedInformer', () => {
  it('lists, then delivers watch events to every handler, late handlers included', async () => {
    const fake = new FakeCluster();
    fake.seed(CM, { metadata: { namespace: 'ns', name: 'a' } });
    const informer = new SharedInformer<ConfigMap>(fake.client(CM));
    const log: string[] = [];
    informer.addEventHandler({
      onAdd: (o, initial) => log.push(`add ${o.metadata?.name ?? ''} ${String(initial)}`),
      onUpdate: (_o, n) => log.push(`update ${n.metadata?.name ?? ''}`),
      onDelete: (o) => log.push(`delete ${('obj' in o ? o.obj : o).metadata?.name ?? ''}`),
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    await informer.waitForSync();
    await until(() => fake.actions.some((a) => a.verb === 'watch'), 'the watch');
    await fake.clientset.configMaps.create('ns', { metadata: { name: 'b' } });
    await fake.clientset.configMaps.patch('ns', 'b', 'merge', { data: { x: '1' } });
    await fake.clientset.configMaps.delete('ns', 'a');
    await until(() => log.length === 4, 'four events');
    assert.deepEqual(log, ['add a true', 'add b false', 'update b', 'delete a']);
    const late: string[] = [];
    informer.addEventHandler({ onAdd: (o) => late.push(o.metadata?.name ?? '') });
    assert.deepEqual(late, ['b']);
    assert.equal(informer.lister.get('ns', 'b')?.data?.['x'], '1');
    ac.abort();
    await running;
  });

  it('applies its transform to listed and watched objects (stripManagedFields)', async () => {
    const fake = new FakeCluster();
    const managed = [{ manager: 'm', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: {} }];
    fake.seed(CM, { metadata: { namespace: 'ns', name: 'a', managedFields: managed } });
    const informer = new SharedInformer<ConfigMap>(fake.client(CM), {
      transform: stripManagedFields,
    });
    const seen: ConfigMap[] = [];
    informer.addEventHandler({
      onAdd: (o) => seen.push(o),
      onUpdate: (_o, n) => seen.push(n),
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    await informer.waitForSync();
    await until(() => fake.actions.some((a) => a.verb === 'watch'), 'the watch');
    await fake.clientset.configMaps.create('ns', {
      metadata: { name: 'b', managedFields: managed },
      data: { x: '1' },
    });
    await until(() => seen.length === 2, 'two adds');
    for (const o of [...seen, ...informer.lister.list()]) {
      assert.equal(o.metadata?.managedFields, undefined, o.metadata?.name);
    }
    assert.equal(informer.lister.get('ns', 'b')?.data?.['x'], '1');
    ac.abort();
    await running;
  });

  it('re-lists after 410 Gone and reports what changed meanwhile', async () => {
    const fake = new FakeCluster();
    fake.seed(
      CM,
      { metadata: { namespace: 'ns', name: 'stays' } },
      { metadata: { namespace: 'ns', name: 'goes' } },
    );
    let failWatch = true;
    fake.prependReactor((a) => {
      if (a.verb === 'watch' && failWatch) {
        failWatch = false;
        // What happened while the informer could not watch: one delete, one create.
        fake.seed(CM, { metadata: { namespace: 'ns', name: 'new' } });
        fake.bucket(CM).objects.delete('ns/goes');
        throw newGone('too old resource version: 1 (5)');
      }
      return undefined;
    });
    const informer = new SharedInformer<ConfigMap>(fake.client(CM), { backoffMs: 1 });
    const log: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => log.push(`add ${o.metadata?.name ?? ''}`),
      onDelete: (o) =>
        log.push(
          `delete ${'deletedFinalStateUnknown' in o ? 'tombstone ' : ''}${('obj' in o ? o.obj : o).metadata?.name ?? ''}`,
        ),
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    await informer.waitForSync();
    await until(() => log.includes('add new'), 'the re-list');
    assert.deepEqual(log, ['add stays', 'add goes', 'add new', 'delete tombstone goes']);
    assert.equal(fake.actions.filter((a) => a.verb === 'list').length, 2);
    ac.abort();
    await running;
  });
});
