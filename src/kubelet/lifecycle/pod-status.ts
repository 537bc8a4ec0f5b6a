/**
 * The pod status the kubelet writes, built from the runtime's view: upstream's
 * kubelet_pods.go (generateAPIPodStatus, convertToAPIContainerStatuses, getPhase),
 * status/generate.go (the Initialized, ContainersReady, Ready and PodReadyToStartContainers
 * conditions), the status manager's lastTransitionTime and startTime rules, the probe manager's
 * started/ready flags, and active_deadline.go. Pure; `now` is an argument (ms).
 */
import type {
  Container,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from 'kubernetes-types/core/v1.js';
import { computePodQOS } from '../../api/index.ts';
import { podSandboxChanged, shouldContainerBeRestarted } from './pod-actions.ts';
import { applyProbeResults } from './prober.ts';
import { formatTime, isRestartableInitContainer, specProbeView } from './types.ts';
import type { ProbeResultsView, RuntimeContainerStatus, RuntimePodStatus } from './types.ts';

/** Default waiting reasons (kubelet ContainerCreating / PodInitializing). */
export const WaitingReason = Object.freeze({
  containerCreating: 'ContainerCreating',
  podInitializing: 'PodInitializing',
  crashLoopBackOff: 'CrashLoopBackOff',
  postStartHookError: 'PostStartHookError',
  createContainerError: 'CreateContainerError',
  runContainerError: 'RunContainerError',
});

/** Condition reasons of status/generate.go. */
export const ConditionReason = Object.freeze({
  unknownContainerStatuses: 'UnknownContainerStatuses',
  podCompleted: 'PodCompleted',
  podFailed: 'PodFailed',
  containersNotReady: 'ContainersNotReady',
  containersNotInitialized: 'ContainersNotInitialized',
  readinessGatesNotReady: 'ReadinessGatesNotReady',
});

/** activeDeadlineSeconds eviction (active_deadline.go). */
export const DEADLINE_EXCEEDED = Object.freeze({
  reason: 'DeadlineExceeded',
  message: 'Pod was active on the node longer than the specified deadline',
});

/** Condition types the kubelet owns (PodConditionByKubelet). */
const KUBELET_CONDITIONS = new Set([
  'PodScheduled',
  'Ready',
  'Initialized',
  'ContainersReady',
  'PodReadyToStartContainers',
]);

/**
 * The terminated reason a runtime reports for an exit (containerd/CRI-O semantics the kubelet
 * passes through): `OOMKilled` when the cgroup OOM killer ended it, `Completed` for exit 0,
 * else `Error`.
 */
export function terminatedReason(exitCode: number, oomKilled = false): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

/**
 * active_deadline.go ShouldEvict: the pod's activeDeadlineSeconds passed since status.startTime.
 * Returns the reason and message to fail the pod with, or undefined.
 */
export function activeDeadlineExceeded(
  pod: Pod,
  startTime: string | undefined,
  now: number,
): { reason: string; message: string } | undefined {
  const deadline = pod.spec?.activeDeadlineSeconds;
  if (deadline === undefined || startTime === undefined) return undefined;
  const start = Date.parse(startTime);
  if (Number.isNaN(start)) return undefined;
  return now - start >= deadline * 1000 ? { ...DEADLINE_EXCEEDED } : undefined;
}

function statusByName(list: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return list.find((s) => s.name === name);
}

/** HasAnyRegularContainerStarted: a regular container is running or terminated. */
export function hasAnyRegularContainerStarted(
  pod: Pod,
  statuses: readonly ContainerStatus[],
): boolean {
  return (pod.spec?.containers ?? []).some((c) => {
    const s = statusByName(statuses, c.name);
    return s?.state?.running !== undefined || s?.state?.terminated !== undefined;
  });
}

/**
 * getPhase: the pod phase from all container statuses (init and regular). `podIsTerminal` is
 * set when the kubelet has decided the pod will not run again (then an all-stopped pod is
 * Succeeded or Failed whatever its restartPolicy).
 */
export function getPhase(
  pod: Pod,
  info: readonly ContainerStatus[],
  podIsTerminal: boolean,
): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const spec = pod.spec;
  const policy = spec?.restartPolicy ?? 'Always';
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of spec?.initContainers ?? []) {
    if (isRestartableInitContainer(c)) continue;
    const s = statusByName(info, c.name);
    if (s === undefined) {
      pendingInitialization++;
      continue;
    }
    if (s.state?.running !== undefined) pendingInitialization++;
    else if (s.state?.terminated !== undefined) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting !== undefined) {
      const last = s.lastState?.terminated;
      if (last !== undefined) {
        if (last.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec?.initContainers ?? []) {
    if (!isRestartableInitContainer(c)) continue;
    const s = statusByName(info, c.name);
    if (s === undefined) {
      unknown++;
      continue;
    }
    if (s.state?.running !== undefined) {
      if (s.started !== true) pendingInitialization++;
      running++;
    } else if (s.state?.terminated !== undefined) {
      // terminated sidecars do not count
    } else if (s.state?.waiting !== undefined) {
      if (s.lastState?.terminated === undefined) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const c of spec?.containers ?? []) {
    const s = statusByName(info, c.name);
    if (s === undefined) {
      unknown++;
      continue;
    }
    if (s.state?.running !== undefined) running++;
    else if (s.state?.terminated !== undefined) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting !== undefined) {
      if (s.lastState?.terminated !== undefined) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInitialization > 0 && policy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !hasAnyRegularContainerStarted(pod, info)) || waiting > 0) {
    return 'Pending';
  }
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal && !isStaticPod(pod)) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata?.annotations?.['kubernetes.io/config.source'];
  return source !== undefined && source !== 'api';
}

function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

function containersReadyForTerminal(phase: string): PodCondition {
  const c: PodCondition = { type: 'ContainersReady', status: 'False' };
  if (phase === 'Failed') c.reason = ConditionReason.podFailed;
  else if (phase === 'Succeeded') c.reason = ConditionReason.podCompleted;
  return c;
}

/** GenerateContainersReadyCondition. */
export function containersReadyCondition(
  pod: Pod,
  statuses: readonly ContainerStatus[] | undefined,
  phase: string,
): PodCondition {
  if (statuses === undefined) {
    return {
      type: 'ContainersReady',
      status: 'False',
      reason: ConditionReason.unknownContainerStatuses,
    };
  }
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (c: Container) => {
    const s = statusByName(statuses, c.name);
    if (s === undefined) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  };
  (pod.spec?.initContainers ?? []).filter(isRestartableInitContainer).forEach(check);
  (pod.spec?.containers ?? []).forEach(check);
  if (phase === 'Succeeded' && unknown.length === 0) return containersReadyForTerminal(phase);
  if (phase === 'Failed') return containersReadyForTerminal(phase);
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length > 0) {
    return {
      type: 'ContainersReady',
      status: 'False',
      reason: ConditionReason.containersNotReady,
      message: messages.join(', '),
    };
  }
  return { type: 'ContainersReady', status: 'True' };
}

/** GeneratePodReadyCondition: ContainersReady plus the readiness gates. */
export function podReadyCondition(
  pod: Pod,
  conditions: readonly PodCondition[],
  statuses: readonly ContainerStatus[] | undefined,
  phase: string,
): PodCondition {
  const cr = containersReadyCondition(pod, statuses, phase);
  if (cr.status !== 'True') {
    return {
      type: 'Ready',
      status: cr.status,
      ...(cr.reason !== undefined ? { reason: cr.reason } : {}),
      ...(cr.message !== undefined ? { message: cr.message } : {}),
    };
  }
  const messages: string[] = [];
  for (const rg of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === rg.conditionType);
    if (c === undefined) {
      messages.push(
        `corresponding condition of pod readiness gate "${rg.conditionType}" does not exist.`,
      );
    } else if (c.status !== 'True') {
      messages.push(
        `the status of pod readiness gate "${rg.conditionType}" is not "True", but ${c.status}`,
      );
    }
  }
  if (messages.length > 0) {
    return {
      type: 'Ready',
      status: 'False',
      reason: ConditionReason.readinessGatesNotReady,
      message: messages.join(', '),
    };
  }
  return { type: 'Ready', status: 'True' };
}

/** GeneratePodInitializedCondition. */
export function podInitializedCondition(
  pod: Pod,
  statuses: readonly ContainerStatus[] | undefined,
  phase: string,
): PodCondition {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { type: 'Initialized', status: 'True' };
  if (statuses === undefined) {
    return {
      type: 'Initialized',
      status: 'False',
      reason: ConditionReason.unknownContainerStatuses,
    };
  }
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = statusByName(statuses, c.name);
    if (s === undefined) {
      unknown.push(c.name);
      continue;
    }
    const initialized = isRestartableInitContainer(c) ? s.started === true : s.ready;
    if (!initialized) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) {
    return { type: 'Initialized', status: 'True', reason: ConditionReason.podCompleted };
  }
  if (hasAnyRegularContainerStarted(pod, statuses)) return { type: 'Initialized', status: 'True' };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length > 0) {
    messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  }
  if (messages.length > 0) {
    return {
      type: 'Initialized',
      status: 'False',
      reason: ConditionReason.containersNotInitialized,
      message: messages.join(', '),
    };
  }
  return { type: 'Initialized', status: 'True' };
}

/** GeneratePodReadyToStartContainersCondition: True once a usable sandbox exists. */
export function podReadyToStartContainersCondition(
  pod: Pod,
  runtime: RuntimePodStatus,
): PodCondition {
  return {
    type: 'PodReadyToStartContainers',
    status: podSandboxChanged(pod, runtime).changed ? 'False' : 'True',
  };
}

/** A waiting reason recorded for a container whose last start failed (the reason cache). */
export interface StartFailure {
  /** `CrashLoopBackOff`, `PostStartHookError`, `CreateContainerError`, `ErrImagePull`... */
  readonly reason: string;
  readonly message: string;
}

function convertContainerStatus(
  cs: RuntimeContainerStatus,
  old: ContainerStatus | undefined,
): ContainerStatus {
  const status: ContainerStatus = {
    name: cs.name,
    restartCount: cs.restartCount,
    image: cs.image,
    imageID: cs.imageRef ?? '',
    containerID: cs.id,
    ready: false,
    state: {},
  };
  if (old?.volumeMounts !== undefined) status.volumeMounts = old.volumeMounts;
  switch (cs.state) {
    case 'running':
      status.state = { running: { startedAt: formatTime(cs.startedAt ?? cs.createdAt) } };
      break;
    case 'created':
      status.state = { waiting: {} };
      break;
    case 'exited':
      status.state = {
        terminated: {
          exitCode: cs.exitCode ?? 0,
          ...(cs.reason !== undefined && cs.reason !== '' ? { reason: cs.reason } : {}),
          ...(cs.message !== undefined && cs.message !== '' ? { message: cs.message } : {}),
          ...(cs.startedAt !== undefined ? { startedAt: formatTime(cs.startedAt) } : {}),
          ...(cs.finishedAt !== undefined ? { finishedAt: formatTime(cs.finishedAt) } : {}),
          containerID: cs.id,
        },
      };
      break;
    default:
      if (old?.state?.running !== undefined) {
        status.state = {
          terminated: {
            reason: 'ContainerStatusUnknown',
            message: 'The container could not be located when the pod was terminated',
            exitCode: 137,
          },
        };
        status.restartCount = old.restartCount + 1;
      } else {
        status.state = { waiting: {} };
      }
  }
  return status;
}

/**
 * convertToAPIContainerStatuses for one list (regular or init containers): default waiting
 * state (`ContainerCreating`, or `PodInitializing` when the pod has init containers), the two
 * newest instances as state and lastState, statuses of vanished containers inferred from the
 * previous status, and the reason cache applied to containers that will be restarted.
 */
export function convertContainerStatuses(
  pod: Pod,
  runtime: RuntimePodStatus,
  previous: readonly ContainerStatus[] | undefined,
  containers: readonly Container[],
  isInit: boolean,
  reasons: ReadonlyMap<string, StartFailure> = new Map(),
): ContainerStatus[] {
  const hasInit = (pod.spec?.initContainers ?? []).length > 0;
  const oldStatuses = new Map((previous ?? []).map((s) => [s.name, s]));
  const defaultReason = hasInit ? WaitingReason.podInitializing : WaitingReason.containerCreating;
  const statuses = new Map<string, ContainerStatus>();
  for (const c of containers) {
    let status: ContainerStatus = {
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: defaultReason } },
    };
    const old = oldStatuses.get(c.name);
    if (old !== undefined) {
      if (old.state?.terminated !== undefined) {
        status = structuredClone(old);
      } else {
        status.restartCount = old.restartCount;
        if (old.lastState !== undefined) status.lastState = structuredClone(old.lastState);
      }
    }
    statuses.set(c.name, status);
  }
  for (const c of containers) {
    if (runtime.containers.some((s) => s.name === c.name)) continue;
    const old = oldStatuses.get(c.name);
    if (
      old === undefined ||
      old.state?.terminated !== undefined ||
      old.state?.running === undefined
    ) {
      continue;
    }
    const status = statuses.get(c.name);
    if (status === undefined) continue;
    if (status.state?.waiting?.reason !== defaultReason) continue;
    if (status.lastState?.terminated !== undefined) continue;
    status.lastState = {
      terminated: {
        reason: 'ContainerStatusUnknown',
        message:
          'The container could not be located when the pod was deleted.  The container used to be Running',
        exitCode: 137,
      },
    };
    if (pod.metadata?.deletionTimestamp === undefined) status.restartCount += 1;
  }
  const sorted = [...runtime.containers].sort((a, b) => b.createdAt - a.createdAt);
  const seen = new Map<string, number>();
  for (const cs of sorted) {
    const existing = statuses.get(cs.name);
    if (existing === undefined) continue;
    const n = seen.get(cs.name) ?? 0;
    if (n >= 2) continue;
    const converted = convertContainerStatus(cs, oldStatuses.get(cs.name));
    if (n === 0) statuses.set(cs.name, converted);
    else existing.lastState = converted.state;
    seen.set(cs.name, n + 1);
  }
  for (const c of containers) {
    if (isInit) {
      const s = latest(runtime, c.name);
      if (s !== undefined && s.state === 'exited' && (s.exitCode ?? 0) === 0) continue;
    }
    if (!shouldContainerBeRestarted(c, pod, runtime)) continue;
    const failure = reasons.get(c.name);
    if (failure === undefined) continue;
    const status = statuses.get(c.name);
    if (status === undefined) continue;
    if (status.state?.terminated !== undefined) status.lastState = status.state;
    status.state = { waiting: { reason: failure.reason, message: failure.message } };
  }
  if (isInit) {
    return containers.flatMap((c) => {
      const s = statuses.get(c.name);
      return s === undefined ? [] : [s];
    });
  }
  return [...statuses.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function latest(runtime: RuntimePodStatus, name: string): RuntimeContainerStatus | undefined {
  let best: RuntimeContainerStatus | undefined;
  for (const c of runtime.containers) {
    if (c.name === name && (best === undefined || c.createdAt > best.createdAt)) best = c;
  }
  return best;
}

/** The inputs of {@link buildPodStatus}. */
export interface PodStatusInput {
  readonly pod: Pod;
  readonly runtime: RuntimePodStatus;
  /** The status last generated by this kubelet (status manager cache); default pod.status. */
  readonly previous?: PodStatus;
  /** Probe results (a {@link PodProber}); default: the spec's probes with no results yet. */
  readonly probes?: ProbeResultsView;
  /** Waiting reasons of containers whose last start failed, by container name. */
  readonly reasons?: ReadonlyMap<string, StartFailure>;
  /** The kubelet decided the pod is terminal (it will not run containers again). */
  readonly podIsTerminal?: boolean;
  /** The node's IPs (status.hostIP/hostIPs; and podIPs of hostNetwork pods). */
  readonly hostIPs?: readonly string[];
  /** A reason to fail the pod (eviction, {@link activeDeadlineExceeded}). */
  readonly evict?: { readonly reason: string; readonly message: string };
  readonly now: number;
}

/**
 * generateAPIPodStatus plus the status manager's normalisation: podIPs, qosClass, container
 * statuses with started/ready, phase (terminal phases are sticky), reason/message kept while
 * the phase stays, kubelet conditions (PodReadyToStartContainers, Initialized, Ready,
 * ContainersReady, PodScheduled) after the others with lastTransitionTime kept while the status
 * is unchanged, hostIP(s), and startTime (set once). Returns a new object.
 */
export function buildPodStatus(input: PodStatusInput): PodStatus {
  const { pod, runtime, now } = input;
  const apiStatus = pod.status ?? {};
  const old = input.previous ?? apiStatus;
  const probes = input.probes ?? specProbeView(pod);
  const s: PodStatus = {};
  const ips = [...(runtime.ips ?? [])];
  if (ips.length > 0) {
    s.podIP = ips[0];
    s.podIPs = ips.map((ip) => ({ ip }));
  }
  s.qosClass = computePodQOS(pod);
  s.containerStatuses = convertContainerStatuses(
    pod,
    runtime,
    old.containerStatuses,
    pod.spec?.containers ?? [],
    false,
    input.reasons,
  );
  const inits = pod.spec?.initContainers ?? [];
  s.initContainerStatuses = convertContainerStatuses(
    pod,
    runtime,
    old.initContainerStatuses,
    inits,
    true,
    input.reasons,
  );
  const ephemeral = (pod.spec?.ephemeralContainers ?? []) as Container[];
  if (ephemeral.length > 0) {
    s.ephemeralContainerStatuses = convertContainerStatuses(
      pod,
      runtime,
      old.ephemeralContainerStatuses,
      ephemeral,
      false,
      input.reasons,
    );
  }
  const withProbes = applyProbeResults(pod, s, probes);
  s.containerStatuses = withProbes.containerStatuses ?? [];
  s.initContainerStatuses = withProbes.initContainerStatuses ?? [];
  if (inits.length === 0) delete s.initContainerStatuses;

  const all = [...s.containerStatuses, ...(s.initContainerStatuses ?? [])];
  let phase: string = getPhase(pod, all, input.podIsTerminal ?? false);
  if (phase !== 'Failed' && phase !== 'Succeeded') {
    if (old.phase === 'Failed' || old.phase === 'Succeeded') phase = old.phase;
    else if (apiStatus.phase === 'Failed' || apiStatus.phase === 'Succeeded')
      phase = apiStatus.phase;
  }
  s.phase = phase;
  if (phase === old.phase) {
    const reason = old.reason ?? apiStatus.reason;
    const message = old.message ?? apiStatus.message;
    if (reason !== undefined && reason !== '') s.reason = reason;
    if (message !== undefined && message !== '') s.message = message;
  }
  if (input.evict !== undefined) {
    s.phase = 'Failed';
    s.reason = input.evict.reason;
    s.message = input.evict.message;
  }
  if (apiStatus.phase === 'Failed' || apiStatus.phase === 'Succeeded') s.phase = apiStatus.phase;

  const conditions: PodCondition[] = (apiStatus.conditions ?? [])
    .filter((c) => !KUBELET_CONDITIONS.has(c.type))
    .map((c) => ({ ...c }));
  const disruption = old.conditions?.find((c) => c.type === 'DisruptionTarget');
  if (disruption !== undefined && !conditions.some((c) => c.type === 'DisruptionTarget')) {
    conditions.push({ ...disruption });
  }
  const allInitFirst = [...(s.initContainerStatuses ?? []), ...s.containerStatuses];
  conditions.push(podReadyToStartContainersCondition(pod, runtime));
  conditions.push(podInitializedCondition(pod, allInitFirst, s.phase));
  conditions.push(podReadyCondition(pod, conditions, allInitFirst, s.phase));
  conditions.push(containersReadyCondition(pod, allInitFirst, s.phase));
  conditions.push({ type: 'PodScheduled', status: 'True' });
  const nowTime = formatTime(now);
  const oldConditions = [...(old.conditions ?? []), ...(apiStatus.conditions ?? [])];
  s.conditions = conditions.map((c) => {
    if (!KUBELET_CONDITIONS.has(c.type)) return c;
    const prev = oldConditions.find((o) => o.type === c.type);
    const lastTransitionTime =
      prev !== undefined && prev.status === c.status && prev.lastTransitionTime !== undefined
        ? prev.lastTransitionTime
        : nowTime;
    return { ...c, lastTransitionTime };
  });

  const hostIPs = input.hostIPs ?? [];
  if (hostIPs.length > 0) {
    s.hostIP = hostIPs[0];
    s.hostIPs = hostIPs.slice(0, 2).map((ip) => ({ ip }));
    if (pod.spec?.hostNetwork === true && s.podIP === undefined) {
      s.podIP = hostIPs[0];
      s.podIPs = hostIPs.slice(0, 2).map((ip) => ({ ip }));
    }
  }
  s.startTime = old.startTime ?? apiStatus.startTime ?? nowTime;
  return s;
}

/** Whether a phase is terminal (Failed or Succeeded): no transition leaves it. */
export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Failed' || phase === 'Succeeded';
}
