import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointAddress, EndpointSubset } from 'kubernetes-types/core/v1.js';
import { repackSubsets, truncateSubsets } from './index.ts';

const a = (ip: string, uid?: string): EndpointAddress =>
  uid === undefined ? { ip } : { ip, targetRef: { kind: 'Pod', uid } };
const p = (
  port: number,
  name = '',
  protocol = 'TCP',
): { name?: string; port: number; protocol: string } =>
  name === '' ? { port, protocol } : { name, port, protocol };

// Upstream TestPackSubsets (pkg/api/v1/endpoints/util_test.go), the cases that translate.
describe('repackSubsets', () => {
  const cases: { name: string; given: EndpointSubset[]; expect: EndpointSubset[] }[] = [
    { name: 'empty everything', given: [{}], expect: [] },
    {
      name: 'empty ports',
      given: [{ addresses: [a('1.2.3.4')] }],
      expect: [{ addresses: [a('1.2.3.4')] }],
    },
    {
      name: 'empty ports, not ready',
      given: [{ notReadyAddresses: [a('1.2.3.4')] }],
      expect: [{ notReadyAddresses: [a('1.2.3.4')] }],
    },
    { name: 'empty addresses', given: [{ ports: [p(111)] }], expect: [] },
    {
      name: 'one set, one ip, one port',
      given: [{ addresses: [a('1.2.3.4')], ports: [p(111)] }],
      expect: [{ addresses: [a('1.2.3.4')], ports: [p(111)] }],
    },
    {
      name: 'one set, two ips, one port (sorted)',
      given: [{ addresses: [a('5.6.7.8'), a('1.2.3.4')], ports: [p(111)] }],
      expect: [{ addresses: [a('1.2.3.4'), a('5.6.7.8')], ports: [p(111)] }],
    },
    {
      name: 'one set, dup ips, one port',
      given: [{ addresses: [a('1.2.3.4'), a('1.2.3.4')], ports: [p(111)] }],
      expect: [{ addresses: [a('1.2.3.4')], ports: [p(111)] }],
    },
    {
      name: 'one set, dup ips with targetRefs, one port',
      given: [{ addresses: [a('1.2.3.4', 'uid-1'), a('1.2.3.4', 'uid-1')], ports: [p(111)] }],
      expect: [{ addresses: [a('1.2.3.4', 'uid-1')], ports: [p(111)] }],
    },
    {
      name: 'one set, dup ips with different targetRefs, one port',
      given: [{ addresses: [a('1.2.3.4', 'uid-2'), a('1.2.3.4', 'uid-1')], ports: [p(111)] }],
      expect: [{ addresses: [a('1.2.3.4', 'uid-1'), a('1.2.3.4', 'uid-2')], ports: [p(111)] }],
    },
    {
      name: 'two sets, dup ip, dup port',
      given: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
      ],
      expect: [{ addresses: [a('1.2.3.4')], ports: [p(111)] }],
    },
    {
      name: 'two sets, dup ip, two ports',
      given: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { addresses: [a('1.2.3.4')], ports: [p(222)] },
      ],
      expect: [{ addresses: [a('1.2.3.4')], ports: [p(111), p(222)] }],
    },
    {
      name: 'two sets, two ips, dup port',
      given: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { addresses: [a('5.6.7.8')], ports: [p(111)] },
      ],
      expect: [{ addresses: [a('1.2.3.4'), a('5.6.7.8')], ports: [p(111)] }],
    },
    {
      name: 'two sets, two ips, two ports',
      given: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { addresses: [a('5.6.7.8')], ports: [p(222)] },
      ],
      expect: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { addresses: [a('5.6.7.8')], ports: [p(222)] },
      ],
    },
    {
      name: 'not ready wins over ready for the same address and port',
      given: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { notReadyAddresses: [a('1.2.3.4')], ports: [p(111)] },
      ],
      expect: [{ notReadyAddresses: [a('1.2.3.4')], ports: [p(111)] }],
    },
    {
      name: 'ready and not ready addresses of one port share a subset',
      given: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { notReadyAddresses: [a('5.6.7.8')], ports: [p(111)] },
      ],
      expect: [{ addresses: [a('1.2.3.4')], notReadyAddresses: [a('5.6.7.8')], ports: [p(111)] }],
    },
    {
      name: 'an address ready on one port and not on another splits',
      given: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { notReadyAddresses: [a('1.2.3.4')], ports: [p(222)] },
      ],
      expect: [
        { addresses: [a('1.2.3.4')], ports: [p(111)] },
        { notReadyAddresses: [a('1.2.3.4')], ports: [p(222)] },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(repackSubsets(c.given), c.expect);
    });
  }
});

const addrs = (n: number, base: string): EndpointAddress[] =>
  Array.from({ length: n }, (_, i) => ({
    ip: `${base}.${String(Math.floor(i / 256))}.${String(i % 256)}`,
  }));

// Upstream TestTruncateEndpoints.
describe('truncateSubsets', () => {
  const cases: {
    name: string;
    given: [ready: number, notReady: number][];
    expect: [ready: number, notReady: number][];
    truncated: boolean;
  }[] = [
    { name: 'at capacity: untouched', given: [[600, 400]], expect: [[600, 400]], truncated: false },
    {
      name: 'not ready addresses go first',
      given: [[700, 400]],
      expect: [[700, 300]],
      truncated: true,
    },
    {
      name: 'not ready addresses proportionally over subsets',
      given: [
        [300, 200],
        [300, 400],
      ],
      expect: [
        [300, 134],
        [300, 266],
      ],
      truncated: true,
    },
    {
      name: 'ready over capacity: ready proportionally, no not ready',
      given: [
        [300, 10],
        [300, 10],
        [500, 10],
      ],
      expect: [
        [273, 0],
        [273, 0],
        [454, 0],
      ],
      truncated: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const subsets: EndpointSubset[] = c.given.map(([r, n], i) => ({
        addresses: addrs(r, `10.${String(i)}`),
        notReadyAddresses: addrs(n, `11.${String(i)}`),
      }));
      assert.equal(truncateSubsets(subsets), c.truncated);
      assert.deepEqual(
        subsets.map((s) => [(s.addresses ?? []).length, (s.notReadyAddresses ?? []).length]),
        c.expect,
      );
    });
  }
});
