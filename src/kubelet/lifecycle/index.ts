/**
 * Container and pod lifecycle for the kubelet's pod workers, as upstream's kubelet:
 * - probes: {@link PodProber} (pure per-container/per-type worker state machine with
 *   tick/nextDue), target resolution and messages (probe-spec.ts), executors for httpGet,
 *   tcpSocket, grpc and exec (probe-executors.ts, host adapters);
 * - restarts: {@link computePodActions} (what to start/kill), {@link ContainerBackOff} and
 *   {@link doBackOff} (CrashLoopBackOff);
 * - status: {@link buildPodStatus} (phase, conditions, container statuses, startTime, qosClass),
 *   {@link getPhase}, {@link activeDeadlineExceeded};
 * - termination: {@link planContainerStop}, {@link terminationOrder}, hooks (hooks.ts adapter);
 * - logs: `kubectl logs` semantics (logs.ts; the CRI line parser is the runtime's cri-log.ts)
 *   and the file follower (log-reader.ts adapter), which follows rotated files.
 * Everything except probe-executors.ts, hooks.ts and log-reader.ts is pure.
 */
export {
  findContainerStatusByName,
  formatGoDuration,
  formatPod,
  formatTime,
  isRestartableInitContainer,
  probeOf,
  specProbeView,
} from './types.ts';
export type {
  ProbeResult,
  ProbeResultsView,
  ProbeType,
  RuntimeContainerState,
  RuntimeContainerStatus,
  RuntimePodStatus,
  RuntimeSandboxStatus,
} from './types.ts';
export { containerHash } from './hash.ts';
export {
  MAX_PROBE_OUTPUT,
  MAX_PROBE_REDIRECTS,
  MAX_PROBE_RETRIES,
  PROBE_USER_AGENT,
  ProbeTargetError,
  canonicalHeaderKey,
  followsRedirect,
  grpcMessages,
  grpcProbeTarget,
  httpProbeRequest,
  httpStatusOutcome,
  interpretProbeOutcome,
  joinHostPort,
  probeTiming,
  probeTimeoutMs,
  probeTypeName,
  resolveContainerPort,
  tcpProbeAddress,
} from './probe-spec.ts';
export type { HttpProbeRequest, ProbeEvent, ProbeOutcome, ProbeTiming } from './probe-spec.ts';
export { PodProber, applyProbeResults } from './prober.ts';
export type { PodProberOptions, ProbeCompletion, ProbeRequest } from './prober.ts';
export {
  HEALTH_CHECK_PATH,
  ServingStatus,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  frameGrpcMessage,
  unframeGrpcMessage,
} from './grpc-health.ts';
export {
  execProbe,
  goDialErrorText,
  grpcProbe,
  httpProbe,
  runProbe,
  tcpProbe,
} from './probe-executors.ts';
export type { ExecResult, ExecRunner, ProbeExecutors } from './probe-executors.ts';
export {
  BACKOFF_INITIAL_MS,
  BACKOFF_MAX_MS,
  CRASH_LOOP_BACK_OFF,
  Backoff,
  ContainerBackOff,
  backOffKey,
  doBackOff,
} from './backoff.ts';
export type { BackOffDecision } from './backoff.ts';
export {
  computePodActions,
  hasAnyRegularContainerCreated,
  isInitContainerFailed,
  nextRestartCount,
  podSandboxChanged,
  shouldContainerBeRestarted,
  shouldRestartOnFailure,
} from './pod-actions.ts';
export type { ContainerKillReason, ContainerToKill, PodActions } from './pod-actions.ts';
export {
  ConditionReason,
  DEADLINE_EXCEEDED,
  WaitingReason,
  activeDeadlineExceeded,
  buildPodStatus,
  containersReadyCondition,
  convertContainerStatuses,
  getPhase,
  hasAnyRegularContainerStarted,
  isTerminalPhase,
  podInitializedCondition,
  podReadyCondition,
  podReadyToStartContainersCondition,
  terminatedReason,
} from './pod-status.ts';
export type { PodStatusInput, StartFailure } from './pod-status.ts';
export {
  ContainerEventReason,
  DEFAULT_STOP_SIGNAL,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  MINIMUM_GRACE_PERIOD_SECONDS,
  PRE_STOP_FAILED_EVENT,
  hookMessages,
  planContainerStop,
  podGracePeriodSeconds,
  postStartHookFailed,
  stopTimeoutSeconds,
  terminationGracePeriod,
  terminationOrder,
} from './termination.ts';
export type { ContainerStopInput, ContainerStopPlan, PostStartFailure } from './termination.ts';
export { LIFECYCLE_USER_AGENT, runLifecycleHook } from './hooks.ts';
export type { HookContext, HookResult } from './hooks.ts';
export {
  LogReadState,
  LogWriter,
  containerLogPath,
  findTailLineStart,
  formatCriLogLine,
  logOptions,
  readLogBuffer,
} from './logs.ts';
export type { LogOptions, LogSink, PodLogOptions } from './logs.ts';
export { LogReadError, findTailLineStartInFile, readLogFile } from './log-reader.ts';
export type { FollowOptions } from './log-reader.ts';
export { ProbeLoop } from './probe-loop.ts';
export type { ProbeLoopOptions } from './probe-loop.ts';
