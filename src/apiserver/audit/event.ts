/**
 * Building audit events for one request: the WithAudit filter
 * (k8s.io/apiserver/pkg/endpoints/filters/audit.go) and pkg/audit/request.go + context.go
 * (LogRequestMetadata, LogImpersonatedUser, LogRequestObject, LogRequestPatch,
 * LogResponseObject, annotations), and the JSON line format of the log backend.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { UserInfo } from '../user.ts';
import type { AuditAttributes, RequestAuditConfig } from './checker.ts';
import { PolicyRuleEvaluator } from './checker.ts';
import { levelLess, toAuditUser } from './types.ts';
import type { AuditEvent, Level, Policy, ResponseStatus, Stage } from './types.ts';

/** The request and response header carrying the audit ID (upstream HeaderAuditID). */
export const AUDIT_ID_HEADER = 'Audit-Id';

const MAX_USER_AGENT_LENGTH = 1024;
const USER_AGENT_TRUNCATE_SUFFIX = '...TRUNCATED';

/**
 * Where finished event stages go. `processEvent` must not block or throw: implementations copy
 * (serialize) what they need before returning, because the event object keeps changing as the
 * request proceeds to later stages.
 */
export interface AuditSink {
  processEvent(event: Readonly<AuditEvent>): void;
}

/** Request headers as Node gives them (lower-case names). */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v[0];
}

/**
 * The audit ID of a request (upstream WithAuditInit): the client's `Audit-ID` header when set,
 * else a new UUID. The caller sends it back in the `Audit-Id` response header for every
 * request, audited or not.
 */
export function auditIDFor(headers: HeaderMap, newID: () => string = randomUUID): string {
  const given = header(headers, 'audit-id');
  return given !== undefined && given !== '' ? given : newID();
}

/** Go's net.IP.String() of a parsed address: IPv4-mapped IPv6 prints as IPv4. */
function normalizeIP(s: string): string | undefined {
  let ip = s.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const kind = isIP(ip);
  if (kind === 0) return undefined;
  if (kind === 6) {
    const lower = ip.toLowerCase();
    if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
    return lower;
  }
  return ip;
}

/**
 * Upstream utilnet.SourceIPs: the valid X-Forwarded-For entries, then X-Real-Ip unless already
 * listed, then the connection's remote address unless it equals the last one.
 */
export function sourceIPs(headers: HeaderMap, remoteAddress: string | undefined): string[] {
  const ips: string[] = [];
  const forwarded = header(headers, 'x-forwarded-for');
  if (forwarded !== undefined && forwarded !== '') {
    for (const part of forwarded.split(',')) {
      const ip = normalizeIP(part);
      if (ip !== undefined) ips.push(ip);
    }
  }
  const realIP = header(headers, 'x-real-ip');
  if (realIP !== undefined && realIP !== '') {
    const ip = normalizeIP(realIP);
    if (ip !== undefined && !ips.includes(ip)) ips.push(ip);
  }
  const remote = remoteAddress === undefined ? undefined : normalizeIP(remoteAddress);
  if (remote !== undefined && (ips.length === 0 || ips[ips.length - 1] !== remote)) {
    ips.push(remote);
  }
  return ips;
}

/** What the handler knows when a request arrives. */
export interface AuditRequestStart {
  /** From `auditIDFor`. */
  auditID: string;
  /** Path and query as sent (upstream req.URL.RequestURI()). */
  requestURI: string;
  /** Policy attributes (see `auditAttributes`); `user` is the authenticated user. */
  attributes: AuditAttributes;
  headers: HeaderMap;
  /** The socket's remote address. */
  remoteAddress?: string;
  /** When the request arrived, epoch microseconds; default: now. */
  receivedAt?: number;
  /** Long-running requests (watch, exec, logs -f) also record the ResponseStarted stage. */
  longRunning?: boolean;
  /** @internal Used by failedAuthentication, which records ResponseStarted only. */
  omitRequestReceived?: boolean;
}

/** Upstream getAuthMethods: the credentials a failed request carried. */
function authMethods(req: AuditRequestStart, hasClientCertificate: boolean): string {
  const methods: string[] = [];
  const auth = (header(req.headers, 'authorization') ?? '').trim();
  if (/^basic\s/i.test(auth)) methods.push('basic');
  const parts = auth.split(' ');
  if (parts.length > 1 && parts[0]?.toLowerCase() === 'bearer') methods.push('bearer');
  const q = req.requestURI.indexOf('?');
  if (
    q >= 0 &&
    (new URLSearchParams(req.requestURI.slice(q + 1)).get('access_token') ?? '').trim() !== ''
  ) {
    methods.push('access_token');
  }
  if (hasClientCertificate) methods.push('x509');
  return methods.length > 0
    ? `Authentication failed, attempted: ${methods.join(', ')}`
    : 'Authentication failed, no credentials provided';
}

/** Options of {@link Auditor}. */
export interface AuditorOptions {
  /** The policy, or an evaluator built from it. */
  policy: Policy | PolicyRuleEvaluator;
  sink: AuditSink;
  /** Epoch microseconds; injectable for tests. */
  nowMicros?: () => number;
}

/** Epoch microseconds from the high-resolution clock. */
export function defaultNowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * The audit entry point the API server holds: evaluates the policy per request and starts the
 * request's audit record. Stateless apart from its policy; one per server.
 */
export class Auditor {
  readonly evaluator: PolicyRuleEvaluator;
  private readonly sink: AuditSink;
  private readonly now: () => number;

  constructor(opts: AuditorOptions) {
    this.evaluator =
      opts.policy instanceof PolicyRuleEvaluator
        ? opts.policy
        : new PolicyRuleEvaluator(opts.policy);
    this.sink = opts.sink;
    this.now = opts.nowMicros ?? defaultNowMicros;
  }

  /**
   * Starts auditing a request: evaluates the policy and, unless the level is None (then it
   * returns undefined and costs nothing more), records the RequestReceived stage. Call right
   * after authentication, with the authenticated user.
   */
  startEvent(req: AuditRequestStart): RequestAudit | undefined {
    const config = this.evaluator.evaluate(req.attributes);
    if (config.level === 'None') return undefined;
    const received = req.receivedAt ?? this.now();
    const attrs = req.attributes;
    let userAgent = header(req.headers, 'user-agent') ?? '';
    if (userAgent.length > MAX_USER_AGENT_LENGTH) {
      userAgent = userAgent.slice(0, MAX_USER_AGENT_LENGTH) + USER_AGENT_TRUNCATE_SUFFIX;
    }
    const event: AuditEvent = {
      level: config.level,
      auditID: req.auditID,
      stage: 'RequestReceived',
      requestURI: req.requestURI,
      verb: attrs.verb,
      user: attrs.user === undefined ? {} : toAuditUser(attrs.user),
      sourceIPs: sourceIPs(req.headers, req.remoteAddress),
      requestReceivedTimestamp: received,
      stageTimestamp: received,
    };
    if (userAgent !== '') event.userAgent = userAgent;
    if (attrs.isResourceRequest) {
      event.objectRef = {
        resource: attrs.resource ?? '',
        namespace: attrs.namespace ?? '',
        name: attrs.name ?? '',
        apiGroup: attrs.apiGroup ?? '',
        apiVersion: attrs.apiVersion ?? '',
        subresource: attrs.subresource ?? '',
      };
    }
    const audit = new RequestAudit(event, config, this.sink, this.now, req.longRunning === true);
    if (req.omitRequestReceived !== true) audit.emit('RequestReceived');
    return audit;
  }

  /**
   * Audits a request whose authentication failed (upstream WithFailedAuthenticationAudit): one
   * ResponseStarted event, without a user, with code 401 and a message naming the credentials
   * tried. `req.attributes.user` is ignored. Call before sending the 401.
   */
  failedAuthentication(req: AuditRequestStart, hasClientCertificate: boolean): void {
    const { user: _ignored, ...attributes } = req.attributes;
    const audit = this.startEvent({ ...req, attributes, omitRequestReceived: true });
    if (audit === undefined) return;
    audit.event.responseStatus = { message: authMethods(req, hasClientCertificate), code: 401 };
    audit.emit('ResponseStarted');
  }

  /**
   * Completes a request's audit record (`audit.finish`); a no-op for undefined (level None).
   * `code` is the HTTP status sent; `status` the Status body of an error response.
   */
  finishEvent(audit: RequestAudit | undefined, code: number, status?: unknown): void {
    if (audit === undefined) return;
    if (status !== undefined) audit.logResponseObject(status);
    audit.finish(code);
  }
}

function isStatus(obj: unknown): obj is Record<string, unknown> {
  return (
    typeof obj === 'object' &&
    obj !== null &&
    (obj as { kind?: unknown }).kind === 'Status' &&
    ((obj as { apiVersion?: unknown }).apiVersion === 'v1' ||
      (obj as { apiVersion?: unknown }).apiVersion === undefined)
  );
}

/** Upstream copies only the bounded fields of a Status into the event. */
function boundedStatus(s: Record<string, unknown>): ResponseStatus {
  const out: ResponseStatus = {};
  if (typeof s.status === 'string' && s.status !== '') out.status = s.status;
  if (typeof s.message === 'string' && s.message !== '') out.message = s.message;
  if (typeof s.reason === 'string' && s.reason !== '') out.reason = s.reason;
  if (s.details !== undefined && s.details !== null) out.details = s.details;
  if (typeof s.code === 'number' && s.code !== 0) out.code = s.code;
  return out;
}

function withoutManagedFieldsMeta(obj: Record<string, unknown>): Record<string, unknown> {
  const meta = obj.metadata;
  if (typeof meta !== 'object' || meta === null || !('managedFields' in meta)) return obj;
  const { managedFields: _dropped, ...rest } = meta as Record<string, unknown>;
  return { ...obj, metadata: rest };
}

/**
 * Upstream copyWithoutManagedFields: a shallow copy of an object, of a list's items or of a
 * Table's row objects without `metadata.managedFields`; the input is not mutated.
 */
export function copyWithoutManagedFields(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return obj;
  let out = withoutManagedFieldsMeta(obj as Record<string, unknown>);
  const items = out.items;
  if (Array.isArray(items)) {
    out = {
      ...out,
      items: items.map((it: unknown) =>
        typeof it === 'object' && it !== null && !Array.isArray(it)
          ? withoutManagedFieldsMeta(it as Record<string, unknown>)
          : it,
      ),
    };
  }
  const rows = out.rows;
  if (out.kind === 'Table' && Array.isArray(rows)) {
    out = {
      ...out,
      rows: rows.map((row: unknown) => {
        if (typeof row !== 'object' || row === null) return row;
        const r = row as Record<string, unknown>;
        const o = r.object;
        return typeof o === 'object' && o !== null && !Array.isArray(o)
          ? { ...r, object: withoutManagedFieldsMeta(o as Record<string, unknown>) }
          : r;
      }),
    };
  }
  return out;
}

function stringField(obj: Record<string, unknown>, key: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}

/**
 * The audit record of one request (upstream AuditContext). Methods are cheap no-ops for data
 * the level does not record, so the handler may call them unconditionally; check
 * `recordsRequestObject`/`recordsResponseObject` first only to skip its own work.
 * Not shared between requests.
 */
export class RequestAudit {
  private finished = false;
  private responseStartedSent = false;

  /** @internal Created by Auditor.startEvent. */
  constructor(
    /** The event being built; read-only for callers. */
    readonly event: AuditEvent,
    readonly config: RequestAuditConfig,
    private readonly sink: AuditSink,
    private readonly now: () => number,
    private readonly longRunning: boolean,
  ) {}

  /** The request's audit level (never None). */
  get level(): Level {
    return this.event.level;
  }

  /** True when request bodies are recorded (Request, RequestResponse). */
  get recordsRequestObject(): boolean {
    return !levelLess(this.event.level, 'Request');
  }

  /** True when response bodies are recorded (RequestResponse). */
  get recordsResponseObject(): boolean {
    return !levelLess(this.event.level, 'RequestResponse');
  }

  /** Records the user the request acts as (after impersonation succeeded). */
  logImpersonatedUser(user: UserInfo): void {
    this.event.impersonatedUser = toAuditUser(user);
  }

  /**
   * Records the decoded request object (create/update bodies): fills objectRef's empty
   * namespace, name, uid and resourceVersion from its metadata and, at level Request and
   * above, the body itself. Serialized now, so later mutation of `obj` does not show.
   */
  logRequestObject(obj: unknown): void {
    const ref = (this.event.objectRef ??= {});
    if (typeof obj === 'object' && obj !== null) {
      const meta = (obj as { metadata?: unknown }).metadata;
      if (typeof meta === 'object' && meta !== null) {
        const m = meta as Record<string, unknown>;
        if ((ref.namespace ?? '') === '') ref.namespace = stringField(m, 'namespace');
        if ((ref.name ?? '') === '') ref.name = stringField(m, 'name');
        if ((ref.uid ?? '') === '') ref.uid = stringField(m, 'uid');
        if ((ref.resourceVersion ?? '') === '') {
          ref.resourceVersion = stringField(m, 'resourceVersion');
        }
      }
    }
    if (!this.recordsRequestObject) return;
    const toEncode = this.config.omitManagedFields ? copyWithoutManagedFields(obj) : obj;
    this.event.requestObject = encodeJSON(toEncode);
  }

  /** Records a patch body as the request object (level Request and above). */
  logRequestPatch(patch: Uint8Array | string): void {
    if (!this.recordsRequestObject) return;
    const text = typeof patch === 'string' ? patch : Buffer.from(patch).toString('utf8');
    this.event.requestObject = rawJSONOrString(text);
  }

  /**
   * Records the response: a Status becomes `responseStatus` (any level); at RequestResponse
   * the object itself. Pass `encoded` when the handler already has the JSON text of `obj` (and
   * managed fields need no stripping), to avoid encoding twice.
   */
  logResponseObject(obj: unknown, encoded?: string): void {
    if (isStatus(obj)) this.event.responseStatus = boundedStatus(obj);
    if (!this.recordsResponseObject) return;
    if (this.config.omitManagedFields) {
      this.event.responseObject = encodeJSON(copyWithoutManagedFields(obj));
    } else {
      this.event.responseObject = encoded ?? encodeJSON(obj);
    }
  }

  /**
   * Adds an annotation (level Metadata and above, i.e. always here). The first value set for
   * a key wins, as upstream (which logs a warning for a different second value).
   */
  addAnnotation(key: string, value: string): void {
    const annotations = (this.event.annotations ??= {});
    if (!(key in annotations)) annotations[key] = value;
  }

  /**
   * The response headers were written with `code`. For long-running requests this records the
   * ResponseStarted stage (once); for others it only remembers the code.
   */
  responseStarted(code: number): void {
    const status = (this.event.responseStatus ??= {});
    status.code = code;
    if (this.longRunning && !this.responseStartedSent) {
      this.responseStartedSent = true;
      this.emit('ResponseStarted');
    }
  }

  /**
   * Records the ResponseComplete stage; idempotent (later calls are ignored). `code` is the
   * HTTP status sent; omitted, a request that never wrote headers is recorded like upstream's
   * "Connection closed early" 200.
   */
  finish(code?: number): void {
    if (this.finished) return;
    this.finished = true;
    if (code !== undefined) {
      const status = (this.event.responseStatus ??= {});
      status.code = code;
    }
    if (this.event.responseStatus === undefined) {
      this.event.responseStatus = {
        code: 200,
        status: 'Success',
        message: 'Connection closed early',
      };
    }
    if (this.longRunning && !this.responseStartedSent) {
      this.responseStartedSent = true;
      this.emit('ResponseStarted');
    }
    this.emit('ResponseComplete');
  }

  /** Records the Panic stage for a request that failed unexpectedly (500 InternalError). */
  panic(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const msg = err instanceof Error ? err.message : String(err);
    this.event.responseStatus = {
      code: 500,
      status: 'Failure',
      reason: 'InternalError',
      message: `APIServer panic'd: ${msg}`,
    };
    this.emit('Panic');
  }

  /** @internal Sends the event at `stage` unless the policy omits that stage. */
  emit(stage: Stage): void {
    if (this.config.omitStages.includes(stage)) return;
    this.event.stage = stage;
    this.event.stageTimestamp =
      stage === 'RequestReceived' ? this.event.requestReceivedTimestamp : this.now();
    this.sink.processEvent(this.event);
  }
}

/** JSON text of a value; objects that cannot be encoded become null (upstream logs and skips). */
function encodeJSON(v: unknown): string {
  try {
    // JSON.stringify returns undefined for functions and symbols despite its declared type.
    const json = JSON.stringify(v) as string | undefined;
    return json ?? 'null';
  } catch {
    return 'null';
  }
}

/** Patch bodies are JSON, except apply patches which may be YAML: those go in as a string. */
function rawJSONOrString(text: string): string {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      JSON.parse(text);
      return text;
    } catch {
      // fall through
    }
  }
  return JSON.stringify(text);
}

// ---- JSON lines ----

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** metav1.MicroTime's JSON form: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const frac = micros - Math.floor(micros / 1_000_000) * 1_000_000;
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.` +
    `${pad(frac, 6)}Z`
  );
}

function statusJSON(s: ResponseStatus): string {
  // metav1.Status always encodes its (empty) ListMeta first.
  let out = '{"metadata":{}';
  if (s.status !== undefined) out += `,"status":${JSON.stringify(s.status)}`;
  if (s.message !== undefined) out += `,"message":${JSON.stringify(s.message)}`;
  if (s.reason !== undefined) out += `,"reason":${JSON.stringify(s.reason)}`;
  if (s.details !== undefined) out += `,"details":${encodeJSON(s.details)}`;
  if (s.code !== undefined && s.code !== 0) out += `,"code":${s.code}`;
  return out + '}';
}

function userJSON(u: AuditEvent['user']): string {
  const parts: string[] = [];
  if (u.username !== undefined && u.username !== '') {
    parts.push(`"username":${JSON.stringify(u.username)}`);
  }
  if (u.uid !== undefined && u.uid !== '') parts.push(`"uid":${JSON.stringify(u.uid)}`);
  if (u.groups !== undefined && u.groups.length > 0) {
    parts.push(`"groups":${JSON.stringify(u.groups)}`);
  }
  if (u.extra !== undefined && Object.keys(u.extra).length > 0) {
    // Go encodes map keys sorted.
    const keys = Object.keys(u.extra).sort();
    const extra = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(u.extra?.[k] ?? [])}`);
    parts.push(`"extra":{${extra.join(',')}}`);
  }
  return `{${parts.join(',')}}`;
}

const OBJECT_REF_FIELDS = [
  'resource',
  'namespace',
  'name',
  'uid',
  'apiGroup',
  'apiVersion',
  'resourceVersion',
  'subresource',
] as const;

/**
 * One event as the log backend writes it (audit.k8s.io/v1 JSON, fields in Go's order, empty
 * optional fields omitted), followed by a newline.
 */
export function eventToJSONLine(ev: Readonly<AuditEvent>): string {
  let out =
    `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":${JSON.stringify(ev.level)}` +
    `,"auditID":${JSON.stringify(ev.auditID)},"stage":${JSON.stringify(ev.stage)}` +
    `,"requestURI":${JSON.stringify(ev.requestURI)},"verb":${JSON.stringify(ev.verb)}` +
    `,"user":${userJSON(ev.user)}`;
  if (ev.impersonatedUser !== undefined)
    out += `,"impersonatedUser":${userJSON(ev.impersonatedUser)}`;
  if (ev.sourceIPs !== undefined && ev.sourceIPs.length > 0) {
    out += `,"sourceIPs":${JSON.stringify(ev.sourceIPs)}`;
  }
  if (ev.userAgent !== undefined && ev.userAgent !== '') {
    out += `,"userAgent":${JSON.stringify(ev.userAgent)}`;
  }
  if (ev.objectRef !== undefined) {
    const ref = ev.objectRef;
    const parts: string[] = [];
    for (const f of OBJECT_REF_FIELDS) {
      const v = ref[f];
      if (v !== undefined && v !== '') parts.push(`"${f}":${JSON.stringify(v)}`);
    }
    out += `,"objectRef":{${parts.join(',')}}`;
  }
  if (ev.responseStatus !== undefined) out += `,"responseStatus":${statusJSON(ev.responseStatus)}`;
  if (ev.requestObject !== undefined) out += `,"requestObject":${ev.requestObject}`;
  if (ev.responseObject !== undefined) out += `,"responseObject":${ev.responseObject}`;
  out +=
    `,"requestReceivedTimestamp":"${formatMicroTime(ev.requestReceivedTimestamp)}"` +
    `,"stageTimestamp":"${formatMicroTime(ev.stageTimestamp)}"`;
  if (ev.annotations !== undefined && Object.keys(ev.annotations).length > 0) {
    const keys = Object.keys(ev.annotations).sort();
    const parts = keys.map(
      (k) => `${JSON.stringify(k)}:${JSON.stringify(ev.annotations?.[k] ?? '')}`,
    );
    out += `,"annotations":{${parts.join(',')}}`;
  }
  return out + '}\n';
}
