// Cases from upstream's pkg/kubelet/network/dns/dns_test.go (ExpandedDNSConfig limits, GA in 1.32).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDNSConfig, PodSpec } from 'kubernetes-types/core/v1.js';
import {
  checkLimitsForResolvConf,
  formDnsNameserversFitsLimits,
  formDnsSearchFitsLimits,
  formatResolvConf,
  mergeDnsOptions,
  parseResolvConf,
  podDnsConfig,
  podDnsType,
} from './dns.ts';
import type { DnsEvent, ResolvConf } from './dns.ts';

describe('parseResolvConf (TestParseResolvConf)', () => {
  const cases: [string, string[], string[], string[], boolean][] = [
    ['', [], [], [], false],
    [' ', [], [], [], false],
    ['\n', [], [], [], false],
    ['\t\n\t', [], [], [], false],
    ['#comment\n', [], [], [], false],
    [' #comment\n', [], [], [], false],
    ['#comment\n#comment', [], [], [], false],
    ['#comment\nnameserver', [], [], [], true],
    ['#comment\nnameserver\nsearch', [], [], [], true],
    ['#comment\nnameserver 1.2.3.4\nsearch', ['1.2.3.4'], [], [], false],
    ['nameserver 1.2.3.4', ['1.2.3.4'], [], [], false],
    [' nameserver 1.2.3.4', ['1.2.3.4'], [], [], false],
    ['\tnameserver 1.2.3.4', ['1.2.3.4'], [], [], false],
    ['nameserver\t1.2.3.4', ['1.2.3.4'], [], [], false],
    ['nameserver \t 1.2.3.4', ['1.2.3.4'], [], [], false],
    ['nameserver 1.2.3.4\nnameserver 5.6.7.8', ['1.2.3.4', '5.6.7.8'], [], [], false],
    ['nameserver 1.2.3.4 #comment', ['1.2.3.4'], [], [], false],
    ['search ', [], [], [], false],
    ['search foo', [], ['foo'], [], false],
    ['search foo bar', [], ['foo', 'bar'], [], false],
    ['search foo. bar', [], ['foo', 'bar'], [], false],
    ['search foo bar bat\n', [], ['foo', 'bar', 'bat'], [], false],
    ['search foo\nsearch bar', [], ['bar'], [], false],
    ['nameserver 1.2.3.4\nsearch foo bar', ['1.2.3.4'], ['foo', 'bar'], [], false],
    [
      'nameserver 1.2.3.4\nsearch foo\nnameserver 5.6.7.8\nsearch bar',
      ['1.2.3.4', '5.6.7.8'],
      ['bar'],
      [],
      false,
    ],
    [
      '#comment\nnameserver 1.2.3.4\n#comment\nsearch foo\ncomment',
      ['1.2.3.4'],
      ['foo'],
      [],
      false,
    ],
    ['options ', [], [], [], false],
    ['options ndots:5 attempts:2', [], [], ['ndots:5', 'attempts:2'], false],
    ['options ndots:1\noptions ndots:5 attempts:3', [], [], ['ndots:5', 'attempts:3'], false],
    [
      'nameserver 1.2.3.4\nsearch foo\nnameserver 5.6.7.8\nsearch bar\noptions ndots:5 attempts:4',
      ['1.2.3.4', '5.6.7.8'],
      ['bar'],
      ['ndots:5', 'attempts:4'],
      false,
    ],
  ];
  for (const [i, [data, ns, search, opts, isErr]] of cases.entries()) {
    it(`case ${i}: ${JSON.stringify(data)}`, () => {
      const { config, errors } = parseResolvConf(data);
      if (isErr) {
        assert.ok(errors.length > 0);
        return;
      }
      assert.deepEqual(errors, []);
      assert.deepEqual(config, { nameservers: ns, searches: search, options: opts });
    });
  }
});

describe('formDnsSearchFitsLimits (TestFormDNSSearchFitsLimits)', () => {
  const list2048 = ['A'.repeat(128), ...Array.from({ length: 15 }, () => 'A'.repeat(127))];
  const thirtyTwo = [
    'testNS.svc.TEST',
    'svc.TEST',
    'TEST',
    ...Array.from({ length: 29 }, (_, i) => String(i + 4)),
  ];
  const cases: { desc: string; in: string[]; out: string[]; event?: string }[] = [
    {
      desc: 'valid: 3 search paths',
      in: ['testNS.svc.TEST', 'svc.TEST', 'TEST'],
      out: ['testNS.svc.TEST', 'svc.TEST', 'TEST'],
    },
    {
      desc: 'valid: 5 search paths',
      in: ['testNS.svc.TEST', 'svc.TEST', 'TEST', 'AAA', 'BBB'],
      out: ['testNS.svc.TEST', 'svc.TEST', 'TEST', 'AAA', 'BBB'],
    },
    {
      desc: 'invalid: a search path longer than 253 characters',
      in: ['testNS.svc.TEST', 'svc.TEST', 'TEST', 'AAA', 'B'.repeat(256), 'BBB'],
      out: ['testNS.svc.TEST', 'svc.TEST', 'TEST', 'AAA', 'BBB'],
      event:
        'Search Line limits were exceeded, some search paths have been omitted, the applied search line is: testNS.svc.TEST svc.TEST TEST AAA BBB',
    },
    { desc: 'valid: 2048 characters in search path list', in: list2048, out: list2048 },
    {
      desc: 'invalid: 2050 characters in search path list',
      in: [...list2048, 'B'],
      out: list2048,
      event: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${list2048.join(' ')}`,
    },
    { desc: 'valid: 32 search paths', in: thirtyTwo, out: thirtyTwo },
    {
      desc: 'invalid: 33 search paths',
      in: [...thirtyTwo, '33'],
      out: thirtyTwo,
      event: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${thirtyTwo.join(' ')}`,
    },
  ];
  for (const tc of cases) {
    it(tc.desc, () => {
      const events: DnsEvent[] = [];
      assert.deepEqual(formDnsSearchFitsLimits(tc.in, events), tc.out);
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.reason} ${e.message}`),
        tc.event === undefined ? [] : [`Warning DNSConfigForming ${tc.event}`],
      );
    });
  }
});

describe('formDnsNameserversFitsLimits (TestFormDNSNameserversFitsLimits)', () => {
  const cases: [string, string[], string[], boolean][] = [
    ['valid: 1 nameserver', ['127.0.0.1'], ['127.0.0.1'], false],
    [
      'valid: 3 nameservers',
      ['127.0.0.1', '10.0.0.10', '8.8.8.8'],
      ['127.0.0.1', '10.0.0.10', '8.8.8.8'],
      false,
    ],
    [
      'invalid: 4 nameservers, trimmed to 3',
      ['127.0.0.1', '10.0.0.10', '8.8.8.8', '1.2.3.4'],
      ['127.0.0.1', '10.0.0.10', '8.8.8.8'],
      true,
    ],
  ];
  for (const [desc, input, want, event] of cases) {
    it(desc, () => {
      const events: DnsEvent[] = [];
      assert.deepEqual(formDnsNameserversFitsLimits(input, events), want);
      assert.equal(events.length, event ? 1 : 0);
      if (event) {
        assert.equal(
          events[0]?.message,
          'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 127.0.0.1 10.0.0.10 8.8.8.8',
        );
      }
    });
  }
});

describe('mergeDnsOptions (TestMergeDNSOptions)', () => {
  const cases: [string, string[], { name: string; value?: string }[], string[]][] = [
    ['Empty dnsConfigOptions', ['ndots:5', 'debug'], [], ['ndots:5', 'debug']],
    [
      'No duplicated entries',
      ['ndots:5', 'debug'],
      [{ name: 'single-request' }, { name: 'attempts', value: '3' }],
      ['ndots:5', 'debug', 'single-request', 'attempts:3'],
    ],
    [
      'Overwrite duplicated entries',
      ['ndots:5', 'debug'],
      [
        { name: 'ndots', value: '3' },
        { name: 'debug' },
        { name: 'single-request' },
        { name: 'attempts', value: '3' },
      ],
      ['ndots:3', 'debug', 'single-request', 'attempts:3'],
    ],
  ];
  for (const [desc, existing, opts, want] of cases) {
    it(desc, () => {
      assert.deepEqual(mergeDnsOptions(existing, opts), want);
    });
  }
});

function pod(spec: Partial<PodSpec>, name = 'test_pod', namespace = 'testNS'): Pod {
  return { metadata: { name, namespace, uid: '' }, spec: { containers: [], ...spec } };
}

describe('podDnsType (TestGetPodDNSType)', () => {
  const cases: [string, boolean, string, string][] = [
    ['valid DNSClusterFirst without hostnetwork', false, 'ClusterFirst', 'cluster'],
    [
      'valid DNSClusterFirstWithHostNet with hostnetwork',
      true,
      'ClusterFirstWithHostNet',
      'cluster',
    ],
    [
      'valid DNSClusterFirstWithHostNet without hostnetwork',
      false,
      'ClusterFirstWithHostNet',
      'cluster',
    ],
    ['valid DNSDefault without hostnetwork', false, 'Default', 'host'],
    ['valid DNSDefault with hostnetwork', true, 'Default', 'host'],
    ['DNSClusterFirst with hostnetwork, fallback to DNSDefault', true, 'ClusterFirst', 'host'],
    ['valid DNSNone', false, 'None', 'none'],
    ['invalid DNS policy, should return error', false, 'invalidPolicy', 'error'],
  ];
  for (const [desc, hostNetwork, dnsPolicy, want] of cases) {
    it(desc, () => {
      const got = podDnsType(pod({ hostNetwork, dnsPolicy }));
      if (want === 'error') assert.equal(got.error, 'invalid DNSPolicy=invalidPolicy');
      else assert.equal(got.type, want);
    });
  }
});

describe('podDnsConfig (testGetPodDNS)', () => {
  const clusterNS = '203.0.113.1';
  const clusterDomain = 'kubernetes.io';
  // newTestPods: host network pods without a namespace
  const pods = [
    pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, 'pod0', ''),
    pod({ hostNetwork: true, dnsPolicy: 'ClusterFirst' }, 'pod1', ''),
    pod({ hostNetwork: false, dnsPolicy: 'ClusterFirst' }, 'pod2', ''),
    pod({ hostNetwork: true, dnsPolicy: 'Default' }, 'pod3', ''),
  ];

  it('without a resolv.conf: host pods get 127.0.0.1 and search "."', () => {
    const got = pods.map((p) => podDnsConfig(p, { clusterDNS: [clusterNS], clusterDomain }).config);
    assert.deepEqual(got[0]?.nameservers, [clusterNS]);
    assert.equal(got[0].searches[0], `.svc.${clusterDomain}`);
    assert.deepEqual(got[1]?.nameservers, ['127.0.0.1']);
    assert.deepEqual(got[1].searches, ['.']);
    assert.deepEqual(got[2]?.nameservers, [clusterNS]);
    assert.equal(got[2].searches[0], `.svc.${clusterDomain}`);
    assert.deepEqual(got[3]?.nameservers, ['127.0.0.1']);
    assert.deepEqual(got[3].searches, ['.']);
  });

  it('with the host resolv.conf: cluster paths are prepended to the host search', () => {
    const hostDNS: ResolvConf = {
      nameservers: ['192.0.2.53'],
      searches: ['corp.example', 'example'],
      options: ['edns0'],
    };
    const got = pods.map(
      (p) => podDnsConfig(p, { clusterDNS: [clusterNS], clusterDomain, hostDNS }).config,
    );
    assert.deepEqual(got[0]?.nameservers, [clusterNS]);
    assert.equal(got[0].searches.length, (got[1]?.searches.length ?? 0) + 3);
    assert.deepEqual(got[0].searches, [
      `.svc.${clusterDomain}`,
      `svc.${clusterDomain}`,
      clusterDomain,
      'corp.example',
      'example',
    ]);
    assert.deepEqual(got[0].options, ['ndots:5']);
    assert.deepEqual(got[2]?.nameservers, [clusterNS]);
    assert.deepEqual(got[1], hostDNS);
  });
});

describe('podDnsConfig (TestGetPodDNSCustom)', () => {
  const hostDNS = parseResolvConf('nameserver 8.8.8.8\nsearch host.domain\n').config;
  const opts = { clusterDNS: ['10.0.0.10'], clusterDomain: 'kubernetes.io', hostDNS };
  const custom = {
    nameservers: ['10.0.0.11'],
    searches: ['my.domain'],
    options: [{ name: 'ndots', value: '3' }, { name: 'debug' }],
  };
  const cases: {
    desc: string;
    hostNetwork?: boolean;
    dnsPolicy: string;
    dnsConfig?: PodDNSConfig;
    want: ResolvConf;
  }[] = [
    {
      desc: 'DNSNone without DNSConfig should have empty DNS settings',
      dnsPolicy: 'None',
      want: { nameservers: [], searches: [], options: [] },
    },
    {
      desc: 'DNSNone with DNSConfig should have a merged DNS settings',
      dnsPolicy: 'None',
      dnsConfig: {
        nameservers: ['203.0.113.1'],
        searches: ['my.domain', 'second.domain'],
        options: custom.options,
      },
      want: {
        nameservers: ['203.0.113.1'],
        searches: ['my.domain', 'second.domain'],
        options: ['ndots:3', 'debug'],
      },
    },
    {
      desc: 'DNSClusterFirst with DNSConfig should have a merged DNS settings',
      dnsPolicy: 'ClusterFirst',
      dnsConfig: custom,
      want: {
        nameservers: ['10.0.0.10', '10.0.0.11'],
        searches: [
          'testNS.svc.kubernetes.io',
          'svc.kubernetes.io',
          'kubernetes.io',
          'host.domain',
          'my.domain',
        ],
        options: ['ndots:3', 'debug'],
      },
    },
    {
      desc: 'DNSClusterFirstWithHostNet with DNSConfig should have a merged DNS settings',
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      dnsConfig: custom,
      want: {
        nameservers: ['10.0.0.10', '10.0.0.11'],
        searches: [
          'testNS.svc.kubernetes.io',
          'svc.kubernetes.io',
          'kubernetes.io',
          'host.domain',
          'my.domain',
        ],
        options: ['ndots:3', 'debug'],
      },
    },
    {
      desc: 'DNSDefault with DNSConfig should have a merged DNS settings',
      dnsPolicy: 'Default',
      dnsConfig: custom,
      want: {
        nameservers: ['8.8.8.8', '10.0.0.11'],
        searches: ['host.domain', 'my.domain'],
        options: ['ndots:3', 'debug'],
      },
    },
  ];
  for (const tc of cases) {
    it(tc.desc, () => {
      const p = pod({
        hostNetwork: tc.hostNetwork ?? false,
        dnsPolicy: tc.dnsPolicy,
        ...(tc.dnsConfig !== undefined ? { dnsConfig: tc.dnsConfig } : {}),
      });
      const { config } = podDnsConfig(p, opts);
      assert.deepEqual(config.nameservers, tc.want.nameservers);
      assert.deepEqual(config.searches, tc.want.searches);
      assert.deepEqual([...config.options].sort(), [...tc.want.options].sort());
    });
  }
});

describe('podDnsConfig: missing cluster DNS', () => {
  it('falls back to Default with the node and pod events', () => {
    const p: Pod = {
      metadata: { name: 'web', namespace: 'prod', uid: 'u1' },
      spec: { containers: [] },
    };
    const { config, events } = podDnsConfig(p, {
      clusterDNS: [],
      clusterDomain: 'cluster.local',
      hostDNS: { nameservers: ['192.0.2.1'], searches: [], options: [] },
    });
    assert.deepEqual(config, { nameservers: ['192.0.2.1'], searches: [], options: [] });
    const msg =
      'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
    assert.deepEqual(events, [
      { on: 'node', type: 'Warning', reason: 'MissingClusterDNS', message: msg },
      {
        on: 'pod',
        type: 'Warning',
        reason: 'MissingClusterDNS',
        message: `pod: "web_prod(u1)". ${msg}`,
      },
    ]);
  });

  it('uses ::1 for IPv6 node IPs when there is no resolv.conf', () => {
    const p = pod({ dnsPolicy: 'Default' });
    const { config } = podDnsConfig(p, {
      clusterDNS: [],
      clusterDomain: 'c',
      nodeIPs: ['192.0.2.1', '2001:db8::1'],
    });
    assert.deepEqual(config.nameservers, ['127.0.0.1', '::1']);
  });
});

describe('checkLimitsForResolvConf', () => {
  it('leaves room for the 3 cluster search paths', () => {
    const search = Array.from({ length: 30 }, (_, i) => `d${i}`);
    assert.equal(
      checkLimitsForResolvConf('/etc/resolv.conf', search, 'cluster.local')?.message,
      "Resolv.conf file '/etc/resolv.conf' contains search line consisting of more than 29 domains!",
    );
    assert.equal(
      checkLimitsForResolvConf('/etc/resolv.conf', search.slice(0, 29), 'cluster.local'),
      undefined,
    );
    assert.equal(checkLimitsForResolvConf('/etc/resolv.conf', search, ''), undefined);
    assert.match(
      checkLimitsForResolvConf('/r', ['x'.repeat(254)], '')?.message ?? '',
      /contains a search path which length is more than allowed 253 chars!/,
    );
  });
});

describe('formatResolvConf', () => {
  it('writes search, nameserver lines and options as containerd does', () => {
    assert.equal(
      formatResolvConf({
        nameservers: ['10.96.0.10', '10.96.0.11'],
        searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
        options: ['ndots:5'],
      }),
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\nnameserver 10.96.0.11\noptions ndots:5\n',
    );
  });
  it('is empty for an empty configuration (containerd then copies the host file)', () => {
    assert.equal(formatResolvConf({ nameservers: [], searches: [], options: [] }), '');
  });
  it('formats a full ClusterFirst pod', () => {
    const p = pod({ dnsPolicy: 'ClusterFirst' }, 'web', 'default');
    const { config } = podDnsConfig(p, {
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      hostDNS: parseResolvConf('nameserver 1.1.1.1\nsearch example.com\noptions edns0\n').config,
    });
    assert.equal(
      formatResolvConf(config),
      'search default.svc.cluster.local svc.cluster.local cluster.local example.com\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });
});
