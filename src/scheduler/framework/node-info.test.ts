import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostPortInfo, NodeInfo } from './node-info.ts';
import { Snapshot } from './snapshot.ts';
import { makeNode, makePod } from './testing.ts';

describe('HostPortInfo (upstream TestHostPortInfo_Check)', () => {
  const cases: {
    name: string;
    add: [string, string, number][];
    check: [string, string, number];
    want: boolean;
  }[] = [
    {
      name: 'same ip and port',
      add: [['127.0.0.1', 'TCP', 80]],
      check: ['127.0.0.1', 'TCP', 80],
      want: true,
    },
    {
      name: 'different protocol',
      add: [['127.0.0.1', 'TCP', 80]],
      check: ['127.0.0.1', 'UDP', 80],
      want: false,
    },
    {
      name: 'different ip',
      add: [['127.0.0.1', 'TCP', 80]],
      check: ['127.0.0.2', 'TCP', 80],
      want: false,
    },
    {
      name: 'wildcard in use conflicts with a specific ip',
      add: [['0.0.0.0', 'TCP', 80]],
      check: ['127.0.0.1', 'TCP', 80],
      want: true,
    },
    {
      name: 'specific in use conflicts with wildcard',
      add: [['127.0.0.1', 'TCP', 80]],
      check: ['0.0.0.0', 'TCP', 80],
      want: true,
    },
    {
      name: 'wildcard different port',
      add: [['0.0.0.0', 'TCP', 80]],
      check: ['127.0.0.1', 'TCP', 81],
      want: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = new HostPortInfo();
      for (const [ip, p, port] of c.add) h.add(ip, p, port);
      assert.equal(h.checkConflict(...c.check), c.want);
    });
  }
});

describe('NodeInfo', () => {
  it('aggregates requests, non-zero requests and ports, and removal undoes them', () => {
    const ni = new NodeInfo(
      makeNode('n1', { allocatable: { cpu: '4', memory: '8Gi', pods: '10' } }),
    );
    const p1 = makePod('p1', {
      containers: [{ cpu: '1', memory: '1Gi' }],
      hostPorts: [{ port: 80 }],
    });
    const p2 = makePod('p2', { containers: [{}] });
    ni.addPod(p1);
    ni.addPod(p2);
    assert.equal(ni.requested.milliCPU, 1000);
    assert.equal(ni.requested.memory, 1024 ** 3);
    assert.equal(ni.nonZeroRequested.milliCPU, 1100);
    assert.equal(ni.nonZeroRequested.memory, 1024 ** 3 + 200 * 1024 * 1024);
    assert.equal(ni.usedPorts.checkConflict('0.0.0.0', 'TCP', 80), true);
    assert.equal(ni.pods.length, 2);
    assert.equal(ni.removePod(p1), true);
    assert.equal(ni.removePod(p1), false);
    assert.equal(ni.requested.milliCPU, 0);
    assert.equal(ni.nonZeroRequested.milliCPU, 100);
    assert.equal(ni.usedPorts.checkConflict('0.0.0.0', 'TCP', 80), false);
    assert.deepEqual(
      ni.pods.map((p) => p.pod.metadata?.name),
      ['p2'],
    );
  });

  it('tracks pods with affinity and required anti-affinity', () => {
    const ni = new NodeInfo(makeNode('n1'));
    const anti = makePod('anti', {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'zone', labelSelector: { matchLabels: { a: 'b' } } },
          ],
        },
      },
    });
    ni.addPod(anti);
    ni.addPod(makePod('plain'));
    assert.equal(ni.podsWithAffinity.length, 1);
    assert.equal(ni.podsWithRequiredAntiAffinity.length, 1);
    ni.removePod(anti);
    assert.equal(ni.podsWithAffinity.length, 0);
    assert.equal(ni.podsWithRequiredAntiAffinity.length, 0);
  });

  it('clone is independent', () => {
    const ni = new NodeInfo(makeNode('n1'), [makePod('p1', { containers: [{ cpu: '1' }] })]);
    const c = ni.clone();
    c.removePod(makePod('p1'));
    assert.equal(ni.pods.length, 1);
    assert.equal(ni.requested.milliCPU, 1000);
    assert.equal(c.requested.milliCPU, 0);
  });
});

describe('Snapshot', () => {
  it('keeps nodes in order, pods on their nodes, and affinity lists current', () => {
    const s = Snapshot.from(
      [makeNode('a'), makeNode('b')],
      [
        makePod('p1', { nodeName: 'b' }),
        makePod('p2', {
          nodeName: 'a',
          affinity: {
            podAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, podAffinityTerm: { topologyKey: 'z' } },
              ],
            },
          },
        }),
      ],
    );
    assert.deepEqual(
      s.list().map((n) => n.name),
      ['a', 'b'],
    );
    assert.equal(s.get('b')?.pods.length, 1);
    assert.deepEqual(
      s.havePodsWithAffinityList().map((n) => n.name),
      ['a'],
    );
    assert.deepEqual(s.havePodsWithRequiredAntiAffinityList(), []);
    s.removePod(makePod('p2', { nodeName: 'a' }));
    assert.deepEqual(s.havePodsWithAffinityList(), []);
  });

  it('holds pods that arrive before their node', () => {
    const s = new Snapshot();
    s.addPod(makePod('p', { nodeName: 'late', containers: [{ cpu: '1' }] }));
    assert.equal(s.numNodes(), 0);
    s.setNode(makeNode('late'));
    assert.equal(s.get('late')?.requested.milliCPU, 1000);
  });

  it('counts nodes per image for ImageLocality', () => {
    const img = { names: ['nginx:latest'], sizeBytes: 100 };
    const s = Snapshot.from([
      makeNode('a', { images: [img] }),
      makeNode('b', { images: [img] }),
      makeNode('c'),
    ]);
    assert.equal(s.get('a')?.imageStates.get('nginx:latest')?.numNodes, 2);
    s.removeNode('b');
    assert.equal(s.get('a')?.imageStates.get('nginx:latest')?.numNodes, 1);
  });
});
