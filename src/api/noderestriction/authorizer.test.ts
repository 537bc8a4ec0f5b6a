// Cases after upstream node_authorizer_test.go TestAuthorizer: a graph of pods on node0/node1
// referencing secrets, configmaps, PVCs (bound to PVs with secrets), service accounts and
// volume attachments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import { NodeAuthorizer } from './authorizer.ts';
import type { NodeAuthorizationAttributes } from './authorizer.ts';
import { NodeGraph } from './graph.ts';

function pod(name: string, node: string, ns = 'ns0'): Pod {
  return {
    metadata: { name, namespace: ns, uid: `${name}-uid` },
    spec: {
      nodeName: node,
      serviceAccountName: `svcacct0-${node}`,
      imagePullSecrets: [{ name: `pullsecret-${name}` }],
      containers: [
        {
          name: 'c',
          env: [
            { name: 'E', valueFrom: { configMapKeyRef: { name: `env-cm-${name}`, key: 'k' } } },
          ],
          envFrom: [{ secretRef: { name: `envfrom-secret-${name}` } }],
        },
      ],
      ephemeralContainers: [{ name: 'e', envFrom: [{ configMapRef: { name: `eph-cm-${name}` } }] }],
      volumes: [
        { name: 's', secret: { secretName: `secret0-${name}` } },
        { name: 'c', configMap: { name: `configmap0-${name}` } },
        { name: 'p', persistentVolumeClaim: { claimName: `pvc0-${name}` } },
        {
          name: 'proj',
          projected: {
            sources: [
              { secret: { name: `proj-secret-${name}` } },
              { configMap: { name: `proj-cm-${name}` } },
            ],
          },
        },
        { name: 'eph', ephemeral: {} },
      ],
    },
  };
}

function pv(name: string, claim: string, secret: string): PersistentVolume {
  return {
    metadata: { name },
    spec: {
      claimRef: { name: claim, namespace: 'ns0' },
      azureFile: { secretName: secret, shareName: 's' },
      csi: undefined,
    },
  };
}

function buildGraph(): NodeGraph {
  const g = new NodeGraph();
  g.onPodAdd(pod('pod0-node0', 'node0'));
  g.onPodAdd(pod('pod0-node1', 'node1'));
  g.onPersistentVolume(pv('pv0-pod0-node0', 'pvc0-pod0-node0', 'pv-secret-node0'));
  g.onPersistentVolume(pv('pv0-pod0-node1', 'pvc0-pod0-node1', 'pv-secret-node1'));
  g.onVolumeAttachment(undefined, {
    metadata: { name: 'attachment0-node0' },
    spec: { attacher: 'a', nodeName: 'node0', source: {} },
  });
  return g;
}

const node0 = { username: 'system:node:node0', groups: ['system:nodes'] };

function req(over: Partial<NodeAuthorizationAttributes>): NodeAuthorizationAttributes {
  return { user: node0, verb: 'get', resourceRequest: true, namespace: 'ns0', ...over };
}

const noRel = "no relationship found between node 'node0' and this object";

describe('NodeAuthorizer', () => {
  const authz = new NodeAuthorizer(buildGraph());
  const cases: [string, NodeAuthorizationAttributes, string, string?][] = [
    // Non-node users are left to RBAC.
    [
      'non-node user',
      req({
        user: { username: 'alice', groups: ['system:nodes'] },
        resource: 'secrets',
        name: 'secret0-pod0-node0',
      }),
      'no-opinion',
      '',
    ],
    [
      'node name without group',
      req({
        user: { username: 'system:node:node0', groups: [] },
        resource: 'secrets',
        name: 'secret0-pod0-node0',
      }),
      'no-opinion',
      '',
    ],
    [
      'unknown node',
      req({ user: { username: 'system:node:', groups: ['system:nodes'] }, resource: 'secrets' }),
      'no-opinion',
      'unknown node for user "system:node:"',
    ],
    // Secrets / configmaps reachable from pods on the node.
    ['allowed secret via pod', req({ resource: 'secrets', name: 'secret0-pod0-node0' }), 'allow'],
    [
      'allowed secret via envFrom',
      req({ resource: 'secrets', name: 'envfrom-secret-pod0-node0' }),
      'allow',
    ],
    ['allowed pull secret', req({ resource: 'secrets', name: 'pullsecret-pod0-node0' }), 'allow'],
    [
      'allowed projected secret',
      req({ resource: 'secrets', name: 'proj-secret-pod0-node0' }),
      'allow',
    ],
    ['allowed secret via pv', req({ resource: 'secrets', name: 'pv-secret-node0' }), 'allow'],
    [
      'list allowed secret via pod',
      req({ verb: 'list', resource: 'secrets', name: 'secret0-pod0-node0' }),
      'allow',
    ],
    [
      'watch allowed secret via pod',
      req({ verb: 'watch', resource: 'secrets', name: 'secret0-pod0-node0' }),
      'allow',
    ],
    [
      'disallowed secret of other node',
      req({ resource: 'secrets', name: 'secret0-pod0-node1' }),
      'no-opinion',
      noRel,
    ],
    [
      'disallowed secret via other pv',
      req({ resource: 'secrets', name: 'pv-secret-node1' }),
      'no-opinion',
      noRel,
    ],
    ['disallowed unknown secret', req({ resource: 'secrets', name: 'nope' }), 'no-opinion', noRel],
    [
      'disallowed secret in other namespace',
      req({ namespace: 'ns1', resource: 'secrets', name: 'secret0-pod0-node0' }),
      'no-opinion',
      noRel,
    ],
    [
      'disallowed list many secrets',
      req({ verb: 'list', resource: 'secrets' }),
      'no-opinion',
      'No Object name found',
    ],
    [
      'disallowed list secrets across namespaces',
      req({ verb: 'list', namespace: '', resource: 'secrets' }),
      'no-opinion',
      'can only read namespaced object of this type',
    ],
    [
      'disallowed update secret',
      req({ verb: 'update', resource: 'secrets', name: 'secret0-pod0-node0' }),
      'no-opinion',
      'can only read resources of this type',
    ],
    [
      'disallowed secret subresource',
      req({ resource: 'secrets', subresource: 'x', name: 'secret0-pod0-node0' }),
      'no-opinion',
      'cannot read subresource',
    ],
    ['allowed configmap', req({ resource: 'configmaps', name: 'configmap0-pod0-node0' }), 'allow'],
    ['allowed env configmap', req({ resource: 'configmaps', name: 'env-cm-pod0-node0' }), 'allow'],
    [
      'allowed ephemeral container configmap',
      req({ resource: 'configmaps', name: 'eph-cm-pod0-node0' }),
      'allow',
    ],
    [
      'allowed projected configmap',
      req({ resource: 'configmaps', name: 'proj-cm-pod0-node0' }),
      'allow',
    ],
    [
      'disallowed configmap',
      req({ resource: 'configmaps', name: 'configmap0-pod0-node1' }),
      'no-opinion',
      noRel,
    ],
    // PVCs and PVs.
    ['allowed pvc', req({ resource: 'persistentvolumeclaims', name: 'pvc0-pod0-node0' }), 'allow'],
    [
      'allowed ephemeral pvc',
      req({ resource: 'persistentvolumeclaims', name: 'pod0-node0-eph' }),
      'allow',
    ],
    [
      'disallowed pvc',
      req({ resource: 'persistentvolumeclaims', name: 'pvc0-pod0-node1' }),
      'no-opinion',
      noRel,
    ],
    [
      'disallowed list pvcs',
      req({ verb: 'list', resource: 'persistentvolumeclaims', name: 'pvc0-pod0-node0' }),
      'no-opinion',
      'can only get individual resources of this type',
    ],
    [
      'allowed pvc status update',
      req({
        verb: 'update',
        resource: 'persistentvolumeclaims',
        subresource: 'status',
        name: 'pvc0-pod0-node0',
      }),
      'allow',
    ],
    [
      'disallowed pvc status get',
      req({
        verb: 'get',
        resource: 'persistentvolumeclaims',
        subresource: 'status',
        name: 'pvc0-pod0-node0',
      }),
      'no-opinion',
      'can only get/update/patch this type',
    ],
    [
      'disallowed other pvc status update',
      req({
        verb: 'patch',
        resource: 'persistentvolumeclaims',
        subresource: 'status',
        name: 'pvc0-pod0-node1',
      }),
      'no-opinion',
      noRel,
    ],
    [
      'allowed pv',
      req({ namespace: '', resource: 'persistentvolumes', name: 'pv0-pod0-node0' }),
      'allow',
    ],
    [
      'disallowed pv',
      req({ namespace: '', resource: 'persistentvolumes', name: 'pv0-pod0-node1' }),
      'no-opinion',
      noRel,
    ],
    [
      'disallowed pv subresource',
      req({
        namespace: '',
        resource: 'persistentvolumes',
        subresource: 'status',
        name: 'pv0-pod0-node0',
      }),
      'no-opinion',
      'cannot get subresource',
    ],
    // Volume attachments.
    [
      'allowed attachment',
      req({
        namespace: '',
        apiGroup: 'storage.k8s.io',
        resource: 'volumeattachments',
        name: 'attachment0-node0',
      }),
      'allow',
    ],
    [
      'disallowed attachment list',
      req({
        verb: 'list',
        namespace: '',
        apiGroup: 'storage.k8s.io',
        resource: 'volumeattachments',
      }),
      'no-opinion',
      'can only get individual resources of this type',
    ],
    // Service account tokens.
    [
      'allowed svcacct token create',
      req({
        verb: 'create',
        resource: 'serviceaccounts',
        subresource: 'token',
        name: 'svcacct0-node0',
      }),
      'allow',
    ],
    [
      'disallowed svcacct token create of other node',
      req({
        verb: 'create',
        resource: 'serviceaccounts',
        subresource: 'token',
        name: 'svcacct0-node1',
      }),
      'no-opinion',
      noRel,
    ],
    [
      'disallowed svcacct get',
      req({ verb: 'get', resource: 'serviceaccounts', name: 'svcacct0-node0' }),
      'no-opinion',
      'can only create tokens for individual service accounts',
    ],
    [
      'disallowed svcacct create without subresource',
      req({ verb: 'create', resource: 'serviceaccounts', name: 'svcacct0-node0' }),
      'no-opinion',
      'can only create token subresource of serviceaccount',
    ],
    // Leases.
    [
      'allowed own lease',
      req({
        verb: 'update',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-node-lease',
        name: 'node0',
      }),
      'allow',
    ],
    [
      'allowed lease create',
      req({
        verb: 'create',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-node-lease',
      }),
      'allow',
    ],
    [
      'disallowed other lease',
      req({
        verb: 'get',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-node-lease',
        name: 'node1',
      }),
      'no-opinion',
      'can only access node lease with the same name as the requesting node',
    ],
    [
      'disallowed lease namespace',
      req({
        verb: 'get',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'ns0',
        name: 'node0',
      }),
      'no-opinion',
      'can only access leases in the "kube-node-lease" system namespace',
    ],
    [
      'disallowed lease list',
      req({
        verb: 'list',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-node-lease',
      }),
      'no-opinion',
      'can only get, create, update, patch, or delete a node lease',
    ],
    // CSINodes.
    [
      'allowed own csinode',
      req({
        verb: 'update',
        namespace: '',
        apiGroup: 'storage.k8s.io',
        resource: 'csinodes',
        name: 'node0',
      }),
      'allow',
    ],
    [
      'disallowed other csinode',
      req({
        verb: 'get',
        namespace: '',
        apiGroup: 'storage.k8s.io',
        resource: 'csinodes',
        name: 'node1',
      }),
      'no-opinion',
      'can only access CSINode with the same name as the requesting node',
    ],
    // Nodes (AuthorizeNodeWithSelectors).
    ['get own node', req({ namespace: '', resource: 'nodes', name: 'node0' }), 'allow'],
    [
      'get other node',
      req({ namespace: '', resource: 'nodes', name: 'node1' }),
      'no-opinion',
      "node 'node0' cannot read 'node1', only its own Node object",
    ],
    [
      'list all nodes',
      req({ verb: 'list', namespace: '', resource: 'nodes' }),
      'no-opinion',
      "node 'node0' cannot read all nodes, only its own Node object",
    ],
    [
      'update node status',
      req({
        verb: 'patch',
        namespace: '',
        resource: 'nodes',
        subresource: 'status',
        name: 'node1',
      }),
      'allow',
    ],
    [
      'delete node',
      req({ verb: 'delete', namespace: '', resource: 'nodes', name: 'node0' }),
      'no-opinion',
      '',
    ],
    // Pods.
    ['get own pod', req({ resource: 'pods', name: 'pod0-node0' }), 'allow'],
    ['get other pod', req({ resource: 'pods', name: 'pod0-node1' }), 'no-opinion', noRel],
    [
      'list pods with selector',
      req({
        verb: 'list',
        namespace: '',
        resource: 'pods',
        fieldSelector: [{ field: 'spec.nodeName', operator: '=', value: 'node0' }],
      }),
      'allow',
    ],
    [
      'list pods with other selector',
      req({
        verb: 'list',
        namespace: '',
        resource: 'pods',
        fieldSelector: [{ field: 'spec.nodeName', operator: '=', value: 'node1' }],
      }),
      'no-opinion',
      'can only list/watch pods with spec.nodeName field selector',
    ],
    [
      'list pods with != selector',
      req({
        verb: 'watch',
        namespace: '',
        resource: 'pods',
        fieldSelector: [{ field: 'spec.nodeName', operator: '!=', value: 'node0' }],
      }),
      'no-opinion',
      'can only list/watch pods with spec.nodeName field selector',
    ],
    [
      'watch single related pod',
      req({ verb: 'watch', resource: 'pods', name: 'pod0-node0' }),
      'allow',
    ],
    ['create mirror pod', req({ verb: 'create', resource: 'pods' }), 'allow'],
    ['update pod', req({ verb: 'update', resource: 'pods', name: 'pod0-node0' }), 'no-opinion', ''],
    [
      'update pod status',
      req({ verb: 'update', resource: 'pods', subresource: 'status', name: 'x' }),
      'allow',
    ],
    [
      'evict pod',
      req({ verb: 'create', resource: 'pods', subresource: 'eviction', name: 'x' }),
      'allow',
    ],
    // Resource slices.
    [
      'create resourceslice',
      req({
        verb: 'create',
        namespace: '',
        apiGroup: 'resource.k8s.io',
        resource: 'resourceslices',
      }),
      'allow',
    ],
    [
      'list resourceslices unscoped',
      req({ verb: 'list', namespace: '', apiGroup: 'resource.k8s.io', resource: 'resourceslices' }),
      'no-opinion',
      'can only list/watch/deletecollection resourceslices with nodeName field selector',
    ],
    [
      'list resourceslices scoped',
      req({
        verb: 'list',
        namespace: '',
        apiGroup: 'resource.k8s.io',
        resource: 'resourceslices',
        fieldSelector: [{ field: 'nodeName', operator: '=', value: 'node0' }],
      }),
      'allow',
    ],
    // Everything else: the static node rules.
    ['services via node rules', req({ verb: 'list', resource: 'services' }), 'allow'],
    ['events via node rules', req({ verb: 'create', resource: 'events' }), 'allow'],
    [
      'deployments not in node rules',
      req({ verb: 'get', apiGroup: 'apps', resource: 'deployments', name: 'd' }),
      'no-opinion',
      '',
    ],
    [
      'non-resource not in node rules',
      { user: node0, verb: 'get', resourceRequest: false, path: '/healthz' },
      'no-opinion',
      '',
    ],
  ];
  for (const [name, attrs, decision, reason] of cases) {
    it(name, () => {
      const d = authz.authorize(attrs);
      assert.equal(d.decision, decision);
      if (reason !== undefined) assert.equal(d.reason, reason);
    });
  }

  it('without AuthorizeNodeWithSelectors nodes and pods fall to the node rules', () => {
    const a = new NodeAuthorizer(buildGraph(), { authorizeNodeWithSelectors: false });
    assert.equal(
      a.authorize(req({ verb: 'list', namespace: '', resource: 'nodes' })).decision,
      'allow',
    );
    assert.equal(a.authorize(req({ verb: 'list', resource: 'pods' })).decision, 'allow');
    assert.equal(
      a.authorize(
        req({
          verb: 'list',
          namespace: '',
          apiGroup: 'resource.k8s.io',
          resource: 'resourceslices',
        }),
      ).decision,
      'allow',
    );
  });

  it('mirror pods grant nothing beyond themselves', () => {
    const g = new NodeGraph();
    const p = pod('mirror', 'node0');
    p.metadata = { ...p.metadata, annotations: { 'kubernetes.io/config.mirror': 'x' } };
    g.onPodAdd(p);
    const a = new NodeAuthorizer(g);
    assert.equal(a.authorize(req({ resource: 'pods', name: 'mirror' })).decision, 'allow');
    assert.equal(a.authorize(req({ resource: 'secrets', name: 'secret0-mirror' })).reason, noRel);
  });
});
