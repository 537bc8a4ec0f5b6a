import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { everything } from '../../api/index.ts';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  History,
  canonicalJSON,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  hashControllerRevision,
  newControllerRevision,
  nextRevision,
  safeEncodeString,
  sortControllerRevisions,
  templateFromRevision,
  templatePatch,
} from './index.ts';

const KIND = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const parent: StatefulSet = {
  metadata: { name: 'web', namespace: 'ns', uid: 'uid-web' },
  spec: { selector: {}, serviceName: '', template: {} },
};

function rev(
  name: string,
  revision: number,
  created: string,
  data: unknown = {},
): ControllerRevision {
  return {
    metadata: { name, namespace: 'ns', creationTimestamp: created },
    revision,
    data: data as ControllerRevision['data'],
  };
}

describe('hashing and naming', () => {
  it('encodes with the safe alphabet (upstream rand.SafeEncodeString)', () => {
    // '0' is 48: 48 % 27 = 21 → '4'; '9' is 57 → 57 % 27 = 3 → 'f'.
    assert.equal(safeEncodeString('09'), '4f');
  });
  it('hashes FNV-1 32 of the canonical JSON, then the probe', () => {
    // FNV-1 32 of no bytes is the offset basis 2166136261.
    assert.equal(hashControllerRevision(undefined), safeEncodeString('2166136261'));
    const a = hashControllerRevision({ b: 1, a: 2 });
    assert.equal(a, hashControllerRevision({ a: 2, b: 1 }), 'key order does not matter');
    assert.notEqual(hashControllerRevision({ a: 2, b: 1 }, 1), a);
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
  it('writes JSON as Go does', () => {
    assert.equal(
      canonicalJSON({ z: [1, { y: 'a<b' }], a: null, u: undefined }),
      '{"a":null,"z":[1,{"y":"a\\u003cb"}]}',
    );
  });
  it('names revisions <prefix>-<hash>, truncating long prefixes to 223 bytes', () => {
    assert.equal(controllerRevisionName('web', 'abc'), 'web-abc');
    assert.equal(controllerRevisionName('x'.repeat(300), 'h').length, 225);
  });
  it('makes a revision with labels, controller ref and hash label', () => {
    const data = templatePatch({ metadata: { labels: { app: 'web' } } });
    const cr = newControllerRevision(parent, KIND, { app: 'web' }, data, 3, 0);
    const hash = hashControllerRevision(data, 0);
    const meta = cr.metadata ?? {};
    assert.equal(meta.name, `web-${hash}`);
    assert.deepEqual(meta.labels, { app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: hash });
    assert.equal((meta.ownerReferences ?? [])[0]?.uid, 'uid-web');
    assert.equal(cr.revision, 3);
    assert.deepEqual(templateFromRevision(cr), { metadata: { labels: { app: 'web' } } });
  });
});

describe('ordering and equality', () => {
  it('sorts by revision, then creation time, then name (upstream TestSortControllerRevisions)', () => {
    const revs = [
      rev('c', 2, '2024-01-01T00:00:00Z'),
      rev('b', 1, '2024-01-01T00:00:02Z'),
      rev('a', 1, '2024-01-01T00:00:02Z'),
      rev('d', 1, '2024-01-01T00:00:01Z'),
    ];
    assert.deepEqual(
      sortControllerRevisions(revs).map((r) => r.metadata?.name),
      ['d', 'a', 'b', 'c'],
    );
    assert.equal(nextRevision(revs), 3);
    assert.equal(nextRevision([]), 1);
  });
  it('finds equal revisions by data', () => {
    const a = rev('a', 1, '', { x: 1 });
    const b = rev('b', 2, '', { x: 2 });
    const c = rev('c', 3, '', { x: 1 });
    assert.equal(equalRevision(a, c), true);
    assert.equal(equalRevision(a, b), false);
    assert.equal(equalRevision(undefined, undefined), true);
    assert.deepEqual(
      findEqualRevisions([a, b, c], rev('n', 4, '', { x: 1 })).map((r) => r.metadata?.name),
      ['a', 'c'],
    );
  });
});

describe('History', () => {
  async function setup(seed: ControllerRevision[] = []) {
    const cluster = new FakeCluster();
    cluster.seed(BUILTIN_RESOURCES.controllerRevisions, ...seed);
    const factory = new InformerFactory(cluster.clientset);
    const informer = factory.informer<ControllerRevision>(BUILTIN_RESOURCES.controllerRevisions);
    const ac = new AbortController();
    factory.start(ac.signal);
    await factory.waitForCacheSync();
    const history = new History(cluster.clientset, informer.lister);
    return {
      cluster,
      history,
      stop: async () => {
        ac.abort();
        await factory.stopped();
      },
    };
  }

  it('returns the existing revision on a collision with equal data, re-hashes with other data', async () => {
    const { cluster, history, stop } = await setup();
    const data = templatePatch({ spec: { containers: [] } });
    const cr = newControllerRevision(parent, KIND, {}, data, 1, 0);
    const first = await history.createControllerRevision(parent, cr, 0);
    assert.equal(first.collisionCount, 0);
    const again = await history.createControllerRevision(parent, cr, 0);
    assert.equal(again.revision.metadata?.uid, first.revision.metadata?.uid);
    // A revision of other data squatting on the name forces the collision count up.
    const other = newControllerRevision(parent, KIND, {}, data, 1, 1);
    await cluster.clientset.controllerRevisions.create('ns', {
      ...other,
      data: { other: true },
    });
    const bumped = await history.createControllerRevision(parent, cr, 1);
    assert.equal(bumped.collisionCount, 2);
    assert.equal(bumped.revision.metadata?.name, `web-${hashControllerRevision(data, 2)}`);
    await stop();
  });

  it('lists owned and orphaned revisions, adopts, renumbers and deletes', async () => {
    const { cluster, history, stop } = await setup([
      { ...rev('orphan', 1, ''), metadata: { name: 'orphan', namespace: 'ns', uid: 'u1' } },
      {
        ...rev('theirs', 1, ''),
        metadata: {
          name: 'theirs',
          namespace: 'ns',
          uid: 'u2',
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'StatefulSet',
              name: 'x',
              uid: 'other',
              controller: true,
            },
          ],
        },
      },
    ]);
    const listed = history.listControllerRevisions(parent, everything());
    assert.deepEqual(
      listed.map((r) => r.metadata?.name),
      ['orphan'],
    );
    const adopted = await history.adoptControllerRevision(parent, KIND, listed[0]!);
    assert.equal(adopted.metadata?.ownerReferences?.[0]?.uid, 'uid-web');
    const renumbered = await history.updateControllerRevision(adopted, 7);
    assert.equal(renumbered.revision, 7);
    await history.deleteControllerRevision(renumbered);
    await history.deleteControllerRevision(renumbered); // NotFound is done
    assert.equal(cluster.peek(BUILTIN_RESOURCES.controllerRevisions, 'ns', 'orphan'), undefined);
    await stop();
  });
});
