import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ContainerBackOff, backOffKey, doBackOff } from './backoff.ts';
import type { RuntimePodStatus } from './types.ts';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
  spec: { containers: [{ name: 'app', image: 'busybox' }] },
};
const app = pod.spec!.containers[0]!;

function exitedAt(finishedAt: number): RuntimePodStatus {
  return {
    sandboxes: [{ id: 's', ready: true, attempt: 0 }],
    containers: [
      {
        id: `runc://x${finishedAt}`,
        name: 'app',
        state: 'exited',
        exitCode: 1,
        createdAt: finishedAt - 1,
        finishedAt,
        image: 'busybox',
        restartCount: 0,
      },
    ],
  };
}

describe('ContainerBackOff (flowcontrol.Backoff, 10s..300s)', () => {
  it('doubles from 10s to the 300s cap', () => {
    const b = new ContainerBackOff();
    const delays: number[] = [];
    let t = 0;
    for (let i = 0; i < 7; i++) {
      b.next('k', t, t);
      delays.push(b.get('k'));
      t += 1000;
    }
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('starts over after an event more than 10 minutes after the last update', () => {
    const b = new ContainerBackOff();
    b.next('k', 0, 0);
    b.next('k', 1, 1);
    assert.equal(b.get('k'), 20_000);
    b.next('k', 600_002, 600_002);
    assert.equal(b.get('k'), 10_000);
  });

  it('is in back-off while now - eventTime < delay', () => {
    const b = new ContainerBackOff();
    b.next('k', 1000, 1000);
    assert.equal(b.isInBackOffSince('k', 1000, 10_999), true);
    assert.equal(b.isInBackOffSince('k', 1000, 11_000), false);
    assert.equal(b.isInBackOffSince('other', 1000, 1001), false);
  });

  it('GC forgets stale entries', () => {
    const b = new ContainerBackOff();
    b.next('k', 0, 0);
    b.gc(600_001);
    assert.equal(b.get('k'), 0);
  });
});

describe('doBackOff (CrashLoopBackOff)', () => {
  it('lets the first restart through and then refuses within the back-off', () => {
    const b = new ContainerBackOff();
    assert.deepEqual(doBackOff(b, pod, app, exitedAt(1000), 1000), { inBackOff: false });
    const d = doBackOff(b, pod, app, exitedAt(1000), 5000);
    assert.deepEqual(d, {
      inBackOff: true,
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container=app pod=web_default(uid-1)',
      event: {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container app in pod web_default(uid-1)',
      },
    });
    // After the delay: restart allowed and the next delay doubles.
    assert.deepEqual(doBackOff(b, pod, app, exitedAt(1000), 11_000), { inBackOff: false });
    assert.equal(b.get(backOffKey(pod, app)), 20_000);
    assert.deepEqual(doBackOff(b, pod, app, exitedAt(12_000), 20_000).inBackOff, true);
    assert.equal(doBackOff(b, pod, app, exitedAt(12_000), 32_000).inBackOff, false);
    const third = doBackOff(b, pod, app, exitedAt(33_000), 34_000);
    assert.ok(third.inBackOff);
    assert.equal(
      third.message,
      'back-off 40s restarting failed container=app pod=web_default(uid-1)',
    );
  });

  it('never backs off a container that has not exited', () => {
    const b = new ContainerBackOff();
    assert.deepEqual(doBackOff(b, pod, app, { sandboxes: [], containers: [] }, 0), {
      inBackOff: false,
    });
  });

  it('formats minutes as Go does', () => {
    const b = new ContainerBackOff();
    const key = backOffKey(pod, app);
    for (let i = 0; i < 5; i++) b.next(key, i, i);
    const d = doBackOff(b, pod, app, exitedAt(10), 20);
    assert.ok(d.inBackOff);
    assert.equal(
      d.message,
      'back-off 2m40s restarting failed container=app pod=web_default(uid-1)',
    );
  });
});
