/**
 * Pure builders of what a kubelet writes: the Node it registers and its status, the node Lease,
 * and a pod's status in each phase of a simulated pod's life. Everything here is a function of
 * its inputs (the clock is an argument), so the pool's decisions are testable without an API.
 */
import { createHash } from 'node:crypto';
import type {
  Container,
  ContainerStatus,
  Node,
  NodeCondition,
  NodeStatus,
  Pod,
  PodCondition,
  PodStatus,
  Taint,
} from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { SIMULATED_NODE_LABEL, parseQuantity } from '../../api/index.ts';

/** The kubelet version simulated nodes report. */
export const SIMULATED_KUBELET_VERSION = 'v1.32.0-skiff-sim';
/** The container runtime simulated nodes report. */
export const SIMULATED_RUNTIME_VERSION = 'simulated://1';
/** The pod annotation that makes a Never/OnFailure pod succeed after a Go duration. */
export const EXIT_AFTER_ANNOTATION = 'skiff.dev/simulated-exit-after';
/** The namespace of node heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** kubelet's node lease duration (nodeLeaseDurationSeconds). */
export const NODE_LEASE_DURATION_SECONDS = 40;
/** The kubelet port reported in daemonEndpoints. */
export const KUBELET_PORT = 10250;

/** The resolved description of one simulated node. */
export interface ResolvedNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly capacity: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly internalIP: string;
  readonly podCIDR: string;
}

/** The capacity of a simulated node unless its spec says otherwise (kwok's examples). */
export const DEFAULT_CAPACITY: Readonly<Record<string, string>> = Object.freeze({
  cpu: '32',
  memory: '256Gi',
  pods: '110',
  'ephemeral-storage': '1Ti',
  // A real kubelet reports the huge page sizes the kernel knows, at zero when none are reserved.
  'hugepages-1Gi': '0',
  'hugepages-2Mi': '0',
});

/** Quantities in the canonical form the API server would return them in. */
export function canonicalResources(list: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(list)) out[k] = parseQuantity(v).toString();
  return out;
}

/** The labels kubelet always sets on its Node (plus the simulated marker). */
export function defaultNodeLabels(name: string): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    [SIMULATED_NODE_LABEL]: 'true',
  };
}

/** A Kubernetes Time (RFC 3339, seconds). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A Kubernetes MicroTime (RFC 3339, microseconds), as Lease.spec.renewTime is. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d+)Z$/, '.$1000Z');
}

function hex(input: string): string {
  return createHash('sha256').update(input).digest('hex');
}

function uuidFrom(input: string): string {
  const h = hex(input);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const NODE_CONDITIONS: readonly (readonly [string, string, string, string])[] = [
  [
    'MemoryPressure',
    'False',
    'KubeletHasSufficientMemory',
    'kubelet has sufficient memory available',
  ],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

/**
 * A node condition as the kubelet posts it at `now` (RFC 3339): the heartbeat is now; the
 * transition time is kept from `previous` unless the status changed (setters.go).
 */
export function heartbeatCondition(
  previous: readonly NodeCondition[] | undefined,
  type: string,
  status: string,
  reason: string,
  message: string,
  now: string,
): NodeCondition {
  const old = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime:
      old?.status === status && old.lastTransitionTime !== undefined ? old.lastTransitionTime : now,
    reason,
    message,
  };
}

/**
 * The status a healthy kubelet posts for `node` at `nowMs`. A condition whose status is the
 * same in `previous` keeps its lastTransitionTime, as kubelet's setters do.
 */
export function nodeStatus(
  node: ResolvedNode,
  nowMs: number,
  bootID: string,
  previous?: NodeStatus,
): NodeStatus {
  const now = formatTime(nowMs);
  const conditions: NodeCondition[] = NODE_CONDITIONS.map(([type, status, reason, message]) =>
    heartbeatCondition(previous?.conditions, type, status, reason, message, now),
  );
  return {
    capacity: { ...node.capacity },
    allocatable: { ...node.allocatable },
    conditions,
    addresses: [
      { type: 'InternalIP', address: node.internalIP },
      { type: 'Hostname', address: node.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
    nodeInfo: {
      machineID: hex(`machine/${node.name}`).slice(0, 32),
      systemUUID: uuidFrom(`system/${node.name}`),
      bootID,
      kernelVersion: '6.8.0-skiff-sim',
      osImage: 'Skiff Simulated Linux',
      containerRuntimeVersion: SIMULATED_RUNTIME_VERSION,
      kubeletVersion: SIMULATED_KUBELET_VERSION,
      // 1.32's kubelet leaves kubeProxyVersion empty (DisableNodeKubeProxyVersion).
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** A fresh boot ID for one run of a simulated node. */
export function newBootID(nodeName: string, nowMs: number): string {
  return uuidFrom(`boot/${nodeName}/${nowMs}`);
}

/** The Node kubelet creates when it registers (kubelet's initialNode). */
export function initialNode(node: ResolvedNode, nowMs: number, bootID: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: { ...node.labels },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      podCIDR: node.podCIDR,
      podCIDRs: [node.podCIDR],
      ...(node.taints.length > 0 ? { taints: node.taints.map((t) => ({ ...t })) } : {}),
    },
    status: nodeStatus(node, nowMs, bootID),
  };
}

/**
 * An existing Node taken over by a simulated kubelet (kubelet's reconcile of an existing
 * registration): the default and configured labels and the attach/detach annotation are set,
 * the status replaced; taints and podCIDR are left to their owners. A copy; `existing` is not
 * changed.
 */
export function takeOverNode(
  existing: Node,
  node: ResolvedNode,
  nowMs: number,
  bootID: string,
): Node {
  const meta = existing.metadata ?? {};
  const spec = existing.spec ?? {};
  return {
    ...existing,
    metadata: {
      ...meta,
      labels: { ...meta.labels, ...node.labels },
      annotations: {
        ...meta.annotations,
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      ...spec,
      ...(spec.podCIDR === undefined || spec.podCIDR === ''
        ? { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR] }
        : {}),
    },
    status: nodeStatus(node, nowMs, bootID, existing.status),
  };
}

/** kubelet's node Lease (newLease), renewed at `nowMs`. */
export function nodeLease(nodeName: string, nodeUid: string | undefined, nowMs: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid === undefined
        ? {}
        : {
            ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }],
          }),
    },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: formatMicroTime(nowMs),
    },
  };
}

/** `lease` renewed at `nowMs` (a copy; the owner reference is added when it was missing). */
export function renewedLease(
  lease: Lease,
  nodeName: string,
  nodeUid: string | undefined,
  nowMs: number,
): Lease {
  const meta = lease.metadata ?? {};
  const owned = (meta.ownerReferences ?? []).length > 0 || nodeUid === undefined;
  return {
    ...lease,
    metadata: owned
      ? meta
      : {
          ...meta,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }],
        },
    spec: {
      ...lease.spec,
      holderIdentity: nodeName,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: formatMicroTime(nowMs),
    },
  };
}

/** The phases a simulated pod goes through. */
export type SimulatedPodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** What a pod status is built from. */
export interface PodStatusInput {
  readonly pod: Pod;
  readonly phase: SimulatedPodPhase;
  readonly nowMs: number;
  readonly hostIP: string;
  /** Undefined while Pending (no sandbox yet). */
  readonly podIP: string | undefined;
}

/** Docker's familiar reference normalised as containerd reports it (`docker.io/library/x:latest`). */
export function normalizeImage(image: string): string {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? '' : image.slice(at);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain =
    slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let repo = hasDomain ? name : `docker.io/${slash < 0 ? `library/${name}` : name}`;
  const lastSlash = repo.lastIndexOf('/');
  const hasTag = repo.indexOf(':', lastSlash + 1) >= 0;
  if (!hasTag && digest === '') repo += ':latest';
  return repo + digest;
}

/** The image ID a runtime reports: `repo@sha256:...` (the digest when the image names one). */
export function imageID(image: string): string {
  const normalized = normalizeImage(image);
  const at = normalized.indexOf('@');
  if (at >= 0) return normalized;
  const lastSlash = normalized.lastIndexOf('/');
  const colon = normalized.indexOf(':', lastSlash + 1);
  const repo = colon < 0 ? normalized : normalized.slice(0, colon);
  return `${repo}@sha256:${hex(`image/${normalized}`)}`;
}

/** The ID of a simulated container: stable for a pod uid and container name. */
export function containerID(podUid: string, name: string): string {
  return `simulated://${hex(`container/${podUid}/${name}`)}`;
}

/** Go's fmt of a []string: `[a b c]`. */
function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

function isRestartable(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

type Cond = Pick<PodCondition, 'type' | 'status' | 'reason' | 'message'>;

/**
 * The status kubelet would write for `input.pod` in `input.phase`. Timestamps already in the
 * pod's status are kept (startTime, container startedAt, conditions whose status is unchanged),
 * so building the status twice gives the same answer and a level-triggered caller writes only
 * on a real change. qosClass and conditions kubelet does not own are not part of the answer
 * (a strategic merge patch leaves them alone).
 */
export function podStatus(input: PodStatusInput): PodStatus {
  const { pod, phase, nowMs, hostIP, podIP } = input;
  const now = formatTime(nowMs);
  const uid = pod.metadata?.uid ?? '';
  const spec = pod.spec;
  const containers = spec?.containers ?? [];
  const inits = spec?.initContainers ?? [];
  const old = pod.status;
  const startTime = old?.startTime ?? now;
  const terminal = phase === 'Succeeded' || phase === 'Failed';

  const oldState = (
    list: ContainerStatus[] | undefined,
    name: string,
  ): ContainerStatus | undefined => list?.find((s) => s.name === name);
  const startedAt = (prev: ContainerStatus | undefined): string =>
    prev?.state?.running?.startedAt ?? prev?.state?.terminated?.startedAt ?? now;
  const finishedAt = (prev: ContainerStatus | undefined): string =>
    prev?.state?.terminated?.finishedAt ?? now;

  const status = (
    c: Container,
    prev: ContainerStatus | undefined,
    kind: 'waiting' | 'running' | 'completed' | 'killed',
    waitingReason: string,
  ): ContainerStatus => {
    const base = {
      name: c.name,
      image: normalizeImage(c.image ?? ''),
      imageID: kind === 'waiting' ? '' : imageID(c.image ?? ''),
      ...(kind === 'waiting' ? {} : { containerID: containerID(uid, c.name) }),
      lastState: {},
      restartCount: 0,
    };
    switch (kind) {
      case 'waiting':
        return {
          ...base,
          state: { waiting: { reason: waitingReason } },
          ready: false,
          started: false,
        };
      case 'running':
        return {
          ...base,
          state: { running: { startedAt: startedAt(prev) } },
          ready: true,
          started: true,
        };
      case 'completed':
      case 'killed':
        return {
          ...base,
          state: {
            terminated: {
              exitCode: kind === 'completed' ? 0 : 137,
              reason: kind === 'completed' ? 'Completed' : 'Error',
              startedAt: startedAt(prev),
              finishedAt: finishedAt(prev),
              containerID: containerID(uid, c.name),
            },
          },
          ready: false,
          started: false,
        };
    }
  };

  const regularKind =
    phase === 'Pending'
      ? 'waiting'
      : phase === 'Running'
        ? 'running'
        : phase === 'Succeeded'
          ? 'completed'
          : 'killed';
  const initStatuses = inits.map((c) => {
    const prev = oldState(old?.initContainerStatuses, c.name);
    if (phase === 'Pending') return status(c, prev, 'waiting', 'PodInitializing');
    if (isRestartable(c)) return status(c, prev, regularKind, '');
    // Ordinary init containers ran to completion before the regular ones started.
    return status(c, prev, 'completed', '');
  });
  const waitingReason = inits.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  const containerStatuses = containers.map((c) =>
    status(c, oldState(old?.containerStatuses, c.name), regularKind, waitingReason),
  );

  // Conditions, as pkg/kubelet/status/generate.go derives them.
  const names = containers.map((c) => c.name);
  let containersReady: Cond;
  if (phase === 'Succeeded')
    containersReady = { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  else if (phase === 'Failed')
    containersReady = { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  else if (phase === 'Pending') {
    const unready = [...inits.filter(isRestartable).map((c) => c.name), ...names];
    containersReady = {
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: `containers with unready status: ${goList(unready)}`,
    };
  } else containersReady = { type: 'ContainersReady', status: 'True' };

  let ready: Cond = { ...containersReady, type: 'Ready' };
  if (containersReady.status === 'True') {
    const unmet: string[] = [];
    for (const gate of spec?.readinessGates ?? []) {
      const c = old?.conditions?.find((x) => x.type === gate.conditionType);
      if (c === undefined) {
        unmet.push(
          `corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`,
        );
      } else if (c.status !== 'True') {
        unmet.push(
          `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`,
        );
      }
    }
    if (unmet.length > 0) {
      ready = {
        type: 'Ready',
        status: 'False',
        reason: 'ReadinessGatesNotReady',
        message: unmet.join(', '),
      };
    }
  }

  let initialized: Cond;
  if (phase === 'Succeeded')
    initialized = { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  else if (phase === 'Pending' && inits.length > 0) {
    initialized = {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: `containers with incomplete status: ${goList(inits.map((c) => c.name))}`,
    };
  } else initialized = { type: 'Initialized', status: 'True' };

  const conds: Cond[] = [
    // The sandbox exists while containers run; it is torn down once the pod is terminal.
    { type: 'PodReadyToStartContainers', status: phase === 'Running' ? 'True' : 'False' },
    initialized,
    ready,
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];
  const conditions: PodCondition[] = conds.map((c) => {
    const prev = old?.conditions?.find((x) => x.type === c.type);
    return {
      type: c.type,
      status: c.status,
      lastTransitionTime:
        prev?.status === c.status && prev.lastTransitionTime !== undefined
          ? prev.lastTransitionTime
          : now,
      ...(c.reason === undefined ? {} : { reason: c.reason }),
      ...(c.message === undefined ? {} : { message: c.message }),
    };
  });

  const out: PodStatus = {
    phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(podIP === undefined ? {} : { podIP, podIPs: [{ ip: podIP }] }),
    startTime,
    ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses,
  };
  if (terminal && podIP === undefined && old?.podIP !== undefined) {
    // A terminal pod keeps the IP it had: the status outlives the sandbox.
    out.podIP = old.podIP;
    out.podIPs = old.podIPs ?? [{ ip: old.podIP }];
  }
  return out;
}

/** The pod condition types kubelet owns (the ones {@link podStatus} returns). */
export const KUBELET_POD_CONDITIONS: ReadonlySet<string> = new Set([
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
]);

/** Deep equality of JSON values where null and a missing field are the same. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticEqual(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of Object.keys(ra)) if (!semanticEqual(ra[k], rb[k])) return false;
  for (const k of Object.keys(rb)) if (!(k in ra) && !semanticEqual(undefined, rb[k])) return false;
  return true;
}

/**
 * True when `current` already says what `desired` (from {@link podStatus}) says: the fields
 * kubelet owns are equal, conditions compared by type (others' conditions are ignored).
 */
export function podStatusMatches(current: PodStatus | undefined, desired: PodStatus): boolean {
  if (current === undefined) return false;
  const keys = [
    'phase',
    'hostIP',
    'hostIPs',
    'podIP',
    'podIPs',
    'startTime',
    'initContainerStatuses',
    'containerStatuses',
  ] as const;
  for (const k of keys) if (!semanticEqual(current[k], desired[k])) return false;
  for (const c of desired.conditions ?? []) {
    const cur = current.conditions?.find((x) => x.type === c.type);
    if (!semanticEqual(cur, c)) return false;
  }
  return true;
}
