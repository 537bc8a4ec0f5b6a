import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONTAINER_GC_POLICY, planContainerGc } from './container-gc.ts';
import type { GcContainer } from './container-gc.ts';

// Cases after upstream's kuberuntime_gc_test.go TestContainerGC.
const c = (
  id: string,
  podUid: string,
  name: string,
  createdAt: number,
  running = false,
): GcContainer => ({
  id,
  podUid,
  name,
  running,
  createdAt,
});
const live = { shouldPodContentBeRemoved: () => false, shouldPodRuntimeBeRemoved: () => false };

describe('planContainerGc (upstream TestContainerGC)', () => {
  it('keeps the newest exited instance per container and never a running one', () => {
    const got = planContainerGc(
      [
        c('a0', 'p', 'app', 0),
        c('a1', 'p', 'app', 1),
        c('a2', 'p', 'app', 2),
        c('a3', 'p', 'app', 3, true),
        c('b0', 'p', 'side', 0),
      ],
      DEFAULT_CONTAINER_GC_POLICY,
      100,
      live,
      { allSourcesReady: true },
    );
    assert.deepEqual(got, ['a0', 'a1']);
  });
  it('removes every instance of a deleted pod; terminated pods too when evicting', () => {
    const list = [
      c('d0', 'gone', 'app', 0),
      c('d1', 'gone', 'app', 1),
      c('t0', 'done', 'app', 0),
      c('t1', 'done', 'app', 1),
    ];
    const state = {
      shouldPodContentBeRemoved: (uid: string) => uid === 'gone',
      shouldPodRuntimeBeRemoved: (uid: string) => uid === 'gone' || uid === 'done',
    };
    assert.deepEqual(
      planContainerGc(list, DEFAULT_CONTAINER_GC_POLICY, 10, state, { allSourcesReady: true }),
      ['d0', 'd1', 't0'],
    );
    assert.deepEqual(
      planContainerGc(list, DEFAULT_CONTAINER_GC_POLICY, 10, state, {
        allSourcesReady: true,
        evictNonDeletedPods: true,
      }),
      ['d0', 'd1', 't0', 't1'],
    );
    // Before all sources are ready, pod state is not trusted.
    assert.deepEqual(
      planContainerGc(list, DEFAULT_CONTAINER_GC_POLICY, 10, state, { allSourcesReady: false }),
      ['d0', 't0'],
    );
  });
  it('min age and a node-wide maximum', () => {
    const list = [
      c('x0', 'p', 'x', 0),
      c('x1', 'p', 'x', 50),
      c('y0', 'q', 'y', 10),
      c('y1', 'q', 'y', 20),
    ];
    assert.deepEqual(
      planContainerGc(
        list,
        { minAgeMs: 60, maxPerPodContainer: -1, maxContainers: -1 },
        100,
        live,
        { allSourcesReady: true },
      ),
      [],
    );
    assert.deepEqual(
      planContainerGc(list, { minAgeMs: 0, maxPerPodContainer: -1, maxContainers: 1 }, 100, live, {
        allSourcesReady: true,
      }).sort(),
      ['x0', 'y0', 'y1'],
    );
  });
});
