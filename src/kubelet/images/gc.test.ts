// The GC planner against the cases of upstream's image_gc_manager_test.go (TestGarbageCollect*).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GC_POLICY, planImageGc, validateGcPolicy } from './gc.ts';
import type { GcImage } from './gc.ts';

const policy = {
  ...DEFAULT_GC_POLICY,
  highThresholdPercent: 90,
  lowThresholdPercent: 80,
  minAgeMs: 0,
};
const img = (
  id: string,
  size: number,
  lastUsed: number,
  extra: Partial<GcImage> = {},
): GcImage => ({
  id,
  size,
  lastUsed,
  firstDetected: 0,
  inUse: false,
  ...extra,
});

describe('planImageGc', () => {
  it('does nothing below the high threshold (TestGarbageCollectBelowLowThreshold)', () => {
    const plan = planImageGc({ capacity: 1000, available: 600 }, [img('a', 100, 1)], policy, 10);
    assert.deepEqual(plan, { remove: [], usagePercent: 40, amountToFree: 0, freed: 0 });
  });

  it('frees down to the low threshold, least recently used first', () => {
    // 95% used: free 1000*(100-80)/100 - 50 = 150 bytes.
    const plan = planImageGc(
      { capacity: 1000, available: 50 },
      [img('new', 100, 30), img('old', 100, 10), img('mid', 100, 20)],
      policy,
      100,
    );
    assert.equal(plan.usagePercent, 95);
    assert.equal(plan.amountToFree, 150);
    assert.deepEqual(plan.remove, ['old', 'mid']);
    assert.equal(plan.freed, 200);
    assert.equal(plan.error, undefined);
  });

  it('never removes images in use or pinned, and reports the shortfall (TestGarbageCollectNotEnoughFreed)', () => {
    const plan = planImageGc(
      { capacity: 1000, available: 50 },
      [
        img('used', 500, 1, { inUse: true }),
        img('pinned', 500, 1, { pinned: true }),
        img('small', 50, 2),
      ],
      policy,
      100,
    );
    assert.deepEqual(plan.remove, ['small']);
    assert.equal(
      plan.error,
      'Failed to garbage collect required amount of images. Attempted to free 150 bytes, but only found 50 bytes eligible to free.',
    );
  });

  it('respects the minimum age and breaks ties by first detection', () => {
    const plan = planImageGc(
      { capacity: 1000, available: 0 },
      [
        img('young', 500, 5, { firstDetected: 95 }),
        img('b', 100, 5, { firstDetected: 2 }),
        img('a', 100, 5, { firstDetected: 1 }),
      ],
      { ...policy, minAgeMs: 10 },
      100,
    );
    assert.deepEqual(plan.remove, ['a', 'b']);
  });

  it('removes images unused past the maximum age first', () => {
    const plan = planImageGc(
      { capacity: 1000, available: 900 },
      [img('stale', 10, 0), img('fresh', 10, 90)],
      { ...policy, maxAgeMs: 50 },
      100,
    );
    assert.deepEqual(plan.remove, ['stale']);
  });

  it('refuses a zero capacity and validates thresholds', () => {
    assert.throws(() => planImageGc({ capacity: 0, available: 0 }, [], policy, 0), {
      message: 'invalid capacity 0 on image filesystem',
    });
    assert.deepEqual(validateGcPolicy(DEFAULT_GC_POLICY), []);
    assert.deepEqual(validateGcPolicy({ ...DEFAULT_GC_POLICY, lowThresholdPercent: 90 }), [
      'LowThresholdPercent 90 can not be higher than HighThresholdPercent 85',
    ]);
  });
});
