import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Affinity, NodeAffinity as NA, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import { Code, CycleState, NodeInfo, st } from '../../framework/index.ts';
import {
  ERR_REASON_CONFLICT,
  ERR_REASON_ENFORCED,
  ERR_REASON_POD,
  NodeAffinity,
} from './node-affinity.ts';

const required = (...terms: NodeSelectorTerm[]): Affinity => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});

describe('NodeAffinity Filter (upstream TestNodeAffinity)', () => {
  const cases: {
    name: string;
    nodeSelector?: Record<string, string>;
    affinity?: Affinity;
    labels: Record<string, string>;
    nodeName?: string;
    args?: { addedAffinity: NA };
    want: Code;
    reason?: string;
    preFilterNodes?: string[];
    preFilterCode?: Code;
  }[] = [
    { name: 'no selector', labels: {}, want: Code.Success },
    {
      name: 'missing labels',
      nodeSelector: { foo: 'bar' },
      labels: {},
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: 'same labels',
      nodeSelector: { foo: 'bar' },
      labels: { foo: 'bar' },
      want: Code.Success,
    },
    {
      name: 'node labels are superset',
      nodeSelector: { foo: 'bar' },
      labels: { foo: 'bar', baz: 'blah' },
      want: Code.Success,
    },
    {
      name: 'node labels are subset',
      nodeSelector: { foo: 'bar', baz: 'blah' },
      labels: { foo: 'bar' },
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: 'Pod with matchExpressions using In operator that matches the existing node',
      affinity: required({
        matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }],
      }),
      labels: { foo: 'bar' },
      want: Code.Success,
    },
    {
      name: 'Pod with matchExpressions using Gt operator that matches the existing node',
      affinity: required({
        matchExpressions: [{ key: 'kernel-version', operator: 'Gt', values: ['0204'] }],
      }),
      labels: { 'kernel-version': '0206' },
      want: Code.Success,
    },
    {
      name: 'Pod with matchExpressions using NotIn operator that matches the existing node',
      affinity: required({
        matchExpressions: [{ key: 'mem-type', operator: 'NotIn', values: ['DDR', 'DDR2'] }],
      }),
      labels: { 'mem-type': 'DDR3' },
      want: Code.Success,
    },
    {
      name: 'Pod with matchExpressions using Exists operator that matches the existing node',
      affinity: required({ matchExpressions: [{ key: 'GPU', operator: 'Exists' }] }),
      labels: { GPU: 'NVIDIA-GRID-K1' },
      want: Code.Success,
    },
    {
      name: "Pod with affinity that don't match node's labels won't schedule onto the node",
      affinity: required({
        matchExpressions: [{ key: 'foo', operator: 'In', values: ['value1', 'value2'] }],
      }),
      labels: { foo: 'bar' },
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
      affinity: required({ matchExpressions: [] }),
      labels: { foo: 'bar' },
      want: Code.UnschedulableAndUnresolvable,
    },
    {
      name: 'Pod with no Affinity will schedule onto a node',
      affinity: {},
      labels: { foo: 'bar' },
      want: Code.Success,
    },
    {
      name: "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
      affinity: required({
        matchExpressions: [
          { key: 'GPU', operator: 'Exists' },
          { key: 'GPU', operator: 'NotIn', values: ['AMD', 'INTER'] },
        ],
      }),
      labels: { GPU: 'AMD' },
      want: Code.UnschedulableAndUnresolvable,
    },
    {
      name: "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
      affinity: required(
        { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar', 'value2'] }] },
        { matchExpressions: [{ key: 'diffkey', operator: 'In', values: ['wrong', 'value2'] }] },
      ),
      labels: { foo: 'bar' },
      want: Code.Success,
    },
    {
      name: 'Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied',
      nodeSelector: { foo: 'bar' },
      affinity: required({ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }),
      labels: { foo: 'bar' },
      want: Code.Success,
    },
    {
      name: "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector is not satisfied",
      nodeSelector: { foo: 'bar' },
      affinity: required({ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }),
      labels: { foo: 'barrrrrr' },
      want: Code.UnschedulableAndUnresolvable,
    },
    {
      name: 'Pod with matchFields using In operator that matches the existing node',
      affinity: required({
        matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }],
      }),
      labels: {},
      nodeName: 'node1',
      want: Code.Success,
      preFilterNodes: ['node1'],
    },
    {
      name: 'Pod with matchFields using In operator that does not match the existing node',
      affinity: required({
        matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }],
      }),
      labels: {},
      nodeName: 'node2',
      want: Code.UnschedulableAndUnresolvable,
      preFilterNodes: ['node1'],
    },
    {
      name: 'Pod with two terms: matchFields does not match, but matchExpressions matches',
      affinity: required(
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }] },
        { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] },
      ),
      labels: { foo: 'bar' },
      nodeName: 'node2',
      want: Code.Success,
    },
    {
      name: 'Pod with one term: both matchFields and matchExpressions match',
      affinity: required({
        matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }],
        matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }],
      }),
      labels: { foo: 'bar' },
      nodeName: 'node1',
      want: Code.Success,
      preFilterNodes: ['node1'],
    },
    {
      name: 'Pod with two terms: both matchFields and matchExpressions match with the union of node names',
      affinity: required(
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }] },
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node2'] }] },
      ),
      labels: {},
      nodeName: 'node2',
      want: Code.Success,
      preFilterNodes: ['node1', 'node2'],
    },
    {
      name: 'Pod with one term: conflicting matchFields',
      affinity: required({
        matchFields: [
          { key: 'metadata.name', operator: 'In', values: ['node1'] },
          { key: 'metadata.name', operator: 'In', values: ['node2'] },
        ],
      }),
      labels: {},
      nodeName: 'node1',
      want: Code.UnschedulableAndUnresolvable,
      preFilterCode: Code.UnschedulableAndUnresolvable,
    },
    {
      name: "Matches added affinity and Pod's node affinity",
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['foo'] }] }),
      labels: { zone: 'foo' },
      args: {
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['foo'] }] },
            ],
          },
        },
      },
      want: Code.Success,
    },
    {
      name: "Matches added affinity but not Pod's node affinity",
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['bar'] }] }),
      labels: { zone: 'foo' },
      args: {
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['foo'] }] },
            ],
          },
        },
      },
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: "Doesn't match added affinity",
      labels: { zone: 'foo' },
      args: {
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['bar'] }] },
            ],
          },
        },
      },
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_ENFORCED,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = st.makePod('p', {
        ...(c.nodeSelector !== undefined ? { nodeSelector: c.nodeSelector } : {}),
        ...(c.affinity !== undefined ? { affinity: c.affinity } : {}),
      });
      const ni = new NodeInfo(st.makeNode(c.nodeName ?? 'node1', { labels: c.labels }));
      const pl = new NodeAffinity(c.args);
      const state = new CycleState();
      const pre = pl.preFilter(state, pod);
      if (c.preFilterCode !== undefined) {
        assert.equal(pre.status.code, c.preFilterCode);
        assert.equal(pre.status.message(), ERR_REASON_CONFLICT);
        return;
      }
      if (c.preFilterNodes !== undefined)
        assert.deepEqual([...(pre.result?.nodeNames ?? [])].sort(), c.preFilterNodes);
      else assert.equal(pre.result, undefined);
      const s = pl.filter(state, pod, ni);
      assert.equal(s.code, c.want);
      if (c.reason !== undefined) assert.equal(s.message(), c.reason);
    });
  }
});

describe('NodeAffinity Score (upstream TestNodeAffinityPriority)', () => {
  const label1 = { foo: 'bar' };
  const label2 = { key: 'value' };
  const label3 = { az: 'az1' };
  const label4 = { abc: 'az11', def: 'az22' };
  const label5 = { foo: 'bar', key: 'value', az: 'az1' };
  const affinity1: Affinity = {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 2,
          preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] },
        },
      ],
    },
  };
  const affinity2: Affinity = {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 2,
          preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] },
        },
        {
          weight: 4,
          preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] },
        },
        {
          weight: 5,
          preference: {
            matchExpressions: [
              { key: 'foo', operator: 'In', values: ['bar'] },
              { key: 'key', operator: 'In', values: ['value'] },
              { key: 'az', operator: 'In', values: ['az1'] },
            ],
          },
        },
      ],
    },
  };
  const cases: {
    name: string;
    affinity?: Affinity;
    nodes: [string, Record<string, string>][];
    args?: { addedAffinity: NA };
    want: number[];
  }[] = [
    {
      name: 'all nodes are same priority as NodeAffinity is nil',
      nodes: [
        ['node1', label1],
        ['node2', label2],
        ['node3', label3],
      ],
      want: [0, 0, 0],
    },
    {
      name: "no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
      affinity: affinity1,
      nodes: [
        ['node1', label4],
        ['node2', label2],
        ['node3', label3],
      ],
      want: [0, 0, 0],
    },
    {
      name: 'only node1 matches the preferred scheduling requirements of pod',
      affinity: affinity1,
      nodes: [
        ['node1', label1],
        ['node2', label2],
        ['node3', label3],
      ],
      want: [100, 0, 0],
    },
    {
      name: 'all nodes matches the preferred scheduling requirements of pod but with different priorities',
      affinity: affinity2,
      nodes: [
        ['node1', label1],
        ['node5', label5],
        ['node2', label2],
      ],
      want: [18, 100, 36],
    },
    {
      name: 'added affinity',
      affinity: affinity1,
      nodes: [
        ['node1', label1],
        ['node2', label2],
      ],
      args: {
        addedAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 5,
              preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] },
            },
          ],
        },
      },
      want: [40, 100],
    },
    {
      name: 'added affinity and pod has default affinity',
      affinity: affinity1,
      nodes: [
        ['node1', label1],
        ['node2', label2],
        ['node3', label5],
      ],
      args: {
        addedAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 3,
              preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] },
            },
          ],
        },
      },
      want: [40, 60, 100],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = st.makePod('p', c.affinity !== undefined ? { affinity: c.affinity } : {});
      const infos = c.nodes.map(([n, l]) => new NodeInfo(st.makeNode(n, { labels: l })));
      const got = st.runScorePlugin(new NodeAffinity(c.args), pod, infos);
      assert.ok(Array.isArray(got));
      assert.deepEqual(
        got.map((s) => s.score),
        c.want,
      );
    });
  }
});
