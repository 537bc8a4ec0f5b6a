import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { PriorityQueue } from './priority-queue.ts';

const pod = (name: string, priority = 0): Pod => ({
  metadata: { namespace: 'ns', name, uid: `uid-${name}` },
  spec: { priority, containers: [] },
});

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

async function names(q: PriorityQueue, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await q.pop())?.pod.metadata?.name ?? '');
  return out;
}

describe('PriorityQueue', () => {
  it('pops by priority, then by queueing time', async () => {
    const c = clock();
    const q = new PriorityQueue({ now: c.now });
    q.add(pod('low-early', 0));
    c.advance(1);
    q.add(pod('high', 100));
    c.advance(1);
    q.add(pod('low-late', 0));
    c.advance(1);
    q.add(pod('mid', 50));
    assert.deepEqual(await names(q, 4), ['high', 'mid', 'low-early', 'low-late']);
  });

  it('hands a pod to a waiting pop at once, and close() ends the wait', async () => {
    const q = new PriorityQueue();
    const waiting = q.pop();
    q.add(pod('a'));
    assert.equal((await waiting)?.pod.metadata?.name, 'a');
    const next = q.pop();
    q.close();
    assert.equal(await next, undefined);
  });

  it('parks a failed pod until a cluster event, then backs it off 1 s, 2 s, ... 10 s', async () => {
    const c = clock();
    const q = new PriorityQueue({ now: c.now });
    q.add(pod('a'));
    let info = await q.pop();
    assert.ok(info);
    q.addUnschedulableIfNotPresent(info, q.cycle);
    assert.deepEqual(q.sizes(), { active: 0, backoff: 0, unschedulable: 1 });
    q.moveAllToActiveOrBackoffQueue();
    assert.deepEqual(q.sizes(), { active: 0, backoff: 1, unschedulable: 0 });
    c.advance(999);
    q.flush();
    assert.equal(q.sizes().active, 0, 'still backing off after 999 ms (first attempt: 1 s)');
    c.advance(1);
    q.flush();
    assert.equal(q.sizes().active, 1);
    info = await q.pop();
    assert.ok(info);
    assert.equal(info.attempts, 2);
    q.addUnschedulableIfNotPresent(info, q.cycle);
    q.moveAllToActiveOrBackoffQueue();
    c.advance(1999);
    q.flush();
    assert.equal(q.sizes().active, 0, 'second attempt backs off 2 s');
    c.advance(1);
    q.flush();
    assert.equal(q.sizes().active, 1);
  });

  it('sends a pod that failed after a move request in its cycle to backoff, not unschedulable', async () => {
    const c = clock();
    const q = new PriorityQueue({ now: c.now });
    q.add(pod('a'));
    const info = await q.pop();
    assert.ok(info);
    const cycle = q.cycle;
    q.moveAllToActiveOrBackoffQueue(); // e.g. a node was added while the pod was being scheduled
    q.addUnschedulableIfNotPresent(info, cycle);
    assert.deepEqual(q.sizes(), { active: 0, backoff: 1, unschedulable: 0 });
  });

  it('an idle scheduler takes a pod rejected by plugins from backoff at once (1.33)', async () => {
    const c = clock();
    const q = new PriorityQueue({ now: c.now });
    q.add(pod('a'));
    const info = await q.pop();
    assert.ok(info);
    q.addUnschedulableIfNotPresent(
      { ...info, unschedulablePlugins: new Set(['NodeResourcesFit']) },
      q.cycle,
    );
    const waiting = q.pop(); // the scheduler waits on an empty queue
    q.moveAllToActiveOrBackoffQueue(); // e.g. the node became Ready
    const again = await waiting;
    assert.ok(again);
    assert.equal(again.pod.metadata?.name, 'a', 'retried without waiting out the 1 s backoff');
    assert.equal(again.attempts, 2);
    // Not waiting: it stays in backoff until a pop finds activeQ empty.
    q.addUnschedulableIfNotPresent(again, -1);
    q.moveAllToActiveOrBackoffQueue();
    q.add(pod('b'));
    assert.deepEqual(await names(q, 2), ['b', 'a'], 'activeQ first, then backoff early');
  });

  it('a pod whose attempt failed with an error always waits out its backoff', async () => {
    const c = clock();
    const q = new PriorityQueue({ now: c.now });
    q.add(pod('a'));
    const info = await q.pop();
    assert.ok(info);
    q.addUnschedulableIfNotPresent(info, q.cycle); // no rejecting plugin: an error
    q.moveAllToActiveOrBackoffQueue();
    let got: string | undefined;
    const waiting = q.pop().then((i) => (got = i?.pod.metadata?.name));
    await new Promise((r) => setImmediate(r));
    assert.equal(got, undefined);
    c.advance(1000);
    q.flush();
    await waiting;
    assert.equal(got, 'a');
  });

  it('without popFromBackoffQ, rejected pods wait out their backoff too', async () => {
    const c = clock();
    const q = new PriorityQueue({ now: c.now, popFromBackoffQ: false });
    q.add(pod('a'));
    const info = await q.pop();
    assert.ok(info);
    q.addUnschedulableIfNotPresent({ ...info, unschedulablePlugins: new Set(['X']) }, q.cycle);
    q.moveAllToActiveOrBackoffQueue();
    assert.deepEqual(q.sizes(), { active: 0, backoff: 1, unschedulable: 0 });
    c.advance(1000);
    q.flush();
    assert.equal((await q.pop())?.pod.metadata?.name, 'a');
  });

  it('retries a pod left unschedulable for 5 minutes, and an updated spec at once', async () => {
    const c = clock();
    const q = new PriorityQueue({ now: c.now });
    q.add(pod('a'));
    q.add(pod('b'));
    const a = await q.pop();
    const b = await q.pop();
    assert.ok(a && b);
    q.addUnschedulableIfNotPresent(a, q.cycle);
    q.addUnschedulableIfNotPresent(b, q.cycle);
    c.advance(5 * 60_000 + 1);
    q.flush();
    assert.equal(q.sizes().unschedulable, 0);
    const a2 = await q.pop();
    assert.ok(a2);
    q.addUnschedulableIfNotPresent(a2, q.cycle);
    const changed = pod('a');
    changed.spec = { ...changed.spec, containers: [], nodeSelector: { disk: 'ssd' } };
    q.update(changed);
    assert.equal(q.sizes().unschedulable, 0);
    q.delete(pod('b'));
    // Still inside its 2 s backoff (second attempt): retried from backoffQ.
    assert.deepEqual(q.sizes(), { active: 0, backoff: 1, unschedulable: 0 });
  });
});
