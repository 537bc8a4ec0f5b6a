/**
 * The audit API types (k8s.io/apiserver/pkg/apis/audit/v1 types.go): the Policy a user writes
 * and the Event written to the audit log. Plain JSON shapes, as on the wire.
 */
import type { UserInfo } from '../user.ts';

/** How much of a request is recorded, in increasing order. */
export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

/** The point of a request's life an event describes. */
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

/** Every level in increasing order (upstream's ordLevel). */
export const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

/** Every stage, in the order upstream lists them in validation messages. */
export const STAGES: readonly Stage[] = [
  'RequestReceived',
  'ResponseStarted',
  'ResponseComplete',
  'Panic',
];

const LEVEL_ORDER: Readonly<Record<Level, number>> = {
  None: 0,
  Metadata: 1,
  Request: 2,
  RequestResponse: 3,
};

/** True when `a` records less than `b` (upstream Level.Less). */
export function levelLess(a: Level, b: Level): boolean {
  return LEVEL_ORDER[a] < LEVEL_ORDER[b];
}

/** A group and resources within it (audit v1 GroupResources). */
export interface GroupResources {
  /** '' is the core group. */
  group?: string;
  /** Plural resources, `pods/log` or `*\/status` for subresources, `*` for all. Empty: all. */
  resources?: string[];
  /** Object names; requires resources. Empty: all names. */
  resourceNames?: string[];
}

/** One rule of a Policy; the first matching rule decides the level (audit v1 PolicyRule). */
export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  /** '' matches cluster-scoped resources. */
  namespaces?: string[];
  /** Paths; `*` alone or as the final character is a wildcard. */
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  /** Overrides the policy's omitManagedFields when set. */
  omitManagedFields?: boolean;
}

/** An audit policy (audit.k8s.io/v1 Policy). */
export interface Policy {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; [key: string]: unknown };
  rules: PolicyRule[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** authentication.k8s.io/v1 UserInfo as it appears in events (empty fields omitted). */
export interface AuditUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The object a resource request is about (audit v1 ObjectReference). */
export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

/** The bounded subset of metav1.Status an event carries as responseStatus. */
export interface ResponseStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code?: number;
}

/**
 * One audit event (audit.k8s.io/v1 Event). `requestObject` and `responseObject` hold JSON
 * text, already encoded, so that later changes to the request's objects cannot alter them.
 * Timestamps are epoch microseconds; the log writer formats them as metav1.MicroTime.
 */
export interface AuditEvent {
  level: Level;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: AuditUserInfo;
  impersonatedUser?: AuditUserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  /** JSON text of the request body (levels Request and RequestResponse). */
  requestObject?: string;
  /** JSON text of the response body (level RequestResponse). */
  responseObject?: string;
  requestReceivedTimestamp: number;
  stageTimestamp: number;
  annotations?: Record<string, string>;
}

/** Converts the server's user to the event's user shape (empty fields dropped). */
export function toAuditUser(user: UserInfo): AuditUserInfo {
  const out: AuditUserInfo = {};
  if (user.username !== '') out.username = user.username;
  if (user.uid !== undefined && user.uid !== '') out.uid = user.uid;
  if (user.groups.length > 0) out.groups = [...user.groups];
  if (user.extra !== undefined && Object.keys(user.extra).length > 0) {
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(user.extra)) extra[k] = [...v];
    out.extra = extra;
  }
  return out;
}
