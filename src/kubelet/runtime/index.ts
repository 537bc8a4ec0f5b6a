/**
 * The kubelet's container runtime layer: the OCI runtime config of a container computed by a
 * pure function (`buildContainerSpec`, with the upstream helpers it is made of), the CRI log
 * format, the `ContainerRuntime` contract and its two implementations, `RuncRuntime` (the runc
 * CLI) and `SimulatedRuntime` (in memory).
 */
export { expand, mappingFor } from '../../api/index.ts';
export { OCI_VERSION } from './oci-types.ts';
export type {
  OciCapabilities,
  OciDevice,
  OciDeviceCgroup,
  OciLinux,
  OciMount,
  OciNamespace,
  OciNamespaceType,
  OciProcess,
  OciResources,
  OciRlimit,
  OciSeccomp,
  OciSpec,
  OciSyscall,
  OciSyscallArg,
  OciUser,
} from './oci-types.ts';
export { defaultSeccompProfile } from './seccomp.ts';
export {
  ALL_CAPABILITIES,
  BESTEFFORT_OOM_SCORE_ADJ,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH_ENV,
  DEFAULT_READONLY_PATHS,
  GUARANTEED_OOM_SCORE_ADJ,
  MAX_SHARES,
  MIN_QUOTA_PERIOD,
  MIN_SHARES,
  OciSpecError,
  QUOTA_PERIOD,
  buildContainerSpec,
  buildMounts,
  capabilitiesFromMask,
  containerCapabilities,
  containerOomScoreAdjust,
  containerResources,
  defaultMounts,
  effectiveSeccompProfile,
  effectiveSecurityContext,
  expandContainerCommandAndArgs,
  formatPod,
  imageUser,
  makeEnvironment,
  mergeEnv,
  milliCPUToQuota,
  milliCPUToShares,
  parseGroup,
  parsePasswd,
  podHostname,
  processArgs,
  resolveUser,
  userString,
  verifyRunAsNonRoot,
} from './oci-spec.ts';
export type {
  AnyContainer,
  ContainerSpecInput,
  EnvVar,
  GroupEntry,
  NodeInfo,
  OciImageConfig,
  PasswdEntry,
  PreparedMount,
  ResolvedEnvFromSource,
  ResolvedEnvironment,
  RootfsUsers,
  SandboxInfo,
} from './oci-spec.ts';
export {
  CriLogParseError,
  CriLogSplitter,
  DEFAULT_MAX_LOG_LINE,
  formatCriLogLine,
  formatRfc3339Nano,
  parseCriLogLine,
  parseRfc3339Nano,
  rfc3339NanoFixed,
} from './cri-log.ts';
export type { CriLogEntry, LogStream } from './cri-log.ts';
export {
  DEFAULT_CONTAINER_LOG_MAX_FILES,
  DEFAULT_CONTAINER_LOG_MAX_SIZE,
  DEFAULT_LOG_ROTATION_POLICY,
  RotatingLogWriter,
  compressLog,
  planLogRotation,
  rotatedLogName,
} from './log-rotation.ts';
export type { LogRotationPolicy, RotatingLogWriterOptions } from './log-rotation.ts';
export {
  ContainerNotFoundError,
  ContainerStateError,
  SIGNALS,
  isValidContainerId,
  signalNumber,
} from './runtime.ts';
export type {
  AttachRequest,
  ContainerRuntime,
  ContainerState,
  ContainerStatus,
  CreateContainerRequest,
  ExecRequest,
  ExecResult,
  RuntimeEvent,
  TerminalSize,
} from './runtime.ts';
export { KmsgOomLog, parseOomKillRecord } from './kmsg.ts';
export { RuncError, RuncRuntime } from './runc.ts';
export type { RuncRuntimeOptions } from './runc.ts';
export { SimulatedRuntime } from './simulated.ts';
export type { SimulatedProgram, SimulatedRuntimeOptions } from './simulated.ts';
