/**
 * One call that builds a real (runc) kubelet for this machine from a clientset and a few
 * options, for `skiff up` and `skiff agent`: preflight (refuses with every reason and fix),
 * machine facts, the runc runtime, the image store and registry transport, the CNI chain over
 * the node's podCIDR, cgroups, the {@link HostPodEnvironment} and {@link StoreImageService}, and
 * the {@link Kubelet} itself. The caller runs `kubelet.run(signal)` and, when done, `close()`.
 */
import { mkdir, readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Taint } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';
import type { Clientset, EventRecorder } from '../../client/index.ts';
import { CgroupFs, CgroupLayout, getPodQOS, readHierarchies } from '../cgroups/index.ts';
import { parseEvictionFlags } from '../eviction/index.ts';
import { ImageGcManager, ImageStore, nodeTransport } from '../images/index.ts';
import type { CredentialKeyring } from '../images/index.ts';
import {
  DEFAULT_CONTAINER_LOG_MAX_FILES,
  DEFAULT_CONTAINER_LOG_MAX_SIZE,
  RuncRuntime,
  capabilitiesFromMask,
} from '../runtime/index.ts';
import type { LogRotationPolicy } from '../runtime/index.ts';
import { CniClient, defaultNetworkConfigList, parseResolvConf } from '../sandbox/index.ts';
import { StatsProvider } from '../stats/index.ts';
import type { StatsContainer, StatsPod } from '../stats/index.ts';
import { HostPodEnvironment, StoreImageService } from './host-environment.ts';
import { HostContainerLogs } from './host-logs.ts';
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
import { Label } from './runtime-status.ts';

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
  /**
   * Pressure conditions for the node status. Default: the eviction manager's (upstream's: the
   * manager below decides MemoryPressure, DiskPressure and PIDPressure).
   */
  readonly conditionsProvider?: () => NodePressure;
  /**
   * `--eviction-hard`, upstream syntax `memory.available<100Mi,nodefs.available<10%`. Default
   * upstream's (`memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,
   * imagefs.available<15%,imagefs.inodesFree<5%`); given, it replaces the defaults entirely.
   * Also subtracted from capacity for allocatable. Invalid text rejects createHostKubelet.
   */
  readonly evictionHard?: string;
  /** `--eviction-soft`, same syntax; each needs a grace period. Default none. */
  readonly evictionSoft?: string;
  /** `--eviction-soft-grace-period`: `memory.available=1m30s,...` (Go durations). */
  readonly evictionSoftGracePeriod?: string;
  /** `--eviction-minimum-reclaim`: `memory.available=0Mi,nodefs.available=500Mi,...`. */
  readonly evictionMinimumReclaim?: string;
  /** `--eviction-pressure-transition-period`: a Go duration, default `5m0s`. */
  readonly evictionPressureTransitionPeriod?: string;
  /** `--eviction-max-pod-grace-period` (s) for soft evictions; default 0. */
  readonly evictionMaxPodGracePeriod?: number;
  /** The eviction manager's monitoring interval (ms); default 10 s (upstream's constant). */
  readonly evictionMonitoringIntervalMs?: number;
  /**
   * `--container-log-max-size` (a quantity, default `10Mi`): a container's log is rotated when
   * it reaches this size. `0` disables rotation.
   */
  readonly containerLogMaxSize?: string;
  /** `--container-log-max-files` (default 5, at least 2): log files kept per container. */
  readonly containerLogMaxFiles?: number;
  /**
   * KubeletConfiguration `containerLogMonitorInterval` in ms (default 10 s): how often the
   * container logs conmon writes are checked for rotation.
   */
  readonly containerLogMonitorIntervalMs?: number;
  /** Bridge and CNI network name of the pod network (tests use private ones); default skiff0. */
  readonly bridgeName?: string;
  readonly networkName?: string;
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
  /** The node's stats (Summary API; also what the eviction manager reads); absent without cgroups. */
  readonly stats?: StatsProvider;
  /** The image garbage collector (run by the kubelet every 5 min and by eviction). */
  readonly imageGc: ImageGcManager;
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
  const eviction = parseEvictionFlags({
    ...(opts.evictionHard !== undefined ? { evictionHard: opts.evictionHard } : {}),
    ...(opts.evictionSoft !== undefined ? { evictionSoft: opts.evictionSoft } : {}),
    ...(opts.evictionSoftGracePeriod !== undefined
      ? { evictionSoftGracePeriod: opts.evictionSoftGracePeriod }
      : {}),
    ...(opts.evictionMinimumReclaim !== undefined
      ? { evictionMinimumReclaim: opts.evictionMinimumReclaim }
      : {}),
    ...(opts.evictionPressureTransitionPeriod !== undefined
      ? { evictionPressureTransitionPeriod: opts.evictionPressureTransitionPeriod }
      : {}),
  });
  const logRotation = containerLogRotation(opts);
  const resources = computeNodeResources(machine, { evictionHard: eviction.evictionHard });

  const runtime = new RuncRuntime({
    root: join(opts.dataDir, 'runtime'),
    ...(facts.runcPath !== undefined ? { runcPath: facts.runcPath } : {}),
    ...(facts.conmonPath !== undefined ? { conmonPath: facts.conmonPath } : {}),
    logRotation,
    ...(opts.containerLogMonitorIntervalMs !== undefined
      ? { logRotationCheckMs: opts.containerLogMonitorIntervalMs }
      : {}),
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
      ...(opts.bridgeName !== undefined ? { bridgeName: opts.bridgeName } : {}),
      ...(opts.networkName !== undefined ? { networkName: opts.networkName } : {}),
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
  const stats =
    cgroups === undefined
      ? undefined
      : new StatsProvider({
          nodeName: opts.nodeName,
          cgroups: cgroups.fs,
          rootDir: opts.dataDir,
          imageFsDir: store.root,
          podsCgroup: cgroups.layout.path(cgroups.layout.pods),
          // Bound late: the kubelet is built below.
          pods: { listPods: () => statsPods(kubelet, cgroups.layout, podLogsDir) },
        });
  const nodeRef = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: opts.nodeName, uid: opts.nodeName },
  };
  const imageGc = new ImageGcManager({
    store,
    imagesInUse: async () =>
      (await runtime.listContainers()).flatMap((c) =>
        [c.labels[Label.image], c.labels[Label.imageRef]].filter(
          (x): x is string => x !== undefined && x !== '',
        ),
      ),
    imageFs: async () => {
      await mkdir(store.root, { recursive: true });
      const s = await statfs(store.root);
      return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
    },
    ...(opts.recorder !== undefined ? { recorder: opts.recorder, nodeRef } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
  });
  const kubelet: Kubelet = new Kubelet({
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
    evictionHard: eviction.evictionHard,
    ...(stats !== undefined
      ? {
          eviction: {
            thresholds: eviction.thresholds,
            summary: () => stats.summary(),
            pressureTransitionPeriodMs: eviction.pressureTransitionPeriodMs,
            ...(opts.evictionMaxPodGracePeriod !== undefined
              ? { maxPodGracePeriodSeconds: opts.evictionMaxPodGracePeriod }
              : {}),
            ...(opts.evictionMonitoringIntervalMs !== undefined
              ? { monitoringIntervalMs: opts.evictionMonitoringIntervalMs }
              : {}),
          },
        }
      : {}),
    imageGc,
    containerLogs: new HostContainerLogs(),
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
    ...(stats !== undefined ? { stats } : {}),
    imageGc,
    close: async () => {
      transport.close();
      await runtime.close();
    },
  };
}

/** The rotation policy of `--container-log-max-size`/`--container-log-max-files`. */
function containerLogRotation(opts: HostKubeletOptions): LogRotationPolicy {
  const maxSize =
    opts.containerLogMaxSize === undefined
      ? DEFAULT_CONTAINER_LOG_MAX_SIZE
      : parseQuantity(opts.containerLogMaxSize).value();
  const maxFiles = opts.containerLogMaxFiles ?? DEFAULT_CONTAINER_LOG_MAX_FILES;
  // The kubelet's config validation (validation.go) rejects fewer than 2 files.
  if (!Number.isInteger(maxFiles) || maxFiles < 2) {
    throw new Error(
      `invalid configuration: containerLogMaxFiles (--container-log-max-files) ${String(maxFiles)} must be >= 2`,
    );
  }
  return { maxSize, maxFiles };
}

/**
 * The pods the stats provider measures: every pod the kubelet runs, with the current instance
 * of each running container (its cgroup and log directory), as `hostStats` reports them.
 */
export async function statsPods(
  kubelet: Kubelet,
  layout: CgroupLayout,
  podLogsDir: string,
): Promise<StatsPod[]> {
  const out: StatsPod[] = [];
  for (const { pod, containers } of await kubelet.listPodContainers()) {
    const uid = pod.metadata?.uid ?? '';
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const qos = getPodQOS(pod);
    const started = startTimes(pod);
    const running: StatsContainer[] = [];
    const seen = new Set<string>();
    // Newest first: the current instance of each container.
    for (const c of containers) {
      if (c.state !== 'running' || seen.has(c.name)) continue;
      seen.add(c.name);
      running.push({
        name: c.name,
        startTime: started.get(c.name) ?? 0,
        cgroupPath: layout.containerPath(qos, uid, c.id),
        logDir: join(podLogsDir, `${ns}_${name}_${uid}`, c.name),
      });
    }
    out.push({
      ref: { name, namespace: ns, uid },
      startTime: ms(pod.status?.startTime),
      cgroupPath: layout.path(layout.pod(qos, uid)),
      containers: running,
    });
  }
  return out;
}

function ms(time: string | undefined): number {
  const t = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(t) ? 0 : t;
}

/** When each container of `pod` started, by name (its status). */
function startTimes(pod: Pod): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ]) {
    const started = s.state?.running?.startedAt;
    if (started !== undefined) out.set(s.name, ms(started));
  }
  return out;
}
