import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { CycleState, Snapshot, runPostFilter, schedulePod, st } from '../framework/index.ts';
import type { FrameworkOptions } from '../framework/index.ts';
import { newDefaultFramework } from './index.ts';

const cp = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
const small = (name: string, extra: Partial<Parameters<typeof st.makeNode>[1]> = {}): Node =>
  st.makeNode(name, {
    allocatable: { cpu: '1', memory: '4Gi', pods: '110' },
    labels: { 'kubernetes.io/hostname': name },
    ...extra,
  });

function schedule(nodes: Node[], pods: Pod[], pod: Pod, opts: FrameworkOptions = {}) {
  const fwk = newDefaultFramework({}, { randomInt: st.seededRandomInt(3), now: () => 0, ...opts });
  const snap = Snapshot.from(nodes, pods);
  const state = new CycleState();
  const out = schedulePod(fwk, state, pod, snap);
  if (out.kind !== 'unschedulable') return { out, post: undefined };
  const post = runPostFilter(fwk, state, pod, out.fitError);
  return { out, post };
}

describe('default profile end to end', () => {
  it('builds the 1.32 default plugin set (minus volume plugins and the binder)', () => {
    const fwk = newDefaultFramework();
    assert.deepEqual(
      fwk.filterPlugins.map((p) => p.name),
      [
        'NodeUnschedulable',
        'NodeName',
        'TaintToleration',
        'NodeAffinity',
        'NodePorts',
        'NodeResourcesFit',
        'PodTopologySpread',
        'InterPodAffinity',
      ],
    );
    assert.deepEqual(
      fwk.scorePlugins.map((p) => `${p.name}:${fwk.scoreWeights.get(p.name) ?? 0}`),
      [
        'TaintToleration:3',
        'NodeAffinity:2',
        'NodeResourcesFit:1',
        'PodTopologySpread:2',
        'InterPodAffinity:2',
        'NodeResourcesBalancedAllocation:1',
        'ImageLocality:1',
      ],
    );
    assert.deepEqual(
      fwk.postFilterPlugins.map((p) => p.name),
      ['DefaultPreemption'],
    );
    assert.deepEqual(
      fwk.queueSortPlugins.map((p) => p.name),
      ['PrioritySort'],
    );
  });

  it('FailedScheduling message reads like upstream, including preemption', () => {
    const pod = st.makePod('p', { containers: [{ cpu: '2' }] });
    const { out, post } = schedule(
      [small('node1'), small('cp1', { taints: [cp] }), small('cp2', { taints: [cp] })],
      [],
      pod,
    );
    assert.equal(out.kind, 'unschedulable');
    assert.equal(post?.result?.nominatedNodeName, '');
    assert.equal(
      out.fitError.message,
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  it('preempts the lowest-priority pods on the best node', () => {
    const nodes = [small('node1'), small('node2')];
    const existing = [
      st.makePod('low1', { nodeName: 'node1', priority: 1, containers: [{ cpu: '800m' }] }),
      st.makePod('mid2', { nodeName: 'node2', priority: 5, containers: [{ cpu: '800m' }] }),
    ];
    const pod = st.makePod('high', { priority: 10, containers: [{ cpu: '500m' }] });
    const { out, post } = schedule(nodes, existing, pod);
    assert.equal(out.kind, 'unschedulable');
    assert.equal(out.fitError.message, '0/2 nodes are available: 2 Insufficient cpu.');
    assert.ok(post);
    assert.equal(post.status.isSuccess(), true, post.status.message());
    const r = post.result;
    assert.ok(r);
    assert.equal(r.nominatedNodeName, 'node1');
    assert.deepEqual(
      r.victims?.map((p) => p.metadata?.name),
      ['low1'],
    );
  });

  it('reprieves pods that are not needed and respects PDBs', () => {
    const nodes = [small('node1'), small('node2')];
    const existing = [
      st.makePod('a', {
        nodeName: 'node1',
        priority: 1,
        containers: [{ cpu: '600m' }],
        labels: { app: 'web' },
      }),
      st.makePod('b', {
        nodeName: 'node2',
        priority: 1,
        containers: [{ cpu: '600m' }],
        labels: { app: 'db' },
      }),
      st.makePod('tiny', { nodeName: 'node2', priority: 1, containers: [{ cpu: '100m' }] }),
    ];
    const pdb: PodDisruptionBudget = {
      metadata: { name: 'db', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'db' } } },
      status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
    };
    const pod = st.makePod('high', { priority: 10, containers: [{ cpu: '500m' }] });
    const { post } = schedule(nodes, existing, pod, { podDisruptionBudgets: () => [pdb] });
    const r = post?.result;
    assert.ok(r);
    assert.equal(r.nominatedNodeName, 'node1');
    assert.deepEqual(
      r.victims?.map((p) => p.metadata?.name),
      ['a'],
    );
  });

  it('reports nodes without victims and preemptionPolicy Never', () => {
    const nodes = [small('node1')];
    const existing = [
      st.makePod('same', { nodeName: 'node1', priority: 10, containers: [{ cpu: '800m' }] }),
    ];
    const r1 = schedule(
      nodes,
      existing,
      st.makePod('p', { priority: 10, containers: [{ cpu: '500m' }] }),
    );
    assert.equal(
      r1.out.kind === 'unschedulable' && r1.out.fitError.message,
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
    const r2 = schedule(
      nodes,
      existing,
      st.makePod('p', { priority: 100, preemptionPolicy: 'Never', containers: [{ cpu: '500m' }] }),
    );
    assert.equal(
      r2.out.kind === 'unschedulable' && r2.out.fitError.message,
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
  });

  it('spreads replicas with required anti-affinity one per node', () => {
    const nodes = [small('n1'), small('n2'), small('n3')];
    const anti = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } },
        ],
      },
    };
    const fwk = newDefaultFramework({}, { randomInt: st.seededRandomInt(5) });
    const snap = Snapshot.from(nodes);
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = st.makePod(`x${i}`, { labels: { app: 'x' }, affinity: anti });
      const out = schedulePod(fwk, new CycleState(), p, snap);
      if (out.kind === 'scheduled') {
        placed.push(out.suggestedHost);
        snap.addPod({ ...p, spec: { ...p.spec!, nodeName: out.suggestedHost } });
      } else {
        assert.equal(out.kind, 'unschedulable');
        assert.equal(
          out.fitError.message,
          "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.",
        );
      }
    }
    assert.deepEqual([...placed].sort(), ['n1', 'n2', 'n3']);
  });
});
