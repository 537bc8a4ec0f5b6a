// Cases from upstream's kubelet_pods_test.go (TestManagedHostsFileContent, TestNodeHostsFileContent,
// TestTruncatePodHostname, TestGeneratePodHostNameAndDomain) and util/util_test.go (GetNodenameForKernel).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  hostnameFileContent,
  managedHostsFileContent,
  nodeHostsFileContent,
  nodenameForKernel,
  podHostnameAndDomain,
  podHostsFileContent,
  truncatePodHostname,
} from './hosts.ts';

const base = `# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
`;

describe('managedHostsFileContent (TestManagedHostsFileContent)', () => {
  it('one IP, no aliases', () => {
    assert.equal(
      managedHostsFileContent(['123.45.67.89'], 'podFoo', '', []),
      `${base}123.45.67.89\tpodFoo\n`,
    );
  });
  it('with a domain', () => {
    assert.equal(
      managedHostsFileContent(['203.0.113.1'], 'podFoo', 'domainFoo', []),
      `${base}203.0.113.1\tpodFoo.domainFoo\tpodFoo\n`,
    );
  });
  it('one alias line per HostAlias, hostnames tab-separated', () => {
    assert.equal(
      managedHostsFileContent(['203.0.113.1'], 'podFoo', 'domainFoo', [
        { ip: '123.45.67.89', hostnames: ['foo', 'bar', 'baz'] },
        { ip: '456.78.90.123', hostnames: ['park', 'doo', 'boo'] },
      ]),
      `${base}203.0.113.1\tpodFoo.domainFoo\tpodFoo\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\tbaz\n456.78.90.123\tpark\tdoo\tboo\n`,
    );
  });
  it('dual stack: one line per pod IP', () => {
    assert.equal(
      managedHostsFileContent(['203.0.113.1', 'fd00::6'], 'podFoo', 'domainFoo', []),
      `${base}203.0.113.1\tpodFoo.domainFoo\tpodFoo\nfd00::6\tpodFoo.domainFoo\tpodFoo\n`,
    );
  });
});

describe('nodeHostsFileContent (TestNodeHostsFileContent)', () => {
  const node =
    '# hosts file for testing.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n123.45.67.89\tsome.domain\n';
  it('copies the node file under the host-network header', () => {
    assert.equal(
      nodeHostsFileContent(node, []),
      `# Kubernetes-managed hosts file (host network).\n${node}`,
    );
  });
  it('appends aliases', () => {
    assert.equal(
      nodeHostsFileContent(node, [{ ip: '123.45.67.89', hostnames: ['foo', 'bar', 'baz'] }]),
      `# Kubernetes-managed hosts file (host network).\n${node}\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\tbaz\n`,
    );
  });
  it('podHostsFileContent picks the mode', () => {
    assert.equal(
      podHostsFileContent({
        hostNetwork: true,
        podIPs: ['1.2.3.4'],
        hostname: 'h',
        hostDomain: '',
        nodeHosts: node,
      }),
      nodeHostsFileContent(node),
    );
    assert.equal(
      podHostsFileContent({
        hostNetwork: false,
        podIPs: ['1.2.3.4'],
        hostname: 'h',
        hostDomain: '',
      }),
      `${base}1.2.3.4\th\n`,
    );
  });
});

describe('truncatePodHostname (TestTruncatePodHostname)', () => {
  const cases: [string, string, string][] = [
    ['valid hostname', 'test.pod.hostname', 'test.pod.hostname'],
    [
      'too long hostname',
      '1234567.1234567.1234567.1234567.1234567.1234567.1234567.1234567.1234567.',
      '1234567.1234567.1234567.1234567.1234567.1234567.1234567.1234567',
    ],
    [
      'hostname end with .',
      '1234567.1234567.1234567.1234567.1234567.1234567.1234567.123456.1234567.',
      '1234567.1234567.1234567.1234567.1234567.1234567.1234567.123456',
    ],
    [
      'hostname end with -',
      '1234567.1234567.1234567.1234567.1234567.1234567.1234567.123456-1234567.',
      '1234567.1234567.1234567.1234567.1234567.1234567.1234567.123456',
    ],
  ];
  for (const [desc, name, want] of cases)
    it(desc, () => {
      assert.equal(truncatePodHostname(name, name), want);
    });
});

function pod(spec: Partial<NonNullable<Pod['spec']>>, name = 'test-pod'): Pod {
  return { metadata: { name, namespace: 'ns', uid: 'u' }, spec: { containers: [], ...spec } };
}

describe('podHostnameAndDomain (TestGeneratePodHostNameAndDomain)', () => {
  it('uses the pod name without hostname and subdomain', () => {
    assert.deepEqual(podHostnameAndDomain(pod({}), 'cluster.local'), {
      hostname: 'test-pod',
      hostDomain: '',
    });
  });
  it('uses spec.hostname and builds the subdomain FQDN', () => {
    assert.deepEqual(
      podHostnameAndDomain(pod({ hostname: 'web-0', subdomain: 'web' }), 'cluster.local'),
      {
        hostname: 'web-0',
        hostDomain: 'web.ns.svc.cluster.local',
      },
    );
  });
  it('rejects an invalid hostname or subdomain with upstream messages', () => {
    assert.throws(
      () => podHostnameAndDomain(pod({ hostname: 'Bad_Name' }), 'c'),
      /^Error: pod Hostname "Bad_Name" is not a valid DNS label: /,
    );
    assert.throws(
      () => podHostnameAndDomain(pod({ subdomain: 'a.b' }), 'c'),
      /pod Subdomain "a.b" is not a valid DNS label: must not contain dots/,
    );
  });
  it('truncates a long pod name', () => {
    const long = `${'a'.repeat(62)}-bbbb`;
    assert.equal(podHostnameAndDomain(pod({}, long), 'c').hostname, 'a'.repeat(62));
  });
});

describe('nodenameForKernel (GetNodenameForKernel)', () => {
  it('returns the hostname unless setHostnameAsFQDN and a domain', () => {
    assert.equal(nodenameForKernel('test.hostname', '', undefined), 'test.hostname');
    assert.equal(nodenameForKernel('test.hostname', 'test.domain', false), 'test.hostname');
    assert.equal(nodenameForKernel('test.hostname', '', true), 'test.hostname');
    assert.equal(
      nodenameForKernel('test.hostname', 'test.domain', true),
      'test.hostname.test.domain',
    );
  });
  it('refuses an FQDN over 64 characters', () => {
    const domain = '1234567.1234567.1234567.1234567.1234567.1234567.1234567';
    assert.throws(
      () => nodenameForKernel('1234567.1234567', domain, true),
      new RegExp(
        `^Error: failed to construct FQDN from pod hostname and cluster domain, FQDN 1234567.1234567.${domain} is too long \\(64 characters is the max, 71 characters requested\\)$`,
      ),
    );
  });
  it('hostname file', () => {
    assert.equal(hostnameFileContent('web-0'), 'web-0\n');
  });
});
