import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { CycleState, NodeInfo, st } from '../../framework/index.ts';
import { TaintToleration } from './taint-toleration.ts';

const node = (name: string, taints: Taint[]): NodeInfo =>
  new NodeInfo(st.makeNode(name, { taints }));
const pod = (tolerations: Toleration[]) => st.makePod('pod1', { tolerations });
const P = 'PreferNoSchedule';

describe('TaintToleration Score (upstream TestTaintTolerationScore)', () => {
  const cases: { name: string; tolerations: Toleration[]; nodes: NodeInfo[]; want: number[] }[] = [
    {
      name: 'node with taints tolerated by the pod, gets a higher score than those node with intolerable taints',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: P }],
      nodes: [
        node('nodeA', [{ key: 'foo', value: 'bar', effect: P }]),
        node('nodeB', [{ key: 'foo', value: 'blah', effect: P }]),
      ],
      want: [100, 0],
    },
    {
      name: 'the nodes that all of their taints are tolerated by the pod, get the same score',
      tolerations: [
        { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: P },
        { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: P },
      ],
      nodes: [
        node('nodeA', []),
        node('nodeB', [{ key: 'cpu-type', value: 'arm64', effect: P }]),
        node('nodeC', [
          { key: 'cpu-type', value: 'arm64', effect: P },
          { key: 'disk-type', value: 'ssd', effect: P },
        ]),
      ],
      want: [100, 100, 100],
    },
    {
      name: 'the more intolerable taints a node has, the lower score it gets',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: P }],
      nodes: [
        node('nodeA', []),
        node('nodeB', [{ key: 'cpu-type', value: 'arm64', effect: P }]),
        node('nodeC', [
          { key: 'cpu-type', value: 'arm64', effect: P },
          { key: 'disk-type', value: 'ssd', effect: P },
        ]),
      ],
      want: [100, 50, 0],
    },
    {
      name: 'only taints and tolerations that have effect PreferNoSchedule are checked',
      tolerations: [
        { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
        { key: 'disk-type', operator: 'Equal', value: 'ssd', effect: 'NoSchedule' },
      ],
      nodes: [
        node('nodeA', []),
        node('nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'NoSchedule' }]),
        node('nodeC', [
          { key: 'cpu-type', value: 'arm64', effect: P },
          { key: 'disk-type', value: 'ssd', effect: P },
        ]),
      ],
      want: [100, 100, 0],
    },
    {
      name: 'Default behaviour No taints and tolerations, lands on node with no taints',
      tolerations: [],
      nodes: [node('nodeA', []), node('nodeB', [{ key: 'cpu-type', value: 'arm64', effect: P }])],
      want: [100, 0],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = st.runScorePlugin(new TaintToleration(), pod(c.tolerations), c.nodes);
      assert.ok(Array.isArray(got));
      assert.deepEqual(
        got.map((s) => s.score),
        c.want,
      );
    });
  }
});

describe('TaintToleration Filter (upstream TestTaintTolerationFilter, 1.32 message)', () => {
  const cases: { name: string; tolerations: Toleration[]; taints: Taint[]; want?: string }[] = [
    {
      name: "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
      tolerations: [],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule',
      tolerations: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
    },
    {
      name: "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
    },
    {
      name: 'A pod has multiple tolerations, node has multiple taints, all the taints are tolerated',
      tolerations: [
        { key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      ],
      taints: [
        { key: 'dedicated', value: 'user2', effect: 'NoSchedule' },
        { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      ],
    },
    {
      name: "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match",
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: P }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {foo: bar}',
    },
    {
      name: 'The toleration effect is empty and the taint effect is NoSchedule: fits',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
    },
    {
      name: 'key and value do not match but the taint is PreferNoSchedule: fits',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: P }],
    },
    {
      name: 'no toleration but the taint is PreferNoSchedule: fits',
      tolerations: [],
      taints: [{ key: 'dedicated', value: 'user1', effect: P }],
    },
    {
      name: 'control-plane taint with an empty value prints like upstream',
      tolerations: [],
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
    },
    {
      name: 'empty key with Exists tolerates everything',
      tolerations: [{ operator: 'Exists' }],
      taints: [{ key: 'a', value: 'b', effect: 'NoExecute' }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new TaintToleration().filter(
        new CycleState(),
        pod(c.tolerations),
        node('nodeA', c.taints),
      );
      if (c.want === undefined) {
        assert.equal(s.isSuccess(), true, s.message());
      } else {
        assert.equal(s.code, 3);
        assert.equal(s.message(), c.want);
      }
    });
  }
});
