// The OCI spec planner, with upstream's own cases where they exist: kubelet
// container/helpers_test.go (TestExpandCommandAndArgs), kuberuntime helpers_linux_test.go
// (TestMilliCPUToQuota), qos/policy_test.go (TestGetContainerOOMScoreAdjust), containerd's
// container_create_linux_test.go (TestContainerSpecCommand, TestContainerCapabilities),
// oci/spec_opts_test.go (TestReplaceOrAppendEnvValues, TestWithUser).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH_ENV,
  OciSpecError,
  buildContainerSpec,
  buildMounts,
  capabilitiesFromMask,
  containerCapabilities,
  containerOomScoreAdjust,
  containerResources,
  expandContainerCommandAndArgs,
  makeEnvironment,
  mergeEnv,
  milliCPUToQuota,
  milliCPUToShares,
  parseGroup,
  parsePasswd,
  podHostname,
  processArgs,
  resolveUser,
  userString,
} from './oci-spec.ts';
import type { ContainerSpecInput } from './oci-spec.ts';

describe('expandContainerCommandAndArgs (upstream TestExpandCommandAndArgs)', () => {
  const cases: Array<{
    name: string;
    container: Container;
    envs: Array<[string, string]>;
    command: string[];
    args: string[];
  }> = [
    { name: 'none', container: { name: 'c' }, envs: [], command: [], args: [] },
    {
      name: 'command expanded',
      container: { name: 'c', command: ['foo', '$(VAR_TEST)', '$(VAR_TEST2)'] },
      envs: [
        ['VAR_TEST', 'zoo'],
        ['VAR_TEST2', 'boo'],
      ],
      command: ['foo', 'zoo', 'boo'],
      args: [],
    },
    {
      name: 'args expanded',
      container: { name: 'c', args: ['zap', '$(VAR_TEST)', '$(VAR_TEST2)'] },
      envs: [
        ['VAR_TEST', 'hap'],
        ['VAR_TEST2', 'trap'],
      ],
      command: [],
      args: ['zap', 'hap', 'trap'],
    },
    {
      name: 'both expanded',
      container: {
        name: 'c',
        command: ['$(VAR_TEST2)--$(VAR_TEST)', 'foo', '$(VAR_TEST3)'],
        args: ['foo', '$(VAR_TEST)', '$(VAR_TEST2)'],
      },
      envs: [
        ['VAR_TEST', 'zoo'],
        ['VAR_TEST2', 'boo'],
        ['VAR_TEST3', 'roo'],
      ],
      command: ['boo--zoo', 'foo', 'roo'],
      args: ['foo', 'zoo', 'boo'],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const env = tc.envs.map(([name, value]) => ({ name, value }));
      assert.deepEqual(expandContainerCommandAndArgs(tc.container, env), {
        command: tc.command,
        args: tc.args,
      });
    });
  }
});

describe('processArgs (containerd TestContainerSpecCommand)', () => {
  const cases: Array<[string, string[], string[], string[], string[], string[] | 'error']> = [
    ['cri entrypoint wins', ['a', 'b'], [], ['c', 'd'], ['e', 'f'], ['a', 'b']],
    [
      'cri entrypoint and args',
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
      ['a', 'b', 'c', 'd'],
    ],
    [
      'cri args with image entrypoint',
      [],
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['c', 'd', 'a', 'b'],
    ],
    ['image entrypoint and cmd', [], [], ['c', 'd'], ['e', 'f'], ['c', 'd', 'e', 'f']],
    ['empty-string entrypoint ignored', [], [], [''], ['e', 'f'], ['e', 'f']],
    ['nothing at all', [], [], [], [], 'error'],
  ];
  for (const [name, command, args, ep, cmd, expected] of cases) {
    it(name, () => {
      const image = { Entrypoint: ep, Cmd: cmd };
      if (expected === 'error') {
        assert.throws(() => processArgs(command, args, image), {
          name: 'OciSpecError',
          message: 'no command specified',
        });
      } else assert.deepEqual(processArgs(command, args, image), expected);
    });
  }
});

describe('cpu conversions (upstream helpers_linux.go)', () => {
  it('milliCPUToQuota (TestMilliCPUToQuota)', () => {
    const cases: Array<[number, number, number]> = [
      [0, 0, 0],
      [5, 100000, 1000],
      [9, 100000, 1000],
      [10, 100000, 1000],
      [200, 100000, 20000],
      [500, 100000, 50000],
      [1000, 100000, 100000],
      [1500, 100000, 150000],
      [5, 10000, 1000],
      [5, 5000, 1000],
      [9, 10000, 1000],
      [10, 200000, 2000],
      [200, 200000, 40000],
      [500, 20000, 10000],
      [1000, 10000, 10000],
      [1500, 5000, 7500],
    ];
    for (const [milli, period, quota] of cases)
      assert.equal(milliCPUToQuota(milli, period), quota, `${milli}m @ ${period}`);
  });
  it('milliCPUToShares: min 2, max 262144', () => {
    const cases: Array<[number, number]> = [
      [0, 2],
      [1, 2],
      [2, 2],
      [100, 102],
      [250, 256],
      [1000, 1024],
      [2000, 2048],
      [256000, 262144],
      [300000, 262144],
    ];
    for (const [milli, shares] of cases) assert.equal(milliCPUToShares(milli), shares, `${milli}m`);
  });
  it('container resources: shares from request (or limit), quota from limit, memory', () => {
    assert.deepEqual(
      containerResources({
        name: 'c',
        resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '20Mi' } },
      }),
      {
        devices: [{ allow: false, access: 'rwm' }],
        cpu: { shares: 256, period: 100000, quota: 50000 },
        memory: { limit: 20971520 },
      },
    );
    assert.deepEqual(containerResources({ name: 'c', resources: { limits: { cpu: '2' } } }).cpu, {
      shares: 2048,
      period: 100000,
      quota: 200000,
    });
    const be = containerResources({ name: 'c' }, { pidsLimit: 100, swapControllerAvailable: true });
    assert.deepEqual(be.cpu, { shares: 2, period: 100000 });
    assert.equal(be.memory, undefined);
    assert.deepEqual(be.pids, { limit: 100 });
    const swap = containerResources(
      { name: 'c', resources: { limits: { memory: '1Gi' } } },
      { swapControllerAvailable: true },
    );
    assert.deepEqual(swap.memory, { limit: 1073741824, swap: 1073741824 });
  });
});

describe('containerOomScoreAdjust (upstream TestGetContainerOOMScoreAdjust)', () => {
  const standardMemoryAmount = 8000000000;
  const pod = (c: Partial<Container>, extra: Partial<Pod['spec']> = {}): Pod => ({
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [{ name: 'c', ...c }], ...extra },
  });
  const cases: Array<[string, Pod, number, number]> = [
    ['cpu-limit', pod({ resources: { limits: { cpu: '10' } } }), 4000000000, 999],
    [
      'memory-limit-cpu-request',
      pod({ resources: { requests: { cpu: '0' }, limits: { memory: '10G' } } }),
      8000000000,
      999,
    ],
    ['zero-memory-limit', pod({ resources: { limits: { memory: '0' } } }), 7230457451, 1000],
    ['no-request-limit', pod({}), 7230457451, 1000],
    [
      'equal-request-limit-cpu-memory',
      pod({
        resources: {
          requests: { memory: '5G', cpu: '5m' },
          limits: { cpu: '5m', memory: '5G' },
        },
      }),
      123456789,
      -997,
    ],
    [
      'cpu-unlimited-memory-limited-with-requests',
      pod({
        resources: {
          requests: { memory: String(standardMemoryAmount / 2), cpu: '5m' },
          limits: { memory: '10G' },
        },
      }),
      standardMemoryAmount,
      500,
    ],
    [
      'request-no-limit',
      pod({ resources: { requests: { memory: String(standardMemoryAmount - 1), cpu: '5m' } } }),
      standardMemoryAmount,
      3,
    ],
    [
      'critical-pod',
      pod({}, { priority: 2000000000, priorityClassName: 'system-node-critical' }),
      4000000000,
      -997,
    ],
    [
      'cluster-critical is not node-critical',
      pod({}, { priority: 2000000000, priorityClassName: 'system-cluster-critical' }),
      4000000000,
      1000,
    ],
  ];
  for (const [name, p, capacity, expected] of cases) {
    it(name, () => {
      const c = p.spec?.containers[0];
      assert.ok(c);
      assert.equal(containerOomScoreAdjust(p, c, capacity), expected);
    });
  }
  it('a sidecar gets at most the score of the smallest regular container', () => {
    const p: Pod = {
      spec: {
        initContainers: [
          { name: 'side', restartPolicy: 'Always', resources: { requests: { memory: '1G' } } },
        ],
        containers: [
          { name: 'a', resources: { requests: { memory: '4G' } } },
          { name: 'b', resources: { requests: { memory: '2G' } } },
        ],
      },
    };
    const side = p.spec?.initContainers?.[0];
    assert.ok(side);
    // Alone: 1000 - 1000*1/8 = 875; capped by container b's 1000 - 250 = 750.
    assert.equal(containerOomScoreAdjust(p, side, 8000000000), 750);
  });
});

describe('environment', () => {
  it('envFrom (with prefix), then env in order with $(VAR) expansion', () => {
    const c: Container = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' } }, { prefix: 'P_', secretRef: { name: 's' } }],
      env: [
        { name: 'A', value: 'a-$(FROM_CM)' },
        { name: 'B', value: '$(A)-$(P_KEY)-$$(A)-$(UNDEFINED)-$(SVC_HOST)' },
        { name: 'FROM_CM', value: 'overridden' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NOT_EXPANDED', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'EMPTY', value: '' },
      ],
    };
    const env = makeEnvironment(c, {
      envFrom: [{ data: { FROM_CM: 'cm', OTHER: 'o' } }, { prefix: 'P_', data: { KEY: 'k' } }],
      valueFrom: { POD: 'web-0', NOT_EXPANDED: '$(A)' },
      serviceEnv: { SVC_HOST: '10.0.0.1', FROM_CM: 'svc-loses', EXTRA: 'x' },
    });
    assert.deepEqual(env, [
      { name: 'FROM_CM', value: 'overridden' },
      { name: 'OTHER', value: 'o' },
      { name: 'P_KEY', value: 'k' },
      { name: 'A', value: 'a-cm' },
      { name: 'B', value: 'a-cm-k-$(A)-$(UNDEFINED)-10.0.0.1' },
      { name: 'POD', value: 'web-0' },
      { name: 'NOT_EXPANDED', value: '$(A)' },
      { name: 'EMPTY', value: '' },
      { name: 'SVC_HOST', value: '10.0.0.1' },
      { name: 'EXTRA', value: 'x' },
    ]);
  });

  it('mergeEnv (containerd TestReplaceOrAppendEnvValues)', () => {
    assert.deepEqual(
      mergeEnv(
        ['o=ups', 'p=$e', 'x=foo', 'y=boo', 'z', 't='],
        ['x=bar', 'y', 'a=42', 'o=', 'e', 's='],
      ),
      ['o=', 'p=$e', 'x=bar', 'z', 't=', 'a=42', 's='],
    );
  });
});

describe('users and groups', () => {
  const passwd = parsePasswd(
    'root:x:0:0:root:/root:/bin/ash\nguest:x:405:100:guest:/dev/null:/sbin/nologin\n# comment\n',
  );
  const group = parseGroup(
    'root:x:0:root\nbin:x:1:root,bin,daemon\ndaemon:x:2:root,bin,daemon\nsys:x:3:root,bin,adm\nguest:x:100:guest\nextra:x:500:guest\n',
  );
  const users = { passwd, group };

  it('parses passwd and group', () => {
    assert.deepEqual(passwd[1], {
      name: 'guest',
      uid: 405,
      gid: 100,
      home: '/dev/null',
      shell: '/sbin/nologin',
    });
    assert.deepEqual(group[1], { name: 'bin', gid: 1, members: ['root', 'bin', 'daemon'] });
  });

  it('resolves user strings as containerd WithUser (TestWithUser)', () => {
    const cases: Array<[string, number, number] | [string, string]> = [
      ['0', 0, 0],
      ['root:root', 0, 0],
      ['guest', 405, 100],
      ['guest:guest', 405, 100],
      ['guest:nobody', 'no groups found'],
      ['405:100', 405, 100],
      ['nobody', 'no users found'],
      ['1000', 1000, 0],
      ['1000:root', 1000, 0],
      ['a:b:c', 'invalid USER value'],
    ];
    for (const c of cases) {
      if (c.length === 2) {
        assert.throws(
          () => resolveUser(c[0], users),
          { name: 'OciSpecError', message: c[1] },
          c[0],
        );
      } else {
        const u = resolveUser(c[0], users);
        assert.equal(u.uid, c[1], c[0]);
        assert.equal(u.gid, c[2], c[0]);
      }
    }
  });

  it('adds the groups listing the user, supplemental groups, sorted and unique', () => {
    assert.deepEqual(resolveUser('root', users).additionalGids, [0, 1, 2, 3]);
    assert.deepEqual(resolveUser('405', users, [2000, 100]).additionalGids, [100, 500, 2000]);
    assert.deepEqual(resolveUser('1000', users).additionalGids, [0]);
    // No /etc/passwd: a numeric uid still works (gid 0), a name does not.
    assert.deepEqual(resolveUser('7', {}), { uid: 7, gid: 0, additionalGids: [0] });
    assert.throws(() => resolveUser('guest', {}), OciSpecError);
  });

  it('user string: runAsUser, else the image user part (group ignored), :runAsGroup', () => {
    assert.equal(userString({}, {}), '0');
    assert.equal(userString({}, { User: '1000:1000' }), '1000');
    assert.equal(userString({}, { User: 'guest' }), 'guest');
    assert.equal(userString({ runAsUser: 7 }, { User: 'guest' }), '7');
    assert.equal(userString({ runAsGroup: 9 }, { User: 'guest:x' }), 'guest:9');
    assert.equal(userString({ runAsUser: 7, runAsGroup: 9 }, {}), '7:9');
  });
});

describe('capabilities (containerd TestContainerCapabilities)', () => {
  const has = (caps: string[], inc: readonly string[], exc: readonly string[]): void => {
    for (const c of inc) assert.ok(caps.includes(c), `includes ${c}`);
    for (const c of exc) assert.ok(!caps.includes(c), `excludes ${c}`);
  };
  it('defaults', () => {
    assert.deepEqual(containerCapabilities({}), [...DEFAULT_CAPABILITIES]);
  });
  it('add/drop', () => {
    has(
      containerCapabilities({ capabilities: { add: ['SYS_ADMIN'], drop: ['CHOWN'] } }),
      ['CAP_SYS_ADMIN'],
      ['CAP_CHOWN'],
    );
  });
  it('add all', () => {
    has(containerCapabilities({ capabilities: { add: ['ALL'] } }), ALL_CAPABILITIES, []);
  });
  it('drop all', () => {
    has(containerCapabilities({ capabilities: { drop: ['all'] } }), [], ALL_CAPABILITIES);
  });
  it('drop with add all', () => {
    has(
      containerCapabilities({ capabilities: { add: ['ALL'], drop: ['CHOWN'] } }),
      ALL_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'),
      ['CAP_CHOWN'],
    );
  });
  it('add with drop all', () => {
    has(
      containerCapabilities({ capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } }),
      ['CAP_SYS_ADMIN'],
      ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN'),
    );
  });
  it('privileged and ALL use the available set (this host lacks CAP_SYS_RESOURCE)', () => {
    const available = capabilitiesFromMask('000001fffeffffff');
    assert.equal(available.length, 40);
    assert.ok(!available.includes('CAP_SYS_RESOURCE'));
    assert.deepEqual(containerCapabilities({ privileged: true }, available), available);
    assert.deepEqual(capabilitiesFromMask('00000000a80425fb'), [
      'CAP_CHOWN',
      'CAP_DAC_OVERRIDE',
      'CAP_FOWNER',
      'CAP_FSETID',
      'CAP_KILL',
      'CAP_SETGID',
      'CAP_SETUID',
      'CAP_SETPCAP',
      'CAP_NET_BIND_SERVICE',
      'CAP_NET_RAW',
      'CAP_SYS_CHROOT',
      'CAP_MKNOD',
      'CAP_AUDIT_WRITE',
      'CAP_SETFCAP',
    ]);
  });
});

describe('mounts (containerd WithMounts)', () => {
  it('supplied mounts replace defaults, sort by depth, map propagation', () => {
    const { mounts, rootfsPropagation } = buildMounts(
      [
        { hostPath: '/h/deep', containerPath: '/data/a/b', readOnly: true },
        { hostPath: '/h/shm', containerPath: '/dev/shm' },
        { hostPath: '/h/data', containerPath: '/data', propagation: 'HostToContainer' },
      ],
      false,
    );
    assert.deepEqual(
      mounts.map((m) => m.destination),
      [
        '/proc',
        '/dev',
        '/dev/pts',
        '/dev/mqueue',
        '/sys',
        '/sys/fs/cgroup',
        '/data',
        '/dev/shm',
        '/data/a/b',
      ],
    );
    assert.deepEqual(mounts.at(-1), {
      destination: '/data/a/b',
      type: 'bind',
      source: '/h/deep',
      options: ['rbind', 'rprivate', 'ro'],
    });
    assert.deepEqual(mounts.find((m) => m.destination === '/data')?.options, [
      'rbind',
      'rslave',
      'rw',
    ]);
    assert.equal(rootfsPropagation, 'rslave');
  });
  it('a supplied /dev drops every default under /dev; privileged gets rw /sys', () => {
    const { mounts } = buildMounts(
      [{ hostPath: '/dev', containerPath: '/dev', propagation: 'Bidirectional' }],
      true,
    );
    assert.deepEqual(
      mounts.map((m) => m.destination),
      ['/proc', '/sys', '/sys/fs/cgroup', '/dev'],
    );
    assert.ok(mounts[1]?.options?.includes('rw'));
    assert.ok(mounts[2]?.options?.includes('rw'));
  });
});

describe('podHostname', () => {
  it('spec.hostname, else the name cut to 63 without trailing - or .', () => {
    assert.equal(
      podHostname({ metadata: { name: 'web-0' }, spec: { containers: [], hostname: 'h' } }),
      'h',
    );
    const long = `${'a'.repeat(62)}-b-c`;
    assert.equal(podHostname({ metadata: { name: long } }), 'a'.repeat(62));
  });
});

describe('buildContainerSpec', () => {
  const basePod = (): Pod => ({
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox',
          args: ['-c', 'echo $(GREETING)'],
          env: [{ name: 'GREETING', value: 'hi' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        },
      ],
    },
  });
  const input = (pod: Pod, over: Partial<ContainerSpecInput> = {}): ContainerSpecInput => {
    const container = pod.spec?.containers[0];
    assert.ok(container);
    return {
      pod,
      container,
      image: {
        Entrypoint: ['/bin/sh'],
        Cmd: ['-c', 'true'],
        Env: ['PATH=/bin', 'IMG=1'],
        WorkingDir: '/work',
      },
      rootfs: '/var/lib/skiff/c1/rootfs',
      sandbox: {
        hostname: 'web',
        namespaces: {
          network: '/var/run/netns/web',
          ipc: '/proc/10/ns/ipc',
          uts: '/proc/10/ns/uts',
        },
        files: {
          hosts: '/p/hosts',
          resolvConf: '/p/resolv.conf',
          hostname: '/p/hostname',
          shm: '/p/shm',
        },
      },
      terminationLogPath: '/p/c/termination-log',
      cgroupsPath: '/kubepods/burstable/podu1/c1',
      node: { memoryCapacity: 8 * 1024 ** 3, minOomScoreAdj: 0, seccompDefault: false },
      ...over,
    };
  };

  it('computes a burstable container joining the sandbox', () => {
    const spec = buildContainerSpec(input(basePod()));
    assert.equal(spec.ociVersion, '1.0.2');
    assert.deepEqual(spec.process.args, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(spec.process.env, ['PATH=/bin', 'HOSTNAME=web', 'IMG=1', 'GREETING=hi']);
    assert.equal(spec.process.cwd, '/work');
    assert.deepEqual(spec.process.user, { uid: 0, gid: 0, additionalGids: [0] });
    assert.equal(spec.process.terminal, false);
    assert.equal(spec.process.noNewPrivileges, false);
    assert.deepEqual(spec.process.capabilities?.bounding, [...DEFAULT_CAPABILITIES]);
    assert.equal(spec.process.capabilities.inheritable, undefined);
    assert.equal(spec.process.rlimits, undefined, 'inherited from the runtime, as containerd CRI');
    const limited = buildContainerSpec(
      input(basePod(), { node: { memoryCapacity: 1e9, nofile: 4096 } }),
    );
    assert.deepEqual(limited.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 }]);
    // 1000 - 1000*64Mi/8Gi = 993
    assert.equal(spec.process.oomScoreAdj, 993);
    assert.deepEqual(spec.root, { path: '/var/lib/skiff/c1/rootfs', readonly: false });
    assert.equal(spec.hostname, undefined, 'the joined UTS namespace has the hostname already');
    assert.deepEqual(spec.linux.namespaces, [
      { type: 'mount' },
      { type: 'network', path: '/var/run/netns/web' },
      { type: 'uts', path: '/proc/10/ns/uts' },
      { type: 'ipc', path: '/proc/10/ns/ipc' },
      { type: 'pid' },
    ]);
    assert.equal(spec.linux.cgroupsPath, '/kubepods/burstable/podu1/c1');
    assert.deepEqual(spec.linux.resources, {
      devices: [{ allow: false, access: 'rwm' }],
      cpu: { shares: 102, period: 100000 },
      memory: { limit: 134217728 },
    });
    assert.deepEqual(spec.linux.maskedPaths, [...DEFAULT_MASKED_PATHS]);
    assert.equal(spec.linux.seccomp, undefined, 'Unconfined without --seccomp-default');
    const binds = spec.mounts.filter((m) => m.type === 'bind');
    assert.deepEqual(
      binds.map((m) => [m.destination, m.source, m.options?.at(-1)]),
      [
        ['/etc/hostname', '/p/hostname', 'rw'],
        ['/etc/hosts', '/p/hosts', 'rw'],
        ['/etc/resolv.conf', '/p/resolv.conf', 'rw'],
        ['/dev/shm', '/p/shm', 'rw'],
        ['/dev/termination-log', '/p/c/termination-log', 'rw'],
      ],
    );
    assert.equal(spec.annotations?.['io.kubernetes.cri.container-name'], 'app');
    assert.equal(spec.annotations['io.kubernetes.cri.sandbox-uid'], 'u1');
  });

  it('own empty namespaces when the sandbox gives none; hostname set then', () => {
    const spec = buildContainerSpec(input(basePod(), { sandbox: { hostname: 'web' } }));
    assert.deepEqual(spec.linux.namespaces, [
      { type: 'mount' },
      { type: 'network' },
      { type: 'uts' },
      { type: 'ipc' },
      { type: 'pid' },
    ]);
    assert.equal(spec.hostname, 'web');
  });

  it('host namespaces, shareProcessNamespace, readOnlyRootFilesystem, runAsUser, seccomp', () => {
    const pod = basePod();
    assert.ok(pod.spec);
    pod.spec.hostNetwork = true;
    pod.spec.shareProcessNamespace = true;
    pod.spec.securityContext = {
      runAsUser: 1000,
      runAsGroup: 3000,
      fsGroup: 2000,
      supplementalGroups: [4000],
      seccompProfile: { type: 'RuntimeDefault' },
      sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }],
    };
    const c = pod.spec.containers[0];
    assert.ok(c);
    c.securityContext = {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    };
    const spec = buildContainerSpec(
      input(pod, {
        sandbox: {
          hostname: 'node1',
          namespaces: { pid: '/proc/10/ns/pid' },
          files: { resolvConf: '/p/r' },
        },
      }),
    );
    assert.deepEqual(spec.linux.namespaces, [
      { type: 'mount' },
      { type: 'ipc' },
      { type: 'pid', path: '/proc/10/ns/pid' },
    ]);
    assert.equal(spec.hostname, undefined);
    assert.equal(spec.root.readonly, true);
    assert.equal(spec.process.noNewPrivileges, true);
    assert.deepEqual(spec.process.user, {
      uid: 1000,
      gid: 3000,
      additionalGids: [2000, 3000, 4000],
    });
    assert.deepEqual(spec.process.capabilities?.effective, ['CAP_NET_BIND_SERVICE']);
    assert.equal(spec.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
    const names = new Set(
      spec.linux.seccomp.syscalls?.flatMap((s) => (s.action === 'SCMP_ACT_ALLOW' ? s.names : [])),
    );
    assert.ok(
      names.has('read') && names.has('clone') && !names.has('mount') && !names.has('ptrace'),
    );
    assert.deepEqual(spec.linux.sysctl, { 'kernel.shm_rmid_forced': '1' });
    assert.deepEqual(spec.mounts.find((m) => m.destination === '/etc/resolv.conf')?.options, [
      'rbind',
      'rprivate',
      'ro',
    ]);
    // shareProcessNamespace without a path to join is an error.
    assert.throws(
      () => buildContainerSpec(input(pod, { sandbox: { hostname: 'n' } })),
      OciSpecError,
    );
  });

  it('privileged: all available caps, host devices, no seccomp or masked paths', () => {
    const pod = basePod();
    const c = pod.spec?.containers[0];
    assert.ok(c);
    c.securityContext = { privileged: true, seccompProfile: { type: 'RuntimeDefault' } };
    const devices = [{ path: '/dev/loop0', type: 'b' as const, major: 7, minor: 0 }];
    const spec = buildContainerSpec(
      input(pod, {
        node: {
          memoryCapacity: 1e9,
          capabilities: capabilitiesFromMask('1fffeffffff'),
          hostDevices: devices,
        },
      }),
    );
    assert.equal(spec.process.capabilities?.bounding?.length, 40);
    assert.equal(spec.linux.seccomp, undefined);
    assert.deepEqual(spec.linux.maskedPaths, []);
    assert.deepEqual(spec.linux.readonlyPaths, []);
    assert.deepEqual(spec.linux.devices, devices);
    assert.deepEqual(spec.linux.resources?.devices, [{ allow: true, access: 'rwm' }]);
    assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('rw'));
  });

  it('oomScoreAdj is raised to the runtime minimum (restrict_oom_score_adj)', () => {
    const pod = basePod();
    const c = pod.spec?.containers[0];
    assert.ok(c);
    c.resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
    assert.equal(buildContainerSpec(input(pod)).process.oomScoreAdj, 0);
    assert.equal(
      buildContainerSpec(input(pod, { node: { memoryCapacity: 1e9 } })).process.oomScoreAdj,
      -997,
    );
  });

  it('image users from the rootfs files; runAsNonRoot checks', () => {
    const pod = basePod();
    const users = {
      passwd: parsePasswd('root:x:0:0::/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n'),
      group: parseGroup('root:x:0:\nwww-data:x:33:\nlog:x:4:www\n'),
    };
    const spec = buildContainerSpec(input(pod, { image: { Cmd: ['x'], User: 'www' }, users }));
    assert.deepEqual(spec.process.user, { uid: 33, gid: 33, additionalGids: [4, 33] });
    assert.ok(pod.spec);
    pod.spec.securityContext = { runAsNonRoot: true };
    assert.throws(
      () => buildContainerSpec(input(pod, { image: { Cmd: ['x'], User: 'www' }, users })),
      {
        message:
          'container has runAsNonRoot and image has non-numeric user (www), cannot verify user is non-root (pod: "web_default(u1)", container: app)',
      },
    );
    assert.throws(() => buildContainerSpec(input(pod, { image: { Cmd: ['x'] }, users })), {
      message:
        'container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: app)',
    });
    assert.equal(
      buildContainerSpec(input(pod, { image: { Cmd: ['x'], User: '33' }, users })).process.user.uid,
      33,
    );
  });

  it('environment order: default PATH, HOSTNAME, image env, kubelet env; tty; workingDir', () => {
    const pod = basePod();
    const c = pod.spec?.containers[0];
    assert.ok(c);
    c.env = [
      { name: 'PATH', value: '/custom' },
      { name: 'HOSTNAME', value: 'mine' },
    ];
    c.tty = true;
    c.workingDir = '/override';
    c.command = ['/bin/echo'];
    delete c.args;
    const spec = buildContainerSpec(input(pod, { image: { Cmd: ['dropped'], Env: ['IMG=1'] } }));
    assert.deepEqual(spec.process.env, ['PATH=/custom', 'HOSTNAME=mine', 'IMG=1']);
    assert.deepEqual(spec.process.args, ['/bin/echo']);
    assert.equal(spec.process.terminal, true);
    assert.equal(spec.process.cwd, '/override');
    assert.equal(
      buildContainerSpec(input(pod, { image: { Cmd: ['x'] } })).process.env[0],
      'PATH=/custom',
    );
    const plain = basePod();
    const spec2 = buildContainerSpec(input(plain, { image: { Cmd: ['x'] } }));
    assert.equal(spec2.process.env[0], DEFAULT_PATH_ENV);
    assert.equal(spec2.process.cwd, '/');
  });
});
