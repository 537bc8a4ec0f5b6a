import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCidr, numberToIpv4, parseCidr } from '../../api/index.ts';
import { defaultInternalIp, defaultPodCidr, PodIpAllocator } from './ip.ts';

describe('pod CIDRs and node addresses', () => {
  const cases: [number, number, string][] = [
    [0, 1, '10.244.0.0/24'],
    [5, 10, '10.244.5.0/24'],
    [255, 256, '10.244.255.0/24'],
    [0, 257, '10.128.0.0/24'],
    [256, 5000, '10.129.0.0/24'],
    [4999, 5000, '10.147.135.0/24'],
    [32767, 40000, '10.255.255.0/24'],
  ];
  for (const [i, total, want] of cases) {
    it(`node ${i} of ${total} gets ${want}`, () => {
      assert.equal(formatCidr(defaultPodCidr(i, total)), want);
    });
  }
  it('refuses more nodes than 10.128.0.0/9 holds', () => {
    assert.throws(() => defaultPodCidr(32768, 40000), /more than 32768 nodes/);
  });
  const ips: [number, string][] = [
    [0, '10.0.0.1'],
    [253, '10.0.0.254'],
    [254, '10.0.1.1'],
    [4999, '10.0.19.174'],
  ];
  for (const [i, want] of ips) {
    it(`node ${i} has InternalIP ${want}`, () => {
      assert.equal(defaultInternalIp(i), want);
    });
  }
  it('parses and normalises CIDRs', () => {
    assert.equal(formatCidr(parseCidr('10.1.2.3/16')), '10.1.0.0/16');
    assert.throws(() => parseCidr('10.1.2.3'), /invalid CIDR/);
    assert.throws(() => parseCidr('10.1.2.300/24'), /invalid IPv4/);
  });
});

describe('PodIpAllocator', () => {
  it('hands out .2 upwards, reuses the lowest freed address, stops at .254', () => {
    const a = new PodIpAllocator(parseCidr('10.244.3.0/24'));
    const got: string[] = [];
    for (;;) {
      const ip = a.allocate();
      if (ip === undefined) break;
      got.push(numberToIpv4(ip));
    }
    assert.equal(got.length, 253);
    assert.equal(got[0], '10.244.3.2');
    assert.equal(got.at(-1), '10.244.3.254');
    a.release(parseCidr('10.244.3.40/32').base);
    a.release(parseCidr('10.244.3.7/32').base);
    assert.equal(a.allocated, 251);
    assert.equal(numberToIpv4(a.allocate() ?? 0), '10.244.3.7');
    assert.equal(numberToIpv4(a.allocate() ?? 0), '10.244.3.40');
  });
  it('reserves adopted addresses once, and only inside the range', () => {
    const a = new PodIpAllocator(parseCidr('10.244.0.0/24'));
    const ip = parseCidr('10.244.0.2/32').base;
    assert.equal(a.reserve(ip), true);
    assert.equal(a.reserve(ip), false);
    assert.equal(a.reserve(parseCidr('10.244.1.2/32').base), false);
    assert.equal(a.reserve(parseCidr('10.244.0.1/32').base), false);
    assert.equal(numberToIpv4(a.allocate() ?? 0), '10.244.0.3');
  });
  it('works on small ranges', () => {
    const a = new PodIpAllocator(parseCidr('10.0.0.0/29'));
    const got: string[] = [];
    for (let ip = a.allocate(); ip !== undefined; ip = a.allocate()) got.push(numberToIpv4(ip));
    assert.deepEqual(got, ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });
});
