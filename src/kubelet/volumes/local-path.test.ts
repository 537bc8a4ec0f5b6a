import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { localPathClaimDir } from './layout.ts';
import {
  ANN_SELECTED_NODE,
  buildLocalPathVolume,
  localPathStorageClass,
  shouldProvisionClaim,
} from './local-path.ts';

const claim: PersistentVolumeClaim = {
  metadata: {
    name: 'data',
    namespace: 'ns',
    uid: '1234',
    resourceVersion: '7',
    annotations: {
      [ANN_SELECTED_NODE]: 'node-a',
      'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
    },
  },
  spec: {
    storageClassName: 'local-path',
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '2Gi' } },
  },
  status: { phase: 'Pending' },
};

describe('local-path provisioner', () => {
  const sc = localPathStorageClass();
  it("has k3s's StorageClass", () => {
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.provisioner, 'rancher.io/local-path');
    assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  });
  it('provisions only claims the scheduler placed on this node', () => {
    assert.equal(shouldProvisionClaim(claim, sc, 'node-a'), true);
    assert.equal(shouldProvisionClaim(claim, sc, 'node-b'), false);
    assert.equal(
      shouldProvisionClaim({ ...claim, spec: { ...claim.spec, volumeName: 'pv' } }, sc, 'node-a'),
      false,
    );
    assert.equal(shouldProvisionClaim(claim, { ...sc, provisioner: 'other' }, 'node-a'), false);
  });
  it('builds the PV pinned to the node', () => {
    const path = localPathClaimDir('/var/lib/skiff', '1234');
    assert.equal(path, '/var/lib/skiff/storage/1234');
    const pv = buildLocalPathVolume({ claim, storageClass: sc, nodeName: 'node-a', path });
    assert.deepEqual(pv, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: 'pvc-1234',
        annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' },
      },
      spec: {
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'local-path',
        accessModes: ['ReadWriteOnce'],
        volumeMode: 'Filesystem',
        capacity: { storage: '2Gi' },
        hostPath: { path: '/var/lib/skiff/storage/1234', type: 'DirectoryOrCreate' },
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: 'ns',
          name: 'data',
          uid: '1234',
          resourceVersion: '7',
        },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] },
                ],
              },
            ],
          },
        },
      },
    });
  });
  it('refuses what the provisioner refuses', () => {
    assert.throws(
      () =>
        buildLocalPathVolume({
          claim: { ...claim, spec: { ...claim.spec, selector: {} } },
          storageClass: sc,
          nodeName: 'n',
          path: '/x',
        }),
      { message: 'claim.Spec.Selector is not supported' },
    );
    assert.throws(
      () =>
        buildLocalPathVolume({
          claim: { ...claim, spec: { ...claim.spec, accessModes: ['ReadWriteMany'] } },
          storageClass: sc,
          nodeName: 'n',
          path: '/x',
        }),
      { message: 'NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes' },
    );
  });
});
