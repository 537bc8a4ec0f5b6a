// Per-check fixtures ported from upstream 1.32 policy/check_*_test.go (same pods, same
// expected reasons and details), plus pass cases for each check.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, PodSpec, SecurityContext, Volume } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { DEFAULT_CHECKS } from './checks.ts';
import type { CheckResult } from './checks.ts';
import { versionOlder, majorMinorVersion } from './api.ts';

interface Case {
  name: string;
  check: string;
  /** Policy minor version selecting the check revision; the newest when omitted. */
  minor?: number;
  meta?: ObjectMeta;
  spec: Partial<PodSpec>;
  relax?: boolean;
  /** [reason, detail] when forbidden; undefined when allowed. */
  expect?: [string, string];
}

function runCheck(c: Case): CheckResult {
  const check = DEFAULT_CHECKS.find((x) => x.id === c.check);
  assert.ok(check, `unknown check ${c.check}`);
  const version = majorMinorVersion(1, c.minor ?? 99);
  let revision = undefined;
  for (const r of check.versions) if (!versionOlder(version, r.minimumVersion)) revision = r;
  assert.ok(revision, `no revision of ${c.check} at 1.${String(c.minor)}`);
  return revision.checkPod(
    c.meta ?? {},
    { containers: [], ...c.spec },
    {
      relaxForUserNamespacePods: c.relax ?? false,
    },
  );
}

const ctr = (
  name: string,
  securityContext?: SecurityContext,
  extra: Partial<Container> = {},
): Container => ({
  name,
  ...(securityContext === undefined ? {} : { securityContext }),
  ...extra,
});

const cases: Case[] = [
  // privileged
  {
    name: 'privileged',
    check: 'privileged',
    spec: {
      containers: [
        ctr('a'),
        ctr('b', {}),
        ctr('c', { privileged: false }),
        ctr('d', { privileged: true }),
        ctr('e', { privileged: true }),
      ],
    },
    expect: ['privileged', 'containers "d", "e" must not set securityContext.privileged=true'],
  },
  {
    name: 'privileged init container, singular',
    check: 'privileged',
    spec: {
      initContainers: [ctr('i', { privileged: true })],
      containers: [ctr('a')],
    },
    expect: ['privileged', 'container "i" must not set securityContext.privileged=true'],
  },
  {
    name: 'unprivileged',
    check: 'privileged',
    spec: { containers: [ctr('a', { privileged: false })] },
  },
  // hostNamespaces
  {
    name: 'multiple host namespaces',
    check: 'hostNamespaces',
    spec: { hostNetwork: true, hostIPC: true, hostPID: true },
    expect: ['host namespaces', 'hostNetwork=true, hostPID=true, hostIPC=true'],
  },
  { name: 'host namespaces false', check: 'hostNamespaces', spec: { hostNetwork: false } },
  // hostPorts
  {
    name: 'one container, one host port',
    check: 'hostPorts',
    spec: {
      containers: [
        ctr('a', undefined, { ports: [{ containerPort: 1, hostPort: 0 }] }),
        ctr('b', undefined, {
          ports: [
            { containerPort: 1, hostPort: 0 },
            { containerPort: 2, hostPort: 20 },
          ],
        }),
      ],
    },
    expect: ['hostPort', 'container "b" uses hostPort 20'],
  },
  {
    name: 'multiple containers, multiple host port',
    check: 'hostPorts',
    spec: {
      containers: [
        ctr('a', undefined, { ports: [{ containerPort: 1, hostPort: 0 }] }),
        ctr('b', undefined, {
          ports: [
            { containerPort: 1, hostPort: 0 },
            { containerPort: 2, hostPort: 10 },
            { containerPort: 3, hostPort: 20 },
          ],
        }),
        ctr('c', undefined, {
          ports: [
            { containerPort: 1, hostPort: 0 },
            { containerPort: 2, hostPort: 10 },
            { containerPort: 3, hostPort: 30 },
          ],
        }),
      ],
    },
    expect: ['hostPort', 'containers "b", "c" use hostPorts 10, 20, 30'],
  },
  // hostPathVolumes
  {
    name: 'host path volumes',
    check: 'hostPathVolumes',
    spec: {
      volumes: [
        { name: 'a', emptyDir: {} },
        { name: 'b', hostPath: { path: '/' } },
        { name: 'c', hostPath: { path: '/' } },
      ],
    },
    expect: ['hostPath volumes', 'volumes "b", "c"'],
  },
  {
    name: 'one host path volume',
    check: 'hostPathVolumes',
    spec: { volumes: [{ name: 'b', hostPath: { path: '/' } }] },
    expect: ['hostPath volumes', 'volume "b"'],
  },
  // capabilities_baseline
  {
    name: 'baseline capabilities, multiple containers',
    check: 'capabilities_baseline',
    spec: {
      containers: [
        ctr('a', { capabilities: { add: ['FOO', 'BAR'] } }),
        ctr('b', { capabilities: { add: ['BAR', 'BAZ'] } }),
      ],
    },
    expect: [
      'non-default capabilities',
      'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add',
    ],
  },
  {
    name: 'baseline capabilities, default set',
    check: 'capabilities_baseline',
    spec: {
      containers: [
        ctr('a', { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'SYS_CHROOT'] } }),
      ],
    },
  },
  // capabilities_restricted
  {
    name: 'restricted capabilities, multiple containers',
    check: 'capabilities_restricted',
    spec: {
      containers: [
        ctr('a'),
        ctr('b', { capabilities: {} }),
        ctr('c', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'FOO'] } }),
        ctr('d', { capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOO'] } }),
        ctr('e', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }),
      ],
    },
    expect: [
      'unrestricted capabilities',
      'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "c", "d" must not include "CHOWN", "FOO" in securityContext.capabilities.add',
    ],
  },
  {
    name: 'restricted capabilities, windows pod exempt at 1.25',
    check: 'capabilities_restricted',
    spec: { os: { name: 'windows' }, containers: [ctr('a')] },
  },
  {
    name: 'restricted capabilities, windows pod not exempt at 1.24',
    check: 'capabilities_restricted',
    minor: 24,
    spec: { os: { name: 'windows' }, containers: [ctr('a')] },
    expect: [
      'unrestricted capabilities',
      'container "a" must set securityContext.capabilities.drop=["ALL"]',
    ],
  },
  // appArmorProfile
  {
    name: 'unconfined pod',
    check: 'appArmorProfile',
    spec: { securityContext: { appArmorProfile: { type: 'Unconfined' } } },
    expect: [
      'forbidden AppArmor profile',
      'pod must not set AppArmor profile type to "Unconfined"',
    ],
  },
  {
    name: 'unconfined container',
    check: 'appArmorProfile',
    spec: {
      securityContext: { appArmorProfile: { type: 'RuntimeDefault' } },
      containers: [ctr('foo', { appArmorProfile: { type: 'Unconfined' } })],
    },
    expect: [
      'forbidden AppArmor profile',
      'container "foo" must not set AppArmor profile type to "Unconfined"',
    ],
  },
  {
    name: 'unconfined init container',
    check: 'appArmorProfile',
    spec: {
      securityContext: { appArmorProfile: { type: 'RuntimeDefault' } },
      containers: [ctr('foo')],
      initContainers: [ctr('bar', { appArmorProfile: { type: 'Unconfined' } })],
    },
    expect: [
      'forbidden AppArmor profile',
      'container "bar" must not set AppArmor profile type to "Unconfined"',
    ],
  },
  {
    name: 'unconfined annotations',
    check: 'appArmorProfile',
    meta: {
      annotations: {
        'container.apparmor.security.beta.kubernetes.io/a': 'unconfined',
        'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default',
        'container.apparmor.security.beta.kubernetes.io/c': 'localhost/foo',
        'container.apparmor.security.beta.kubernetes.io/d': 'bogus',
      },
    },
    spec: {},
    expect: [
      'forbidden AppArmor profiles',
      'annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined"", "container.apparmor.security.beta.kubernetes.io/d="bogus""',
    ],
  },
  {
    name: 'apparmor pod, container and annotation',
    check: 'appArmorProfile',
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' } },
    spec: {
      securityContext: { appArmorProfile: { type: 'Unconfined' } },
      containers: [ctr('a', { appArmorProfile: { type: 'Unconfined' } })],
    },
    expect: [
      'forbidden AppArmor profiles',
      'pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined""',
    ],
  },
  {
    name: 'apparmor allowed',
    check: 'appArmorProfile',
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': '' } },
    spec: {
      securityContext: { appArmorProfile: { type: 'RuntimeDefault' } },
      containers: [ctr('a', { appArmorProfile: { type: 'Localhost', localhostProfile: 'x' } })],
    },
  },
  // seLinuxOptions (1.31+)
  {
    name: 'selinux invalid pod and containers',
    check: 'seLinuxOptions',
    spec: {
      securityContext: { seLinuxOptions: { type: 'foo', user: 'bar', role: 'baz' } },
      containers: [
        ctr('a', { seLinuxOptions: { type: 'container_t' } }),
        ctr('b', { seLinuxOptions: { type: 'container_init_t' } }),
        ctr('c', { seLinuxOptions: { type: 'container_kvm_t' } }),
        ctr('d', { seLinuxOptions: { type: 'container_engine_t' } }),
        ctr('e', { seLinuxOptions: { type: 'bar' } }),
        ctr('f', { seLinuxOptions: { user: 'bar' } }),
        ctr('g', { seLinuxOptions: { role: 'baz' } }),
      ],
    },
    expect: [
      'seLinuxOptions',
      'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
    ],
  },
  {
    name: 'selinux invalid pod',
    check: 'seLinuxOptions',
    spec: { securityContext: { seLinuxOptions: { type: 'foo', user: 'bar', role: 'baz' } } },
    expect: [
      'seLinuxOptions',
      'pod set forbidden securityContext.seLinuxOptions: type "foo"; user may not be set; role may not be set',
    ],
  },
  {
    name: 'selinux bad user',
    check: 'seLinuxOptions',
    spec: { securityContext: { seLinuxOptions: { user: 'bad' } } },
    expect: [
      'seLinuxOptions',
      'pod set forbidden securityContext.seLinuxOptions: user may not be set',
    ],
  },
  {
    name: 'selinux bad role',
    check: 'seLinuxOptions',
    spec: { securityContext: { seLinuxOptions: { role: 'bad' } } },
    expect: [
      'seLinuxOptions',
      'pod set forbidden securityContext.seLinuxOptions: role may not be set',
    ],
  },
  {
    name: 'selinux container_engine_t forbidden before 1.31',
    check: 'seLinuxOptions',
    minor: 30,
    spec: { containers: [ctr('d', { seLinuxOptions: { type: 'container_engine_t' } })] },
    expect: [
      'seLinuxOptions',
      'container "d" set forbidden securityContext.seLinuxOptions: type "container_engine_t"',
    ],
  },
  // procMount
  {
    name: 'procMount unmasked',
    check: 'procMount',
    spec: {
      containers: [
        ctr('a'),
        ctr('b', {}),
        ctr('c', { procMount: 'Default' }),
        ctr('d', { procMount: 'Unmasked' }),
        ctr('e', { procMount: 'other' }),
      ],
    },
    expect: [
      'procMount',
      'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"',
    ],
  },
  {
    name: 'procMount unmasked with hostUsers=false, relaxation off (1.32 default)',
    check: 'procMount',
    spec: { hostUsers: false, containers: [ctr('d', { procMount: 'Unmasked' })] },
    expect: ['procMount', 'container "d" must not set securityContext.procMount to "Unmasked"'],
  },
  {
    name: 'procMount unmasked with hostUsers=false, relaxation on',
    check: 'procMount',
    relax: true,
    spec: { hostUsers: false, containers: [ctr('d', { procMount: 'Unmasked' })] },
  },
  // seccompProfile_baseline
  {
    name: 'seccomp baseline, pod and containers',
    check: 'seccompProfile_baseline',
    spec: {
      securityContext: { seccompProfile: { type: 'Unconfined' } },
      containers: [
        ctr('a', { seccompProfile: { type: 'RuntimeDefault' } }),
        ctr('b', { seccompProfile: { type: 'Unconfined' } }),
        ctr('c', { seccompProfile: { type: 'Unknown' } }),
        ctr('d'),
      ],
    },
    expect: [
      'seccompProfile',
      'pod and containers "b", "c" must not set securityContext.seccompProfile.type to "Unconfined", "Unknown"',
    ],
  },
  {
    name: 'seccomp baseline annotations at 1.18',
    check: 'seccompProfile_baseline',
    minor: 18,
    meta: {
      annotations: {
        'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
        'container.seccomp.security.alpha.kubernetes.io/a': 'runtime/default',
        'container.seccomp.security.alpha.kubernetes.io/b': 'bogus',
      },
    },
    spec: { containers: [ctr('a'), ctr('b')] },
    expect: [
      'seccompProfile',
      'forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="bogus", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
    ],
  },
  {
    name: 'seccomp baseline unset',
    check: 'seccompProfile_baseline',
    spec: { containers: [ctr('a')] },
  },
  // seccompProfile_restricted
  {
    name: 'seccomp restricted, explicit bad values',
    check: 'seccompProfile_restricted',
    spec: {
      securityContext: { seccompProfile: { type: 'Unconfined' } },
      containers: [ctr('a', { seccompProfile: { type: 'Unconfined' } }), ctr('b')],
    },
    expect: [
      'seccompProfile',
      'pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"',
    ],
  },
  {
    name: 'seccomp restricted, implicit',
    check: 'seccompProfile_restricted',
    spec: {
      containers: [
        ctr('a'),
        ctr('b', { seccompProfile: { type: 'RuntimeDefault' } }),
        ctr('c', {}),
      ],
    },
    expect: [
      'seccompProfile',
      'pod or containers "a", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    ],
  },
  {
    name: 'seccomp restricted, pod level',
    check: 'seccompProfile_restricted',
    spec: {
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [ctr('a')],
    },
  },
  {
    name: 'seccomp restricted, windows pod',
    check: 'seccompProfile_restricted',
    spec: { os: { name: 'windows' }, containers: [ctr('a')] },
  },
  // sysctls
  {
    name: 'forbidden sysctls',
    check: 'sysctls',
    spec: {
      securityContext: {
        sysctls: [
          { name: 'a', value: '' },
          { name: 'b', value: '' },
        ],
      },
    },
    expect: ['forbidden sysctls', 'a, b'],
  },
  {
    name: 'ip_local_reserved_ports forbidden at 1.26',
    check: 'sysctls',
    minor: 26,
    spec: {
      securityContext: {
        sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports', value: '1024-4999' }],
      },
    },
    expect: ['forbidden sysctls', 'net.ipv4.ip_local_reserved_ports'],
  },
  {
    name: 'ip_local_reserved_ports allowed at 1.27',
    check: 'sysctls',
    minor: 27,
    spec: {
      securityContext: {
        sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports', value: '1024-4999' }],
      },
    },
  },
  {
    name: 'tcp_keepalive_time forbidden at 1.28',
    check: 'sysctls',
    minor: 28,
    spec: {
      securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '7200' }] },
    },
    expect: ['forbidden sysctls', 'net.ipv4.tcp_keepalive_time'],
  },
  {
    name: 'tcp_keepalive sysctls allowed at 1.29',
    check: 'sysctls',
    minor: 29,
    spec: {
      securityContext: {
        sysctls: [
          { name: 'net.ipv4.tcp_keepalive_time', value: '7200' },
          { name: 'net.ipv4.tcp_fin_timeout', value: '60' },
          { name: 'net.ipv4.tcp_keepalive_intvl', value: '75' },
          { name: 'net.ipv4.tcp_keepalive_probes', value: '9' },
        ],
      },
    },
  },
  {
    name: 'tcp_rmem forbidden at 1.31',
    check: 'sysctls',
    minor: 31,
    spec: {
      securityContext: {
        sysctls: [
          { name: 'net.ipv4.tcp_rmem', value: '4096 87380 16777216' },
          { name: 'net.ipv4.tcp_wmem', value: '4096 65536 16777216' },
        ],
      },
    },
    expect: ['forbidden sysctls', 'net.ipv4.tcp_rmem, net.ipv4.tcp_wmem'],
  },
  {
    name: 'tcp_rmem/tcp_wmem allowed at 1.32',
    check: 'sysctls',
    minor: 32,
    spec: {
      securityContext: {
        sysctls: [
          { name: 'net.ipv4.tcp_rmem', value: '4096 87380 16777216' },
          { name: 'net.ipv4.tcp_wmem', value: '4096 65536 16777216' },
        ],
      },
    },
  },
  // windowsHostProcess
  {
    name: 'host process pod and containers',
    check: 'windowsHostProcess',
    spec: {
      securityContext: { windowsOptions: { hostProcess: true } },
      containers: [
        ctr('a', { windowsOptions: { hostProcess: true } }),
        ctr('b', { windowsOptions: { hostProcess: false } }),
        ctr('c', { windowsOptions: { hostProcess: true } }),
      ],
    },
    expect: [
      'hostProcess',
      'pod and containers "a", "c" must not set securityContext.windowsOptions.hostProcess=true',
    ],
  },
  {
    name: 'host process pod only',
    check: 'windowsHostProcess',
    spec: { securityContext: { windowsOptions: { hostProcess: true } } },
    expect: ['hostProcess', 'pod must not set securityContext.windowsOptions.hostProcess=true'],
  },
  // restrictedVolumes
  {
    name: 'restricted volume types',
    check: 'restrictedVolumes',
    spec: {
      volumes: [
        { name: 'a1', emptyDir: {} },
        { name: 'a2', secret: {} },
        { name: 'a3', persistentVolumeClaim: { claimName: 'x' } },
        { name: 'a4', downwardAPI: {} },
        { name: 'a5', configMap: {} },
        { name: 'a6', projected: {} },
        { name: 'a7', csi: { driver: 'x' } },
        { name: 'a8', ephemeral: {} },
        { name: 'b1', hostPath: { path: '/' } },
        { name: 'b2', gcePersistentDisk: { pdName: 'x' } },
        { name: 'b3', awsElasticBlockStore: { volumeID: 'x' } },
        { name: 'b4', gitRepo: { repository: 'x' } },
        { name: 'b5', nfs: { server: 'x', path: '/' } },
        { name: 'b6', iscsi: { targetPortal: 'x', iqn: 'x', lun: 0 } },
        { name: 'b7', glusterfs: { endpoints: 'x', path: 'x' } },
        { name: 'b8', rbd: { monitors: [], image: 'x' } },
        { name: 'b9', flexVolume: { driver: 'x' } },
        { name: 'b10', cinder: { volumeID: 'x' } },
        { name: 'b11', cephfs: { monitors: [] } },
        { name: 'b12', flocker: {} },
        { name: 'b13', fc: {} },
        { name: 'b14', azureFile: { secretName: 'x', shareName: 'x' } },
        { name: 'b15', vsphereVolume: { volumePath: 'x' } },
        { name: 'b16', quobyte: { registry: 'x', volume: 'x' } },
        { name: 'b17', azureDisk: { diskName: 'x', diskURI: 'x' } },
        { name: 'b18', photonPersistentDisk: { pdID: 'x' } },
        { name: 'b19', portworxVolume: { volumeID: 'x' } },
        { name: 'b20', scaleIO: { gateway: 'x', system: 'x', secretRef: {} } },
        { name: 'b21', storageos: {} },
        { name: 'c1' },
      ],
    },
    expect: [
      'restricted volume types',
      'volumes ' +
        '"b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16", "b17", "b18", "b19", "b20", "b21", "c1"' +
        ' use restricted volume types ' +
        '"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", ' +
        '"hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "unknown", "vsphereVolume"',
    ],
  },
  {
    name: 'image volume is not yet allowed in 1.32',
    check: 'restrictedVolumes',
    spec: { volumes: [{ name: 'img', image: { reference: 'busybox' } } as unknown as Volume] },
    expect: ['restricted volume types', 'volume "img" uses restricted volume type "unknown"'],
  },
  // allowPrivilegeEscalation
  {
    name: 'allowPrivilegeEscalation multiple containers',
    check: 'allowPrivilegeEscalation',
    spec: {
      containers: [
        ctr('a'),
        ctr('b', {}),
        ctr('c', { allowPrivilegeEscalation: true }),
        ctr('d', { allowPrivilegeEscalation: false }),
      ],
    },
    expect: [
      'allowPrivilegeEscalation != false',
      'containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false',
    ],
  },
  {
    name: 'allowPrivilegeEscalation windows pod',
    check: 'allowPrivilegeEscalation',
    spec: { os: { name: 'windows' }, containers: [ctr('a')] },
  },
  {
    name: 'allowPrivilegeEscalation linux pod',
    check: 'allowPrivilegeEscalation',
    spec: { os: { name: 'linux' }, containers: [ctr('a')] },
    expect: [
      'allowPrivilegeEscalation != false',
      'container "a" must set securityContext.allowPrivilegeEscalation=false',
    ],
  },
  // runAsNonRoot
  {
    name: 'runAsNonRoot pod explicit false',
    check: 'runAsNonRoot',
    spec: {
      securityContext: { runAsNonRoot: false },
      containers: [
        ctr('a'),
        ctr('b', {}),
        ctr('c', { runAsNonRoot: false }),
        ctr('d', { runAsNonRoot: true }),
      ],
    },
    expect: [
      'runAsNonRoot != true',
      'pod and container "c" must not set securityContext.runAsNonRoot=false',
    ],
  },
  {
    name: 'runAsNonRoot containers explicit false',
    check: 'runAsNonRoot',
    spec: {
      securityContext: { runAsNonRoot: true },
      containers: [
        ctr('a'),
        ctr('b', {}),
        ctr('c', { runAsNonRoot: false }),
        ctr('d', { runAsNonRoot: false }),
        ctr('e', { runAsNonRoot: true }),
      ],
    },
    expect: [
      'runAsNonRoot != true',
      'containers "c", "d" must not set securityContext.runAsNonRoot=false',
    ],
  },
  {
    name: 'runAsNonRoot pod nil, container fallthrough',
    check: 'runAsNonRoot',
    spec: {
      containers: [
        ctr('a'),
        ctr('b', {}),
        ctr('d', { runAsNonRoot: true }),
        ctr('e', { runAsNonRoot: true }),
      ],
    },
    expect: [
      'runAsNonRoot != true',
      'pod or containers "a", "b" must set securityContext.runAsNonRoot=true',
    ],
  },
  {
    name: 'runAsNonRoot hostUsers false without relaxation',
    check: 'runAsNonRoot',
    spec: { hostUsers: false, containers: [ctr('a')] },
    expect: [
      'runAsNonRoot != true',
      'pod or container "a" must set securityContext.runAsNonRoot=true',
    ],
  },
  {
    name: 'runAsNonRoot hostUsers false with relaxation',
    check: 'runAsNonRoot',
    relax: true,
    spec: { hostUsers: false, containers: [ctr('a')] },
  },
  // runAsUser
  {
    name: 'runAsUser pod and containers',
    check: 'runAsUser',
    spec: {
      securityContext: { runAsUser: 0 },
      containers: [
        ctr('a'),
        ctr('b', {}),
        ctr('c', { runAsUser: 0 }),
        ctr('d', { runAsUser: 0 }),
        ctr('e', { runAsUser: 1 }),
        ctr('f', { runAsUser: 1 }),
      ],
    },
    expect: ['runAsUser=0', 'pod and containers "c", "d" must not set runAsUser=0'],
  },
  {
    name: 'runAsUser nonzero',
    check: 'runAsUser',
    spec: { securityContext: { runAsUser: 1000 }, containers: [ctr('a')] },
  },
];

describe('pod security checks (upstream fixtures)', () => {
  for (const c of cases) {
    it(`${c.check}: ${c.name}`, () => {
      const r = runCheck(c);
      if (c.expect === undefined) {
        assert.deepEqual(r, { allowed: true });
      } else {
        assert.equal(r.allowed, false);
        assert.equal(r.forbiddenReason, c.expect[0]);
        assert.equal(r.forbiddenDetail, c.expect[1]);
      }
    });
  }

  it('does not modify its inputs', () => {
    const spec: PodSpec = {
      securityContext: { seLinuxOptions: { type: 'foo' } },
      containers: [ctr('a', { capabilities: { add: ['B', 'A'] } })],
    };
    const before = JSON.stringify(spec);
    for (const check of DEFAULT_CHECKS) {
      for (const r of check.versions) r.checkPod({}, spec, { relaxForUserNamespacePods: false });
    }
    assert.equal(JSON.stringify(spec), before);
  });

  it('treats null like an absent field', () => {
    const spec = {
      containers: [{ name: 'a', securityContext: null, ports: null }],
      volumes: [{ name: 'v', hostPath: null, emptyDir: {} }],
      securityContext: null,
    } as unknown as PodSpec;
    for (const id of [
      'privileged',
      'hostPorts',
      'hostPathVolumes',
      'capabilities_baseline',
      'sysctls',
    ]) {
      assert.deepEqual(runCheck({ name: id, check: id, spec }), { allowed: true }, id);
    }
  });
});
