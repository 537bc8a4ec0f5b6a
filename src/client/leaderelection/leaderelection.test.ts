import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { BUILTIN_RESOURCES, newClientset } from '../clientset.ts';
import type { Clientset } from '../clientset.ts';
import type { GroupVersionResource, KubeObject } from '../types.ts';
import { FakeCluster } from '../fake/index.ts';
import { newFakeClock, settle } from '../workqueue/index.ts';
import type { FakeClock } from '../workqueue/index.ts';
import { runLeaderElection } from './index.ts';

const LEASES = BUILTIN_RESOURCES.leases;
const T0 = Date.UTC(2024, 0, 1);

interface Candidate {
  id: string;
  stop: AbortController;
  run: Promise<void>;
  leading: boolean;
  stoppedLeading: boolean;
  newLeaders: string[];
}

function world(): { clock: FakeClock; cluster: FakeCluster; log: string[] } {
  const clock = newFakeClock(T0);
  const cluster = new FakeCluster({ now: () => new Date(clock.now()) });
  return { clock, cluster, log: [] };
}

/** Starts a candidate; records leadership periods into `log` and checks for two leaders. */
function candidate(
  w: { clock: FakeClock; cluster: FakeCluster; log: string[] },
  id: string,
  all: Candidate[],
  clientset: Clientset = w.cluster.clientset,
): Candidate {
  const stop = new AbortController();
  const c: Candidate = {
    id,
    stop,
    run: Promise.resolve(),
    leading: false,
    stoppedLeading: false,
    newLeaders: [],
  };
  c.run = runLeaderElection({
    clientset,
    namespace: 'kube-system',
    name: 'kube-controller-manager',
    identity: id,
    clock: w.clock,
    random: () => 0.5,
    signal: stop.signal,
    onStartedLeading(signal) {
      const others = all.filter((o) => o !== c && o.leading).map((o) => o.id);
      assert.deepEqual(others, [], `${id} started leading while ${others.join()} led`);
      c.leading = true;
      w.log.push(`${String((w.clock.now() - T0) / 1000)}s ${id} started`);
      signal.addEventListener('abort', () => {
        c.leading = false;
        w.log.push(`${String((w.clock.now() - T0) / 1000)}s ${id} stopped`);
      });
    },
    onStoppedLeading() {
      c.stoppedLeading = true;
    },
    onNewLeader(leader) {
      c.newLeaders.push(leader);
    },
  });
  all.push(c);
  return c;
}

const lease = (cluster: FakeCluster): Lease | undefined =>
  cluster.peek<Lease>(LEASES, 'kube-system', 'kube-controller-manager');

describe('runLeaderElection', () => {
  it('rejects invalid timings with upstream messages', async () => {
    const { cluster } = world();
    const base = {
      clientset: cluster.clientset,
      namespace: 'ns',
      name: 'l',
      identity: 'a',
      signal: AbortSignal.abort(),
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    };
    const cases: [Partial<Parameters<typeof runLeaderElection>[0]>, string][] = [
      [{ leaseDurationMs: 10_000 }, 'leaseDuration must be greater than renewDeadline'],
      [{ retryPeriodMs: 9000 }, 'renewDeadline must be greater than retryPeriod*JitterFactor'],
      [{ identity: '' }, 'Lock identity is empty'],
    ];
    for (const [over, message] of cases) {
      await assert.rejects(runLeaderElection({ ...base, ...over }), { message });
    }
  });

  it('creates the Lease, renews it, and releases it on cancel', async () => {
    const w = world();
    const all: Candidate[] = [];
    const a = candidate(w, 'a', all);
    await w.clock.advance(0);
    assert.equal(a.leading, true);
    const created = lease(w.cluster);
    assert.deepEqual(created?.spec, {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2024-01-01T00:00:00.000000Z',
      renewTime: '2024-01-01T00:00:00.000000Z',
      leaseTransitions: 0,
    });
    await w.clock.advance(4000);
    const renewed = lease(w.cluster);
    assert.equal(renewed?.spec?.renewTime, '2024-01-01T00:00:04.000000Z');
    assert.equal(renewed.spec.acquireTime, '2024-01-01T00:00:00.000000Z');
    assert.deepEqual(a.newLeaders, ['a']);

    a.stop.abort();
    await a.run;
    assert.equal(a.leading, false);
    assert.equal(a.stoppedLeading, true);
    const released = lease(w.cluster);
    assert.equal(released?.spec?.holderIdentity, '');
    assert.equal(released.spec.leaseDurationSeconds, 1);
    assert.equal(released.spec.leaseTransitions, 0);
    assert.equal(w.clock.pending(), 0, 'no timer left behind');
  });

  it('two candidates never lead at once; the second takes over at once after a release', async () => {
    const w = world();
    const all: Candidate[] = [];
    const a = candidate(w, 'a', all);
    await w.clock.advance(0);
    const b = candidate(w, 'b', all);
    await w.clock.advance(30_000);
    assert.equal(a.leading, true);
    assert.equal(b.leading, false, 'a renews, so b never sees the lease expire');
    assert.deepEqual(b.newLeaders, ['a']);

    a.stop.abort();
    await a.run;
    // b's next try (retryPeriod * (1 + 0.5 * 1.2) = 3.2 s) finds no holder.
    await w.clock.advance(3200);
    assert.equal(b.leading, true);
    assert.equal(lease(w.cluster)?.spec?.holderIdentity, 'b');
    assert.equal(lease(w.cluster)?.spec?.leaseTransitions, 1);
    // As upstream, the release is observed and replaced within one try: '' is not reported.
    assert.deepEqual(b.newLeaders, ['a', 'b']);
    b.stop.abort();
    await b.run;
  });

  it('takes over an expired Lease only leaseDuration after last seeing it change', async () => {
    const w = world();
    w.cluster.seed(LEASES, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: 'kube-system', name: 'kube-controller-manager' },
      spec: {
        holderIdentity: 'old',
        leaseDurationSeconds: 15,
        // Long ago by the holder's clock: only our own observation counts.
        renewTime: '2020-01-01T00:00:00.000000Z',
        acquireTime: '2020-01-01T00:00:00.000000Z',
        leaseTransitions: 3,
      },
    } as Lease);
    const all: Candidate[] = [];
    const b = candidate(w, 'b', all);
    await w.clock.advance(14_000);
    assert.equal(b.leading, false);
    await w.clock.advance(3_000);
    assert.equal(b.leading, true);
    const l = lease(w.cluster);
    assert.equal(l?.spec?.holderIdentity, 'b');
    assert.equal(l.spec.leaseTransitions, 4);
    assert.equal(l.spec.acquireTime, l.spec.renewTime);
    b.stop.abort();
    await b.run;
  });

  it('stops leading when renewal fails past renewDeadline, before another can acquire', async () => {
    const w = world();
    const all: Candidate[] = [];
    // a reaches the API through a link that breaks at 4 s: every call then fails, release too.
    let partitioned = false;
    const broken = newClientset(<T extends KubeObject>(gvr: GroupVersionResource) => {
      const real = w.cluster.client<T>(gvr);
      return new Proxy(real, {
        get(target, prop, receiver) {
          const v: unknown = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function' || prop === 'gvr') return v;
          return (...args: unknown[]): unknown =>
            partitioned
              ? Promise.reject(new Error('connection refused'))
              : (v as (...a: unknown[]) => unknown).apply(target, args);
        },
      });
    });
    const a = candidate(w, 'a', all, broken);
    await w.clock.advance(0);
    const b = candidate(w, 'b', all);
    await w.clock.advance(4000);
    partitioned = true;
    await w.clock.advance(30_000);
    await a.run;
    assert.equal(a.stoppedLeading, true);
    assert.equal(b.leading, true);
    const started = w.log.map((l) => l.split(' '));
    const aStopped = started.find(([, id, what]) => id === 'a' && what === 'stopped');
    const bStarted = started.find(([, id, what]) => id === 'b' && what === 'started');
    assert.ok(aStopped && bStarted);
    assert.ok(parseFloat(aStopped[0] ?? '') < parseFloat(bStarted[0] ?? ''), w.log.join('; '));
    // a's renewal round from 6 s failed until its 10 s deadline; b last saw the Lease change
    // at its try at 6.4 s and took over at its first try after 6.4 + 15 s.
    assert.deepEqual(w.log, ['0s a started', '16s a stopped', '22.4s b started']);
    assert.equal(lease(w.cluster)?.spec?.leaseTransitions, 1);
    b.stop.abort();
    await b.run;
    await settle();
  });

  it('releases the Lease only after the work started by onStartedLeading settled', async () => {
    const w = world();
    const stop = new AbortController();
    let stopped = false;
    const run = runLeaderElection({
      clientset: w.cluster.clientset,
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      identity: 'a',
      clock: w.clock,
      signal: stop.signal,
      // The controllers take 1 s to stop after the signal.
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            w.clock.setTimer(resolve, 1000);
          });
        }),
      onStoppedLeading: () => {
        stopped = true;
      },
    });
    await w.clock.advance(0);
    stop.abort();
    await w.clock.advance(500);
    assert.equal(lease(w.cluster)?.spec?.holderIdentity, 'a', 'not released while work runs');
    assert.equal(stopped, false);
    await w.clock.advance(600);
    await run;
    assert.equal(lease(w.cluster)?.spec?.holderIdentity, '');
    assert.equal(stopped, true);
  });
});
