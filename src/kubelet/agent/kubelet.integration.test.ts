// Integration: the Kubelet runs a real pod with runc: image imported into a private image store
// (busybox-static, built with umoci and skopeo), a sandbox netns on a test bridge and test pod
// CIDR (10.244.251.0/24), an overlay rootfs, the container's log file; then a graceful delete
// tears everything down. The API is the FakeCluster. Needs root, runc, umoci, skopeo, busybox,
// iproute2 and the CNI plugins; skips otherwise. Everything is created under a temp dir or with
// test-unique names (netns `skiff-<uid>`, bridge `skk<pid>`), and removed in `after`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { ImageStore, importArchive, nodeTransport } from '../images/index.ts';
import { RuncRuntime, capabilitiesFromMask } from '../runtime/index.ts';
import {
  CniClient,
  defaultNetworkConfigList,
  netnsExists,
  parseResolvConf,
  sandboxNameForPod,
} from '../sandbox/index.ts';
import { HostPodEnvironment, StoreImageService } from './host-environment.ts';
import { createHostKubelet } from './host-kubelet.ts';
import { Kubelet } from './kubelet.ts';

const run = promisify(execFile);
const tools = ['runc', 'umoci', 'skopeo', 'busybox', 'ip', 'unshare'];
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

const POD_CIDR = '10.244.251.0/24';
const BRIDGE = `skk${process.pid.toString(36)}`.slice(0, 15);
const IMAGE = 'example.com/skiff/busybox:kubelet-test';

async function buildImage(work: string): Promise<string> {
  const layout = join(work, 'oci');
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:busybox`]);
  const bundle = join(work, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:busybox`, bundle]);
  const r = join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp']) await mkdir(join(r, d), { recursive: true });
  await copyFile('/bin/busybox', join(r, 'bin/busybox'));
  await symlink('busybox', join(r, 'bin/sh'));
  await writeFile(join(r, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(r, 'etc/group'), 'root:x:0:\n');
  await run('umoci', ['repack', '--image', `${layout}:busybox`, bundle]);
  const archive = join(work, 'busybox.tar');
  await run('skopeo', [
    'copy',
    '--quiet',
    `oci:${layout}:busybox`,
    `oci-archive:${archive}:${IMAGE}`,
  ]);
  return archive;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Kubelet with runc', { skip }, () => {
  let work = '';
  let runtime: RuncRuntime | undefined;
  const ac = new AbortController();
  let done: Promise<void> | undefined;
  let env: HostPodEnvironment | undefined;
  const uid = randomUUID();
  const cluster = new FakeCluster();

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-kubelet-'));
  });

  after(async () => {
    ac.abort();
    await done;
    if (runtime !== undefined) {
      for (const c of await runtime.listContainers()) await runtime.deleteContainer(c.id);
      await runtime.close();
    }
    const ref = { uid, name: 'web', namespace: 'default' };
    await env?.tearDownPod(ref).catch(() => undefined);
    await run('ip', ['netns', 'delete', sandboxNameForPod(uid)]).catch(() => undefined);
    await run('ip', ['link', 'delete', BRIDGE]).catch(() => undefined);
    if (work !== '') {
      await run('umount', ['-R', join(work, 'kubelet')]).catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    }
  });

  it('runs a pod to Running with its log, then deletes it gracefully', async () => {
    const store = new ImageStore(join(work, 'images'));
    await importArchive(store, await buildImage(work));
    runtime = new RuncRuntime({ root: join(work, 'runc') });
    const status = await readFile('/proc/self/status', 'utf8');
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
    const oomAdj = Number((await readFile('/proc/self/oom_score_adj', 'utf8')).trim());
    env = new HostPodEnvironment({
      clientset: cluster.clientset,
      rootDir: join(work, 'kubelet'),
      sandboxRunDir: join(work, 'run'),
      cni: new CniClient({ pluginDirs: ['/usr/lib/cni'], cacheDir: join(work, 'cni-cache') }),
      network: defaultNetworkConfigList({
        podCIDR: POD_CIDR,
        bridgeName: BRIDGE,
        networkName: `skiff-kubelet-test-${process.pid}`,
        ipamDataDir: join(work, 'ipam'),
      }),
      dns: {
        clusterDNS: [],
        clusterDomain: 'cluster.local',
        hostDNS: parseResolvConf(await readFile('/etc/resolv.conf', 'utf8')).config,
      },
      images: store,
      node: {
        memoryCapacity: totalmem(),
        capabilities: capabilitiesFromMask(capEff),
        minOomScoreAdj: oomAdj,
      },
      nodeName: 'node-1',
      nodeIPs: ['10.0.0.5'],
      nodeAllocatable: { cpu: '2', memory: '4Gi' },
    });
    const transport = nodeTransport();
    const kubelet = new Kubelet({
      clientset: cluster.clientset,
      nodeName: 'node-1',
      runtime,
      environment: env,
      images: new StoreImageService({ store, transport, clientset: cluster.clientset }),
      machine: { numCores: 2, memoryCapacity: totalmem() },
      hostInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: '',
        containerRuntimeVersion: 'runc://test',
        kubeletVersion: 'v1.32.0-skiff',
        architecture: 'amd64',
      },
      nodeIPs: ['10.0.0.5'],
      podLogsDir: join(work, 'logs'),
      recorder: { event: () => undefined },
      resyncMs: 500,
    });
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', uid, finalizers: ['test/hold'] },
      spec: {
        nodeName: 'node-1',
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'app',
            image: IMAGE,
            imagePullPolicy: 'Never',
            command: [
              '/bin/busybox',
              'sh',
              '-c',
              'echo hello from $HOSTNAME; exec /bin/busybox sleep 1000',
            ],
          },
        ],
      },
    };
    cluster.seed(BUILTIN_RESOURCES.pods, pod);
    done = kubelet.run(ac.signal);
    const current = () => cluster.peek<Pod>(BUILTIN_RESOURCES.pods, 'default', 'web');
    try {
      await until('Running', () => current()?.status?.phase === 'Running');
    } finally {
      transport.close();
    }
    const st = current()?.status;
    assert.match(st?.podIP ?? '', /^10\.244\.251\.\d+$/);
    assert.equal(st?.containerStatuses?.[0]?.ready, true);
    assert.ok(await netnsExists(sandboxNameForPod(uid)));
    const log = join(work, 'logs', `default_web_${uid}`, 'app', '0.log');
    await until('log line', async () =>
      (await readFile(log, 'utf8').catch(() => '')).includes('hello from web'),
    );

    const cur = current();
    assert.ok(cur);
    await cluster.clientset.pods.update('default', {
      ...cur,
      metadata: {
        ...cur.metadata,
        deletionTimestamp: new Date().toISOString(),
        deletionGracePeriodSeconds: 2,
      },
    });
    await until('the final delete', () =>
      cluster.actions.some((a) => a.verb === 'delete' && a.resource.resource === 'pods'),
    );
    // PID 1 sh ignores SIGTERM: SIGKILL after the grace period.
    assert.equal(current()?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
    assert.deepEqual(await runtime.listContainers(), []);
    assert.equal(await netnsExists(sandboxNameForPod(uid)), false);
    assert.equal(existsSync(join(work, 'kubelet', 'pods', uid)), false);
  });
});

describe('createHostKubelet', { skip }, () => {
  it('passes preflight and registers this machine as a Ready node', async () => {
    const work = await mkdtemp(join(tmpdir(), 'skiff-hostkubelet-'));
    const cluster = new FakeCluster();
    const ac = new AbortController();
    try {
      const host = await createHostKubelet({
        clientset: cluster.clientset,
        nodeName: 'this-node',
        dataDir: work,
        podCIDR: '10.244.252.0/24',
        labels: { 'node-role.kubernetes.io/control-plane': '' },
        recorder: { event: () => undefined },
      });
      const done = host.kubelet.run(ac.signal);
      await until(
        'the Node',
        () => cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', 'this-node') !== undefined,
      );
      const node = cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', 'this-node');
      assert.equal(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      assert.match(node.status.nodeInfo?.containerRuntimeVersion ?? '', /^runc:\/\/\d/);
      assert.equal(node.spec?.podCIDR, '10.244.252.0/24');
      assert.ok(Number(node.status.capacity?.['cpu']) >= 1);
      ac.abort();
      await done;
      await host.close();
    } finally {
      ac.abort();
      await rm(work, { recursive: true, force: true });
    }
  });
});
