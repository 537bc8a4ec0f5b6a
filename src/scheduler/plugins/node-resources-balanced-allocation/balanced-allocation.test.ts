import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, CycleState, NodeInfo, st } from '../../framework/index.ts';
import { BalancedAllocation } from './balanced-allocation.ts';

const cpuOnly = { cpu: '1000m', memory: '0' };
const cpuOnly2 = { cpu: '2000m', memory: '0' };
const cpuAndMemory = [
  { cpu: '1000m', memory: '2000' },
  { cpu: '2000m', memory: '3000' },
];

describe('NodeResourcesBalancedAllocation (upstream TestNodeResourcesBalancedAllocation)', () => {
  const cases: {
    name: string;
    pod: ReturnType<typeof st.makePod>;
    nodes: [string, string, string][];
    existing?: [string, Record<string, string>[]][];
    want: number[];
  }[] = [
    {
      name: 'nothing scheduled, resources requested, differently sized nodes',
      pod: st.makePod('p', { containers: cpuAndMemory }),
      nodes: [
        ['node1', '4000m', '10000'],
        ['node2', '6000m', '10000'],
      ],
      want: [87, 100],
    },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: st.makePod('p', { containers: cpuAndMemory }),
      nodes: [
        ['node1', '10000m', '20000'],
        ['node2', '10000m', '20000'],
      ],
      existing: [
        ['node1', [cpuOnly, cpuOnly2]],
        ['node2', cpuAndMemory],
      ],
      want: [82, 95],
    },
    {
      name: 'resources requested, pods scheduled with resources, differently sized nodes',
      pod: st.makePod('p', { containers: cpuAndMemory }),
      nodes: [
        ['node1', '10000m', '20000'],
        ['node2', '10000m', '50000'],
      ],
      existing: [
        ['node1', [cpuOnly, cpuOnly2]],
        ['node2', cpuAndMemory],
      ],
      want: [82, 80],
    },
    {
      name: 'requested resources at node capacity',
      pod: st.makePod('p', { containers: [{ cpu: '3000m', memory: '5000' }] }),
      nodes: [
        ['node1', '6000m', '10000'],
        ['node2', '6000m', '10000'],
      ],
      existing: [
        ['node1', [{ cpu: '3000m', memory: '0' }]],
        ['node2', [{ cpu: '3000m', memory: '5000' }]],
      ],
      want: [75, 100],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = c.nodes.map(([n, cpu, mem]) => {
        const pods = (c.existing ?? [])
          .filter(([nn]) => nn === n)
          .map(([nn, reqs], i) => st.makePod(`${nn}-${i}`, { nodeName: nn, containers: reqs }));
        return new NodeInfo(st.makeNode(n, { allocatable: { cpu, memory: mem } }), pods);
      });
      const got = st.runScorePlugin(new BalancedAllocation(), c.pod, infos);
      assert.ok(Array.isArray(got));
      assert.deepEqual(
        got.map((s) => s.score),
        c.want,
      );
    });
  }

  it('skips best-effort pods at PreScore', () => {
    const s = new BalancedAllocation().preScore(new CycleState(), st.makePod('p'), []);
    assert.equal(s.code, Code.Skip);
  });
});
