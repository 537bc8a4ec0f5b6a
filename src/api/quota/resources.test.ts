import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addResources,
  equalsResources,
  isZeroResources,
  lessThanOrEqual,
  maskResources,
  maxResources,
  negativeResources,
  prettyPrintResources,
  removeZeros,
  resourceListFromWire,
  resourceListToWire,
  subtractNonNegative,
  subtractResources,
} from './resources.ts';

const r = (w: Record<string, string | number>) => resourceListFromWire(w);
const w = resourceListToWire;

describe('resource list arithmetic (upstream resources_test.go)', () => {
  it('Add', () => {
    assert.deepEqual(w(addResources(r({ cpu: '100m' }), r({ cpu: '100m' }))), { cpu: '200m' });
    assert.deepEqual(w(addResources(r({ cpu: '100m' }), r({ memory: '1Gi' }))), {
      cpu: '100m',
      memory: '1Gi',
    });
    assert.deepEqual(w(addResources(r({}), r({ memory: '1Gi' }))), { memory: '1Gi' });
    assert.deepEqual(w(addResources(r({ pods: '0' }), r({ pods: 1 }))), { pods: '1' });
  });
  it('Subtract and SubtractWithNonNegativeResult', () => {
    assert.deepEqual(w(subtractResources(r({ cpu: '100m' }), r({ cpu: '200m', memory: '1Gi' }))), {
      cpu: '-100m',
      memory: '-1Gi',
    });
    assert.deepEqual(
      w(
        subtractNonNegative(
          r({ cpu: '100m', pods: '3' }),
          r({ cpu: '200m', memory: '1Gi', pods: '1' }),
        ),
      ),
      { cpu: '0', memory: '0', pods: '2' },
    );
  });
  it('Max, Mask, RemoveZeros, IsNegative, IsZero', () => {
    assert.deepEqual(w(maxResources(r({ cpu: '1', pods: '2' }), r({ cpu: '2', memory: '1' }))), {
      cpu: '2',
      memory: '1',
      pods: '2',
    });
    assert.deepEqual(w(maskResources(r({ cpu: '1', pods: '2' }), ['pods', 'x'])), { pods: '2' });
    assert.deepEqual(w(removeZeros(r({ cpu: '0', pods: '2' }))), { pods: '2' });
    assert.deepEqual(negativeResources(r({ cpu: '-1', pods: '2', a: '-1m' })), ['a', 'cpu']);
    assert.equal(isZeroResources(r({ cpu: '0', pods: '0m' })), true);
    assert.equal(isZeroResources(r({ cpu: '1n' })), false);
  });
  it('Equals compares values, not formats', () => {
    assert.equal(equalsResources(r({ cpu: '1' }), r({ cpu: '1000m' })), true);
    assert.equal(equalsResources(r({ cpu: '1' }), r({ cpu: '1', pods: '0' })), false);
    assert.equal(equalsResources(r({ memory: '1Gi' }), r({ memory: '1G' })), false);
  });
  it('LessThanOrEqual', () => {
    assert.deepEqual(lessThanOrEqual(r({ cpu: '2', pods: '1' }), r({ cpu: '1', pods: '5' })), {
      allowed: false,
      exceeded: ['cpu'],
    });
    assert.deepEqual(lessThanOrEqual(r({ cpu: '1' }), r({ cpu: '1', pods: '5' })), {
      allowed: true,
      exceeded: [],
    });
  });
  it('prettyPrint sorts names', () => {
    assert.equal(
      prettyPrintResources(r({ pods: '1', cpu: '500m', 'count/pods': 2 })),
      'count/pods=2,cpu=500m,pods=1',
    );
  });
});
