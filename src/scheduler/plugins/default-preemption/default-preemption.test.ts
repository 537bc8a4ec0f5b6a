import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { Code, CycleState, NodeInfo, st } from '../../framework/index.ts';
import { filterPodsWithPDBViolation, pickOneNodeForPreemption } from './default-preemption.ts';
import type { Candidate } from './default-preemption.ts';

const pod = (name: string, priority: number, startTime?: string): Pod =>
  st.makePod(name, { priority, ...(startTime !== undefined ? { startTime } : {}) });

describe('pickOneNodeForPreemption (upstream TestPickOneNodeForPreemption)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const cases: { name: string; candidates: Candidate[]; want: string }[] = [
    {
      name: 'fewest PDB violations wins',
      candidates: [
        { name: 'node1', victims: [pod('a', 1)], numPDBViolations: 1 },
        { name: 'node2', victims: [pod('b', 100), pod('c', 100)], numPDBViolations: 0 },
      ],
      want: 'node2',
    },
    {
      name: 'lowest highest-priority victim',
      candidates: [
        { name: 'node1', victims: [pod('a', 100)], numPDBViolations: 0 },
        { name: 'node2', victims: [pod('b', 50), pod('c', 10)], numPDBViolations: 0 },
      ],
      want: 'node2',
    },
    {
      name: 'smallest sum of priorities',
      candidates: [
        { name: 'node1', victims: [pod('a', 50), pod('b', 40)], numPDBViolations: 0 },
        { name: 'node2', victims: [pod('c', 50), pod('d', 10)], numPDBViolations: 0 },
      ],
      want: 'node2',
    },
    {
      name: 'fewest victims with equal sums (negative priorities shifted by MaxInt32+1)',
      candidates: [
        { name: 'node1', victims: [pod('a', -10), pod('b', -10)], numPDBViolations: 0 },
        { name: 'node2', victims: [pod('c', -10)], numPDBViolations: 0 },
      ],
      want: 'node2',
    },
    {
      name: 'latest start time of the highest priority victims',
      candidates: [
        { name: 'node1', victims: [pod('a', 10, '2025-01-01T00:00:00Z')], numPDBViolations: 0 },
        { name: 'node2', victims: [pod('b', 10, '2025-06-01T00:00:00Z')], numPDBViolations: 0 },
      ],
      want: 'node2',
    },
    {
      name: 'ties go to the first candidate',
      candidates: [
        { name: 'node1', victims: [pod('a', 10, '2025-01-01T00:00:00Z')], numPDBViolations: 0 },
        { name: 'node2', victims: [pod('b', 10, '2025-01-01T00:00:00Z')], numPDBViolations: 0 },
      ],
      want: 'node1',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(pickOneNodeForPreemption(c.candidates, now), c.want);
    });
});

describe('filterPodsWithPDBViolation (upstream TestFilterPodsWithPDBViolation)', () => {
  const pdb = (allowed: number, disrupted: string[] = []): PodDisruptionBudget => ({
    metadata: { name: 'pdb', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } } },
    status: {
      disruptionsAllowed: allowed,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      disruptedPods: Object.fromEntries(disrupted.map((d) => [d, '2026-01-01T00:00:00Z'])),
    },
  });
  const pi = (name: string, labels: Record<string, string>) =>
    new NodeInfo(st.makeNode('n'), [st.makePod(name, { labels })]).pods[0]!;
  it('budget of one: the second matching pod violates', () => {
    const r = filterPodsWithPDBViolation(
      [pi('a', { app: 'web' }), pi('b', { app: 'web' }), pi('c', { app: 'db' })],
      [pdb(1)],
    );
    assert.deepEqual(
      r.violating.map((p) => p.pod.metadata?.name),
      ['b'],
    );
    assert.deepEqual(
      r.nonViolating.map((p) => p.pod.metadata?.name),
      ['a', 'c'],
    );
  });
  it('pods already in DisruptedPods do not consume the budget', () => {
    const r = filterPodsWithPDBViolation(
      [pi('a', { app: 'web' }), pi('b', { app: 'web' })],
      [pdb(1, ['a'])],
    );
    assert.deepEqual(r.violating, []);
  });
  it('a pod without labels never violates', () => {
    const r = filterPodsWithPDBViolation([pi('a', {})], [pdb(0)]);
    assert.deepEqual(r.violating, []);
  });
});

// End-to-end PostFilter runs through the default framework live in ../default-profile.test.ts.
describe('codes', () => {
  it('are numeric like upstream', () => {
    assert.equal(Code.UnschedulableAndUnresolvable, 3);
    assert.ok(new CycleState());
  });
});
