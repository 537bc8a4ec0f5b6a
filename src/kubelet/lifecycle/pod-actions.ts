/**
 * What a pod sync must do, as upstream's kuberuntime_manager.go computePodActions and
 * kuberuntime_container.go computeInitContainerActions (SidecarContainers on): whether to
 * (re)create the sandbox and kill the pod, which init, regular and ephemeral containers to
 * start, which running containers to kill and why. Pure: reads the pod, the runtime's view and
 * the probe results; decides nothing about back-off (see {@link doBackOff}).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { containerHash } from './hash.ts';
import { findContainerStatusByName, isRestartableInitContainer } from './types.ts';
import type {
  ProbeResultsView,
  RuntimeContainerStatus,
  RuntimePodStatus,
  RuntimeSandboxStatus,
} from './types.ts';

/** Why a container is killed (containerKillReason). */
export type ContainerKillReason = 'StartupProbe' | 'LivenessProbe' | 'Unknown' | '';

/** One container to kill. */
export interface ContainerToKill {
  /** The instance to stop (`runc://…`). */
  readonly containerID: string;
  readonly name: string;
  readonly container: Container;
  /** The Killing event's message (`Container app failed liveness probe, will be restarted`). */
  readonly message: string;
  readonly reason: ContainerKillReason;
}

/** The result of {@link computePodActions} (podActions). */
export interface PodActions {
  /** Stop every container and the sandbox. */
  readonly killPod: boolean;
  /** Create a new sandbox (after killing the old one when `killPod`). */
  readonly createSandbox: boolean;
  /** The current (or last) sandbox, empty when none. */
  readonly sandboxID: string;
  /** The attempt number of the sandbox to create. */
  readonly attempt: number;
  /** Indices into spec.initContainers to start, in order. */
  readonly initContainersToStart: readonly number[];
  /** Indices into spec.containers to start. */
  readonly containersToStart: readonly number[];
  /** Indices into spec.ephemeralContainers to start. */
  readonly ephemeralContainersToStart: readonly number[];
  readonly containersToKill: readonly ContainerToKill[];
}

/**
 * runtimeutil.PodSandboxChanged: a new sandbox is needed when there is none, more than one is
 * ready, the newest is not ready, its network mode differs from the pod's, or a pod-network
 * sandbox has no IP.
 */
export function podSandboxChanged(
  pod: Pod,
  status: RuntimePodStatus,
): { changed: boolean; attempt: number; sandboxID: string } {
  const latest: RuntimeSandboxStatus | undefined = status.sandboxes[0];
  if (latest === undefined) return { changed: true, attempt: 0, sandboxID: '' };
  const ready = status.sandboxes.filter((s) => s.ready).length;
  if (ready > 1 || !latest.ready) {
    return { changed: true, attempt: latest.attempt + 1, sandboxID: latest.id };
  }
  const hostNetwork = pod.spec?.hostNetwork === true;
  if ((latest.hostNetwork ?? false) !== hostNetwork) {
    return { changed: true, attempt: latest.attempt + 1, sandboxID: '' };
  }
  if (!hostNetwork && latest.ip !== undefined && latest.ip === '') {
    return { changed: true, attempt: latest.attempt + 1, sandboxID: latest.id };
  }
  return { changed: false, attempt: latest.attempt, sandboxID: latest.id };
}

/** shouldRestartOnFailure: restartPolicy is not Never. */
export function shouldRestartOnFailure(pod: Pod): boolean {
  return pod.spec?.restartPolicy !== 'Never';
}

/** isInitContainerFailed: OOMKilled, exited non-zero, or unknown. */
export function isInitContainerFailed(status: RuntimeContainerStatus): boolean {
  if (status.reason === 'OOMKilled') return true;
  if (status.state === 'exited' && (status.exitCode ?? 0) !== 0) return true;
  return status.state === 'unknown';
}

/**
 * kubecontainer.ShouldContainerBeRestarted: never once the pod is deleted; always when it never
 * ran or is created/unknown; for an exited one per restartPolicy (OnFailure: only non-zero).
 */
export function shouldContainerBeRestarted(
  container: Container,
  pod: Pod,
  status: RuntimePodStatus,
): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  const s = findContainerStatusByName(status, container.name);
  if (s === undefined) return true;
  if (s.state === 'running') return false;
  if (s.state === 'unknown' || s.state === 'created') return true;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && (s.exitCode ?? 0) === 0) return false;
  return true;
}

function containerSucceeded(c: Container, status: RuntimePodStatus): boolean {
  const s = findContainerStatusByName(status, c.name);
  return s !== undefined && s.state === 'exited' && (s.exitCode ?? 0) === 0;
}

function changed(c: Container, s: RuntimeContainerStatus): boolean {
  return s.hash !== undefined && s.hash !== containerHash(c);
}

/**
 * computePodActions. `probes` supplies liveness and startup results by container ID (a missing
 * view means no results recorded).
 */
export function computePodActions(
  pod: Pod,
  status: RuntimePodStatus,
  probes?: ProbeResultsView,
): PodActions {
  const spec = pod.spec;
  const containers = spec?.containers ?? [];
  const inits = spec?.initContainers ?? [];
  const sandbox = podSandboxChanged(pod, status);
  let killPod = sandbox.changed;
  let createSandbox = sandbox.changed;
  let initToStart: number[] = [];
  const toStart: number[] = [];
  const ephemeral: number[] = [];
  const toKill = new Map<string, ContainerToKill>();
  const result = (): PodActions => ({
    killPod,
    createSandbox,
    sandboxID: sandbox.sandboxID,
    attempt: sandbox.attempt,
    initContainersToStart: initToStart,
    containersToStart: toStart,
    ephemeralContainersToStart: ephemeral,
    containersToKill: [...toKill.values()],
  });

  if (sandbox.changed) {
    if (!shouldRestartOnFailure(pod) && sandbox.attempt !== 0 && status.containers.length !== 0) {
      // Never restart: the pod is done, do not create a sandbox only to tear it down.
      createSandbox = false;
      return result();
    }
    const start: number[] = [];
    containers.forEach((c, i) => {
      if (spec?.restartPolicy === 'OnFailure' && containerSucceeded(c, status)) return;
      start.push(i);
    });
    if (start.length === 0 && hasAnyRegularContainerCreated(pod, status)) {
      createSandbox = false;
      return result();
    }
    if (inits.length !== 0) {
      initToStart = [0];
      return result();
    }
    toStart.push(...start);
    return result();
  }

  (spec?.ephemeralContainers ?? []).forEach((c, i) => {
    if (findContainerStatusByName(status, c.name) === undefined) ephemeral.push(i);
  });

  const init = computeInitContainerActions(pod, status, probes, toKill);
  initToStart = init.toStart;
  if (init.killPod) {
    killPod = true;
    return result();
  }
  if (!init.initialized) return result();

  let keepCount = 0;
  containers.forEach((c, idx) => {
    const s = findContainerStatusByName(status, c.name);
    if (s === undefined || s.state !== 'running') {
      if (shouldContainerBeRestarted(c, pod, status)) {
        toStart.push(idx);
        if (s?.state === 'unknown') {
          toKill.set(s.id, {
            containerID: s.id,
            name: s.name,
            container: c,
            message: `Container is in "unknown" state, try killing it before restart`,
            reason: 'Unknown',
          });
        }
      }
      return;
    }
    let message: string;
    let reason: ContainerKillReason = '';
    let restart = shouldRestartOnFailure(pod);
    if (changed(c, s)) {
      message = `Container ${c.name} definition changed`;
      restart = true;
    } else if (probes?.get('liveness', s.id) === 'failure') {
      message = `Container ${c.name} failed liveness probe`;
      reason = 'LivenessProbe';
    } else if (probes?.get('startup', s.id) === 'failure') {
      message = `Container ${c.name} failed startup probe`;
      reason = 'StartupProbe';
    } else {
      keepCount++;
      return;
    }
    if (restart) {
      message = `${message}, will be restarted`;
      toStart.push(idx);
    }
    toKill.set(s.id, { containerID: s.id, name: s.name, container: c, message, reason });
  });

  if (keepCount === 0 && toStart.length === 0) {
    killPod = true;
    // Sidecars alone must not keep the pod alive.
    initToStart = [];
  }
  return result();
}

/** hasAnyRegularContainerCreated: some regular container is created, running or exited. */
export function hasAnyRegularContainerCreated(pod: Pod, status: RuntimePodStatus): boolean {
  return (pod.spec?.containers ?? []).some((c) => {
    const s = findContainerStatusByName(status, c.name);
    return s !== undefined && s.state !== 'unknown';
  });
}

/**
 * computeInitContainerActions: walks the init containers backwards from the last one that ran,
 * restarting sidecars that stopped, failed their startup or liveness probe or changed, starting
 * the next init container once the previous one completed (or, for a sidecar, started), and
 * failing the pod when a regular init container failed under restartPolicy Never.
 */
function computeInitContainerActions(
  pod: Pod,
  status: RuntimePodStatus,
  probes: ProbeResultsView | undefined,
  toKill: Map<string, ContainerToKill>,
): { initialized: boolean; killPod: boolean; toStart: number[] } {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { initialized: true, killPod: false, toStart: [] };
  let podHasInitialized = (pod.spec?.containers ?? []).some((c) => {
    const s = findContainerStatusByName(status, c.name);
    return s?.state === 'created' || s?.state === 'running';
  });
  let previouslyInitialized = podHasInitialized;
  const restartOnFailure = shouldRestartOnFailure(pod);
  const toStart: number[] = [];
  const kill = (
    s: RuntimeContainerStatus,
    c: Container,
    message: string,
    reason: ContainerKillReason,
  ) => toKill.set(s.id, { containerID: s.id, name: c.name, container: c, message, reason });

  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i];
    if (c === undefined) continue;
    const sidecar = isRestartableInitContainer(c);
    const s = findContainerStatusByName(status, c.name);
    if (s === undefined) {
      if (previouslyInitialized && sidecar) toStart.push(i);
      continue;
    }
    if (previouslyInitialized && !sidecar) continue;

    switch (s.state) {
      case 'created':
        toStart.push(i);
        break;
      case 'running': {
        if (!sidecar) break;
        if (c.startupProbe !== undefined) {
          const startup = probes?.get('startup', s.id);
          if (startup === undefined) break;
          if (startup !== 'success') {
            if (startup === 'failure') {
              kill(s, c, `Init container ${c.name} failed startup probe`, 'StartupProbe');
              toStart.push(i);
            }
            break;
          }
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!previouslyInitialized) toStart.push(i + 1);
        if (changed(c, s)) {
          kill(s, c, `Init container ${c.name} definition changed`, '');
          toStart.push(i);
          break;
        }
        if (c.livenessProbe !== undefined) {
          const liveness = probes?.get('liveness', s.id);
          if (liveness === undefined) break;
          if (liveness === 'failure') {
            kill(s, c, `Init container ${c.name} failed liveness probe`, 'LivenessProbe');
            toStart.push(i);
          }
        }
        break;
      }
      case 'exited':
        if (sidecar) {
          toStart.push(i);
        } else if (isInitContainerFailed(s)) {
          if (!restartOnFailure) return { initialized: false, killPod: true, toStart: [] };
          toStart.push(i);
        } else if (i === inits.length - 1) {
          podHasInitialized = true;
        } else {
          toStart.push(i + 1);
        }
        break;
      default:
        if (sidecar) {
          kill(
            s,
            c,
            `Init container is in "unknown" state, try killing it before restart`,
            'Unknown',
          );
          toStart.push(i);
        } else {
          if (!restartOnFailure) return { initialized: false, killPod: true, toStart: [] };
          kill(
            s,
            c,
            `Init container is in "unknown" state, try killing it before restart`,
            'Unknown',
          );
          toStart.push(i);
        }
    }
    if (!previouslyInitialized) previouslyInitialized = true;
  }
  if (!previouslyInitialized) toStart.push(0);
  toStart.reverse();
  return { initialized: podHasInitialized, killPod: false, toStart };
}

/**
 * The restart count of the next instance of a container (startContainer): one more than the
 * newest instance's, 0 for the first. The runtime stores it with the instance (and names the
 * log file `<restartCount>.log` after it).
 */
export function nextRestartCount(status: RuntimePodStatus, name: string): number {
  const s = findContainerStatusByName(status, name);
  return s === undefined ? 0 : s.restartCount + 1;
}
