// Cases ported from upstream pkg/printers/internalversion/printers_test.go (TestPrintIngress,
// TestPrintIngressClass, TestPrintStorageClass, TestPrintLease, ...), with an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFor } from './table.ts';

const NOW = new Date('2024-06-15T12:00:00Z');
const S = 1000;
const D = 24 * 60 * 60 * S;
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

function cells(apiVersion: string, kind: string, obj: object, wide = false): unknown[] {
  return tableFor([obj], { apiVersion, kind, now: NOW, wide }).rows[0]!.cells;
}

test('TestPrintIngress and TestPrintIngressClass', () => {
  const ingress = {
    metadata: { name: 'test1', creationTimestamp: at(-10 * 365 * D) },
    spec: {
      ingressClassName: 'foo',
      defaultBackend: {
        service: { name: 'default-backend', port: { name: 'default-backend', number: 80 } },
      },
    },
    status: { loadBalancer: { ingress: [{ ip: '2.3.4.5', hostname: 'localhost.localdomain' }] } },
  };
  assert.deepEqual(cells('networking.k8s.io/v1', 'Ingress', ingress), [
    'test1',
    'foo',
    '*',
    '2.3.4.5',
    '80',
    '10y',
  ]);
  const rules = ['a.com', 'b.com', '', 'c.com', 'd.com'].map((host) => ({ host }));
  assert.deepEqual(
    cells('networking.k8s.io/v1', 'Ingress', {
      metadata: { name: 'hosts' },
      spec: { rules, tls: [{ hosts: ['a.com'] }] },
    }),
    ['hosts', '<none>', 'a.com,b.com,c.com + 2 more...', '', '80, 443', '<unknown>'],
  );
  const cases: { spec: object; want: unknown[] }[] = [
    {
      spec: {
        controller: 'example.com/controller',
        parameters: { kind: 'customgroup', name: 'example' },
      },
      want: ['test1', 'example.com/controller', 'customgroup/example', '10y'],
    },
    {
      spec: {
        controller: 'example.com/controller',
        parameters: { apiGroup: 'example.com', kind: 'customgroup', name: 'example' },
      },
      want: ['test1', 'example.com/controller', 'customgroup.example.com/example', '10y'],
    },
    {
      spec: { controller: 'example.com/controller2' },
      want: ['test1', 'example.com/controller2', '<none>', '10y'],
    },
  ];
  for (const c of cases) {
    assert.deepEqual(
      cells('networking.k8s.io/v1', 'IngressClass', {
        metadata: { name: 'test1', creationTimestamp: at(-10 * 365 * D) },
        spec: c.spec,
      }),
      c.want,
    );
  }
});

test('TestPrintNetworkPolicy', () => {
  const np = (podSelector: object) => ({
    metadata: { name: 'np', creationTimestamp: at(1.9 * S) },
    spec: { podSelector },
  });
  assert.deepEqual(cells('networking.k8s.io/v1', 'NetworkPolicy', np({})), ['np', '<none>', '0s']);
  assert.deepEqual(
    cells(
      'networking.k8s.io/v1',
      'NetworkPolicy',
      np({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      }),
    ),
    ['np', 'app=web,tier in (a,b)', '0s'],
  );
});

test('TestPrintRoleBinding and TestPrintClusterRoleBinding', () => {
  const binding = {
    metadata: { name: 'binding1', creationTimestamp: at(1.9 * S) },
    subjects: [
      { kind: 'User', name: 'system:kube-controller-manager' },
      { kind: 'Group', name: 'system:masters' },
      { kind: 'ServiceAccount', namespace: 'default', name: 'default' },
      { kind: 'ServiceAccount', namespace: 'kube-system', name: 'builder' },
    ],
    roleRef: {
      kind: 'Role',
      name: 'extension-apiserver-authentication-reader',
      apiGroup: 'rbac.authorization.k8s.io',
    },
  };
  assert.deepEqual(cells('rbac.authorization.k8s.io/v1', 'RoleBinding', binding), [
    'binding1',
    'Role/extension-apiserver-authentication-reader',
    '0s',
  ]);
  assert.deepEqual(cells('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', binding, true), [
    'binding1',
    'Role/extension-apiserver-authentication-reader',
    '0s',
    'system:kube-controller-manager',
    'system:masters',
    'default/default, kube-system/builder',
  ]);
});

test('TestPrintStorageClass, CSI and VolumeAttachment', () => {
  assert.deepEqual(
    cells('storage.k8s.io/v1', 'StorageClass', {
      metadata: {
        name: 'sc1',
        creationTimestamp: at(1.9 * S),
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'kubernetes.io/glusterfs',
    }),
    ['sc1 (default)', 'kubernetes.io/glusterfs', 'Delete', 'Immediate', false, '0s'],
  );
  assert.deepEqual(
    cells('storage.k8s.io/v1', 'StorageClass', {
      metadata: { name: 'sc2', creationTimestamp: at(-5 * D) },
      provisioner: 'kubernetes.io/nfs',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    }),
    ['sc2', 'kubernetes.io/nfs', 'Retain', 'WaitForFirstConsumer', true, '5d'],
  );
  assert.deepEqual(
    cells('storage.k8s.io/v1', 'CSIDriver', {
      metadata: { name: 'driver1', creationTimestamp: at(1.9 * S) },
      spec: {},
    }),
    ['driver1', true, false, false, '<unset>', false, '<none>', '0s'],
  );
  assert.deepEqual(
    cells('storage.k8s.io/v1', 'CSIDriver', {
      metadata: { name: 'driver2', creationTimestamp: at(1.9 * S) },
      spec: {
        attachRequired: false,
        podInfoOnMount: true,
        storageCapacity: true,
        tokenRequests: [{ audience: 'a' }, { audience: 'b' }],
        requiresRepublish: true,
        volumeLifecycleModes: ['Persistent', 'Ephemeral'],
      },
    }),
    ['driver2', false, true, true, 'a,b', true, 'Persistent,Ephemeral', '0s'],
  );
  assert.deepEqual(
    cells('storage.k8s.io/v1', 'CSINode', {
      metadata: { name: 'csinode1', creationTimestamp: at(1.9 * S) },
      spec: { drivers: [{ name: 'd', nodeID: 'n' }] },
    }),
    ['csinode1', 1, '0s'],
  );
  assert.deepEqual(
    cells('storage.k8s.io/v1', 'VolumeAttachment', {
      metadata: { name: 'va1', creationTimestamp: at(1.9 * S) },
      spec: { attacher: 'a', source: { persistentVolumeName: 'pv1' }, nodeName: 'n1' },
      status: { attached: true },
    }),
    ['va1', 'a', 'pv1', 'n1', true, '0s'],
  );
  assert.deepEqual(
    cells('storage.k8s.io/v1', 'CSIStorageCapacity', {
      metadata: { name: 'cap' },
      storageClassName: 'sc',
      capacity: '1Gi',
    }),
    ['cap', 'sc', '1Gi'],
  );
});

test('TestPrintPriorityClass, TestPrintRuntimeClass, TestPrintLease', () => {
  assert.deepEqual(
    cells(
      'scheduling.k8s.io/v1',
      'PriorityClass',
      { metadata: { name: 'pc1', creationTimestamp: at(1.9 * S) }, value: 1 },
      true,
    ),
    ['pc1', 1, false, '0s', ''],
  );
  assert.deepEqual(
    cells('scheduling.k8s.io/v1', 'PriorityClass', {
      metadata: { name: 'pc2', creationTimestamp: at(1.9 * S) },
      value: 1000000000,
      globalDefault: true,
      preemptionPolicy: 'PreemptLowerPriority',
    }),
    ['pc2', 1000000000, true, '0s'],
  );
  assert.deepEqual(
    cells('node.k8s.io/v1', 'RuntimeClass', {
      metadata: { name: 'rc1', creationTimestamp: at(1.9 * S) },
      handler: 'h1',
    }),
    ['rc1', 'h1', '0s'],
  );
  assert.deepEqual(
    cells('coordination.k8s.io/v1', 'Lease', {
      metadata: { name: 'lease1', creationTimestamp: at(1.9 * S) },
      spec: { holderIdentity: 'holder' },
    }),
    ['lease1', 'holder', '0s'],
  );
  assert.deepEqual(
    cells('coordination.k8s.io/v1', 'Lease', { metadata: { name: 'lease2' }, spec: {} }),
    ['lease2', '', '<unknown>'],
  );
});

test('TestPrintCertificateSigningRequest', () => {
  const csr = (status: object, spec: object = {}) => ({
    metadata: { name: 'csr1', creationTimestamp: at(1.9 * S) },
    spec: {
      request: '',
      username: 'CSRRequestor',
      signerName: 'example.com/signer',
      usages: [],
      ...spec,
    },
    status,
  });
  const cases: { obj: object; want: unknown[] }[] = [
    {
      obj: csr({}),
      want: ['csr1', '0s', 'example.com/signer', 'CSRRequestor', '<none>', 'Pending'],
    },
    {
      obj: csr({ conditions: [{ type: 'Approved', status: 'True' }] }, { expirationSeconds: 7200 }),
      want: ['csr1', '0s', 'example.com/signer', 'CSRRequestor', '120m', 'Approved'],
    },
    {
      obj: csr({ conditions: [{ type: 'Approved', status: 'True' }], certificate: 'Y2VydA==' }),
      want: ['csr1', '0s', 'example.com/signer', 'CSRRequestor', '<none>', 'Approved,Issued'],
    },
    {
      obj: csr(
        {
          conditions: [
            { type: 'Approved', status: 'True' },
            { type: 'Denied', status: 'True' },
            { type: 'Failed', status: 'True' },
          ],
        },
        { signerName: '' },
      ),
      want: ['csr1', '0s', '<none>', 'CSRRequestor', '<none>', 'Denied,Failed'],
    },
  ];
  for (const c of cases)
    assert.deepEqual(cells('certificates.k8s.io/v1', 'CertificateSigningRequest', c.obj), c.want);
});

test('TestPrintWebhooks and TestPrintEndpointSlice', () => {
  assert.deepEqual(
    cells('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', {
      metadata: { name: 'm', creationTimestamp: at(1.9 * S) },
      webhooks: [{}, {}],
    }),
    ['m', 2, '0s'],
  );
  assert.deepEqual(
    cells('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', {
      metadata: { name: 'v', creationTimestamp: at(1.9 * S) },
    }),
    ['v', 0, '0s'],
  );
  const slices: { slice: object; want: unknown[] }[] = [
    {
      slice: {
        metadata: { name: 'abcslice.123', creationTimestamp: at(-2 * D) },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        endpoints: [{ addresses: ['10.1.2.3', '2001:db8::1234:5678'] }],
      },
      want: ['abcslice.123', 'IPv4', '80', '10.1.2.3,2001:db8::1234:5678', '2d'],
    },
    {
      slice: {
        metadata: { name: 'longerslicename.123', creationTimestamp: at(-5 * D) },
        addressType: 'IPv6',
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ],
        endpoints: [
          { addresses: ['10.1.2.3', '2001:db8::1234:5678'] },
          { addresses: ['10.2.3.4', '2001:db8::2345:6789'] },
        ],
      },
      want: [
        'longerslicename.123',
        'IPv6',
        '80,443',
        '10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...',
        '5d',
      ],
    },
    {
      slice: {
        metadata: { name: 'multiportslice.123', creationTimestamp: at(-3 * D) },
        addressType: 'IPv4',
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
          { name: 'extra1', port: 3000 },
          { name: 'extra2', port: 3001 },
        ],
        endpoints: [{ addresses: ['10.1.2.3'] }, { addresses: ['10.1.2.4'] }],
      },
      want: ['multiportslice.123', 'IPv4', '80,443,3000 + 1 more...', '10.1.2.3,10.1.2.4', '3d'],
    },
    {
      slice: {
        metadata: { name: 'empty' },
        addressType: 'FQDN',
        ports: [{ name: 'named' }, {}],
        endpoints: [],
      },
      want: ['empty', 'FQDN', 'named,*', '<unset>', '<unknown>'],
    },
  ];
  for (const c of slices)
    assert.deepEqual(cells('discovery.k8s.io/v1', 'EndpointSlice', c.slice), c.want);
});
