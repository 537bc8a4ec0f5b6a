// Integration: two pod sandboxes on a test-only bridge through the real reference plugins
// (Debian's containernetworking-plugins in /usr/lib/cni) with the default configuration, a
// test-only podCIDR (10.244.250.0/24), host-local dataDir and CNI cache in a temp dir. Needs
// root, iproute2, util-linux (nsenter, unshare) and busybox; skips otherwise.
//
// Network safety: before any traffic, each pod netns gets `unreachable` routes for the service
// CIDR (10.96.0.0/12) and the pod CIDR (10.244.0.0/16; the test /24 is more specific and stays
// reachable), so nothing can follow the default route off the machine. Only pod → pod traffic
// is sent. Everything made here is removed by name (netns, bridge, files) or PID (processes).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CniClient,
  createSandboxNamespaces,
  defaultNetworkConfigList,
  deleteSandboxNamespaces,
  runCommand,
  runInNetns,
  setUpPodSandboxNetwork,
  spawnInNetns,
  tearDownPodSandboxNetwork,
} from './index.ts';
import type { PodSandboxNetwork, PodSandboxNetworkRequest } from './index.ts';

const tools = ['ip', 'nsenter', 'unshare', 'busybox', 'hostname', 'umount'];
const missing = tools.filter(
  (t) => !['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => existsSync(join(d, t))),
);
const isRoot = process.getuid?.() === 0;
const skip = !isRoot
  ? 'needs root'
  : !existsSync('/usr/lib/cni/bridge')
    ? 'needs containernetworking-plugins (/usr/lib/cni/bridge)'
    : missing.length > 0
      ? `missing ${missing.join(', ')}`
      : false;

const POD_CIDR = '10.244.250.0/24';
const tag = process.pid.toString(36);
const BRIDGE = `skt${tag}`.slice(0, 15);
const NETWORK = `skiff-test-${tag}`;

async function ip(args: string[]): Promise<string> {
  const r = await runCommand(['ip', ...args]);
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function linkExists(name: string): Promise<boolean> {
  return (await runCommand(['ip', 'link', 'show', 'dev', name])).exitCode === 0;
}

function inTestCidr(addr: string): boolean {
  const parts = addr.split('.').map(Number);
  return (
    parts.length === 4 &&
    parts[0] === 10 &&
    parts[1] === 244 &&
    parts[2] === 250 &&
    (parts[3] ?? 0) > 1
  );
}

describe('pod sandbox network (reference CNI plugins)', { skip }, () => {
  let work = '';
  let cni: CniClient;
  const children: ChildProcess[] = [];
  const reqs: PodSandboxNetworkRequest[] = [];
  const list = () =>
    defaultNetworkConfigList({
      podCIDR: POD_CIDR,
      bridgeName: BRIDGE,
      networkName: NETWORK,
      ipamDataDir: join(work, 'ipam'),
    });

  let ipForward = '';

  before(async () => {
    // The bridge plugin (isGateway) turns on IPv4 forwarding host-wide; put it back afterwards.
    ipForward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
    if (await linkExists(BRIDGE))
      throw new Error(`test bridge ${BRIDGE} already exists; refusing to touch it`);
    // Another user of the test CIDR on this host would collide with the bridge's gateway address.
    const existing = (await ip(['-4', 'route', 'show', 'root', POD_CIDR])).trim();
    if (existing !== '')
      throw new Error(`${POD_CIDR} is already routed on this host (${existing}); refusing to run`);
    work = await mkdtemp(join(tmpdir(), 'skiff-sandbox-'));
    cni = new CniClient({ pluginDirs: ['/usr/lib/cni'], cacheDir: join(work, 'cni-cache') });
    for (const p of ['a', 'b']) {
      reqs.push({
        name: `sktest-${tag}-${p}`,
        sandboxId: `sktest${tag}${p}`,
        pod: { namespace: 'default', name: `pod-${p}`, uid: `uid-${p}` },
        hostname: `pod-${p}`,
        runDir: join(work, 'run'),
      });
    }
  });

  after(async () => {
    for (const c of children) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null)
        process.kill(c.pid, 'SIGKILL');
    }
    for (const r of reqs) {
      await tearDownPodSandboxNetwork(cni, list(), r).catch(() => undefined);
      await deleteSandboxNamespaces(r.name, { runDir: join(work, 'run') }).catch(() => undefined);
    }
    if (await linkExists(BRIDGE)) await ip(['link', 'delete', BRIDGE]);
    if (work !== '') await rm(work, { recursive: true, force: true });
    if (ipForward === '0') await writeFile('/proc/sys/net/ipv4/ip_forward', '0\n');
  });

  const nets: PodSandboxNetwork[] = [];

  it('creates two sandboxes with IPs from the pod CIDR', async () => {
    for (const r of reqs) {
      // Namespaces first, so the safety routes exist before the interface does.
      const ns = await createSandboxNamespaces(r.name, {
        runDir: join(work, 'run'),
        ...(r.hostname ? { hostname: r.hostname } : {}),
      });
      await ip(['-n', r.name, 'route', 'add', 'unreachable', '10.96.0.0/12']);
      await ip(['-n', r.name, 'route', 'add', 'unreachable', '10.244.0.0/16']);
      const net = await setUpPodSandboxNetwork(cni, list(), r);
      assert.equal(net.namespaces.netnsPath, ns.netnsPath);
      nets.push(net);
    }
    const [a, b] = nets;
    assert.ok(a && b);
    assert.equal(a.podIPs.length, 1);
    assert.ok(inTestCidr(a.podIPs[0] ?? ''), `pod a IP ${a.podIPs[0]}`);
    assert.ok(inTestCidr(b.podIPs[0] ?? ''), `pod b IP ${b.podIPs[0]}`);
    assert.notEqual(a.podIPs[0], b.podIPs[0]);
    // host-local recorded each allocation under the test-only data dir
    const allocated = (await readdir(join(work, 'ipam', NETWORK))).filter((f) =>
      f.startsWith('10.'),
    );
    assert.deepEqual(allocated.sort(), [a.podIPs[0], b.podIPs[0]].sort());
    // the bridge holds the gateway and is the default route inside the pod
    assert.match(await ip(['-4', 'addr', 'show', 'dev', BRIDGE]), /inet 10\.244\.250\.1\/24/);
    assert.match(
      await ip(['-n', reqs[0]!.name, 'route', 'show', 'default']),
      /default via 10\.244\.250\.1 dev eth0/,
    );
    // the safety routes are in place next to the connected /24
    const routes = await ip(['-n', reqs[0]!.name, 'route', 'show']);
    assert.match(routes, /unreachable 10\.96\.0\.0\/12/);
    assert.match(routes, /unreachable 10\.244\.0\.0\/16/);
    // loopback is up
    assert.match(await ip(['-n', reqs[0]!.name, 'link', 'show', 'lo']), /UP/);
  });

  it('shares IPC and UTS namespaces with the pod hostname', async () => {
    const hostIpc = (await runCommand(['readlink', '/proc/self/ns/ipc'])).stdout.trim();
    const [a] = nets;
    assert.ok(a);
    const podIpc = await runCommand([
      'nsenter',
      `--ipc=${a.namespaces.ipcPath}`,
      '--',
      'readlink',
      '/proc/self/ns/ipc',
    ]);
    assert.equal(podIpc.exitCode, 0, podIpc.stderr);
    assert.notEqual(podIpc.stdout.trim(), hostIpc);
    const name = await runCommand(['nsenter', `--uts=${a.namespaces.utsPath}`, '--', 'hostname']);
    assert.equal(name.stdout.trim(), 'pod-a');
  });

  it('pod a reaches pod b by ICMP and TCP', async () => {
    const [a, b] = nets;
    assert.ok(a && b);
    const ipB = b.podIPs[0] ?? '';
    const ping = await runInNetns(
      a.namespaces.netnsPath,
      ['busybox', 'ping', '-c', '1', '-W', '2', ipB],
      { timeoutMs: 10_000 },
    );
    assert.equal(ping.exitCode, 0, `${ping.stdout}${ping.stderr}`);

    const server = spawnInNetns(
      b.namespaces.netnsPath,
      [
        process.execPath,
        '-e',
        "require('net').createServer((s)=>s.end('pong\\n')).listen(8080,'0.0.0.0',()=>console.log('ready'))",
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(server);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('server did not start'));
      }, 10_000);
      server.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.on('exit', () => {
        reject(new Error('server exited'));
      });
    });
    const client = await runInNetns(
      a.namespaces.netnsPath,
      [
        process.execPath,
        '-e',
        `const s=require('net').connect(8080,'${ipB}');let d='';s.on('data',(c)=>d+=c);s.on('end',()=>{process.stdout.write(d)});s.on('error',(e)=>{console.error(e.message);process.exit(1)})`,
      ],
      { timeoutMs: 10_000 },
    );
    assert.equal(client.exitCode, 0, client.stderr);
    assert.equal(client.stdout, 'pong\n');
    const exited = new Promise((resolve) => server.once('exit', resolve));
    if (server.pid !== undefined) process.kill(server.pid, 'SIGKILL');
    await exited;
  });

  it('CHECK passes for both attachments', async () => {
    for (const [i, r] of reqs.entries()) {
      await cni.check(list(), {
        containerId: r.sandboxId,
        netns: nets[i]!.namespaces.netnsPath,
        ifName: 'eth0',
      });
    }
  });

  it('DEL releases the IPs and removes veths and namespaces; DEL twice is fine', async () => {
    const vethsBefore = JSON.parse(await ip(['-j', 'link', 'show', 'master', BRIDGE])) as {
      ifname: string;
    }[];
    assert.equal(vethsBefore.length, 2);
    for (const r of reqs) await tearDownPodSandboxNetwork(cni, list(), r);
    for (const r of reqs) await tearDownPodSandboxNetwork(cni, list(), r); // idempotent
    const left = (await readdir(join(work, 'ipam', NETWORK))).filter((f) => f.startsWith('10.'));
    assert.deepEqual(left, []);
    assert.deepEqual(await cni.cachedAttachments(), []);
    for (const v of vethsBefore)
      assert.equal(await linkExists(v.ifname), false, `veth ${v.ifname} still exists`);
    for (const r of reqs) {
      assert.equal(existsSync(`/run/netns/${r.name}`), false);
      assert.equal(existsSync(join(work, 'run', r.name)), false);
    }
    const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
    assert.ok(!mountinfo.includes(`sktest-${tag}`), 'a namespace mount is left');
    // the plugins leave the bridge (it is shared by all pods); the test removes its own
    await ip(['link', 'delete', BRIDGE]);
    assert.equal(await linkExists(BRIDGE), false);
  });
});
