import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImageGcManager } from './gc-manager.ts';
import type { GcImageStore } from './gc-manager.ts';
import type { ImageRecord } from './store.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function record(name: string, id: string, size: number): ImageRecord {
  return {
    name,
    digest: digest(id === 'a' ? 'd' : 'e'),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    configDigest: digest(id),
    layers: [],
    size,
    storedAt: '2026-01-01T00:00:00Z',
  };
}

function fakeStore(records: ImageRecord[]): GcImageStore & { removed: string[]; prunes: number } {
  const s = {
    removed: [] as string[],
    prunes: 0,
    listImages: () => Promise.resolve([...records]),
    removeImage: (name: string) => {
      const i = records.findIndex((r) => r.name === name);
      if (i >= 0) records.splice(i, 1);
      s.removed.push(name);
      return Promise.resolve(i >= 0);
    },
    prune: () => {
      s.prunes++;
      return Promise.resolve(0);
    },
  };
  return s;
}

function setup(
  records: ImageRecord[],
  fs: { capacity: number; available: number },
  inUse: string[] = [],
) {
  let now = 1_000_000;
  const store = fakeStore(records);
  const events: { reason: string; message: string }[] = [];
  const m = new ImageGcManager({
    store,
    imagesInUse: () => inUse,
    imageFs: () => Promise.resolve(fs),
    now: () => now,
    recorder: { event: (_o, _t, reason, message) => events.push({ reason, message }) },
    nodeRef: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', uid: 'n' } },
  });
  return { m, store, events, advance: (ms: number) => (now += ms) };
}

describe('ImageGcManager (upstream image_gc_manager_test)', () => {
  it('below the high threshold: nothing is removed', async () => {
    const s = setup([record('docker.io/library/a:1', 'b', 450)], {
      capacity: 1000,
      available: 500,
    });
    s.advance(300_000);
    const r = await s.m.garbageCollect();
    assert.deepEqual(r.removed, []);
    assert.equal(s.store.prunes, 0);
  });

  it('above the high threshold: unused images old enough are removed, in-use ones kept', async () => {
    const s = setup(
      [
        record('docker.io/library/busybox:latest', 'a', 450),
        record('docker.io/library/old:1', 'b', 450),
      ],
      { capacity: 1000, available: 100 },
      ['busybox'],
    );
    await s.m.detectImages();
    s.advance(120_000);
    const r = await s.m.garbageCollect();
    assert.deepEqual(r.removed, [digest('b')]);
    assert.deepEqual(s.store.removed, ['docker.io/library/old:1']);
    assert.equal(s.store.prunes, 1);
  });

  it('images younger than the minimum age stay; too little freed fails with the event', async () => {
    const s = setup([record('docker.io/library/new:1', 'b', 450)], {
      capacity: 1000,
      available: 100,
    });
    await assert.rejects(s.m.garbageCollect(), {
      message:
        'Failed to garbage collect required amount of images. Attempted to free 100 bytes, but only found 0 bytes eligible to free.',
    });
    assert.deepEqual(s.events, [
      {
        reason: 'FreeDiskSpaceFailed',
        message:
          'Failed to garbage collect required amount of images. Attempted to free 100 bytes, but only found 0 bytes eligible to free.',
      },
    ]);
    s.advance(120_000);
    assert.deepEqual((await s.m.garbageCollect()).removed, [digest('b')]);
  });

  it('zero capacity: InvalidDiskCapacity', async () => {
    const s = setup([], { capacity: 0, available: 0 });
    await assert.rejects(s.m.garbageCollect(), {
      message: 'invalid capacity 0 on image filesystem',
    });
    assert.equal(s.events[0]?.reason, 'InvalidDiskCapacity');
  });

  it('deleteUnusedImages removes every unused image past the minimum age, all its names', async () => {
    const s = setup(
      [
        record('docker.io/library/a:1', 'b', 10),
        record('docker.io/library/a:alias', 'b', 10),
        record('docker.io/library/used:1', 'a', 10),
      ],
      { capacity: 1000, available: 900 },
      [digest('a')],
    );
    await s.m.detectImages();
    s.advance(120_000);
    const r = await s.m.deleteUnusedImages();
    assert.deepEqual(r.removed, [digest('b')]);
    assert.deepEqual(s.store.removed.sort(), [
      'docker.io/library/a:1',
      'docker.io/library/a:alias',
    ]);
  });

  it('the periodic loop raises ImageGCFailed only on repeated failures', async () => {
    const s = setup([], { capacity: 0, available: 0 });
    const ac = new AbortController();
    let calls = 0;
    const orig = s.m.garbageCollect.bind(s.m);
    s.m.garbageCollect = () => {
      calls++;
      if (calls >= 2) ac.abort();
      return orig();
    };
    await s.m.run(ac.signal, 1);
    assert.deepEqual(
      s.events.map((e) => e.reason),
      ['InvalidDiskCapacity', 'InvalidDiskCapacity', 'ImageGCFailed'],
    );
  });
});
