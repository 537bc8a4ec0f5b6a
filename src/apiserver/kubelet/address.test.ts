import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  DEFAULT_PREFERRED_ADDRESS_TYPES,
  NoPreferredAddressError,
  joinHostPort,
  kubeletEndpoint,
  preferredNodeAddress,
} from './address.ts';

const node = (addresses: { type: string; address: string }[], port?: number): Node => ({
  metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'label-host' } },
  status: {
    addresses,
    ...(port === undefined ? {} : { daemonEndpoints: { kubeletEndpoint: { Port: port } } }),
  },
});

describe('preferredNodeAddress (upstream GetPreferredNodeAddress)', () => {
  // Cases from upstream pkg/util/node TestGetPreferredAddress.
  const cases: [string, { type: string; address: string }[], string[], string | undefined][] = [
    ['no addresses', [], ['InternalIP'], undefined],
    ['missing type', [{ type: 'ExternalIP', address: '1.2.3.5' }], ['InternalIP'], undefined],
    [
      'found first of type',
      [
        { type: 'ExternalIP', address: '1.2.3.5' },
        { type: 'InternalIP', address: '1.2.3.1' },
        { type: 'InternalIP', address: '1.2.3.2' },
      ],
      ['InternalIP'],
      '1.2.3.1',
    ],
    [
      'preference order wins over address order',
      [
        { type: 'ExternalIP', address: '1.2.3.5' },
        { type: 'InternalIP', address: '1.2.3.1' },
        { type: 'Hostname', address: 'n1.local' },
      ],
      ['ExternalIP', 'InternalIP', 'Hostname'],
      '1.2.3.5',
    ],
    [
      'the hostname label is no fallback (removed upstream)',
      [{ type: 'InternalIP', address: '1.2.3.1' }],
      ['Hostname'],
      undefined,
    ],
    [
      'upstream default order prefers Hostname',
      [
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'Hostname', address: 'machine' },
      ],
      [...DEFAULT_PREFERRED_ADDRESS_TYPES],
      'machine',
    ],
  ];
  for (const [name, addresses, types, want] of cases) {
    it(name, () => {
      const n = node(addresses);
      if (want === undefined) {
        assert.throws(() => preferredNodeAddress(n, types), NoPreferredAddressError);
      } else {
        assert.equal(preferredNodeAddress(n, types), want);
      }
    });
  }

  it('prints the known addresses as Go %v does', () => {
    assert.throws(
      () =>
        preferredNodeAddress(
          node([
            { type: 'ExternalIP', address: '1.2.3.5' },
            { type: 'Hostname', address: 'h' },
          ]),
          ['InternalIP'],
        ),
      {
        message:
          'no preferred addresses found; known addresses: [{ExternalIP 1.2.3.5} {Hostname h}]',
      },
    );
    assert.throws(() => preferredNodeAddress(node([]), ['InternalIP']), {
      message: 'no preferred addresses found; known addresses: []',
    });
  });
});

describe('kubeletEndpoint', () => {
  it('uses the port the kubelet reports', () => {
    assert.deepEqual(kubeletEndpoint(node([{ type: 'InternalIP', address: '10.0.0.1' }], 10251)), {
      host: '10.0.0.1',
      port: 10251,
    });
  });
  it('falls back to the default port when none (or 0) is reported', () => {
    const types = ['InternalIP'];
    assert.equal(
      kubeletEndpoint(node([{ type: 'InternalIP', address: '10.0.0.1' }]), {
        preferredAddressTypes: types,
      }).port,
      10250,
    );
    assert.equal(
      kubeletEndpoint(node([{ type: 'InternalIP', address: '10.0.0.1' }], 0), {
        preferredAddressTypes: types,
        defaultPort: 12345,
      }).port,
      12345,
    );
  });
  it('joins IPv6 hosts in brackets', () => {
    assert.equal(joinHostPort('fd00::1', 10250), '[fd00::1]:10250');
    assert.equal(joinHostPort('10.0.0.1', 10250), '10.0.0.1:10250');
  });
});
