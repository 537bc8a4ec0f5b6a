import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CniConfigError } from './cni-config.ts';
import {
  defaultNetworkConfig,
  defaultNetworkConfigList,
  validatePodCIDR,
} from './default-config.ts';

describe('defaultNetworkConfig', () => {
  it('is bridge + host-local, portmap and loopback at CNI 1.0.0', () => {
    assert.deepEqual(defaultNetworkConfig({ podCIDR: '10.244.1.0/24' }), {
      cniVersion: '1.0.0',
      name: 'skiff',
      plugins: [
        {
          type: 'bridge',
          bridge: 'skiff0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.244.1.0/24' }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    });
  });

  it('takes a bridge name, data dir, MTU, masquerade, dual stack and no portmap', () => {
    const list = defaultNetworkConfigList({
      podCIDR: '10.244.250.0/24',
      extraPodCIDRs: ['fd00:10:244:1::/64'],
      bridgeName: 'sktest0',
      networkName: 'sktest',
      ipamDataDir: '/tmp/x/ipam',
      mtu: 1450,
      ipMasq: true,
      portmap: false,
    });
    assert.equal(list.name, 'sktest');
    assert.deepEqual(
      list.plugins.map((p) => p.type),
      ['bridge', 'loopback'],
    );
    const bridge = list.plugins[0]?.raw as Record<string, unknown>;
    assert.equal(bridge.bridge, 'sktest0');
    assert.equal(bridge.mtu, 1450);
    assert.equal(bridge.ipMasq, true);
    assert.deepEqual(bridge.ipam, {
      type: 'host-local',
      ranges: [[{ subnet: '10.244.250.0/24' }], [{ subnet: 'fd00:10:244:1::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
      dataDir: '/tmp/x/ipam',
    });
  });

  it('validates the pod CIDR and bridge name', () => {
    for (const bad of ['10.244.1.1/24', '10.244.1.0', '300.1.1.0/24', '10.0.0.0/31', 'x']) {
      assert.throws(
        () => {
          validatePodCIDR(bad);
        },
        CniConfigError,
        bad,
      );
    }
    validatePodCIDR('10.244.0.0/16');
    assert.throws(
      () =>
        defaultNetworkConfig({ podCIDR: '10.244.1.0/24', bridgeName: 'a-name-that-is-too-long' }),
      /invalid bridge name/,
    );
  });
});
