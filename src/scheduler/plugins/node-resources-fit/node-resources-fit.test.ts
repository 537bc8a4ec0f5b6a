import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Code, CycleState, NodeInfo, st } from '../../framework/index.ts';
import { NodeResourcesFit } from './node-resources-fit.ts';
import type { NodeResourcesFitArgs } from './node-resources-fit.ts';

const EXT = 'example.com/aaa';
const HUGE = 'hugepages-2Mi';

/** Upstream makeAllocatableResources(10, 20, 32, 5, 20, 5): 10m cpu, 20 bytes, 32 pods, 5 ext, 20 hugepages. */
function nodeWithUsed(
  used: Record<string, string>[],
  alloc: Record<string, string> = {},
): NodeInfo {
  const node = st.makeNode('machine1', {
    allocatable: {
      cpu: '10m',
      memory: '20',
      pods: '32',
      [EXT]: '5',
      [HUGE]: '20',
      'ephemeral-storage': '20',
      ...alloc,
    },
  });
  return new NodeInfo(
    node,
    used.map((r, i) => st.makePod(`used${i}`, { containers: [r] })),
  );
}

const r = (
  cpu: number,
  mem: number,
  extra: Record<string, string> = {},
): Record<string, string> => ({
  cpu: `${cpu}m`,
  memory: `${mem}`,
  ...extra,
});

describe('NodeResourcesFit Filter (upstream TestEnoughRequests)', () => {
  const cases: {
    name: string;
    pod: Pod;
    node: NodeInfo;
    args?: NodeResourcesFitArgs;
    want: string[];
    code?: Code;
  }[] = [
    {
      name: 'no resources requested always fits',
      pod: st.makePod('p', { containers: [] }),
      node: nodeWithUsed([r(10, 20)]),
      want: [],
    },
    {
      name: 'too many resources fails',
      pod: st.makePod('p', { containers: [r(1, 1)] }),
      node: nodeWithUsed([r(10, 20)]),
      want: ['Insufficient cpu', 'Insufficient memory'],
      code: Code.Unschedulable,
    },
    {
      name: 'too many resources fails due to init container cpu',
      pod: st.makePod('p', { containers: [r(1, 1)], initContainers: [r(3, 1)] }),
      node: nodeWithUsed([r(8, 19)]),
      want: ['Insufficient cpu'],
    },
    {
      name: 'too many resources fails due to highest init container cpu',
      pod: st.makePod('p', { containers: [r(1, 1)], initContainers: [r(3, 1), r(2, 1)] }),
      node: nodeWithUsed([r(8, 19)]),
      want: ['Insufficient cpu'],
    },
    {
      name: 'too many resources fails due to init container memory',
      pod: st.makePod('p', { containers: [r(1, 1)], initContainers: [r(1, 3)] }),
      node: nodeWithUsed([r(9, 19)]),
      want: ['Insufficient memory'],
    },
    {
      name: "init container fits because it's the max, not sum, of containers and init containers",
      pod: st.makePod('p', { containers: [r(1, 1)], initContainers: [r(1, 1)] }),
      node: nodeWithUsed([r(9, 19)]),
      want: [],
    },
    {
      name: "multiple init containers fit because it's the max, not sum, of containers and init containers",
      pod: st.makePod('p', { containers: [r(1, 1)], initContainers: [r(1, 1), r(1, 1)] }),
      node: nodeWithUsed([r(9, 19)]),
      want: [],
    },
    {
      name: 'both resources fit',
      pod: st.makePod('p', { containers: [r(1, 1)] }),
      node: nodeWithUsed([r(5, 5)]),
      want: [],
    },
    {
      name: 'one resource memory fits',
      pod: st.makePod('p', { containers: [r(2, 1)] }),
      node: nodeWithUsed([r(9, 5)]),
      want: ['Insufficient cpu'],
    },
    {
      name: 'one resource cpu fits',
      pod: st.makePod('p', { containers: [r(1, 2)] }),
      node: nodeWithUsed([r(5, 19)]),
      want: ['Insufficient memory'],
    },
    {
      name: 'equal edge case',
      pod: st.makePod('p', { containers: [r(5, 1)] }),
      node: nodeWithUsed([r(5, 19)]),
      want: [],
    },
    {
      name: 'equal edge case for init container',
      pod: st.makePod('p', { containers: [r(4, 1)], initContainers: [r(5, 1)] }),
      node: nodeWithUsed([r(5, 19)]),
      want: [],
    },
    {
      name: 'extended resource fits',
      pod: st.makePod('p', { containers: [{ [EXT]: '1' }] }),
      node: nodeWithUsed([r(0, 0)]),
      want: [],
    },
    {
      name: 'extended resource capacity enforced',
      pod: st.makePod('p', { containers: [{ [EXT]: '10' }] }),
      node: nodeWithUsed([r(0, 0)]),
      want: [`Insufficient ${EXT}`],
      code: Code.UnschedulableAndUnresolvable,
    },
    {
      name: 'extended resource allocatable enforced',
      pod: st.makePod('p', { containers: [{ [EXT]: '1' }] }),
      node: nodeWithUsed([r(0, 0, { [EXT]: '5' })]),
      want: [`Insufficient ${EXT}`],
      code: Code.Unschedulable,
    },
    {
      name: 'extended resource allocatable enforced for multiple containers',
      pod: st.makePod('p', { containers: [{ [EXT]: '3' }, { [EXT]: '3' }] }),
      node: nodeWithUsed([r(0, 0, { [EXT]: '2' })]),
      want: [`Insufficient ${EXT}`],
    },
    {
      name: 'extended resource allocatable admits multiple init containers',
      pod: st.makePod('p', { containers: [{}], initContainers: [{ [EXT]: '3' }, { [EXT]: '2' }] }),
      node: nodeWithUsed([r(0, 0, { [EXT]: '2' })]),
      want: [],
    },
    {
      name: 'extended resource allocatable enforced for unknown resource',
      pod: st.makePod('p', { containers: [{ 'example.com/bbb': '1' }] }),
      node: nodeWithUsed([r(0, 0)]),
      want: ['Insufficient example.com/bbb'],
    },
    {
      name: 'kubernetes.io resource capacity enforced',
      pod: st.makePod('p', { containers: [{ 'kubernetes.io/something': '10' }] }),
      node: nodeWithUsed([r(0, 0)]),
      want: ['Insufficient kubernetes.io/something'],
    },
    {
      name: 'hugepages resource capacity enforced',
      pod: st.makePod('p', { containers: [{ [HUGE]: '10' }] }),
      node: nodeWithUsed([r(0, 0, { [HUGE]: '15' })]),
      want: [`Insufficient ${HUGE}`],
    },
    {
      name: 'skip checking ignored extended resource',
      pod: st.makePod('p', { containers: [{ 'example.com/bbb': '1' }] }),
      node: nodeWithUsed([r(0, 0)]),
      args: { ignoredResources: ['example.com/bbb'] },
      want: [],
    },
    {
      name: 'skip checking ignored extended resource via resource groups',
      pod: st.makePod('p', { containers: [{ 'example.com/bbb': '1' }] }),
      node: nodeWithUsed([r(0, 0)]),
      args: { ignoredResourceGroups: ['example.com'] },
      want: [],
    },
    {
      name: 'resources + pod overhead fits',
      pod: st.makePod('p', { containers: [r(1, 1)], overhead: { cpu: '3m', memory: '13' } }),
      node: nodeWithUsed([r(5, 5)]),
      want: [],
    },
    {
      name: 'requests + overhead does not fit for memory',
      pod: st.makePod('p', { containers: [r(1, 1)], overhead: { cpu: '1m', memory: '15' } }),
      node: nodeWithUsed([r(5, 5)]),
      want: ['Insufficient memory'],
    },
    {
      name: 'skip checking resource request with quantity zero',
      pod: st.makePod('p', { containers: [r(1, 1, { 'example.com/bbb': '0' })] }),
      node: nodeWithUsed([r(5, 5)]),
      want: [],
    },
    {
      name: 'skip checking extended resource request with quantity zero via resource groups',
      pod: st.makePod('p', { containers: [{ 'example.com/bbb': '0' }] }),
      node: nodeWithUsed([r(5, 5)]),
      want: [],
    },
    {
      name: 'request exceeding allocatable is unresolvable',
      pod: st.makePod('p', { containers: [r(11, 1)] }),
      node: nodeWithUsed([]),
      want: ['Insufficient cpu'],
      code: Code.UnschedulableAndUnresolvable,
    },
    {
      name: 'too many pods',
      pod: st.makePod('p', { containers: [r(1, 1)] }),
      node: nodeWithUsed([r(0, 0)], { pods: '1' }),
      want: ['Too many pods'],
      code: Code.Unschedulable,
    },
    {
      name: 'too many pods, and too much resources',
      pod: st.makePod('p', { containers: [r(1, 1)] }),
      node: nodeWithUsed([r(10, 20)], { pods: '1' }),
      want: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'],
    },
    {
      name: 'ephemeral storage request exceeds',
      pod: st.makePod('p', { containers: [{ 'ephemeral-storage': '25' }] }),
      node: nodeWithUsed([]),
      want: ['Insufficient ephemeral-storage'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pl = new NodeResourcesFit(c.args);
      const state = new CycleState();
      pl.preFilter(state, c.pod);
      const s = pl.filter(state, c.pod, c.node);
      assert.deepEqual([...s.reasons], c.want);
      if (c.code !== undefined) assert.equal(s.code, c.code);
    });
  }
});

interface ScoreCase {
  name: string;
  pod: Pod;
  nodes: [string, Record<string, string>][];
  existing?: [string, Record<string, string>][];
  args?: NodeResourcesFitArgs;
  want: number[];
}

function runScores(c: ScoreCase): number[] {
  const nodes = c.nodes.map(([n, cap]) => st.makeNode(n, { allocatable: cap }));
  const pods = (c.existing ?? []).map(([n, req], i) =>
    st.makePod(`e${i}`, { nodeName: n, containers: [req] }),
  );
  const infos = nodes.map(
    (n) =>
      new NodeInfo(
        n,
        pods.filter((p) => p.spec?.nodeName === n.metadata?.name),
      ),
  );
  const got = st.runScorePlugin(new NodeResourcesFit(c.args), c.pod, infos);
  assert.ok(Array.isArray(got));
  return got.map((s) => s.score);
}

const cpuAndMemory = st.makePod('p', {
  containers: [
    { cpu: '1000', memory: '2000' },
    { cpu: '2000', memory: '3000' },
  ],
});
const nothing = st.makePod('p', { containers: [] });

describe('LeastAllocated (upstream TestLeastAllocatedScoringStrategy)', () => {
  const cases: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested',
      pod: nothing,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '4000', memory: '10000' }],
      ],
      want: [100, 100],
    },
    {
      name: 'nothing scheduled, resources requested, differently sized nodes',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000' }],
      ],
      want: [37, 50],
    },
    {
      name: 'no resources requested, pods scheduled with resources',
      pod: nothing,
      nodes: [
        ['node1', { cpu: '10000', memory: '20000' }],
        ['node2', { cpu: '10000', memory: '20000' }],
      ],
      existing: [
        ['node1', { cpu: '3000', memory: '0' }],
        ['node1', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '5000' }],
      ],
      want: [70, 57],
    },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '10000', memory: '20000' }],
        ['node2', { cpu: '10000', memory: '20000' }],
      ],
      existing: [
        ['node1', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '5000' }],
      ],
      want: [57, 45],
    },
    {
      name: 'resources requested, pods scheduled with resources, differently sized nodes',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '10000', memory: '20000' }],
        ['node2', { cpu: '10000', memory: '50000' }],
      ],
      existing: [
        ['node1', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '5000' }],
      ],
      want: [57, 60],
    },
    {
      name: 'requested resources exceed node capacity',
      pod: st.makePod('p', { containers: [{ cpu: '3000', memory: '0' }] }),
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '4000', memory: '10000' }],
      ],
      existing: [
        ['node1', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '5000' }],
      ],
      want: [50, 25],
    },
    {
      name: 'zero node resources, pods scheduled with resources',
      pod: nothing,
      nodes: [
        ['node1', {}],
        ['node2', {}],
      ],
      want: [0, 0],
    },
    {
      name: 'different weight on CPU and memory, differently sized nodes',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000' }],
      ],
      args: {
        scoringStrategy: {
          type: 'LeastAllocated',
          resources: [
            { name: 'memory', weight: 2 },
            { name: 'cpu', weight: 1 },
          ],
        },
      },
      want: [41, 50],
    },
    {
      name: 'bypass extended resource if the pod does not request',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '6000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000', [EXT]: '4' }],
      ],
      args: {
        scoringStrategy: {
          resources: [
            { name: 'cpu', weight: 1 },
            { name: 'memory', weight: 1 },
            { name: EXT, weight: 1 },
          ],
        },
      },
      want: [50, 50],
    },
    {
      name: 'honor extended resource if the pod requests',
      pod: st.makePod('p', {
        containers: [
          { cpu: '1000', memory: '2000', [EXT]: '2' },
          { cpu: '2000', memory: '3000' },
        ],
      }),
      nodes: [
        ['node1', { cpu: '6000', memory: '10000', [EXT]: '4' }],
        ['node2', { cpu: '6000', memory: '10000', [EXT]: '10' }],
      ],
      args: {
        scoringStrategy: {
          resources: [
            { name: 'cpu', weight: 1 },
            { name: 'memory', weight: 1 },
            { name: EXT, weight: 1 },
          ],
        },
      },
      want: [50, 60],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(runScores(c), c.want);
    });
});

describe('MostAllocated (upstream TestMostAllocatedScoringStrategy)', () => {
  const most = (
    resources = [
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
    ],
  ): NodeResourcesFitArgs => ({
    scoringStrategy: { type: 'MostAllocated', resources },
  });
  const cases: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested',
      pod: nothing,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '4000', memory: '10000' }],
      ],
      args: most(),
      want: [0, 0],
    },
    {
      name: 'nothing scheduled, resources requested, differently sized nodes',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000' }],
      ],
      args: most(),
      want: [62, 50],
    },
    {
      name: 'no resources requested, pods scheduled with resources',
      pod: nothing,
      nodes: [
        ['node1', { cpu: '10000', memory: '20000' }],
        ['node2', { cpu: '10000', memory: '20000' }],
      ],
      existing: [
        ['node1', { cpu: '3000', memory: '0' }],
        ['node1', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '5000' }],
      ],
      want: [30, 42],
      args: most(),
    },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '10000', memory: '20000' }],
        ['node2', { cpu: '10000', memory: '20000' }],
      ],
      existing: [
        ['node1', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '5000' }],
      ],
      args: most(),
      want: [42, 55],
    },
    {
      name: 'resources requested with more than the node, pods scheduled with resources',
      pod: st.makePod('p', {
        containers: [
          { cpu: '8000', memory: '0' },
          { cpu: '3000', memory: '0' },
        ],
      }),
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000' }],
      ],
      args: most(),
      want: [50, 50],
    },
    {
      name: 'different weight on CPU and memory',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000' }],
      ],
      args: most([
        { name: 'memory', weight: 2 },
        { name: 'cpu', weight: 1 },
      ]),
      want: [58, 50],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(runScores(c), c.want);
    });
});

describe('RequestedToCapacityRatio (upstream TestRequestedToCapacityRatioScoringStrategy)', () => {
  const shape = [
    { utilization: 0, score: 10 },
    { utilization: 100, score: 0 },
  ];
  const args = (s = shape): NodeResourcesFitArgs => ({
    scoringStrategy: {
      type: 'RequestedToCapacityRatio',
      resources: [
        { name: 'cpu', weight: 1 },
        { name: 'memory', weight: 1 },
      ],
      requestedToCapacityRatio: { shape: s },
    },
  });
  const cases: ScoreCase[] = [
    {
      name: 'nothing scheduled, nothing requested (default - least requested nodes have priority)',
      pod: nothing,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '4000', memory: '10000' }],
      ],
      args: args(),
      want: [100, 100],
    },
    {
      name: 'nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000' }],
      ],
      args: args(),
      want: [38, 50],
    },
    {
      name: 'no resources requested, pods scheduled with resources (default - least requested nodes have priority)',
      pod: nothing,
      nodes: [
        ['node1', { cpu: '10000', memory: '20000' }],
        ['node2', { cpu: '10000', memory: '20000' }],
      ],
      existing: [
        ['node1', { cpu: '3000', memory: '0' }],
        ['node2', { cpu: '3000', memory: '5000' }],
      ],
      args: args(),
      want: [85, 73],
    },
    {
      name: 'broken linear function: most requested shape',
      pod: cpuAndMemory,
      nodes: [
        ['node1', { cpu: '4000', memory: '10000' }],
        ['node2', { cpu: '6000', memory: '10000' }],
      ],
      args: args([
        { utilization: 0, score: 0 },
        { utilization: 100, score: 10 },
      ]),
      want: [63, 50],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(runScores(c), c.want);
    });
});
