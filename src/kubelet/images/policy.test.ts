import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PullBackOff,
  defaultPullPolicy,
  formatGoDuration,
  imageMessages,
  planImagePull,
  pullFailure,
  shouldPullImage,
} from './policy.ts';

const D = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

describe('pull policy', () => {
  it('defaults as SetDefaults_Container', () => {
    assert.equal(defaultPullPolicy('busybox'), 'Always');
    assert.equal(defaultPullPolicy('busybox:latest'), 'Always');
    assert.equal(defaultPullPolicy('busybox:1.36'), 'IfNotPresent');
    assert.equal(defaultPullPolicy(`busybox@${D}`), 'IfNotPresent');
    assert.equal(defaultPullPolicy(`busybox:latest@${D}`), 'Always');
    assert.equal(defaultPullPolicy('127.0.0.1:5000/x'), 'Always');
    assert.equal(defaultPullPolicy('Not Valid'), 'IfNotPresent');
  });
  it('decides as shouldPullImage', () => {
    assert.equal(shouldPullImage('Always', true), true);
    assert.equal(shouldPullImage('IfNotPresent', true), false);
    assert.equal(shouldPullImage('IfNotPresent', false), true);
    assert.equal(shouldPullImage('Never', false), false);
  });
});

describe('planImagePull (EnsureImageExists)', () => {
  const base = { image: 'busybox:1.36', present: false, inBackOff: false };
  it('uses a present image', () => {
    assert.deepEqual(planImagePull({ ...base, pullPolicy: 'IfNotPresent', present: true }), {
      action: 'use',
      event: {
        type: 'Normal',
        reason: 'Pulled',
        message: 'Container image "busybox:1.36" already present on machine',
      },
    });
  });
  it('fails Never without the image', () => {
    const d = planImagePull({ ...base, pullPolicy: 'Never' });
    assert.ok(d.action === 'fail');
    assert.equal(d.reason, 'ErrImageNeverPull');
    assert.equal(
      d.event.message,
      'Container image "busybox:1.36" is not present with pull policy of Never',
    );
  });
  it('backs off, then pulls', () => {
    const off = planImagePull({ ...base, pullPolicy: 'Always', inBackOff: true });
    assert.deepEqual(off, {
      action: 'fail',
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "busybox:1.36"',
      event: {
        type: 'Normal',
        reason: 'BackOff',
        message: 'Back-off pulling image "busybox:1.36"',
      },
    });
    assert.deepEqual(planImagePull({ ...base, pullPolicy: 'Always' }).event, {
      type: 'Normal',
      reason: 'Pulling',
      message: 'Pulling image "busybox:1.36"',
    });
  });
  it('reports invalid names and failures as upstream', () => {
    const d = planImagePull({ ...base, image: 'UPPER/Case', pullPolicy: 'Always' });
    assert.equal(d.action === 'fail' ? d.reason : '', 'InvalidImageName');
    assert.equal(
      d.event.message,
      'Failed to apply default image tag "UPPER/Case": invalid reference format: repository name (Case) must be lowercase',
    );
    assert.deepEqual(pullFailure('x:1', 'not found'), {
      reason: 'ErrImagePull',
      message: 'not found',
      event: {
        type: 'Warning',
        reason: 'Failed',
        message: 'Failed to pull image "x:1": not found',
      },
    });
    assert.equal(
      imageMessages.pulled('busybox', 1234, 61_500, 4242),
      'Successfully pulled image "busybox" in 1.234s (1m1.5s including waiting). Image size: 4242 bytes.',
    );
  });
});

describe('formatGoDuration', () => {
  it('prints as Go', () => {
    assert.equal(formatGoDuration(0), '0s');
    assert.equal(formatGoDuration(250), '250ms');
    assert.equal(formatGoDuration(1500), '1.5s');
    assert.equal(formatGoDuration(2000), '2s');
    assert.equal(formatGoDuration(3_600_000), '1h0m0s');
  });
});

describe('PullBackOff (flowcontrol.Backoff 10s..300s)', () => {
  it('doubles up to the cap and expires', () => {
    const b = new PullBackOff();
    const k = PullBackOff.key('uid', 'busybox');
    assert.equal(k, 'uid_busybox');
    assert.equal(b.isInBackOffSinceUpdate(k, 0), false);
    b.next(k, 0);
    assert.equal(b.get(k), 10_000);
    assert.equal(b.isInBackOffSinceUpdate(k, 9_999), true);
    assert.equal(b.isInBackOffSinceUpdate(k, 10_000), false);
    let t = 10_000;
    for (let i = 0; i < 10; i++) {
      b.next(k, t);
      t += 1;
    }
    assert.equal(b.get(k), 300_000);
    b.next(k, t + 600_001); // idle for more than 2×max: starts over
    assert.equal(b.get(k), 10_000);
  });
});
