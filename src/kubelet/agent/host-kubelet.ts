/**
 * One call that builds a real (runc) kubelet for this machine from a clientset and a few
 * options, for `skiff up` and `skiff agent`: preflight (refuses with every reason and fix),
 * machine facts, the runc runtime, the image store and registry transport, the CNI chain over
 * the node's podCIDR, cgroups, the {@link HostPodEnvironment} and {@link StoreImageService}, and
 * the {@link Kubelet} itself. The caller runs `kubelet.run(signal)` and, when done, `close()`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Taint } from 'kubernetes-types/core/v1.js';
import type { Clientset, EventRecorder } from '../../client/index.ts';
import { CgroupFs, CgroupLayout, readHierarchies } from '../cgroups/index.ts';
import { ImageStore, nodeTransport } from '../images/index.ts';
import type { CredentialKeyring } from '../images/index.ts';
import { RuncRuntime, capabilitiesFromMask } from '../runtime/index.ts';
import { CniClient, defaultNetworkConfigList, parseResolvConf } from '../sandbox/index.ts';
import { HostPodEnvironment, StoreImageService } from './host-environment.ts';
import {
  DEFAULT_CNI_BIN_DIR,
  defaultNodeIP,
  probeHost,
  readMachineInfo,
  readNodeHostInfo,
} from './host-probe.ts';
import { Kubelet, computeNodeResources } from './kubelet.ts';
import type { KubeletLogger } from './kubelet.ts';
import type { NodePressure } from './node-status.ts';
import { PreflightError, preflight } from './preflight.ts';

/** Options of {@link createHostKubelet}. */
export interface HostKubeletOptions {
  /** The node's own client. */
  readonly clientset: Clientset;
  readonly nodeName: string;
  /** The node's state directory (runtime, images, pods, CNI cache, IPAM); created as needed. */
  readonly dataDir: string;
  /** The node's pod CIDR (registered as spec.podCIDR and used by host-local IPAM). */
  readonly podCIDR: string;
  /** Cluster DNS service IPs (`--cluster-dns`); empty: pods use the host's resolv.conf. */
  readonly clusterDNS?: readonly string[];
  /** Default `cluster.local`. */
  readonly clusterDomain?: string;
  /** Default: the first IPv4 address of a non-loopback interface. */
  readonly nodeIP?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  readonly kubeletPort?: number;
  /** Container log directory; default `<dataDir>/logs/pods`. */
  readonly podLogsDir?: string;
  readonly conditionsProvider?: () => NodePressure;
  readonly recorder?: EventRecorder;
  readonly log?: KubeletLogger;
  readonly insecureRegistries?: readonly string[];
  /** Credentials for pods without imagePullSecrets (a docker config.json keyring). */
  readonly defaultKeyring?: CredentialKeyring;
  /** Create pod cgroups (default true). */
  readonly cgroups?: boolean;
  readonly cniBinDir?: string;
}

/** What {@link createHostKubelet} built; the caller owns it. */
export interface HostKubelet {
  readonly kubelet: Kubelet;
  readonly runtime: RuncRuntime;
  readonly images: ImageStore;
  readonly environment: HostPodEnvironment;
  /** The pod cgroups (absent with `cgroups: false`), for stats. */
  readonly cgroups?: { readonly fs: CgroupFs; readonly layout: CgroupLayout };
  /** Where the pods' log directories are. */
  readonly podLogsDir: string;
  /** Releases the runtime's watchers and the registry transport; containers keep running. */
  close(): Promise<void>;
}

/**
 * Builds the kubelet of this machine. Rejects with a {@link PreflightError} (listing every
 * problem with its fix) when the machine cannot run containers.
 */
export async function createHostKubelet(opts: HostKubeletOptions): Promise<HostKubelet> {
  const cniBinDir = opts.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  const facts = await probeHost({ cniBinDir });
  const problems = preflight(facts);
  if (problems.length > 0) throw new PreflightError(problems);

  const machine = await readMachineInfo(opts.dataDir).catch(() => readMachineInfo('/'));
  const hostInfo = await readNodeHostInfo(
    facts.runcPath !== undefined ? { runcPath: facts.runcPath } : {},
  );
  const nodeIP = opts.nodeIP ?? defaultNodeIP();
  const status = await readFile('/proc/self/status', 'utf8');
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const minOomScoreAdj = Number((await readFile('/proc/self/oom_score_adj', 'utf8')).trim());
  const hierarchies = await readHierarchies();
  const resources = computeNodeResources(machine);

  const runtime = new RuncRuntime({
    root: join(opts.dataDir, 'runtime'),
    ...(facts.runcPath !== undefined ? { runcPath: facts.runcPath } : {}),
  });
  const store = new ImageStore(join(opts.dataDir, 'images'));
  const transport = nodeTransport();
  const cgroups =
    opts.cgroups !== false
      ? { fs: new CgroupFs({ hierarchies }), layout: new CgroupLayout() }
      : undefined;
  const podLogsDir = opts.podLogsDir ?? join(opts.dataDir, 'logs', 'pods');
  const environment = new HostPodEnvironment({
    clientset: opts.clientset,
    rootDir: join(opts.dataDir, 'kubelet'),
    sandboxRunDir: join(opts.dataDir, 'sandboxes'),
    cni: new CniClient({ pluginDirs: [cniBinDir], cacheDir: join(opts.dataDir, 'cni') }),
    network: defaultNetworkConfigList({
      podCIDR: opts.podCIDR,
      ipamDataDir: join(opts.dataDir, 'ipam'),
    }),
    dns: {
      clusterDNS: opts.clusterDNS ?? [],
      clusterDomain: opts.clusterDomain ?? 'cluster.local',
      hostDNS: parseResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => '')).config,
      nodeIPs: [nodeIP],
    },
    images: store,
    ...(cgroups !== undefined ? { cgroups } : {}),
    node: {
      memoryCapacity: machine.memoryCapacity,
      capabilities: capabilitiesFromMask(capEff),
      minOomScoreAdj,
      cgroupV2: hierarchies.mode === 'v2',
    },
    nodeName: opts.nodeName,
    nodeIPs: [nodeIP],
    nodeAllocatable: resources.allocatable,
  });
  const kubelet = new Kubelet({
    clientset: opts.clientset,
    nodeName: opts.nodeName,
    runtime,
    environment,
    images: new StoreImageService({
      store,
      transport,
      clientset: opts.clientset,
      ...(opts.defaultKeyring !== undefined ? { defaultKeyring: opts.defaultKeyring } : {}),
      ...(opts.insecureRegistries !== undefined
        ? { insecureRegistries: opts.insecureRegistries }
        : {}),
    }),
    machine,
    hostInfo,
    nodeIPs: [nodeIP],
    podCIDR: opts.podCIDR,
    podLogsDir,
    ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
    ...(opts.taints !== undefined ? { taints: opts.taints } : {}),
    ...(opts.kubeletPort !== undefined ? { kubeletPort: opts.kubeletPort } : {}),
    ...(opts.conditionsProvider !== undefined
      ? { conditionsProvider: opts.conditionsProvider }
      : {}),
    ...(opts.recorder !== undefined ? { recorder: opts.recorder } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
  });
  return {
    kubelet,
    runtime,
    images: store,
    environment,
    ...(cgroups !== undefined ? { cgroups } : {}),
    podLogsDir,
    close: async () => {
      transport.close();
      await runtime.close();
    },
  };
}
