import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  Container,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
} from 'kubernetes-types/core/v1.js';
import { escapeQualifiedName, podVolumeDir } from './layout.ts';
import {
  emptyDirMemorySize,
  makeContainerMounts,
  planPodVolumes,
  translateMountPropagation,
} from './plan.ts';
import type { ClaimLookup } from './plan.ts';

const GI = 1024n * 1024n * 1024n;
const root = '/var/lib/skiff';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns', uid: 'uid-1' },
  spec: {
    containers: [
      {
        name: 'app',
        resources: { limits: { memory: '1Gi' } },
        volumeMounts: [
          { name: 'scratch', mountPath: '/scratch' },
          { name: 'cache', mountPath: '/cache', subPathExpr: 'pods/$(POD_NAME)' },
          { name: 'cfg', mountPath: '/etc/app', readOnly: false },
          { name: 'host', mountPath: '/host', mountPropagation: 'HostToContainer', readOnly: true },
          { name: 'data', mountPath: '/data', subPath: 'db' },
        ],
      },
    ],
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'sec', secret: { secretName: 's' } },
      { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'nfs', nfs: { server: 'x', path: '/' } },
    ],
  },
};

const claim: PersistentVolumeClaim = {
  metadata: { name: 'data', namespace: 'ns', uid: 'claim-uid' },
  spec: { volumeName: 'pvc-claim-uid' },
  status: { phase: 'Bound' },
};
const pv: PersistentVolume = {
  metadata: { name: 'pvc-claim-uid' },
  spec: {
    hostPath: { path: '/var/lib/skiff/storage/claim-uid', type: 'DirectoryOrCreate' },
    claimRef: { uid: 'claim-uid' },
  },
};
const claims = (
  c: PersistentVolumeClaim | undefined,
  v: PersistentVolume | undefined,
): ClaimLookup => ({
  claim: (n) => (n === c?.metadata?.name ? c : undefined),
  volume: (n) => (n === v?.metadata?.name ? v : undefined),
});

describe('layout', () => {
  it('escapes plugin names as upstream', () => {
    assert.equal(escapeQualifiedName('kubernetes.io/empty-dir'), 'kubernetes.io~empty-dir');
    assert.equal(
      podVolumeDir(root, 'uid-1', 'kubernetes.io/configmap', 'cfg'),
      '/var/lib/skiff/pods/uid-1/volumes/kubernetes.io~configmap/cfg',
    );
  });
});

describe('planPodVolumes', () => {
  const plan = planPodVolumes(pod, {
    root,
    nodeAllocatableMemory: '16Gi',
    claims: claims(claim, pv),
  });
  const byName = new Map(plan.volumes.map((v) => [v.name, v]));
  it('lays volumes out under the pod dir, per plugin', () => {
    assert.equal(
      byName.get('scratch')?.path,
      `${root}/pods/uid-1/volumes/kubernetes.io~empty-dir/scratch`,
    );
    assert.equal(byName.get('sec')?.path, `${root}/pods/uid-1/volumes/kubernetes.io~secret/sec`);
    assert.equal(byName.get('host')?.path, '/var/log');
    assert.equal(byName.get('data')?.path, '/var/lib/skiff/storage/claim-uid');
    assert.deepEqual(byName.get('data')?.claim, { name: 'data', volumeName: 'pvc-claim-uid' });
  });
  it('backs Memory emptyDirs, secrets, downwardAPI and projected volumes with tmpfs', () => {
    assert.deepEqual(byName.get('cache')?.tmpfs, { sizeBytes: 64n * 1024n * 1024n });
    assert.equal(byName.get('scratch')?.tmpfs, undefined);
    assert.equal(byName.get('cfg')?.tmpfs, undefined);
    // Secret tmpfs is bounded by the pod's memory limit.
    assert.deepEqual(byName.get('sec')?.tmpfs, { sizeBytes: GI });
  });
  it('marks atomic-writer volumes read-only and ownership as upstream', () => {
    assert.equal(byName.get('cfg')?.readOnly, true);
    assert.equal(byName.get('cfg')?.ownership, 'recursive');
    assert.equal(byName.get('host')?.ownership, 'none');
    assert.equal(byName.get('scratch')?.readOnly, false);
  });
  it('reports unplannable volumes', () => {
    assert.deepEqual(plan.errors, [{ volume: 'nfs', message: 'no volume plugin matched' }]);
  });
  it('PVC errors as the volume manager words them', () => {
    const msg = (
      c: PersistentVolumeClaim | undefined,
      v: PersistentVolume | undefined,
    ): string | undefined =>
      planPodVolumes(pod, { root, claims: claims(c, v) }).errors.find((e) => e.volume === 'data')
        ?.message;
    assert.equal(
      msg(undefined, pv),
      'error processing PVC ns/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found',
    );
    assert.equal(
      msg({ ...claim, status: { phase: 'Pending' } }, pv),
      'error processing PVC ns/data: PVC is not bound',
    );
    assert.equal(
      msg(claim, undefined),
      'error processing PVC ns/data: failed to fetch PV pvc-claim-uid from API server: persistentvolumes "pvc-claim-uid" not found',
    );
    assert.equal(
      msg(claim, { ...pv, spec: { ...pv.spec, claimRef: { uid: 'other' } } }),
      'error processing PVC ns/data: found PV object pvc-claim-uid but its pv.Spec.ClaimRef.UID other does not point to claim.UID claim-uid',
    );
  });
});

describe('emptyDirMemorySize (upstream TestCalculateEmptyDirMemorySize)', () => {
  const withLimits = (
    limits: Record<string, string>,
    requests: Record<string, string> = {},
  ): Pod => ({
    spec: { containers: [{ name: 'c', resources: { limits, requests } }] },
  });
  it('EmptyDirLocalLimit', () => {
    assert.equal(emptyDirMemorySize(withLimits({ memory: '10Gi' }), '1Gi', '16Gi'), GI);
  });
  it('PodLocalLimit', () => {
    assert.equal(emptyDirMemorySize(withLimits({ memory: '10Gi' }), '0', '16Gi'), 10n * GI);
  });
  it('NodeAllocatableLimit', () => {
    assert.equal(emptyDirMemorySize(withLimits({}, { memory: '10Gi' }), '0', '16Gi'), 16n * GI);
  });
  it('a sizeLimit above what the pod may use is ignored', () => {
    assert.equal(emptyDirMemorySize(withLimits({ memory: '1Gi' }), '2Gi', '16Gi'), GI);
  });
  it('nothing known: kernel default', () => {
    assert.equal(emptyDirMemorySize(withLimits({}), undefined, undefined), undefined);
  });
});

describe('makeContainerMounts (makeMounts)', () => {
  const plan = planPodVolumes(pod, { root, claims: claims(claim, pv) });
  const container = pod.spec?.containers[0];
  assert.ok(container);
  it('resolves volumes, subPathExpr, readOnly and propagation', () => {
    const mounts = makeContainerMounts(container, plan.volumes, [
      { name: 'POD_NAME', value: 'web' },
    ]);
    assert.deepEqual(
      mounts.map((m) => [m.containerPath, m.hostPath, m.readOnly, m.propagation, m.subPath]),
      [
        [
          '/scratch',
          `${root}/pods/uid-1/volumes/kubernetes.io~empty-dir/scratch`,
          false,
          'Private',
          '',
        ],
        [
          '/cache',
          `${root}/pods/uid-1/volumes/kubernetes.io~empty-dir/cache/pods/web`,
          false,
          'Private',
          'pods/web',
        ],
        ['/etc/app', `${root}/pods/uid-1/volumes/kubernetes.io~configmap/cfg`, true, 'Private', ''],
        ['/host', '/var/log', true, 'HostToContainer', ''],
        ['/data', '/var/lib/skiff/storage/claim-uid/db', false, 'Private', 'db'],
      ],
    );
  });
  it('fails as upstream', () => {
    assert.throws(() => makeContainerMounts(container, plan.volumes, []), {
      message: 'missing value for POD_NAME',
    });
    const c = (m: { subPath?: string; mountPropagation?: string; name?: string }): Container => ({
      name: 'app',
      volumeMounts: [{ name: m.name ?? 'scratch', mountPath: '/x', ...m }],
    });
    assert.throws(() => makeContainerMounts(c({ name: 'gone' }), plan.volumes), {
      message: 'cannot find volume "gone" to mount into container "app"',
    });
    assert.throws(() => makeContainerMounts(c({ subPath: '/etc' }), plan.volumes), {
      message: 'error SubPath `/etc` must not be an absolute path',
    });
    assert.throws(() => makeContainerMounts(c({ subPath: 'a/../../b' }), plan.volumes), {
      message: "unable to provision SubPath `a/../../b`: must not contain '..'",
    });
    assert.throws(() => makeContainerMounts(c({ mountPropagation: 'Sideways' }), plan.volumes), {
      message: 'invalid MountPropagation mode: "Sideways"',
    });
  });
  it('translates propagation', () => {
    assert.equal(translateMountPropagation(undefined), 'Private');
    assert.equal(translateMountPropagation('None'), 'Private');
    assert.equal(translateMountPropagation('Bidirectional'), 'Bidirectional');
  });
});
