/**
 * Stopping containers as upstream's kuberuntime_container.go killContainer and
 * kuberuntime_termination_order.go: the grace period (deletionGracePeriodSeconds, else the
 * probe's terminationGracePeriodSeconds for a probe kill, else the pod's), the preStop hook run
 * within it, at least 2 s left for the stop signal after the hook, sidecars terminated after the
 * regular containers in reverse order, the Killing event, and the postStart failure path
 * (`FailedPostStartHook`). Pure: these are plans and texts; the pod worker executes them.
 */
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerKillReason } from './pod-actions.ts';
import { formatPod, isRestartableInitContainer } from './types.ts';

/** minimumGracePeriodInSeconds: the stop signal always gets at least this long. */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;
/** The grace period when neither the pod nor the deletion sets one. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** The stop signal when the image sets none. */
export const DEFAULT_STOP_SIGNAL = 'SIGTERM';

/** Container event reasons (pkg/kubelet/events). */
export const ContainerEventReason = Object.freeze({
  killing: 'Killing',
  failedPostStartHook: 'FailedPostStartHook',
  failedPreStopHook: 'FailedPreStopHook',
  started: 'Started',
  created: 'Created',
  backOff: 'BackOff',
  unhealthy: 'Unhealthy',
});

/**
 * setTerminationGracePeriod: the pod's deletionGracePeriodSeconds when set; for a container killed
 * by a failed liveness/startup probe, that probe's terminationGracePeriodSeconds when set; else
 * spec.terminationGracePeriodSeconds; else 2.
 */
export function terminationGracePeriod(
  pod: Pod,
  container: Container,
  reason: ContainerKillReason,
): number {
  const deletion = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion !== undefined) return deletion;
  const podGrace = pod.spec?.terminationGracePeriodSeconds;
  if (podGrace !== undefined) {
    const probe =
      reason === 'StartupProbe'
        ? container.startupProbe
        : reason === 'LivenessProbe'
          ? container.livenessProbe
          : undefined;
    if (probe?.terminationGracePeriodSeconds !== undefined)
      return probe.terminationGracePeriodSeconds;
    return podGrace;
  }
  return MINIMUM_GRACE_PERIOD_SECONDS;
}

/** The plan to stop one container. */
export interface ContainerStopPlan {
  /** The Normal `Killing` event (`Stopping container app` unless a kill message is given). */
  readonly event: { readonly type: 'Normal'; readonly reason: 'Killing'; readonly message: string };
  /** The preStop handler to run first, bounded by `gracePeriodSeconds`. */
  readonly preStop?: LifecycleHandler;
  /** The whole grace period (seconds) the preStop hook and the stop signal share. */
  readonly gracePeriodSeconds: number;
  /** A grace period override (e.g. eviction or a forced deletion) replacing what is left. */
  readonly gracePeriodOverride?: number;
  /** The signal sent first (the image's StopSignal, default SIGTERM); SIGKILL follows. */
  readonly stopSignal: string;
  /** Names of containers that must exit before this one is signalled (sidecar ordering). */
  readonly waitFor: readonly string[];
}

/** Inputs of {@link planContainerStop}. */
export interface ContainerStopInput {
  readonly pod: Pod;
  readonly container: Container;
  readonly reason?: ContainerKillReason;
  /** The kill message from computePodActions, or empty for `Stopping container <name>`. */
  readonly message?: string;
  readonly gracePeriodOverride?: number;
  /** The image config's StopSignal. */
  readonly imageStopSignal?: string;
  /** From {@link terminationOrder} when the whole pod stops. */
  readonly waitFor?: readonly string[];
}

/** killContainer's decisions for one container. */
export function planContainerStop(input: ContainerStopInput): ContainerStopPlan {
  const { pod, container } = input;
  const grace = terminationGracePeriod(pod, container, input.reason ?? '');
  const message =
    input.message !== undefined && input.message !== ''
      ? input.message
      : `Stopping container ${container.name}`;
  const preStop = container.lifecycle?.preStop;
  return {
    event: { type: 'Normal', reason: 'Killing', message },
    ...(preStop !== undefined && grace > 0 ? { preStop } : {}),
    gracePeriodSeconds: grace,
    ...(input.gracePeriodOverride !== undefined
      ? { gracePeriodOverride: input.gracePeriodOverride }
      : {}),
    stopSignal:
      input.imageStopSignal !== undefined && input.imageStopSignal !== ''
        ? input.imageStopSignal
        : DEFAULT_STOP_SIGNAL,
    waitFor: input.waitFor ?? [],
  };
}

/**
 * The seconds given to the stop signal before SIGKILL: the grace period minus the whole seconds
 * the preStop hook and the wait for this container's turn took, at least 2, unless an override
 * replaces it.
 */
export function stopTimeoutSeconds(
  plan: ContainerStopPlan,
  preStopElapsedMs: number,
  waitElapsedMs = 0,
): number {
  let grace = plan.gracePeriodSeconds;
  if (plan.preStop !== undefined && grace > 0) grace -= Math.trunc(preStopElapsedMs / 1000);
  if (grace > 0) grace -= Math.trunc(waitElapsedMs / 1000);
  if (grace < MINIMUM_GRACE_PERIOD_SECONDS) grace = MINIMUM_GRACE_PERIOD_SECONDS;
  if (plan.gracePeriodOverride !== undefined) grace = plan.gracePeriodOverride;
  return grace;
}

/**
 * newTerminationOrdering: for each running container, the containers it must wait for before
 * being signalled. Regular (and regular init) containers wait for nobody; a sidecar waits for
 * every running regular container and every running sidecar declared after it, so sidecars stop
 * last, in reverse order.
 */
export function terminationOrder(
  pod: Pod,
  running: readonly string[],
): ReadonlyMap<string, readonly string[]> {
  const runningSet = new Set(running);
  const regular = (pod.spec?.containers ?? []).map((c) => c.name).filter((n) => runningSet.has(n));
  const sidecars = (pod.spec?.initContainers ?? [])
    .filter(isRestartableInitContainer)
    .map((c) => c.name)
    .filter((n) => runningSet.has(n));
  const out = new Map<string, readonly string[]>();
  for (const n of running) out.set(n, []);
  sidecars.forEach((name, i) => {
    out.set(name, [...regular, ...sidecars.slice(i + 1)]);
  });
  return out;
}

/** The deletion's grace period for the pod as a whole (killPod), default 30 s. */
export function podGracePeriodSeconds(pod: Pod): number {
  return (
    pod.metadata?.deletionGracePeriodSeconds ??
    pod.spec?.terminationGracePeriodSeconds ??
    DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
  );
}

/** Go's `%v` of a string slice: `[sh -c exit 1]`. */
function goSlice(list: readonly string[]): string {
  return `[${list.join(' ')}]`;
}

/** The kubelet's lifecycle hook failure texts (handlers.go), used as the waiting message. */
export const hookMessages = Object.freeze({
  exec: (pod: Pod, container: string, command: readonly string[], err: string, output: string) =>
    `Exec lifecycle hook (${goSlice(command)}) for Container ${JSON.stringify(container)} in Pod ${JSON.stringify(formatPod(pod))} failed - error: ${err}, message: ${JSON.stringify(output)}`,
  http: (pod: Pod, container: string, path: string, err: string) =>
    `HTTP lifecycle hook (${path}) for Container ${JSON.stringify(container)} in Pod ${JSON.stringify(formatPod(pod))} failed - error: ${err}`,
  /** ExecSync's error for a non-zero exit. */
  execExit: (command: readonly string[], code: number, stderr: string) =>
    `command '${command.join(' ')}' exited with ${code}: ${stderr}`,
});

/** What to do when a postStart hook failed. */
export interface PostStartFailure {
  /** The Warning `FailedPostStartHook` event (no hook output, to keep secrets out of events). */
  readonly event: { readonly type: 'Warning'; readonly reason: string; readonly message: string };
  /** Kill the container with this plan (message `FailedPostStartHook`). */
  readonly stop: ContainerStopPlan;
  /** The reason-cache entry: waiting reason `PostStartHookError` with the hook's message. */
  readonly startFailure: { readonly reason: 'PostStartHookError'; readonly message: string };
}

/** startContainer step 4 when the postStart hook failed. */
export function postStartHookFailed(
  pod: Pod,
  container: Container,
  hookMessage: string,
  imageStopSignal?: string,
): PostStartFailure {
  return {
    event: { type: 'Warning', reason: 'FailedPostStartHook', message: 'PostStartHook failed' },
    stop: planContainerStop({
      pod,
      container,
      message: 'FailedPostStartHook',
      ...(imageStopSignal !== undefined ? { imageStopSignal } : {}),
    }),
    startFailure: { reason: 'PostStartHookError', message: hookMessage },
  };
}

/** The Warning event when a preStop hook failed (the kill goes on). */
export const PRE_STOP_FAILED_EVENT = Object.freeze({
  type: 'Warning' as const,
  reason: 'FailedPreStopHook',
  message: 'PreStopHook failed',
});
