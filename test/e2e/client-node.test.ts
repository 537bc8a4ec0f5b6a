/**
 * The real `@kubernetes/client-node` (issue 4 §5) against `./skiff server`: an informer
 * (`makeInformer` over a namespaced list) sees add, update and delete in order with the objects
 * the API returned, its cache (`list()`/`get()`) follows, and it survives a server restart on the
 * same data dir and port: the watch breaks, the informer errors and is restarted the way
 * client-node documents (`on('error', () => setTimeout(start))`), gets 410 Expired for its old
 * resourceVersion, re-lists, catches up on what changed while it was down and sees what is
 * created afterwards. The same scenario runs on pods (CoreV1Api) and on a custom resource
 * (CustomObjectsApi, CronTab from a CRD).
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1Namespace,
  V1Pod,
} from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { API_SERVER_ONLY, startSkiffServer, type SkiffServer } from './harness.ts';
import {
  describeError,
  recordingInformer,
  restartSkiffServer,
  waitForExpired,
  waitUntil,
  withTimeout,
  type Recorded,
  type RecordingInformer,
  type RestartedServer,
} from './client-node-util.ts';

/** What the scenario needs from one resource: its watch path and the verbs, through the client. */
interface Subject<T extends KubernetesObject> {
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  create: (name: string, labels: Record<string, string>) => Promise<T>;
  /** Read-modify-write through PUT: sets `labels` (and may change the spec). */
  replace: (name: string, labels: Record<string, string>) => Promise<T>;
  /** A merge patch setting `labels` (and may change the spec). */
  patch: (name: string, labels: Record<string, string>) => Promise<T>;
  remove: (name: string) => Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/**
 * `informer.start()` resolves after the list and once the watch's response headers arrive: a
 * server that holds the headers back until the first event makes it hang.
 */
const START = 'informer.start() (list, then the watch response headers)';
const rvOf = (o: KubernetesObject): string => o.metadata?.resourceVersion ?? '';
const uidOf = (o: KubernetesObject): string => o.metadata?.uid ?? '';

/**
 * Drops updates that leave the labels as the previous event had them, so a status write by a
 * controller (a scheduler marking a pod unschedulable, say) cannot make the order check flaky;
 * every update the test itself makes changes a label.
 */
function labelSteps(events: Recorded[]): Recorded[] {
  const out: Recorded[] = [];
  for (const e of events) {
    const prev = out.at(-1);
    if (
      e.verb === 'update' &&
      prev !== undefined &&
      JSON.stringify(prev.labels) === JSON.stringify(e.labels)
    )
      continue;
    out.push(e);
  }
  return out;
}

/** One object: created, replaced, patched and deleted; callbacks and cache checked at each step. */
async function orderedScenario<T extends KubernetesObject>(
  subject: Subject<T>,
  rec: RecordingInformer<T>,
  namespace: string,
  checkSpec?: (step: 'create' | 'replace' | 'patch', spec: unknown) => void,
): Promise<void> {
  const { informer } = rec;
  const from = rec.events.length;
  const name = 'life';
  const onName =
    (verb: Recorded['verb'], pred: (e: Recorded) => boolean = () => true) =>
    (e: Recorded): boolean =>
      e.name === name && e.verb === verb && pred(e);

  const created = await subject.create(name, { app: 'e2e' });
  const added = await rec.waitEvent(`add ${name}`, onName('add'), from);
  assert.equal(added.uid, uidOf(created));
  assert.equal(added.resourceVersion, rvOf(created));
  assert.deepEqual(added.labels, { app: 'e2e' });
  checkSpec?.('create', added.spec);
  assert.equal(rvOf(informer.get(name, namespace) ?? {}), rvOf(created), 'cache after add');

  const replaced = await subject.replace(name, { app: 'e2e', tier: 'web' });
  assert.notEqual(rvOf(replaced), rvOf(created));
  const upd1 = await rec.waitEvent(
    `update ${name} tier=web`,
    onName('update', (e) => e.resourceVersion === rvOf(replaced)),
    from,
  );
  assert.deepEqual(upd1.labels, { app: 'e2e', tier: 'web' });
  checkSpec?.('replace', upd1.spec);
  assert.equal(informer.get(name, namespace)?.metadata?.labels?.['tier'], 'web', 'cache');

  const patched = await subject.patch(name, { tier: 'db' });
  const upd2 = await rec.waitEvent(
    `update ${name} tier=db`,
    onName('update', (e) => e.resourceVersion === rvOf(patched)),
    from,
  );
  assert.deepEqual(upd2.labels, { app: 'e2e', tier: 'db' });
  checkSpec?.('patch', upd2.spec);
  assert.equal(rvOf(informer.get(name, namespace) ?? {}), rvOf(patched), 'cache after patch');

  await subject.remove(name);
  const del = await rec.waitEvent(`delete ${name}`, onName('delete'), from);
  assert.equal(del.uid, uidOf(created));
  assert.deepEqual(del.labels, { app: 'e2e', tier: 'db' });
  assert.equal(informer.get(name, namespace), undefined, 'cache after delete');
  assert.ok(!informer.list(namespace).some((o) => o.metadata?.name === name));

  const steps = labelSteps(rec.events.slice(from).filter((e) => e.name === name));
  assert.deepEqual(
    steps.map((e) => `${e.verb} ${e.labels['tier'] ?? '-'}`),
    ['add -', 'update web', 'update db', 'delete db'],
    'callbacks in order',
  );
  assert.equal(rec.errors.length, 0, `informer errors: ${rec.errors.map(describeError).join()}`);
}

/**
 * Server restart: objects exist, the server is stopped by PID and started again on the same data
 * dir and port; while the informer is held after its error, one object is relabelled, one
 * deleted and one created; the informer, let go, must get 410 Expired, re-list, report exactly
 * those changes (update, delete, add) and keep the rest, then see an object created afterwards.
 */
async function restartScenario<T extends KubernetesObject>(
  t: TestContext,
  s: SkiffServer,
  kc: KubeConfig,
  subject: Subject<T>,
  rec: RecordingInformer<T>,
  namespace: string,
  restarted: (r: RestartedServer) => void,
): Promise<void> {
  const { informer } = rec;
  let from = rec.events.length;
  const kept = await subject.create('kept', { app: 'e2e' });
  await subject.create('moved', { app: 'e2e' });
  await subject.create('gone', { app: 'e2e' });
  for (const n of ['kept', 'moved', 'gone'])
    await rec.waitEvent(`add ${n}`, (e) => e.verb === 'add' && e.name === n, from);
  // A write this informer does not watch moves the cluster's revision past the informer's last
  // resourceVersion (as on any busy cluster), so that after the restart its resourceVersion is
  // older than the new watch cache's start and the informer must re-list on 410 Expired.
  const staleRV = rec.events.at(-1)?.resourceVersion ?? '';
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace: 'default',
    body: Object.assign(new V1ConfigMap(), { metadata: { generateName: 'bump-' } }),
  });
  const listsBefore = rec.lists();

  rec.pause();
  const errorsBefore = rec.errors.length;
  const server = await restartSkiffServer(s, kc);
  restarted(server);
  // The watch broke when the old process went away; its re-watch was refused.
  await rec.waitError(errorsBefore);

  from = rec.events.length;
  const moved = await subject.patch('moved', { tier: 'moved' });
  await subject.remove('gone');
  const during = await subject.create('during', { app: 'e2e' });
  // Skiff starts a resource's watch cache on first use and serves watches from storage (which
  // keeps the history) until it is ready, so the informer would just resume its watch. Wait until
  // the server answers a watch from the stale resourceVersion as kube-apiserver does after a
  // restart, 410 Expired, so that the re-list path is the one tested.
  await waitForExpired(kc, subject.path, staleRV);
  rec.resume();

  await rec.waitEvent('update moved', (e) => e.verb === 'update' && e.name === 'moved', from);
  await rec.waitEvent('delete gone', (e) => e.verb === 'delete' && e.name === 'gone', from);
  await rec.waitEvent('add during', (e) => e.verb === 'add' && e.name === 'during', from);
  const afterward = await subject.create('afterward', { app: 'e2e' });
  const late = await rec.waitEvent(
    'add afterward',
    (e) => e.verb === 'add' && e.name === 'afterward',
    from,
  );
  assert.equal(late.uid, uidOf(afterward));

  assert.ok(rec.lists() > listsBefore, 'the informer re-listed after 410 Expired');
  const seen = rec.events.slice(from).map((e) => `${e.verb} ${e.name}`);
  assert.ok(
    !seen.some((e) => e.endsWith(' kept')),
    `no event for the untouched object: ${seen.join()}`,
  );
  assert.deepEqual(
    [...seen].sort(),
    ['add afterward', 'add during', 'delete gone', 'update moved'],
    'exactly the changes made around the restart',
  );
  assert.deepEqual(
    informer
      .list(namespace)
      .map((o) => o.metadata?.name)
      .sort(),
    ['afterward', 'during', 'kept', 'moved'],
    'cache after the restart',
  );
  assert.equal(uidOf(informer.get('kept', namespace) ?? {}), uidOf(kept));
  assert.equal(rvOf(informer.get('moved', namespace) ?? {}), rvOf(moved));
  assert.equal(rvOf(informer.get('during', namespace) ?? {}), rvOf(during));
  t.diagnostic(
    `recovery: ${String(rec.lists() - listsBefore)} re-list(s); informer errors: ${rec.errors
      .slice(errorsBefore)
      .map(describeError)
      .join(' | ')}`,
  );
}

/** Creates the test namespace through the client. */
async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  // client-node's models are classes (its serializer reads plain nested objects alike): bodies
  // here are written against `kubernetes-types` and copied into the model class at the call.
  const body: Namespace = { metadata: { name } };
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: Object.assign(new V1Namespace(), body) });
}

describe('client-node informer on pods', () => {
  const namespace = 'informer-pods';
  let s: SkiffServer | undefined;
  let restarted: RestartedServer | undefined;
  let rec: RecordingInformer<V1Pod> | undefined;
  const kc = new KubeConfig();
  let subject: Subject<V1Pod>;

  before(async () => {
    s = await startSkiffServer([...API_SERVER_ONLY]);
    kc.loadFromFile(s.kubeconfig);
    await createNamespace(kc, namespace);
    const core = kc.makeApiClient(CoreV1Api);
    subject = {
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => core.listNamespacedPod({ namespace }),
      create: (name, labels) => {
        const body: Pod = {
          metadata: { name, labels },
          spec: { containers: [{ name: 'c', image: 'pause' }] },
        };
        return core.createNamespacedPod({ namespace, body: Object.assign(new V1Pod(), body) });
      },
      replace: async (name, labels) => {
        // The read answer is ours to change.
        const pod = await core.readNamespacedPod({ name, namespace });
        if (pod.metadata !== undefined) pod.metadata.labels = labels;
        return core.replaceNamespacedPod({ name, namespace, body: pod });
      },
      patch: (name, labels) =>
        core.patchNamespacedPod({ name, namespace, body: { metadata: { labels } } }, mergePatch),
      remove: async (name) => {
        await core.deleteNamespacedPod({ name, namespace });
      },
    };
    rec = recordingInformer(kc, subject.path, subject.list);
    await withTimeout(START, rec.informer.start());
  });
  after(async () => {
    await rec?.stop();
    await restarted?.stop();
    await s?.stop();
  });

  it('sees add, update and delete in order and keeps its cache', async () => {
    assert.ok(rec !== undefined);
    assert.deepEqual(rec.informer.list(namespace), []);
    await orderedScenario(subject, rec, namespace);
  });

  it('recovers from a server restart and sees later pods', async (t) => {
    assert.ok(rec !== undefined && s !== undefined);
    await restartScenario(t, s, kc, subject, rec, namespace, (r) => (restarted = r));
  });
});

/** The CronTab custom resource of the upstream CRD walkthrough. */
interface CronTab extends KubernetesObject {
  spec?: { cronSpec?: string; replicas?: number };
}

const GROUP = 'stable.example.com';
const VERSION = 'v1';
const PLURAL = 'crontabs';

const cronTabCrd: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: PLURAL, singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList' },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { cronSpec: { type: 'string' }, replicas: { type: 'integer' } },
              },
            },
          },
        },
      },
    ],
  },
};

describe('custom resources', () => {
  const namespace = 'informer-crontabs';
  let s: SkiffServer | undefined;
  let restarted: RestartedServer | undefined;
  let rec: RecordingInformer<CronTab> | undefined;
  const kc = new KubeConfig();
  let subject: Subject<CronTab>;

  before(async () => {
    s = await startSkiffServer([...API_SERVER_ONLY]);
    kc.loadFromFile(s.kubeconfig);
    await createNamespace(kc, namespace);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: Object.assign(new V1CustomResourceDefinition(), cronTabCrd),
    });
    const crdName = cronTabCrd.metadata?.name ?? '';
    await waitUntil('the CRD to be Established', async () => {
      const crd = await ext.readCustomResourceDefinition({ name: crdName });
      const conditions = crd.status?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return true;
      throw new Error(`conditions: ${JSON.stringify(conditions)}`);
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const base = { group: GROUP, version: VERSION, namespace, plural: PLURAL };
    const asCronTab = (o: unknown): CronTab => o as CronTab;
    const list = async (): Promise<KubernetesListObject<CronTab>> => {
      const l: unknown = await custom.listNamespacedCustomObject(base);
      return l as KubernetesListObject<CronTab>;
    };
    // Established means served; the first list must not 404.
    await waitUntil('crontabs to be served', async () => (await list()).items);
    subject = {
      path: `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
      list,
      create: async (name, labels) =>
        asCronTab(
          await custom.createNamespacedCustomObject({
            ...base,
            body: {
              apiVersion: `${GROUP}/${VERSION}`,
              kind: 'CronTab',
              metadata: { name, labels },
              spec: { cronSpec: '* * * * */5', replicas: 1 },
            },
          }),
        ),
      replace: async (name, labels) => {
        // The read answer is plain JSON and ours to change.
        const body = asCronTab(await custom.getNamespacedCustomObject({ ...base, name }));
        if (body.metadata !== undefined) body.metadata.labels = labels;
        body.spec = { ...body.spec, replicas: 2 };
        return asCronTab(await custom.replaceNamespacedCustomObject({ ...base, name, body }));
      },
      patch: async (name, labels) =>
        asCronTab(
          await custom.patchNamespacedCustomObject(
            { ...base, name, body: { metadata: { labels }, spec: { cronSpec: '*/10 * * * *' } } },
            mergePatch,
          ),
        ),
      remove: async (name) => {
        await custom.deleteNamespacedCustomObject({ ...base, name });
      },
    };
    rec = recordingInformer(kc, subject.path, subject.list);
    await withTimeout(START, rec.informer.start());
  });
  after(async () => {
    await rec?.stop();
    await restarted?.stop();
    await s?.stop();
  });

  it('sees add, update and delete in order and keeps its cache', async () => {
    assert.ok(rec !== undefined);
    assert.deepEqual(rec.informer.list(namespace), []);
    await orderedScenario(subject, rec, namespace, (step, spec) => {
      const want = {
        create: { cronSpec: '* * * * */5', replicas: 1 },
        replace: { cronSpec: '* * * * */5', replicas: 2 },
        patch: { cronSpec: '*/10 * * * *', replicas: 2 },
      }[step];
      assert.deepEqual(spec, want, `spec after ${step}`);
    });
  });

  it('recovers from a server restart and sees later custom objects', async (t) => {
    assert.ok(rec !== undefined && s !== undefined);
    await restartScenario(t, s, kc, subject, rec, namespace, (r) => (restarted = r));
  });
});
