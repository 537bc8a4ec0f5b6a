/**
 * The Node object and Lease a real kubelet posts, as upstream 1.32's kubelet_node_status.go and
 * nodestatus/setters.go: labels, addresses, capacity/allocatable, nodeInfo, images, the four
 * conditions with their reasons and messages (lastTransitionTime kept while a condition's status
 * stays), and the node Lease (pkg/kubelet/nodelease). Pure: host facts come in as data.
 */
import type {
  Node,
  NodeCondition,
  NodeStatus,
  NodeSystemInfo,
  Taint,
} from 'kubernetes-types/core/v1.js';
import {
  NODE_LEASE_DURATION_SECONDS,
  NODE_LEASE_NAMESPACE,
  heartbeatCondition,
} from '../simulated/index.ts';

/** The kubelet's default port (daemonEndpoints.kubeletEndpoint.Port). */
export const DEFAULT_KUBELET_PORT = 10250;
/** nodeStatusMaxImages. */
export const MAX_NODE_IMAGES = 50;
/** The node Lease's renew interval (nodeLeaseRenewIntervalFraction × 40 s). */
export const LEASE_RENEW_INTERVAL_MS = 10_000;
/** nodeStatusUpdateFrequency. */
export const NODE_STATUS_UPDATE_INTERVAL_MS = 10_000;

export { NODE_LEASE_DURATION_SECONDS, NODE_LEASE_NAMESPACE };

/** Pressure the eviction manager observes (each absent value counts as no pressure). */
export interface NodePressure {
  readonly memoryPressure?: boolean;
  readonly diskPressure?: boolean;
  readonly pidPressure?: boolean;
}

/** Host facts for nodeInfo (read by the host probe). */
export interface NodeHostInfo {
  readonly machineID: string;
  readonly systemUUID: string;
  readonly bootID: string;
  /** `uname -r`. */
  readonly kernelVersion: string;
  /** /etc/os-release PRETTY_NAME (see {@link osImageFromOsRelease}). */
  readonly osImage: string;
  /** `runc://1.1.12`. */
  readonly containerRuntimeVersion: string;
  readonly kubeletVersion: string;
  /** GOARCH naming: `amd64`, `arm64`. */
  readonly architecture: string;
}

/** Everything the node's status is made of. */
export interface NodeStatusInput {
  readonly nodeName: string;
  /** Primary first: the InternalIPs of the node. */
  readonly internalIPs: readonly string[];
  readonly hostname: string;
  readonly capacity: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly info: NodeHostInfo;
  readonly kubeletPort: number;
  readonly images?: readonly { readonly names: readonly string[]; readonly sizeBytes: number }[];
  readonly pressure?: NodePressure;
  /** Why the node is not ready (runtime down, network not ready); undefined when ready. */
  readonly notReadyReason?: string;
  readonly nowMs: number;
}

/** A Kubernetes Time (RFC 3339, whole seconds, UTC). */
function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** PRETTY_NAME of an /etc/os-release file (shell-quoted values), `Linux` when missing. */
export function osImageFromOsRelease(text: string): string {
  for (const line of text.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (m === null) continue;
    let v = (m[1] ?? '').trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    return v.replace(/\\(.)/g, '$1');
  }
  return 'Linux';
}

/** Node.js `process.arch` → GOARCH. */
export function goArch(arch: string): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    default:
      return arch;
  }
}

/**
 * The labels the kubelet sets on its Node (getNodeLabels / the well-known labels), plus
 * `extra` (e.g. `node-role.kubernetes.io/control-plane: ""` for `skiff up`).
 */
export function nodeLabels(
  nodeName: string,
  arch: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    ...extra,
  };
}

type ConditionText = readonly [status: 'True' | 'False', reason: string, message: string];

function pressureCondition(
  pressure: boolean | undefined,
  yes: readonly [string, string],
  no: readonly [string, string],
): ConditionText {
  return pressure === true ? ['True', ...yes] : ['False', ...no];
}

/**
 * The four conditions (setters.go MemoryPressureCondition, DiskPressureCondition,
 * PIDPressureCondition, ReadyCondition) in upstream's order; `previous` keeps each condition's
 * lastTransitionTime while its status does not change.
 */
export function nodeConditions(
  input: Pick<NodeStatusInput, 'pressure' | 'notReadyReason' | 'nowMs'>,
  previous?: readonly NodeCondition[],
): NodeCondition[] {
  const p = input.pressure ?? {};
  const texts: [string, ConditionText][] = [
    [
      'MemoryPressure',
      pressureCondition(
        p.memoryPressure,
        ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
        ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ),
    ],
    [
      'DiskPressure',
      pressureCondition(
        p.diskPressure,
        ['KubeletHasDiskPressure', 'kubelet has disk pressure'],
        ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ),
    ],
    [
      'PIDPressure',
      pressureCondition(
        p.pidPressure,
        ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
        ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ),
    ],
    [
      'Ready',
      input.notReadyReason === undefined
        ? ['True', 'KubeletReady', 'kubelet is posting ready status']
        : ['False', 'KubeletNotReady', input.notReadyReason],
    ],
  ];
  const now = formatTime(input.nowMs);
  return texts.map(([type, [status, reason, message]]) =>
    heartbeatCondition(previous, type, status, reason, message, now),
  );
}

/** Node.status.images: largest first, at most {@link MAX_NODE_IMAGES} (setters.go Images). */
export function nodeImages(
  images: readonly { readonly names: readonly string[]; readonly sizeBytes: number }[],
): { names: string[]; sizeBytes: number }[] {
  return [...images]
    .filter((i) => i.names.length > 0)
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, MAX_NODE_IMAGES)
    .map((i) => ({ names: [...i.names], sizeBytes: i.sizeBytes }));
}

/** The full NodeStatus the kubelet posts. A new object. */
export function buildNodeStatus(input: NodeStatusInput, previous?: NodeStatus): NodeStatus {
  const info: NodeSystemInfo = {
    machineID: input.info.machineID,
    systemUUID: input.info.systemUUID,
    bootID: input.info.bootID,
    kernelVersion: input.info.kernelVersion,
    osImage: input.info.osImage,
    containerRuntimeVersion: input.info.containerRuntimeVersion,
    kubeletVersion: input.info.kubeletVersion,
    // 1.32 leaves kubeProxyVersion empty (DisableNodeKubeProxyVersion).
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: input.info.architecture,
  };
  return {
    capacity: { ...input.capacity },
    allocatable: { ...input.allocatable },
    conditions: nodeConditions(input, previous?.conditions),
    addresses: [
      ...input.internalIPs.map((address) => ({ type: 'InternalIP', address })),
      { type: 'Hostname', address: input.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: input.kubeletPort } },
    nodeInfo: info,
    images: nodeImages(input.images ?? []),
  };
}

/** Registration options of the Node object. */
export interface NodeRegistration {
  readonly labels: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  /** spec.podCIDR(s) to register with (when no IPAM controller assigns one). */
  readonly podCIDR?: string;
}

/** The Node the kubelet creates (initialNode). */
export function initialNode(reg: NodeRegistration, status: NodeStatusInput): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: status.nodeName,
      labels: { ...reg.labels },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      ...(reg.taints !== undefined && reg.taints.length > 0
        ? { taints: reg.taints.map((t) => ({ ...t })) }
        : {}),
      ...(reg.podCIDR !== undefined ? { podCIDR: reg.podCIDR, podCIDRs: [reg.podCIDR] } : {}),
    },
    status: buildNodeStatus(status),
  };
}

/**
 * tryRegisterWithAPIServer's reconciliation of an existing Node (same name, e.g. after a
 * restart): our labels are set (others kept), registration taints added when missing, a podCIDR
 * filled in when the Node has none. Returns undefined when nothing changes. A new object.
 */
export function reconcileExistingNode(existing: Node, reg: NodeRegistration): Node | undefined {
  const next = structuredClone(existing);
  let changed = false;
  const labels = { ...(next.metadata?.labels ?? {}) };
  for (const [k, v] of Object.entries(reg.labels)) {
    if (labels[k] !== v) {
      labels[k] = v;
      changed = true;
    }
  }
  const spec = { ...(next.spec ?? {}) };
  const taints = [...(spec.taints ?? [])];
  for (const t of reg.taints ?? []) {
    if (!taints.some((x) => x.key === t.key && x.effect === t.effect)) {
      taints.push({ ...t });
      changed = true;
    }
  }
  if (taints.length > 0) spec.taints = taints;
  if (reg.podCIDR !== undefined && (spec.podCIDR ?? '') === '') {
    spec.podCIDR = reg.podCIDR;
    spec.podCIDRs = [reg.podCIDR];
    changed = true;
  }
  if (!changed) return undefined;
  return { ...next, metadata: { ...(next.metadata ?? {}), labels }, spec };
}
