import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from './taints.ts';

// Cases of upstream k8s.io/api/core/v1 TestTolerationToleratesTaint.
describe('toleratesTaint', () => {
  const taint: Taint = { key: 'foo', value: 'bar', effect: 'NoSchedule' };
  const cases: [string, Toleration, Taint, boolean][] = [
    ['empty effect matches every effect', { key: 'foo', operator: 'Exists' }, taint, true],
    ['different effect', { key: 'foo', operator: 'Exists', effect: 'NoExecute' }, taint, false],
    ['empty key with Exists matches every key', { operator: 'Exists' }, taint, true],
    ['different key', { key: 'baz', operator: 'Exists' }, taint, false],
    ['Equal with the same value', { key: 'foo', operator: 'Equal', value: 'bar' }, taint, true],
    ['empty operator means Equal', { key: 'foo', value: 'bar' }, taint, true],
    ['Equal with another value', { key: 'foo', operator: 'Equal', value: 'qux' }, taint, false],
    [
      'an unknown operator tolerates nothing',
      { key: 'foo', operator: 'Gt', value: 'bar' },
      taint,
      false,
    ],
    [
      'Equal with no values on either side',
      { key: 'k', operator: 'Equal' },
      { key: 'k', effect: 'NoExecute' },
      true,
    ],
  ];
  for (const [name, t, tt, want] of cases) {
    it(name, () => {
      assert.equal(toleratesTaint(t, tt), want);
    });
  }
});
