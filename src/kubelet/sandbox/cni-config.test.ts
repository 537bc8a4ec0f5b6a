// Config parsing follows libcni's conf.go (and conf_test.go's cases); env and runtimeConfig follow
// libcni's api.go (buildOneConfig, injectRuntimeConfig, Args.AsEnv).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  CniConfigError,
  buildPluginConfig,
  buildPluginEnv,
  compareCniVersions,
  containerIdError,
  formatCniArgs,
  interfaceNameError,
  k8sCniArgs,
  listCapabilities,
  networkNameError,
  parseNetworkConfigList,
  podPortMappings,
  validateRuntimeConf,
} from './cni-config.ts';

const conflist = JSON.stringify({
  cniVersion: '1.0.0',
  name: 'mynet',
  plugins: [
    { type: 'bridge', bridge: 'cni0', ipam: { type: 'host-local', subnet: '10.1.0.0/16' } },
    { type: 'portmap', capabilities: { portMappings: true, other: false } },
    { type: 'tuning', capabilities: { bandwidth: true } },
  ],
});

describe('parseNetworkConfigList', () => {
  it('parses a list', () => {
    const list = parseNetworkConfigList(conflist);
    assert.equal(list.name, 'mynet');
    assert.equal(list.cniVersion, '1.0.0');
    assert.equal(list.disableCheck, false);
    assert.deepEqual(
      list.plugins.map((p) => p.type),
      ['bridge', 'portmap', 'tuning'],
    );
    assert.deepEqual(list.plugins[1]?.capabilities, { portMappings: true, other: false });
    assert.equal(list.bytes, conflist);
    assert.deepEqual(listCapabilities(list), ['bandwidth', 'portMappings']);
  });

  const bad: [string, unknown, RegExp][] = [
    ['invalid JSON', '{', /^error parsing configuration list: /],
    [
      'no name',
      { cniVersion: '1.0.0', plugins: [{ type: 'x' }] },
      /^error parsing configuration list: no name$/,
    ],
    ['name type', { name: 3, plugins: [] }, /invalid name type number/],
    ['version type', { name: 'n', cniVersion: 1, plugins: [] }, /invalid cniVersion type number/],
    ['no plugins key', { name: 'n', cniVersion: '1.0.0' }, /no 'plugins' key/],
    [
      'plugins type',
      { name: 'n', cniVersion: '1.0.0', plugins: {} },
      /invalid 'plugins' type object/,
    ],
    ['empty plugins', { name: 'n', cniVersion: '1.0.0', plugins: [] }, /no plugins in list/],
    [
      'plugin without type',
      { name: 'n', cniVersion: '1.0.0', plugins: [{}] },
      /failed to parse plugin config 0: missing 'type'/,
    ],
    [
      'plugin type with a slash',
      { name: 'n', cniVersion: '1.0.0', plugins: [{ type: '../x' }] },
      /invalid plugin name: \.\.\/x/,
    ],
    [
      'disableCheck value',
      { name: 'n', cniVersion: '1.0.0', disableCheck: 'maybe', plugins: [{ type: 'x' }] },
      /invalid value "maybe" for disableCheck/,
    ],
    [
      'bad network name',
      { name: '-n', cniVersion: '1.0.0', plugins: [{ type: 'x' }] },
      /invalid characters found in network name/,
    ],
    ['missing version', { name: 'n', plugins: [{ type: 'x' }] }, /cniVersion missing/],
    [
      'unsupported version',
      { name: 'n', cniVersion: '0.2.0', plugins: [{ type: 'x' }] },
      /unsupported cniVersion "0.2.0"/,
    ],
    [
      'future version',
      { name: 'n', cniVersion: '1.1.0', plugins: [{ type: 'x' }] },
      /unsupported cniVersion "1.1.0"/,
    ],
  ];
  for (const [desc, doc, re] of bad) {
    it(`rejects: ${desc}`, () => {
      assert.throws(
        () => parseNetworkConfigList(typeof doc === 'string' ? doc : JSON.stringify(doc)),
        (e: unknown) => e instanceof CniConfigError && re.test(e.message),
      );
    });
  }

  it('reads disableCheck as a boolean or a string', () => {
    for (const v of [true, 'true', 'TRUE']) {
      assert.equal(
        parseNetworkConfigList(
          JSON.stringify({
            name: 'n',
            cniVersion: '1.0.0',
            disableCheck: v,
            plugins: [{ type: 'x' }],
          }),
        ).disableCheck,
        true,
      );
    }
  });

  it('picks the highest supported entry of cniVersions', () => {
    const list = parseNetworkConfigList(
      JSON.stringify({
        name: 'n',
        cniVersion: '0.4.0',
        cniVersions: ['0.3.1', '1.0.0', '9.9.9'],
        plugins: [{ type: 'x' }],
      }),
    );
    assert.equal(list.cniVersion, '1.0.0');
  });
});

describe('names (libcni utils)', () => {
  it('validates network names, container IDs and interface names', () => {
    assert.equal(networkNameError('skiff'), undefined);
    assert.equal(networkNameError(''), 'missing network name');
    assert.equal(containerIdError('abc-123_x.y'), undefined);
    assert.equal(containerIdError(''), 'missing containerID');
    assert.match(containerIdError('a/b') ?? '', /invalid characters in containerID/);
    assert.equal(interfaceNameError('eth0'), undefined);
    assert.equal(interfaceNameError(''), 'interface name is empty');
    assert.match(
      interfaceNameError('a'.repeat(16)) ?? '',
      /interface name is too long: interface name should be less than 16 characters/,
    );
    assert.equal(interfaceNameError('..'), 'interface name is . or ..');
    assert.equal(
      interfaceNameError('et h0'),
      'interface name contains / or : or whitespace characters',
    );
    assert.throws(() => {
      validateRuntimeConf({ containerId: '', netns: '/x', ifName: 'eth0' });
    }, /missing containerID/);
  });
  it('compares versions', () => {
    assert.ok(compareCniVersions('0.4.0', '1.0.0') < 0);
    assert.ok(compareCniVersions('1.0.0', '0.3.1') > 0);
    assert.equal(compareCniVersions('0.3.1', '0.3.1'), 0);
    assert.throws(() => compareCniVersions('1.0', '1.0.0'), /invalid version "1.0"/);
  });
});

describe('buildPluginConfig (buildOneConfig)', () => {
  const list = parseNetworkConfigList(conflist);
  const rt = {
    containerId: 'c1',
    netns: '/run/netns/x',
    ifName: 'eth0',
    capabilityArgs: {
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      other: 1,
      bandwidth: { ingressRate: 1 },
    },
  };
  it('injects name and cniVersion, no runtimeConfig without capabilities', () => {
    const conf = JSON.parse(buildPluginConfig(list, list.plugins[0]!, undefined, rt)) as Record<
      string,
      unknown
    >;
    assert.deepEqual(conf, {
      type: 'bridge',
      bridge: 'cni0',
      ipam: { type: 'host-local', subnet: '10.1.0.0/16' },
      name: 'mynet',
      cniVersion: '1.0.0',
    });
  });
  it('passes only the declared, enabled capabilities and the prevResult', () => {
    const prev = { cniVersion: '1.0.0', ips: [{ address: '10.1.0.2/16' }] };
    const conf = JSON.parse(buildPluginConfig(list, list.plugins[1]!, prev, rt)) as Record<
      string,
      unknown
    >;
    assert.deepEqual(conf.runtimeConfig, {
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    });
    assert.deepEqual(conf.prevResult, prev);
    assert.deepEqual(conf.capabilities, { portMappings: true, other: false });
  });
  it('overrides a plugin entry that carries its own name and version', () => {
    const l = parseNetworkConfigList(
      JSON.stringify({
        name: 'n',
        cniVersion: '1.0.0',
        plugins: [{ type: 'x', name: 'other', cniVersion: '0.3.1' }],
      }),
    );
    const conf = JSON.parse(buildPluginConfig(l, l.plugins[0]!, undefined, undefined)) as Record<
      string,
      unknown
    >;
    assert.equal(conf.name, 'n');
    assert.equal(conf.cniVersion, '1.0.0');
  });
});

describe('environment', () => {
  it('builds the CNI_* variables over the base environment', () => {
    const env = buildPluginEnv(
      'ADD',
      {
        containerId: 'c1',
        netns: '/run/netns/p',
        ifName: 'eth0',
        args: k8sCniArgs({ namespace: 'ns', name: 'web', uid: 'u-1', sandboxId: 'c1' }),
      },
      ['/usr/lib/cni', '/opt/cni/bin'],
      { PATH: '/usr/bin', CNI_COMMAND: 'stale', UNSET: undefined },
    );
    assert.deepEqual(env, {
      PATH: '/usr/bin',
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/p',
      CNI_ARGS:
        'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=c1;K8S_POD_UID=u-1',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni:/opt/cni/bin',
    });
  });
  it('VERSION has empty per-attachment variables', () => {
    const env = buildPluginEnv('VERSION', undefined, ['dummy']);
    assert.equal(env.CNI_CONTAINERID, '');
    assert.equal(env.CNI_NETNS, '');
    assert.equal(env.CNI_ARGS, '');
    assert.equal(env.CNI_PATH, 'dummy');
  });
  it('refuses CNI_ARGS that could not be parsed back', () => {
    assert.throws(() => formatCniArgs([['A', 'b;c']]), CniConfigError);
    assert.throws(() => formatCniArgs([['A=', 'b']]), CniConfigError);
    assert.equal(formatCniArgs([]), '');
  });
});

describe('podPortMappings', () => {
  it('keeps app container ports with a hostPort, protocol in lower case, repeated ports and names once', () => {
    const pod: Pod = {
      spec: {
        initContainers: [{ name: 'init', ports: [{ containerPort: 1, hostPort: 1 }] }],
        containers: [
          {
            name: 'web',
            ports: [
              { containerPort: 80, hostPort: 8080 },
              { containerPort: 80, hostPort: 8080 },
              { name: 'http', containerPort: 81, hostPort: 8081 },
              { name: 'http', containerPort: 82, hostPort: 8082 },
              { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' },
              { containerPort: 9090 },
            ],
          },
          { name: 'side', ports: [{ containerPort: 80, hostPort: 9080, protocol: 'SCTP' }] },
        ],
      },
    };
    assert.deepEqual(podPortMappings(pod), [
      { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostPort: 8081, containerPort: 81, protocol: 'tcp' },
      { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' },
      { hostPort: 9080, containerPort: 80, protocol: 'sctp' },
    ]);
  });
});
