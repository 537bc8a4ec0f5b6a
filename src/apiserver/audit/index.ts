/**
 * Audit logging (Kubernetes' advanced auditing): the policy file, its evaluation per request,
 * the event of each request stage, and a file backend writing JSON lines.
 *
 * Wiring, per request: `auditIDFor(headers)` (send it back as `Audit-Id`), then
 * `auditor.startEvent({...})` after authentication; `undefined` means level None and nothing
 * more to do. Later: `logImpersonatedUser`, `logRequestObject`/`logRequestPatch`,
 * `logResponseObject`, `responseStarted(code)` when headers go out, and
 * `auditor.finishEvent(audit, code, status?)` (or `audit.finish(code)`) when the response
 * ends; `audit.panic(err)` for unexpected failures.
 */
export type {
  AuditEvent,
  AuditUserInfo,
  GroupResources,
  Level,
  ObjectReference,
  Policy,
  PolicyRule,
  ResponseStatus,
  Stage,
} from './types.ts';
export { LEVELS, STAGES, levelLess, toAuditUser } from './types.ts';
export { AUDIT_API_VERSION, AuditPolicyError, parseAuditPolicy, validatePolicy } from './policy.ts';
export type { AuditAttributes, RequestAuditConfig, RequestInfoLike } from './checker.ts';
export { PolicyRuleEvaluator, auditAttributes, unionStages } from './checker.ts';
export type { AuditRequestStart, AuditSink, AuditorOptions, HeaderMap } from './event.ts';
export {
  AUDIT_ID_HEADER,
  Auditor,
  RequestAudit,
  auditIDFor,
  copyWithoutManagedFields,
  defaultNowMicros,
  eventToJSONLine,
  formatMicroTime,
  sourceIPs,
} from './event.ts';
export type { AuditBackendStats, FileAuditBackendOptions } from './log-backend.ts';
export { FileAuditBackend } from './log-backend.ts';
export type { RotationOptions, WriteRecordsResult } from './rotation.ts';
export {
  DEFAULT_MAX_SIZE_MB,
  RotatingFile,
  WriteTooLargeError,
  backupName,
  backupTime,
  formatBackupTime,
  planMill,
  validateRotationOptions,
} from './rotation.ts';
