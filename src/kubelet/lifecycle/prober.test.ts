import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus, Probe } from 'kubernetes-types/core/v1.js';
import { PodProber } from './prober.ts';
import type { ProbeOutcome } from './probe-spec.ts';
import type { ProbeType } from './types.ts';

// Cases after upstream's pkg/kubelet/prober/worker_test.go.
const T0 = Date.parse('2026-01-01T00:00:00Z');
const ok: ProbeOutcome = { result: 'success', output: '' };
const bad: ProbeOutcome = { result: 'failure', output: 'HTTP probe failed with statuscode: 500' };

function podWith(type: ProbeType, probe: Probe, restartPolicy = 'Always'): Pod {
  const key =
    type === 'liveness'
      ? 'livenessProbe'
      : type === 'readiness'
        ? 'readinessProbe'
        : 'startupProbe';
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u' },
    spec: { restartPolicy, containers: [{ name: 'c', image: 'busybox', [key]: probe }] },
  };
}

function runningStatus(id = 'runc://c1', startedAt = T0, started = true): PodStatus {
  return {
    phase: 'Running',
    podIP: '10.0.0.5',
    containerStatuses: [
      {
        name: 'c',
        image: 'busybox',
        imageID: '',
        ready: false,
        restartCount: 0,
        containerID: id,
        started,
        state: { running: { startedAt: new Date(startedAt).toISOString() } },
      },
    ],
  };
}

/** Ticks at `now` and completes the single due probe with `outcome`. */
function step(p: PodProber, now: number, status: PodStatus, outcome: ProbeOutcome) {
  const reqs = p.tick(now, status);
  assert.ok(reqs.length <= 1);
  const req = reqs[0];
  if (req === undefined) return undefined;
  return p.complete(req, outcome);
}

describe('PodProber', () => {
  it('initial results: readiness failure, liveness success, startup unknown', () => {
    for (const [type, want] of [
      ['readiness', 'failure'],
      ['liveness', 'success'],
      ['startup', 'unknown'],
    ] as const) {
      const p = new PodProber(podWith(type, { exec: { command: ['true'] } }), T0);
      // A new container ID stores the initial value before anything is probed.
      p.tick(T0, runningStatus('runc://c1', T0, type !== 'startup'));
      assert.equal(p.get(type, 'runc://c1'), want, type);
    }
  });

  it('waits for the container to exist and run', () => {
    const p = new PodProber(podWith('liveness', { exec: { command: ['true'] } }), T0);
    assert.deepEqual(p.tick(T0, { phase: 'Pending', containerStatuses: [] }), []);
    const waiting: PodStatus = {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'c',
          image: '',
          imageID: '',
          ready: false,
          restartCount: 0,
          containerID: 'runc://c1',
          state: { waiting: {} },
        },
      ],
    };
    p.trigger('c', 'liveness');
    assert.deepEqual(p.tick(T0, waiting), []);
    assert.equal(p.get('liveness', 'runc://c1'), 'failure');
  });

  it('honours initialDelaySeconds (truncated seconds)', () => {
    const p = new PodProber(
      podWith('readiness', {
        exec: { command: ['true'] },
        initialDelaySeconds: 10,
        periodSeconds: 1,
      }),
      T0,
    );
    const s = runningStatus('runc://c1', T0);
    assert.deepEqual(p.tick(T0 + 9_999, s), []);
    const reqs = p.tick(T0 + 10_000, s);
    assert.equal(reqs.length, 1);
  });

  it('probes every periodSeconds, not in between, and skips ticks while a probe is in flight', () => {
    const p = new PodProber(
      podWith('readiness', { exec: { command: ['true'] }, periodSeconds: 5 }),
      T0,
    );
    const s = runningStatus();
    const [r1] = p.tick(T0, s);
    assert.ok(r1);
    assert.equal(p.nextDue(), undefined, 'in flight');
    assert.deepEqual(p.tick(T0 + 20_000, s), []);
    p.complete(r1, ok);
    assert.equal(p.nextDue(), T0 + 5_000);
    assert.deepEqual(p.tick(T0 + 4_999, s), []);
    assert.equal(p.tick(T0 + 5_000, s).length, 1);
  });

  it('applies failureThreshold and successThreshold', () => {
    const probe: Probe = {
      exec: { command: ['x'] },
      periodSeconds: 1,
      failureThreshold: 3,
      successThreshold: 2,
    };
    const p = new PodProber(podWith('readiness', probe), T0);
    const s = runningStatus();
    let t = T0;
    const next = (o: ProbeOutcome) => {
      const r = step(p, t, s, o);
      t += 1000;
      return r;
    };
    next(ok);
    assert.equal(
      p.get('readiness', 'runc://c1'),
      'failure',
      'one success below successThreshold 2',
    );
    assert.deepEqual(next(ok), { events: [], changed: true });
    assert.equal(p.get('readiness', 'runc://c1'), 'success');
    const f1 = next(bad);
    assert.deepEqual(f1?.events, [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 500',
      },
    ]);
    next(bad);
    assert.equal(
      p.get('readiness', 'runc://c1'),
      'success',
      'two failures below failureThreshold 3',
    );
    assert.equal(next(bad)?.changed, true);
    assert.equal(p.get('readiness', 'runc://c1'), 'failure');
  });

  it('puts liveness on hold after a failure until a new container appears', () => {
    const p = new PodProber(
      podWith('liveness', { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 1 }),
      T0,
    );
    const s = runningStatus();
    assert.equal(step(p, T0, s, bad)?.changed, true);
    assert.equal(p.get('liveness', 'runc://c1'), 'failure');
    assert.deepEqual(p.tick(T0 + 1000, s), [], 'on hold');
    const s2 = runningStatus('runc://c2', T0 + 1500);
    const reqs = p.tick(T0 + 2000, s2);
    assert.equal(reqs.length, 1);
    assert.equal(p.get('liveness', 'runc://c1'), undefined, 'old container forgotten');
    assert.equal(p.get('liveness', 'runc://c2'), 'success');
  });

  it('gates liveness and readiness on startup, and stops startup once started', () => {
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'ns', uid: 'u' },
      spec: {
        containers: [
          {
            name: 'c',
            startupProbe: { exec: { command: ['s'] }, periodSeconds: 1 },
            livenessProbe: { exec: { command: ['l'] }, periodSeconds: 1 },
          },
        ],
      },
    };
    const p = new PodProber(pod, T0);
    const notStarted = runningStatus('runc://c1', T0, false);
    const reqs = p.tick(T0, notStarted);
    assert.deepEqual(
      reqs.map((r) => r.type),
      ['startup'],
    );
    p.complete(reqs[0]!, ok);
    assert.equal(p.get('startup', 'runc://c1'), 'success');
    const started = p.applyToStatus(pod, notStarted);
    assert.equal(started.containerStatuses?.[0]?.started, true);
    assert.deepEqual(
      p.tick(T0 + 1000, started).map((r) => r.type),
      ['liveness'],
    );
  });

  it('reports success for liveness once the pod is being deleted, and stops', () => {
    const pod = podWith('liveness', { exec: { command: ['x'] }, periodSeconds: 1 });
    const p = new PodProber(pod, T0);
    p.updatePod({
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    });
    assert.deepEqual(p.tick(T0, runningStatus()), []);
    assert.equal(p.get('liveness', 'runc://c1'), 'success');
    assert.equal(p.done, true);
  });

  it('stops a worker when the container terminated under restartPolicy Never or the pod is terminal', () => {
    const p = new PodProber(podWith('readiness', { exec: { command: ['x'] } }, 'Never'), T0);
    const terminated: PodStatus = {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'c',
          image: '',
          imageID: '',
          ready: false,
          restartCount: 0,
          containerID: 'runc://c1',
          state: { terminated: { exitCode: 0 } },
        },
      ],
    };
    assert.deepEqual(p.tick(T0, terminated), []);
    assert.equal(p.done, true);
    const q = new PodProber(podWith('readiness', { exec: { command: ['x'] } }), T0);
    q.tick(T0, { phase: 'Succeeded' });
    assert.equal(q.done, true);
  });

  it('throws errored probes away but reports them', () => {
    const p = new PodProber(
      podWith('readiness', { exec: { command: ['x'] }, periodSeconds: 1 }),
      T0,
    );
    const r = step(p, T0, runningStatus(), {
      result: 'unknown',
      output: '',
      error: 'strconv.Atoi: parsing "http": invalid syntax',
    });
    assert.deepEqual(r, {
      changed: false,
      events: [
        {
          type: 'Warning',
          reason: 'Unhealthy',
          message:
            'Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing "http": invalid syntax',
        },
      ],
    });
    assert.equal(p.get('readiness', 'runc://c1'), 'failure');
  });

  it('discards an outcome for a container that was replaced while probing', () => {
    const p = new PodProber(
      podWith('readiness', { exec: { command: ['x'] }, periodSeconds: 1 }),
      T0,
    );
    const [req] = p.tick(T0, runningStatus());
    p.stop();
    assert.deepEqual(p.complete(req!, ok), { events: [], changed: false });
  });

  it('jitters the first probe right after a kubelet restart', () => {
    const p = new PodProber(
      podWith('readiness', { exec: { command: ['x'] }, periodSeconds: 10 }),
      T0,
      {
        kubeletStartedAt: T0 - 1000,
        random: () => 0.5,
      },
    );
    assert.equal(p.nextDue(), T0 + 5000);
  });

  it('sets ready and started in the status (UpdatePodStatus) and triggers a pending readiness probe', () => {
    const pod = podWith('readiness', { exec: { command: ['x'] }, periodSeconds: 100 });
    const p = new PodProber(pod, T0);
    const s = runningStatus();
    const [req] = p.tick(T0, s);
    p.complete(req!, ok);
    const out = p.applyToStatus(pod, s);
    assert.equal(out.containerStatuses?.[0]?.ready, true);
    assert.equal(out.containerStatuses[0].started, true);
    // A new container has no readiness result yet: not ready, and the worker is due now.
    const s2 = runningStatus('runc://c2', T0 + 1000);
    const out2 = p.applyToStatus(pod, s2);
    assert.equal(out2.containerStatuses?.[0]?.ready, false);
    assert.equal(p.nextDue(), -Infinity);
  });
});
