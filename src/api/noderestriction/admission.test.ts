// Cases after upstream plugin/pkg/admission/noderestriction/admission_test.go Test_nodePlugin_Admit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../errors.ts';
import type { JsonObject } from '../quota/index.ts';
import { NodeRestriction } from './admission.ts';
import type { NodeRestrictionAttributes } from './admission.ts';

const mynode = { username: 'system:node:mynode', groups: ['system:nodes'] };
const bob = { username: 'bob', groups: [] };

function pod(name: string, node: string, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `${name}-uid` },
    spec: { nodeName: node, containers: [{ name: 'c' }], ...extra },
  };
}

function mirror(
  node: string,
  spec: Partial<Pod['spec']> = {},
  owner: Record<string, unknown> = {},
): JsonObject {
  const p = pod('mirror', node, spec);
  p.metadata = {
    ...p.metadata,
    annotations: { 'kubernetes.io/config.mirror': 'true' },
    ownerReferences: [
      {
        apiVersion: 'v1',
        kind: 'Node',
        name: 'mynode',
        uid: 'mynode-uid',
        controller: true,
        ...owner,
      },
    ],
  };
  return p as unknown as JsonObject;
}

const pods = new Map<string, Pod>([
  ['mypod', pod('mypod', 'mynode')],
  ['otherpod', pod('otherpod', 'othernode')],
  ['unboundpod', pod('unboundpod', '')],
]);
const nodes = new Map<string, Node>([
  ['mynode', { metadata: { name: 'mynode', uid: 'mynode-uid' } }],
]);
const plugin = new NodeRestriction({
  getPod: (_ns, name) => pods.get(name),
  getNode: (name) => nodes.get(name),
});

type A = Omit<NodeRestrictionAttributes, 'userInfo' | 'subresource' | 'namespace' | 'name'> &
  Partial<NodeRestrictionAttributes>;
function attrs(a: A): NodeRestrictionAttributes {
  return { userInfo: mynode, subresource: '', namespace: 'ns', name: '', ...a };
}
const podsR = { group: '', resource: 'pods' };
const nodesR = { group: '', resource: 'nodes' };

function nodeObj(labels: Record<string, string> = {}, spec: Node['spec'] = {}): JsonObject {
  return { metadata: { name: 'mynode', labels }, spec };
}

describe('NodeRestriction', () => {
  const cases: [string, NodeRestrictionAttributes, string | number | undefined][] = [
    [
      'non-node user passes',
      attrs({ userInfo: bob, operation: 'DELETE', resource: podsR, name: 'otherpod' }),
      undefined,
    ],
    [
      'node without name',
      attrs({
        userInfo: { username: 'system:node:', groups: ['system:nodes'] },
        operation: 'DELETE',
        resource: podsR,
        name: 'x',
      }),
      'pods "x" is forbidden: could not determine node from user "system:node:"',
    ],
    // Mirror pods.
    [
      'allow create mirror pod bound to self',
      attrs({ operation: 'CREATE', resource: podsR, name: 'mirror', object: mirror('mynode') }),
      undefined,
    ],
    [
      'forbid create non-mirror pod',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'p',
        object: pod('p', 'mynode') as unknown as JsonObject,
      }),
      'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "mynode" can only create mirror pods',
    ],
    [
      'forbid create mirror pod bound to other node',
      attrs({ operation: 'CREATE', resource: podsR, name: 'mirror', object: mirror('othernode') }),
      'pods "mirror" is forbidden: node "mynode" can only create pods with spec.nodeName set to itself',
    ],
    [
      'forbid mirror pod owned by other node',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', {}, { name: 'othernode' }),
      }),
      'pods "mirror" is forbidden: node "mynode" can only create pods with an owner reference set to itself',
    ],
    [
      'forbid mirror pod with non-controller owner',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', {}, { controller: false }),
      }),
      'pods "mirror" is forbidden: node "mynode" can only create pods with a controller owner reference set to itself',
    ],
    [
      'forbid mirror pod with blockOwnerDeletion',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', {}, { blockOwnerDeletion: true }),
      }),
      'pods "mirror" is forbidden: node "mynode" must not set blockOwnerDeletion on an owner reference',
    ],
    [
      'forbid mirror pod with wrong node uid',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', {}, { uid: 'bad' }),
      }),
      'pods "mirror" is forbidden: node mynode UID mismatch: expected bad got mynode-uid',
    ],
    [
      'forbid mirror pod with service account',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', { serviceAccountName: 'foo' }),
      }),
      'pods "mirror" is forbidden: node "mynode" can not create pods that reference a service account',
    ],
    [
      'forbid mirror pod with secret',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', { volumes: [{ name: 'v', secret: { secretName: 's' } }] }),
      }),
      'pods "mirror" is forbidden: node "mynode" can not create pods that reference secrets',
    ],
    [
      'forbid mirror pod with ephemeral container secret',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', {
          ephemeralContainers: [{ name: 'e', envFrom: [{ secretRef: { name: 's' } }] }],
        }),
      }),
      'pods "mirror" is forbidden: node "mynode" can not create pods that reference secrets',
    ],
    [
      'forbid mirror pod with configmap',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', { volumes: [{ name: 'v', configMap: { name: 'c' } }] }),
      }),
      'pods "mirror" is forbidden: node "mynode" can not create pods that reference configmaps',
    ],
    [
      'forbid mirror pod with pvc',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        name: 'mirror',
        object: mirror('mynode', {
          volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }],
        }),
      }),
      'pods "mirror" is forbidden: node "mynode" can not create pods that reference persistentvolumeclaims',
    ],
    [
      'forbid pod update',
      attrs({
        operation: 'UPDATE',
        resource: podsR,
        name: 'mypod',
        object: pods.get('mypod') as unknown as JsonObject,
        oldObject: pods.get('mypod') as unknown as JsonObject,
      }),
      'pods "mypod" is forbidden: unexpected operation "UPDATE", node "mynode" can only create and delete mirror pods',
    ],
    [
      'allow delete own pod',
      attrs({ operation: 'DELETE', resource: podsR, name: 'mypod' }),
      undefined,
    ],
    [
      'forbid delete other pod',
      attrs({ operation: 'DELETE', resource: podsR, name: 'otherpod' }),
      'pods "otherpod" is forbidden: node "mynode" can only delete pods with spec.nodeName set to itself',
    ],
    [
      'delete missing pod is NotFound',
      attrs({ operation: 'DELETE', resource: podsR, name: 'gone' }),
      404,
    ],
    // Pod status and eviction.
    [
      'allow own pod status',
      attrs({
        operation: 'UPDATE',
        resource: podsR,
        subresource: 'status',
        name: 'mypod',
        object: pods.get('mypod') as unknown as JsonObject,
        oldObject: pods.get('mypod') as unknown as JsonObject,
      }),
      undefined,
    ],
    [
      'forbid other pod status',
      attrs({
        operation: 'UPDATE',
        resource: podsR,
        subresource: 'status',
        name: 'otherpod',
        object: pods.get('otherpod') as unknown as JsonObject,
        oldObject: pods.get('otherpod') as unknown as JsonObject,
      }),
      'pods "otherpod" is forbidden: node "mynode" can only update pod status for pods with spec.nodeName set to itself',
    ],
    [
      'forbid label change through status',
      attrs({
        operation: 'UPDATE',
        resource: podsR,
        subresource: 'status',
        name: 'mypod',
        object: {
          ...pods.get('mypod'),
          metadata: { name: 'mypod', labels: { a: 'b' } },
        },
        oldObject: pods.get('mypod') as unknown as JsonObject,
      }),
      'pods "mypod" is forbidden: node "mynode" cannot update labels through pod status',
    ],
    [
      'forbid other pod subresource',
      attrs({
        operation: 'UPDATE',
        resource: podsR,
        subresource: 'ephemeralcontainers',
        name: 'mypod',
      }),
      `pods "mypod" is forbidden: unexpected pod subresource "ephemeralcontainers", only 'status' and 'eviction' are allowed`,
    ],
    [
      'allow evict own pod',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        subresource: 'eviction',
        name: 'mypod',
        object: { metadata: { name: 'mypod' } },
      }),
      undefined,
    ],
    [
      'allow evict own pod named in body',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        subresource: 'eviction',
        object: { metadata: { name: 'mypod' } },
      }),
      undefined,
    ],
    [
      'forbid evict unnamed',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        subresource: 'eviction',
        object: { metadata: {} },
      }),
      'pods "Unknown" is forbidden: could not determine pod from request data',
    ],
    [
      'forbid evict other pod',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        subresource: 'eviction',
        name: 'otherpod',
        object: { metadata: { name: 'otherpod' } },
      }),
      'pods "otherpod" is forbidden: node mynode can only evict pods with spec.nodeName set to itself',
    ],
    [
      'forbid evict unbound pod',
      attrs({
        operation: 'CREATE',
        resource: podsR,
        subresource: 'eviction',
        name: 'unboundpod',
        object: {},
      }),
      'pods "unboundpod" is forbidden: node mynode can only evict pods with spec.nodeName set to itself',
    ],
    // Nodes.
    [
      'allow create own node',
      attrs({
        operation: 'CREATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj({
          'kubernetes.io/hostname': 'h',
          'node.kubernetes.io/foo': 'x',
          'foo.kubelet.kubernetes.io/x': 'y',
          'example.com/x': 'y',
        }),
      }),
      undefined,
    ],
    [
      'forbid create other node',
      attrs({
        operation: 'CREATE',
        resource: nodesR,
        namespace: '',
        name: 'othernode',
        object: nodeObj(),
      }),
      'nodes "othernode" is forbidden: node "mynode" is not allowed to modify node "othernode"',
    ],
    [
      'forbid delete other node',
      attrs({ operation: 'DELETE', resource: nodesR, namespace: '', name: 'othernode' }),
      'nodes "othernode" is forbidden: node "mynode" is not allowed to modify node "othernode"',
    ],
    [
      'allow delete own node',
      attrs({ operation: 'DELETE', resource: nodesR, namespace: '', name: 'mynode' }),
      undefined,
    ],
    [
      'forbid create with configSource',
      attrs({
        operation: 'CREATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj(
          {},
          { configSource: { configMap: { name: 'c', namespace: 'n', kubeletConfigKey: 'k' } } },
        ),
      }),
      'nodes "mynode" is forbidden: node "mynode" is not allowed to create pods with a non-nil configSource',
    ],
    [
      'forbid create with restricted labels',
      attrs({
        operation: 'CREATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj({
          'node-restriction.kubernetes.io/foo': 'x',
          'foo.node-restriction.kubernetes.io/b': 'x',
          'other.kubernetes.io/foo': 'x',
          'other.k8s.io/foo': 'x',
          'node-role.kubernetes.io/master': '',
        }),
      }),
      'nodes "mynode" is forbidden: node "mynode" is not allowed to set the following labels: foo.node-restriction.kubernetes.io/b, node-restriction.kubernetes.io/foo, node-role.kubernetes.io/master, other.k8s.io/foo, other.kubernetes.io/foo',
    ],
    [
      'allow update keeping restricted labels',
      attrs({
        operation: 'UPDATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj({
          'node-role.kubernetes.io/master': '',
          'topology.kubernetes.io/zone': 'b',
        }),
        oldObject: nodeObj({
          'node-role.kubernetes.io/master': '',
          'topology.kubernetes.io/zone': 'a',
        }),
      }),
      undefined,
    ],
    [
      'forbid update removing restricted label',
      attrs({
        operation: 'UPDATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj({}),
        oldObject: nodeObj({ 'node-restriction.kubernetes.io/foo': 'x' }),
      }),
      'nodes "mynode" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/foo',
    ],
    [
      'forbid taint change',
      attrs({
        operation: 'UPDATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj({}, { taints: [{ key: 'k', effect: 'NoSchedule' }] }),
        oldObject: nodeObj(),
      }),
      'nodes "mynode" is forbidden: node "mynode" is not allowed to modify taints',
    ],
    [
      'allow update with same taints',
      attrs({
        operation: 'UPDATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj({}, { taints: [{ key: 'k', effect: 'NoSchedule' }] }),
        oldObject: nodeObj({}, { taints: [{ key: 'k', effect: 'NoSchedule' }] }),
      }),
      undefined,
    ],
    [
      'forbid new configSource',
      attrs({
        operation: 'UPDATE',
        resource: nodesR,
        namespace: '',
        name: 'mynode',
        object: nodeObj(
          {},
          { configSource: { configMap: { name: 'c', namespace: 'n', kubeletConfigKey: 'k' } } },
        ),
        oldObject: nodeObj(),
      }),
      'nodes "mynode" is forbidden: node "mynode" is not allowed to update configSource to a new non-nil configSource',
    ],
    // Service account tokens.
    [
      'allow token for own pod',
      attrs({
        operation: 'CREATE',
        resource: { group: '', resource: 'serviceaccounts' },
        subresource: 'token',
        name: 'sa',
        object: {
          spec: {
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'mypod', uid: 'mypod-uid' },
          },
        },
      }),
      undefined,
    ],
    [
      'forbid unbound token',
      attrs({
        operation: 'CREATE',
        resource: { group: '', resource: 'serviceaccounts' },
        subresource: 'token',
        name: 'sa',
        object: { spec: {} },
      }),
      'serviceaccounts "sa" is forbidden: node requested token not bound to a pod',
    ],
    [
      'forbid token bound to secret',
      attrs({
        operation: 'CREATE',
        resource: { group: '', resource: 'serviceaccounts' },
        subresource: 'token',
        name: 'sa',
        object: {
          spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'u' } },
        },
      }),
      'serviceaccounts "sa" is forbidden: node requested token not bound to a pod',
    ],
    [
      'forbid token without uid',
      attrs({
        operation: 'CREATE',
        resource: { group: '', resource: 'serviceaccounts' },
        subresource: 'token',
        name: 'sa',
        object: { spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'mypod' } } },
      }),
      'serviceaccounts "sa" is forbidden: node requested token with a pod binding without a uid',
    ],
    [
      'forbid token with stale uid',
      attrs({
        operation: 'CREATE',
        resource: { group: '', resource: 'serviceaccounts' },
        subresource: 'token',
        name: 'sa',
        object: {
          spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'mypod', uid: 'old' } },
        },
      }),
      'serviceaccounts "sa" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    ],
    [
      'forbid token for other pod',
      attrs({
        operation: 'CREATE',
        resource: { group: '', resource: 'serviceaccounts' },
        subresource: 'token',
        name: 'sa',
        object: {
          spec: {
            boundObjectRef: {
              apiVersion: 'v1',
              kind: 'Pod',
              name: 'otherpod',
              uid: 'otherpod-uid',
            },
          },
        },
      }),
      'serviceaccounts "sa" is forbidden: node requested token bound to a pod scheduled on a different node',
    ],
    [
      'ignore serviceaccount update',
      attrs({
        operation: 'UPDATE',
        resource: { group: '', resource: 'serviceaccounts' },
        name: 'sa',
        object: {},
      }),
      undefined,
    ],
    // Leases.
    [
      'allow create own lease',
      attrs({
        operation: 'CREATE',
        resource: { group: 'coordination.k8s.io', resource: 'leases' },
        namespace: 'kube-node-lease',
        name: 'mynode',
        object: { metadata: { name: 'mynode' } },
      }),
      undefined,
    ],
    [
      'forbid create other lease',
      attrs({
        operation: 'CREATE',
        resource: { group: 'coordination.k8s.io', resource: 'leases' },
        namespace: 'kube-node-lease',
        name: 'foo',
        object: { metadata: { name: 'foo' } },
      }),
      'leases.coordination.k8s.io "foo" is forbidden: can only access node lease with the same name as the requesting node',
    ],
    [
      'forbid lease in other namespace',
      attrs({
        operation: 'UPDATE',
        resource: { group: 'coordination.k8s.io', resource: 'leases' },
        namespace: 'ns',
        name: 'mynode',
        object: {},
      }),
      'leases.coordination.k8s.io "mynode" is forbidden: can only access leases in the "kube-node-lease" system namespace',
    ],
    [
      'forbid delete other lease',
      attrs({
        operation: 'DELETE',
        resource: { group: 'coordination.k8s.io', resource: 'leases' },
        namespace: 'kube-node-lease',
        name: 'foo',
      }),
      'leases.coordination.k8s.io "foo" is forbidden: can only access node lease with the same name as the requesting node',
    ],
    // CSINodes.
    [
      'allow own csinode',
      attrs({
        operation: 'UPDATE',
        resource: { group: 'storage.k8s.io', resource: 'csinodes' },
        namespace: '',
        name: 'mynode',
        object: {},
      }),
      undefined,
    ],
    [
      'forbid other csinode create',
      attrs({
        operation: 'CREATE',
        resource: { group: 'storage.k8s.io', resource: 'csinodes' },
        namespace: '',
        name: 'foo',
        object: { metadata: { name: 'foo' } },
      }),
      'csinodes.storage.k8s.io "foo" is forbidden: can only access CSINode with the same name as the requesting node',
    ],
    // PVCs.
    [
      'forbid pvc update',
      attrs({
        operation: 'UPDATE',
        resource: { group: '', resource: 'persistentvolumeclaims' },
        name: 'c',
        object: {},
      }),
      'persistentvolumeclaims "c" is forbidden: may only update PVC status',
    ],
    [
      'allow pvc status conditions update',
      attrs({
        operation: 'UPDATE',
        resource: { group: '', resource: 'persistentvolumeclaims' },
        subresource: 'status',
        name: 'c',
        object: {
          metadata: { name: 'c', resourceVersion: '2' },
          status: {
            capacity: { storage: '2Gi' },
            conditions: [{ type: 'Resizing', status: 'True' }],
          },
        },
        oldObject: {
          metadata: { name: 'c', resourceVersion: '1' },
          status: { capacity: { storage: '1Gi' } },
        },
      }),
      undefined,
    ],
    [
      'forbid pvc status phase update',
      attrs({
        operation: 'UPDATE',
        resource: { group: '', resource: 'persistentvolumeclaims' },
        subresource: 'status',
        name: 'c',
        object: { metadata: { name: 'c' }, status: { phase: 'Lost' } },
        oldObject: { metadata: { name: 'c' }, status: { phase: 'Bound' } },
      }),
      'persistentvolumeclaims "c" is forbidden: node "mynode" is not allowed to update fields other than status.quantity and status.conditions: status.phase',
    ],
    // Resource slices and other resources.
    [
      'forbid resourceslice for other node',
      attrs({
        operation: 'CREATE',
        resource: { group: 'resource.k8s.io', resource: 'resourceslices' },
        namespace: '',
        name: 's',
        object: { metadata: { name: 's' }, spec: { nodeName: 'other' } },
      }),
      'resourceslices.resource.k8s.io "s" is forbidden: can only create ResourceSlice with the same NodeName as the requesting node',
    ],
    [
      'other resources pass',
      attrs({
        operation: 'CREATE',
        resource: { group: '', resource: 'events' },
        name: 'e',
        object: {},
      }),
      undefined,
    ],
  ];
  for (const [name, a, want] of cases) {
    it(name, async () => {
      if (want === undefined) {
        await plugin.admit(a);
        return;
      }
      await assert.rejects(plugin.admit(a), (err: unknown) => {
        assert.ok(err instanceof StatusError);
        if (typeof want === 'number') assert.equal(err.status.code, want);
        else {
          assert.equal(err.status.code, 403);
          assert.equal(err.message, want);
        }
        return true;
      });
    });
  }
});
