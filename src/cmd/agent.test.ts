import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentFlagsFrom, runAgent } from './agent.ts';
import type { AgentOptionBag } from './agent.ts';

const PIN = `sha256:${'ab'.repeat(32)}`;
const base: AgentOptionBag = {
  server: 'https://10.0.0.1:6443',
  token: 'abcdef.0123456789abcdef',
  caCertHash: [PIN],
  simulated: '3',
};
const defaults = { nodeName: (): string => 'host-a' };

describe('agentFlagsFrom', () => {
  it('validates a kubeadm-style join command line', async () => {
    assert.deepEqual(await agentFlagsFrom(base, defaults), {
      server: 'https://10.0.0.1:6443',
      token: 'abcdef.0123456789abcdef',
      trust: { kind: 'pin', pins: [PIN] },
      nodeName: 'host-a',
      simulated: 3,
      bootstrapTimeoutMs: 900_000,
    });
  });

  it('takes a CA file or the insecure flag instead of a pin, and other options', async () => {
    const flags = await agentFlagsFrom(
      {
        server: 'https://[::1]:6443/',
        caFile: '/tmp/ca.crt',
        nodeName: 'edge.example',
        dataDir: '/d',
        bootstrapTimeout: '90s',
      },
      defaults,
    );
    assert.deepEqual(flags, {
      server: 'https://[::1]:6443',
      trust: { kind: 'ca-file', path: '/tmp/ca.crt' },
      nodeName: 'edge.example',
      dataDir: '/d',
      bootstrapTimeoutMs: 90_000,
    });
    const insecure = await agentFlagsFrom(
      { server: 'https://h', insecureSkipCaVerification: true },
      defaults,
    );
    assert.deepEqual(insecure.trust, { kind: 'insecure' });
  });

  for (const [name, opts, message] of [
    ['no server', { ...base, server: undefined }, "required option '--server <url>' not specified"],
    [
      'plain http',
      { ...base, server: 'http://h:1' },
      '--server "http://h:1" must be https://HOST[:PORT] (the API server\'s address)',
    ],
    [
      'a path',
      { ...base, server: 'https://h:1/api' },
      '--server "https://h:1/api" must be https://HOST[:PORT] (the API server\'s address)',
    ],
    [
      'a malformed token',
      { ...base, token: 'ABCDEF.0123456789abcdef' },
      'the bootstrap token "ABCDEF.0123456789abcdef" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"',
    ],
    [
      'no trust flag',
      { ...base, caCertHash: undefined },
      'joining without --ca-cert-hash can be unsafe: pass --ca-cert-hash sha256:<hex> (`skiff token create --print-join-command` prints it), --ca-file FILE, or --insecure-skip-ca-verification to continue',
    ],
    [
      'two trust flags',
      { ...base, insecureSkipCaVerification: true },
      '--ca-cert-hash, --ca-file and --insecure-skip-ca-verification exclude each other',
    ],
    [
      'a bad pin',
      { ...base, caCertHash: ['sha1:00'] },
      '--ca-cert-hash: unknown hash format "sha1". Known format(s) are: sha256',
    ],
    [
      'an upper-case node name',
      { ...base, nodeName: 'Edge' },
      '--node-name "Edge" must be a lowercase DNS subdomain of at most 200 characters (pass --node-name)',
    ],
    [
      'zero nodes',
      { ...base, simulated: '0' },
      '--simulated "0" must be a number of nodes from 1 to 100000',
    ],
    [
      'a bad timeout',
      { ...base, bootstrapTimeout: '5' },
      '--bootstrap-timeout: time: missing unit in duration "5"',
    ],
  ] as const) {
    it(`rejects ${name}`, async () => {
      await assert.rejects(agentFlagsFrom(opts, defaults), { name: 'AgentFlagError', message });
    });
  }
});

describe('agentFlagsFrom: the real kubelet', () => {
  it('takes --node-ip and --kubelet-port without --simulated', async () => {
    const flags = await agentFlagsFrom(
      { ...base, simulated: undefined, nodeIp: '192.168.1.5', kubeletPort: '0' },
      defaults,
    );
    assert.equal(flags.simulated, undefined);
    assert.equal(flags.nodeIp, '192.168.1.5');
    assert.equal(flags.kubeletPort, 0);
  });

  for (const [name, opts, message] of [
    [
      'a bad node IP',
      { ...base, simulated: undefined, nodeIp: '10.0.0' },
      '--node-ip "10.0.0" must be an IPv4 or IPv6 address.',
    ],
    [
      'a bad port',
      { ...base, simulated: undefined, kubeletPort: '70000' },
      '--kubelet-port "70000" must be a port number from 0 to 65535.',
    ],
    [
      'kubelet flags with --simulated',
      { ...base, nodeIp: '10.0.0.2' },
      '--node-ip, --kubelet-port and the eviction and container-log flags are for the real kubelet, not --simulated',
    ],
    [
      'eviction flags with --simulated',
      { ...base, evictionHard: 'memory.available<1Gi' },
      '--node-ip, --kubelet-port and the eviction and container-log flags are for the real kubelet, not --simulated',
    ],
    [
      'a container-log flag the kubelet refuses',
      { ...base, simulated: undefined, containerLogMaxFiles: '1' },
      'invalid configuration: containerLogMaxFiles (--container-log-max-files) 1 must be >= 2',
    ],
  ] as const) {
    it(`rejects ${name}`, async () => {
      await assert.rejects(agentFlagsFrom(opts, defaults), { name: 'AgentFlagError', message });
    });
  }
});

describe('runAgent', () => {
  it('refuses to join as a real node when the preflight fails, before contacting the server', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const flags = await agentFlagsFrom({ ...base, simulated: undefined }, defaults);
    let probed = 0;
    const preflight = (): Promise<readonly string[]> => {
      probed++;
      return Promise.resolve([
        'runc is not installed: apt-get install -y runc',
        'not running as root: run skiff agent as root',
      ]);
    };
    assert.equal(await runAgent(flags, { io, preflight }), 1);
    assert.equal(probed, 1);
    assert.deepEqual(lines, [
      'skiff agent: error: this machine cannot be a node:\n' +
        '  - runc is not installed: apt-get install -y runc\n' +
        '  - not running as root: run skiff agent as root',
      'Fix the above, or pass --simulated N to join N simulated nodes instead.',
    ]);
  });

  it('does not run the kubelet preflight for simulated nodes', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    // An unreachable server: the join fails after the (skipped) preflight.
    const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-test-'));
    try {
      const flags = await agentFlagsFrom(
        { ...base, server: 'https://127.0.0.1:1', dataDir: dir },
        defaults,
      );
      let probed = 0;
      const preflight = (): Promise<readonly string[]> => {
        probed++;
        return Promise.resolve(['x']);
      };
      assert.equal(await runAgent(flags, { io, preflight }), 1);
      assert.equal(probed, 0);
      assert.ok(lines.some((l) => l.startsWith('skiff agent: error: cannot reach the server')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
