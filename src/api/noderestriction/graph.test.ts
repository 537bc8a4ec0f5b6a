// Incremental behaviour of the node graph, after upstream graph_test.go (TestDeleteEdgesLocked,
// TestIndex, TestAddPod): vertices orphaned by a delete disappear, per-node reachability follows
// pod adds, moves and deletes, and shared secrets are counted per node.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { NodeGraph } from './graph.ts';

function pod(name: string, node: string, secrets: string[], uid = `${name}-uid`): Pod {
  return {
    metadata: { name, namespace: 'ns', uid },
    spec: {
      nodeName: node,
      containers: [{ name: 'c' }],
      volumes: secrets.map((s, i) => ({ name: `v${i}`, secret: { secretName: s } })),
    },
  };
}

describe('NodeGraph', () => {
  it('ignores unbound pods and drops orphans on delete', () => {
    const g = new NodeGraph();
    g.onPodAdd({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [] } });
    assert.equal(g.size, 0);
    const p = pod('p', 'n1', ['s1', 's1', 's2']);
    g.onPodAdd(p);
    // pod, node, s1, s2
    assert.equal(g.size, 4);
    assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 's1'));
    g.onPodDelete(p);
    assert.equal(g.size, 0);
    assert.equal(g.hasPathFrom('n1', 'secret', 'ns', 's1'), false);
  });

  it('keeps a shared secret reachable from every node using it', () => {
    const g = new NodeGraph();
    g.onPodAdd(pod('a1', 'n1', ['shared']));
    g.onPodAdd(pod('a2', 'n1', ['shared']));
    g.onPodAdd(pod('b1', 'n2', ['shared']));
    assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 'shared'));
    assert.ok(g.hasPathFrom('n2', 'secret', 'ns', 'shared'));
    g.deletePod('a1', 'ns');
    assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 'shared'));
    g.deletePod('a2', 'ns');
    assert.equal(g.hasPathFrom('n1', 'secret', 'ns', 'shared'), false);
    assert.ok(g.hasPathFrom('n2', 'secret', 'ns', 'shared'));
    assert.equal(g.hasVertex('node', '', 'n1'), false);
  });

  it('rebuilds a pod only when node, uid or claim statuses change', () => {
    const g = new NodeGraph();
    const p = pod('p', 'n1', ['s1']);
    g.onPodAdd(p);
    // Spec references are immutable once bound: a same-node update is ignored.
    g.onPodUpdate(p, pod('p', 'n1', ['other']));
    assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 's1'));
    assert.equal(g.hasVertex('secret', 'ns', 'other'), false);
    // A recreated pod (new uid) is rebuilt.
    g.onPodUpdate(p, pod('p', 'n1', ['other'], 'uid2'));
    assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 'other'));
    assert.equal(g.hasVertex('secret', 'ns', 's1'), false);
    // Moving to another node moves access.
    g.onPodUpdate(pod('p', 'n1', ['other'], 'uid2'), pod('p', 'n2', ['other'], 'uid2'));
    assert.equal(g.hasPathFrom('n1', 'secret', 'ns', 'other'), false);
    assert.ok(g.hasPathFrom('n2', 'secret', 'ns', 'other'));
  });

  it('follows pvc -> pv -> secret chains both ways of arrival', () => {
    const g = new NodeGraph();
    // The PV arrives before the pod that uses its claim.
    g.onPersistentVolume({
      metadata: { name: 'pv1' },
      spec: {
        claimRef: { namespace: 'ns', name: 'claim' },
        csi: {
          driver: 'd',
          volumeHandle: 'h',
          nodePublishSecretRef: { namespace: 'ns', name: 'node-secret' },
          controllerPublishSecretRef: { namespace: 'ns', name: 'controller-secret' },
        },
      },
    });
    assert.equal(g.hasPathFrom('n1', 'pv', '', 'pv1'), false);
    const p: Pod = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: {
        nodeName: 'n1',
        containers: [],
        volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'claim' } }],
      },
    };
    g.onPodAdd(p);
    assert.ok(g.hasPathFrom('n1', 'pv', '', 'pv1'));
    assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 'node-secret'));
    // Controller secrets are not kubelet-visible.
    assert.equal(g.hasVertex('secret', 'ns', 'controller-secret'), false);
    assert.equal(g.hasPathFrom('n2', 'pv', '', 'pv1'), false);
    // Unbinding the PV removes the chain.
    g.onPersistentVolume({ metadata: { name: 'pv1' }, spec: {} });
    assert.equal(g.hasPathFrom('n1', 'pv', '', 'pv1'), false);
    assert.equal(g.hasPathFrom('n1', 'secret', 'ns', 'node-secret'), false);
    assert.ok(g.hasPathFrom('n1', 'pvc', 'ns', 'claim'));
  });

  it('tracks volume attachments and resource slices by node', () => {
    const g = new NodeGraph();
    const va = { metadata: { name: 'va' }, spec: { attacher: 'a', nodeName: 'n1', source: {} } };
    g.onVolumeAttachment(undefined, va);
    assert.ok(g.hasPathFrom('n1', 'volumeattachment', '', 'va'));
    g.onVolumeAttachment(va, { ...va, spec: { ...va.spec, nodeName: 'n2' } });
    assert.equal(g.hasPathFrom('n1', 'volumeattachment', '', 'va'), false);
    assert.ok(g.hasPathFrom('n2', 'volumeattachment', '', 'va'));
    g.onVolumeAttachmentDelete(va);
    assert.equal(g.size, 0);
    g.setResourceSlice('slice', 'n1');
    assert.ok(g.hasPathFrom('n1', 'resourceslice', '', 'slice'));
    g.deleteResourceSlice('slice');
    assert.equal(g.size, 0);
  });

  it('answers for many pods sharing one secret', () => {
    const g = new NodeGraph();
    for (let i = 0; i < 1000; i++) g.onPodAdd(pod(`p${i}`, `n${i % 50}`, ['shared', `own${i}`]));
    for (let n = 0; n < 50; n++) assert.ok(g.hasPathFrom(`n${n}`, 'secret', 'ns', 'shared'));
    assert.equal(g.hasPathFrom('n0', 'secret', 'ns', 'own1'), false);
    assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 'own1'));
    for (let i = 0; i < 1000; i++) g.deletePod(`p${i}`, 'ns');
    assert.equal(g.size, 0);
  });

  it('visits resource claims by name and by template status', () => {
    const g = new NodeGraph();
    const p = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: {
        nodeName: 'n1',
        containers: [],
        resourceClaims: [
          { name: 'a', resourceClaimName: 'direct' },
          { name: 'b', resourceClaimTemplateName: 'tmpl' },
          { name: 'c', resourceClaimTemplateName: 'tmpl' },
        ],
      },
      status: { resourceClaimStatuses: [{ name: 'b', resourceClaimName: 'generated' }] },
    } as unknown as Pod;
    g.onPodAdd(p);
    assert.ok(g.hasPathFrom('n1', 'resourceclaim', 'ns', 'direct'));
    assert.ok(g.hasPathFrom('n1', 'resourceclaim', 'ns', 'generated'));
    assert.equal(g.hasVertex('resourceclaim', 'ns', 'tmpl'), false);
  });
});
