import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import {
  planContainerStop,
  postStartHookFailed,
  stopTimeoutSeconds,
  terminationGracePeriod,
  terminationOrder,
} from './termination.ts';

const container: Container = {
  name: 'app',
  livenessProbe: { exec: { command: ['x'] }, terminationGracePeriodSeconds: 5 },
  startupProbe: { exec: { command: ['x'] } },
  lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } },
};
const pod = (extra: Partial<Pod['metadata']> = {}, grace?: number): Pod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u', ...extra },
  spec: {
    containers: [container],
    ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}),
  },
});

describe('terminationGracePeriod (setTerminationGracePeriod, kuberuntime_container_test.go)', () => {
  it('prefers the deletion grace period', () => {
    assert.equal(
      terminationGracePeriod(pod({ deletionGracePeriodSeconds: 7 }, 30), container, ''),
      7,
    );
  });
  it("uses a failed probe's terminationGracePeriodSeconds when set", () => {
    assert.equal(terminationGracePeriod(pod({}, 30), container, 'LivenessProbe'), 5);
    assert.equal(terminationGracePeriod(pod({}, 30), container, 'StartupProbe'), 30);
    assert.equal(terminationGracePeriod(pod({}, 30), container, ''), 30);
  });
  it('falls back to the 2 s minimum', () => {
    assert.equal(terminationGracePeriod(pod(), container, ''), 2);
  });
});

describe('planContainerStop / stopTimeoutSeconds (killContainer)', () => {
  it('plans preStop, then the image stop signal with the rest of the grace period', () => {
    const plan = planContainerStop({ pod: pod({}, 30), container, imageStopSignal: 'SIGQUIT' });
    assert.deepEqual(plan.event, {
      type: 'Normal',
      reason: 'Killing',
      message: 'Stopping container app',
    });
    assert.deepEqual(plan.preStop, container.lifecycle?.preStop);
    assert.equal(plan.stopSignal, 'SIGQUIT');
    assert.equal(stopTimeoutSeconds(plan, 3_900), 27);
  });
  it('leaves at least 2 s after a long preStop hook', () => {
    const plan = planContainerStop({ pod: pod({}, 10), container });
    assert.equal(plan.stopSignal, 'SIGTERM');
    assert.equal(stopTimeoutSeconds(plan, 10_000), 2);
  });
  it('uses the kill message and an override', () => {
    const plan = planContainerStop({
      pod: pod({}, 30),
      container,
      reason: 'LivenessProbe',
      message: 'Container app failed liveness probe, will be restarted',
      gracePeriodOverride: 1,
    });
    assert.equal(plan.event.message, 'Container app failed liveness probe, will be restarted');
    assert.equal(plan.gracePeriodSeconds, 5);
    assert.equal(stopTimeoutSeconds(plan, 0), 1);
  });
  it('skips preStop with a zero grace period', () => {
    const plan = planContainerStop({ pod: pod({ deletionGracePeriodSeconds: 0 }, 30), container });
    assert.equal(plan.preStop, undefined);
    assert.equal(stopTimeoutSeconds(plan, 0), 2);
  });
});

describe('terminationOrder (sidecars stop last, in reverse order)', () => {
  it('orders sidecars after the regular containers', () => {
    const p: Pod = {
      metadata: { name: 'p' },
      spec: {
        initContainers: [
          { name: 's1', restartPolicy: 'Always' },
          { name: 's2', restartPolicy: 'Always' },
        ],
        containers: [{ name: 'a' }, { name: 'b' }],
      },
    };
    const order = terminationOrder(p, ['s1', 's2', 'a', 'b']);
    assert.deepEqual(Object.fromEntries(order), {
      s1: ['a', 'b', 's2'],
      s2: ['a', 'b'],
      a: [],
      b: [],
    });
    assert.deepEqual(Object.fromEntries(terminationOrder(p, ['s1', 'a'])), { s1: ['a'], a: [] });
  });
});

describe('postStartHookFailed', () => {
  it('records FailedPostStartHook, kills the container and sets PostStartHookError', () => {
    const msg =
      'Exec lifecycle hook ([sh -c exit 1]) for Container "app" in Pod "web_default(u)" failed - error: command \'sh -c exit 1\' exited with 1: , message: ""';
    const f = postStartHookFailed(pod({}, 30), container, msg);
    assert.deepEqual(f.event, {
      type: 'Warning',
      reason: 'FailedPostStartHook',
      message: 'PostStartHook failed',
    });
    assert.equal(f.stop.event.message, 'FailedPostStartHook');
    assert.deepEqual(f.startFailure, { reason: 'PostStartHookError', message: msg });
  });
});
