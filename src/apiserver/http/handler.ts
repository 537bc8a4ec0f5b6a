/**
 * The API server's request handler: health and version, discovery, OpenAPI, and the resource
 * verbs (get, list, watch, create, update, patch, delete, deletecollection) plus the status and
 * scale subresources, with JSON, YAML and Kubernetes protobuf request bodies and JSON or Table
 * responses. Authentication happens before (see server.ts); everything authenticated is allowed
 * until RBAC arrives.
 */
import { parse as parseYaml } from 'yaml';
import {
  KUBERNETES_VERSION,
  ProtobufDecodeError,
  StatusError,
  labelSelectorAsSelector,
  selectorFromSet,
  newBadRequest,
  newConflict,
  newInternalError,
  newInvalid,
  newMethodNotSupported,
  newNotFound,
  newTooManyRequests,
  newUnauthorized,
  newUnsupportedMediaType,
  WarningRecorder,
  decodeJsonBody,
  decodeStrictOutcome,
  decodeYamlBody,
  fieldValidationDirective,
  goFormatValue,
  jsonPatchStrictErrors,
  parseJsonStrict,
  patchStrictOutcome,
  toLatin1HeaderValue,
  decodeTyped,
  dropUnknownFields,
  unknownFields,
  validateFieldManager,
  validateFieldValidationParam,
  validatePatchOptions,
  type ResourceInfo,
  type Scheme,
  type SchemaNode,
  type StrictBody,
  type StrictIssues,
} from '../../api/index.ts';
import {
  forbiddenError,
  goQuote,
  invalid,
  newPath,
  parseFieldSelector,
  required,
} from '../../api/index.ts';
import type {
  AuthorizationAttributes,
  NodeAuthorizationAttributes,
  Decision,
  SubjectRulesReviewStatus,
} from '../../api/index.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { StoredObject } from '../../storage/index.ts';
import { isStorageError } from '../../storage/index.ts';
import {
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from '../discovery/index.ts';
import type { OpenApiDocs } from '../openapi/index.ts';
import type { ResourceRequestInfo } from '../request-info.ts';
import { parseRequestInfo } from '../request-info.ts';
import { checkNameMatchesURL } from '../registry/registry.ts';
import type {
  DeleteOptionsBody,
  PatchType,
  ResourceRegistry,
  WriteOptions,
} from '../registry/registry.ts';
import { interpretStorageError } from '../storage-errors.ts';
import { readBody, sendError, sendJSON, sendText, type Request, type Response } from './respond.ts';
import { tableFromObjects, wantsTable, type IncludeObject } from './table.ts';
import { WatchWriter } from './watch-writer.ts';
import { validateListOptions } from './list-options.ts';
import type { UserInfo } from '../user.ts';
import { requestAttributes } from '../auth/index.ts';
import {
  AUDIT_ID_HEADER,
  auditAttributes,
  auditIDFor,
  type AuditRequestStart,
  type Auditor,
  type RequestAudit,
} from '../audit/index.ts';
import { bodyAudits } from './respond.ts';
import type { RequestInfo } from '../request-info.ts';
import {
  JWKS_CONTENT_TYPE,
  JWKS_PATH,
  OPENID_CACHE_CONTROL,
  OPENID_CONFIG_CONTENT_TYPE,
  OPENID_CONFIG_PATH,
  headerMapFromRaw,
  impersonate,
} from '../authn/index.ts';

export type { UserInfo } from '../user.ts';

export interface HandlerDeps {
  scheme: Scheme;
  /**
   * The shape of a resource's objects for `fieldValidation` (unknown and duplicate fields);
   * undefined when it has none: its bodies are then not checked.
   */
  schemaNode?(info: ResourceInfo): SchemaNode | undefined;
  /** Registry per "group/version/resource". */
  registries: Map<string, ResourceRegistry>;
  openapi: OpenApiDocs;
  /** host:port clients use, for /api's serverAddressByClientCIDRs. */
  serverAddress: string;
  /** Who sent the request; undefined when it carries no valid credential. */
  authenticate(req: Request): UserInfo | undefined | Promise<UserInfo | undefined>;
  /** The authorizer chain (system:masters, RBAC); in-memory, synchronous. */
  authorize(attrs: AuthorizationAttributes): Decision;
  /** SelfSubjectRulesReview: what `user` may do in `namespace`. */
  rulesFor(user: UserInfo, namespace: string): SubjectRulesReviewStatus;
  /**
   * TokenRequest (`POST serviceaccounts/NAME/token`): the TokenRequest with its status (a
   * signed, bound service account token) and warnings.
   */
  tokenRequest(
    namespace: string,
    name: string,
    body: unknown,
  ): Promise<{ tokenRequest: object; warnings: string[] }>;
  /** The audit log, when a policy is configured (upstream --audit-policy-file). */
  auditor?: Auditor;
  /** The service account issuer's OIDC discovery documents (JSON texts). */
  openid(): { configJSON: string; keysetJSON: string } | undefined;
  /** TokenReview: the user a bearer token authenticates, for `audiences` (default the server's). */
  reviewToken(
    token: string,
    audiences?: readonly string[],
  ): Promise<{ user?: UserInfo; audiences?: string[] }>;
  /** True when storage answers (readyz). */
  ready(): Promise<boolean>;
  /** Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown) into JSON. */
  decodeProtobuf(body: Uint8Array): StoredObject;
  now(): Date;
  /** Aborted when the server shuts down: ends every watch. */
  shutdownSignal: AbortSignal;
  /**
   * Resource requests served outside the registries (the kubelet-facing connect subresources,
   * metrics.k8s.io), called after authentication, authorization and the audit start: resolves
   * true when it served the request, false to leave it to the registries.
   */
  serveOther?(
    info: ResourceRequestInfo,
    params: URLSearchParams,
    req: Request,
    res: Response,
  ): Promise<boolean>;
}

const ANONYMOUS_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

/** Default and maximum watch duration when the client gives no timeoutSeconds (upstream 30-60 min). */
const DEFAULT_WATCH_SECONDS = 1800;
/** Marks the bookmark that ends a watch's initial events (metav1.InitialEventsAnnotationKey). */
const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

export function registryKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

function versionInfo(): object {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: KUBERNETES_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-11-26T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'skiff',
    platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** Which aggregated discovery version the Accept header asks for first, if any. */
function aggregatedVersion(accept: string): 'v2' | 'v2beta1' | undefined {
  for (const part of accept.split(',')) {
    const p = part.replace(/\s/g, '');
    if (p.includes('as=APIGroupDiscoveryList') && p.includes('g=apidiscovery.k8s.io')) {
      if (p.includes('v=v2beta1')) return 'v2beta1';
      if (p.includes('v=v2')) return 'v2';
    }
  }
  return undefined;
}

function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function dryRunOf(params: URLSearchParams): boolean {
  const values = params.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All')
      throw newBadRequest(`Invalid dryRun value: ${v}; the only supported value is "All"`);
  }
  return values.length > 0;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a create/update body (JSON, YAML or Kubernetes protobuf) into an object. */
function decodeBody(
  deps: HandlerDeps,
  contentType: string | undefined,
  body: Buffer,
): StoredObject {
  const type = mediaType(contentType);
  let value: unknown;
  if (type === '' || type === 'application/json' || type === '*/*') {
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw newBadRequest(
        `couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  } else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    try {
      value = parseYaml(body.toString('utf8'));
    } catch (err) {
      throw newBadRequest(
        `error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  } else if (type === 'application/vnd.kubernetes.protobuf') {
    try {
      return deps.decodeProtobuf(body);
    } catch (err) {
      if (err instanceof StatusError) throw err;
      if (err instanceof ProtobufDecodeError && err.reason === 'malformed') {
        throw newBadRequest(`unable to decode protobuf body: ${err.message}`);
      }
      throw new StatusError({
        ...newUnsupportedMediaType([
          'application/json',
          'application/yaml',
          'application/vnd.kubernetes.protobuf',
        ]).status,
        message: `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  } else {
    throw newUnsupportedMediaType([
      'application/json',
      'application/yaml',
      'application/vnd.kubernetes.protobuf',
    ]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw newBadRequest('the body of the request must be a JSON object');
  }
  return value as StoredObject;
}

/**
 * decodeBody with strict decoding for JSON and YAML bodies when `shape` is given: the object
 * and its duplicate and unknown fields (`issues`); protobuf bodies and `shape` undefined give
 * no issues (what `fieldValidation=Ignore` needs).
 */
function decodeBodyStrict(
  deps: HandlerDeps,
  contentType: string | undefined,
  body: Buffer,
  shape: SchemaNode | undefined,
): { object: StoredObject; issues?: StrictIssues } {
  const type = mediaType(contentType);
  const isJson = type === '' || type === 'application/json' || type === '*/*';
  const isYaml =
    type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml';
  if (shape === undefined || (!isJson && !isYaml)) {
    return { object: decodeBody(deps, contentType, body) };
  }
  let decoded: StrictBody;
  try {
    decoded = isJson
      ? decodeJsonBody(body.toString('utf8'), shape)
      : decodeYamlBody(body.toString('utf8'), shape);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    throw newBadRequest(
      isJson
        ? `couldn't get version/kind; json parse error: ${text}`
        : `error converting YAML to JSON: ${text}`,
    );
  }
  const value = decoded.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw newBadRequest('the body of the request must be a JSON object');
  }
  return { object: value as StoredObject, issues: decoded.issues };
}

/** The strict-decoding issues of a patch: the patch body's own duplicates, then the patched object's unknown fields. */
function patchIssues(
  type: PatchType,
  patch: Buffer,
  patched: StoredObject,
  shape: SchemaNode,
): StrictIssues {
  const errors: string[] = [];
  try {
    if (type === 'json') errors.push(...jsonPatchStrictErrors(patch.toString('utf8')));
    else if (type === 'merge') errors.push(...parseJsonStrict(patch.toString('utf8')).errors);
  } catch {
    // A malformed patch body already failed when it was applied.
  }
  errors.push(...unknownFields(patched, shape, type === 'strategic' ? 'message' : undefined));
  return { errors };
}

/** A strategic-merge patch body as a map (for the Strict error's value), {} when unreadable. */
function patchMapOf(patch: Buffer): unknown {
  try {
    return JSON.parse(patch.toString('utf8')) as unknown;
  } catch {
    return {};
  }
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The list kind's apiVersion/kind wrapper around items (items without kind/apiVersion, as upstream). */
function listBody(
  info: ResourceInfo,
  list: {
    items: StoredObject[];
    resourceVersion: string;
    continue?: string;
    remainingItemCount?: number;
  },
): object {
  const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continue !== undefined) metadata['continue'] = list.continue;
  if (list.remainingItemCount !== undefined)
    metadata['remainingItemCount'] = list.remainingItemCount;
  return {
    kind: info.listKind,
    apiVersion: info.group === '' ? info.version : `${info.group}/${info.version}`,
    metadata,
    items: list.items,
  };
}

function includeObjectOf(params: URLSearchParams): IncludeObject {
  const v = params.get('includeObject');
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  if (v !== null && v !== '') throw newBadRequest(`includeObject: Unsupported value: "${v}"`);
  return 'Metadata';
}

const LONG_RUNNING_SUBRESOURCES = /\/(log|exec|attach|portforward|proxy)(\/|$)/;

/** Watches and streaming subresources are not counted against the in-flight limits (upstream). */
function isLongRunning(url: string): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  return (
    /(^|&)watch=(true|1)(&|$)/.test(query) ||
    /\/watch\//.test(path) ||
    LONG_RUNNING_SUBRESOURCES.test(path)
  );
}

/** Upstream's defaults for --max-requests-inflight and --max-mutating-requests-inflight. */
export const DEFAULT_MAX_IN_FLIGHT = { readOnly: 400, mutating: 200 };

/**
 * Builds the request listener, with upstream's max-in-flight filter: past the limit a request
 * gets 429 TooManyRequests with Retry-After: 1, which client-go retries.
 */
export function createHandler(
  deps: HandlerDeps,
  limits: { readOnly: number; mutating: number } = DEFAULT_MAX_IN_FLIGHT,
): (req: Request, res: Response) => void {
  let readOnly = 0;
  let mutating = 0;
  return (req, res) => {
    const url = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const limited = !isLongRunning(url) && !ANONYMOUS_PATHS.has(url.split('?')[0] ?? '');
    const isMutating = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (limited) {
      if (isMutating ? mutating >= limits.mutating : readOnly >= limits.readOnly) {
        sendError(res, newTooManyRequests('Too many requests, please try again later.', 1));
        return;
      }
      if (isMutating) mutating++;
      else readOnly++;
      res.once('close', () => {
        if (isMutating) mutating--;
        else readOnly--;
      });
    }
    handle(deps, req, res).catch((err: unknown) => {
      sendError(res, err);
    });
  };
}

async function handle(deps: HandlerDeps, req: Request, res: Response): Promise<void> {
  const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
  for (const seg of rawPath.split('/')) {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      throw newBadRequest(`invalid path segment: ${seg}`);
    }
    if (decoded === '.' || decoded === '..')
      throw newBadRequest('path segments may not be "." or ".."');
  }
  const url = new URL(req.url ?? '/', 'https://localhost');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const params = url.searchParams;
  const method = (req.method ?? 'GET').toUpperCase();

  if (
    ANONYMOUS_PATHS.has(path) ||
    path.startsWith('/readyz/') ||
    path.startsWith('/livez/') ||
    path.startsWith('/healthz/')
  ) {
    if (path === '/version') {
      sendJSON(res, 200, versionInfo());
      return;
    }
    if (path.startsWith('/readyz') && !(await deps.ready())) {
      sendText(res, 500, '[-]storage failed: reason withheld\nreadyz check failed\n');
      return;
    }
    sendText(res, 200, 'ok');
    return;
  }

  const authenticated = await deps.authenticate(req);
  const info = parseRequestInfo(method, path, boolParam(params.get('watch')));
  if (authenticated === undefined) {
    deps.auditor?.failedAuthentication(auditStart(req, info, path, undefined), false);
    throw newUnauthorized('Unauthorized');
  }
  const audit =
    deps.auditor === undefined
      ? undefined
      : startAudit(
          (b) => deps.decodeProtobuf(b),
          deps.auditor,
          req,
          res,
          info,
          path,
          authenticated,
        );
  const user = await impersonatedUser(deps, req, authenticated);
  if (user !== authenticated) audit?.logImpersonatedUser(user);
  const attrs = requestAttributes(user, info, path);
  if (info.isResourceRequest && (info.verb === 'list' || info.verb === 'watch')) {
    const selector = params.get('fieldSelector');
    if (selector !== null && selector !== '') {
      try {
        const parsed = parseFieldSelector(selector);
        // A list or watch of one object by field selector is authorized on that name
        // (upstream); the Node authorizer scopes a kubelet's pod lists to `spec.nodeName`.
        const name = parsed.requiresExactMatch('metadata.name');
        if (name !== undefined && name !== '') attrs.name = name;
        (attrs as NodeAuthorizationAttributes).fieldSelector = parsed.requirements();
      } catch {
        // A malformed selector is refused with its message when the list runs.
      }
    }
  }
  const decision = deps.authorize(attrs);
  if (decision.decision !== 'allow') throw forbiddenError(attrs, decision.reason);

  const accept = req.headers.accept ?? '';
  if (
    (method === 'GET' || method === 'HEAD') &&
    (path === OPENID_CONFIG_PATH || path === JWKS_PATH)
  ) {
    const docs = deps.openid();
    if (docs !== undefined) {
      const jwks = path === JWKS_PATH;
      const body = jwks ? docs.keysetJSON : docs.configJSON;
      res.writeHead(200, {
        'Content-Type': jwks ? JWKS_CONTENT_TYPE : OPENID_CONFIG_CONTENT_TYPE,
        'Cache-Control': OPENID_CACHE_CONTROL,
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
  }
  if (method === 'GET' || method === 'HEAD') {
    const agg = aggregatedVersion(accept);
    if (path === '/api' || path === '/apis') {
      const core = path === '/api';
      if (agg !== undefined) {
        sendJSON(res, 200, aggregatedDiscovery(deps.scheme, core, agg), {
          'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
          Vary: 'Accept',
        });
      } else {
        sendJSON(res, 200, core ? apiVersions(deps.serverAddress) : apiGroupList(deps.scheme), {
          Vary: 'Accept',
        });
      }
      return;
    }
    const parts = path.split('/').filter((p) => p !== '');
    if (parts[0] === 'api' && parts.length === 2) {
      const doc = apiResourceList(deps.scheme, '', parts[1] ?? '');
      if (doc !== undefined) {
        sendJSON(res, 200, doc);
        return;
      }
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const doc = apiGroupDocument(deps.scheme, parts[1] ?? '');
      if (doc !== undefined) {
        sendJSON(res, 200, doc);
        return;
      }
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const doc = apiResourceList(deps.scheme, parts[1] ?? '', parts[2] ?? '');
      if (doc !== undefined) {
        sendJSON(res, 200, doc);
        return;
      }
    }
    if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
      // An empty protobuf document is a valid, empty OpenAPI v2 Document (kubectl-wire.md §3.2).
      res.writeHead(200, {
        'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
        'Content-Length': 0,
      });
      res.end();
      return;
    }
    if (path === '/openapi/v3') {
      sendJSON(res, 200, deps.openapi.root);
      return;
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = deps.openapi.byPath.get(path.slice('/openapi/v3/'.length));
      if (doc !== undefined) {
        const immutable = params.get('hash') === doc.hash;
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(doc.body),
          ETag: `"${doc.hash}"`,
          ...(immutable
            ? { 'Cache-Control': 'public, immutable' }
            : { 'Cache-Control': 'no-cache' }),
        });
        res.end(doc.body);
        return;
      }
    }
  }

  if (!info.isResourceRequest) {
    throw notFoundResource();
  }
  if (await handleVirtual(deps, info, user, req, res)) return;
  if (deps.serveOther !== undefined && (await deps.serveOther(info, params, req, res))) return;
  if (
    info.group === '' &&
    info.resource === 'serviceaccounts' &&
    info.subresource === 'token' &&
    info.name !== ''
  ) {
    if (info.verb !== 'create') {
      throw newMethodNotSupported({ group: '', resource: 'serviceaccounts/token' }, info.verb);
    }
    const body = decodeBody(deps, req.headers['content-type'], await readBody(req));
    const result = await deps.tokenRequest(info.namespace, info.name, body);
    if (result.warnings.length > 0) {
      res.setHeader(
        'Warning',
        result.warnings.map((w) => toLatin1HeaderValue(`299 - ${JSON.stringify(w)}`)),
      );
    }
    sendJSON(res, 201, result.tokenRequest);
    return;
  }
  const registry = deps.registries.get(registryKey(info.group, info.version, info.resource));
  if (registry === undefined) throw notFoundResource();
  await handleResource(deps, registry, info, params, req, res, accept, user);
}

function auditStart(
  req: Request,
  info: RequestInfo,
  path: string,
  user: UserInfo | undefined,
): AuditRequestStart {
  const longRunning = isLongRunning(req.url ?? '/');
  return {
    auditID: auditIDFor(req.headers),
    requestURI: req.url ?? '/',
    attributes: auditAttributes(info, path, user),
    headers: req.headers,
    remoteAddress: (req as unknown as { socket?: { remoteAddress?: string } }).socket
      ?.remoteAddress,
    longRunning,
  };
}

/**
 * Starts the audit record of a request (none when the policy's level is None) and finishes it
 * when the response is done, with the request and response bodies when the level records them.
 */
function startAudit(
  decodeProtobuf: (body: Uint8Array) => unknown,
  auditor: Auditor,
  req: Request,
  res: Response,
  info: RequestInfo,
  path: string,
  user: UserInfo,
): RequestAudit | undefined {
  const start = auditStart(req, info, path, user);
  res.setHeader(AUDIT_ID_HEADER, start.auditID);
  const audit = auditor.startEvent(start);
  if (audit === undefined) return undefined;
  // Every level reads the body's metadata (objectRef name of a create); Request and above keep it.
  bodyAudits.set(req, {
    logRequestObject: (obj) => {
      audit.logRequestObject(obj);
    },
    logRequestPatch: (patch) => {
      audit.logRequestPatch(patch);
    },
    decodeProtobuf,
    addAnnotation: (key, value) => {
      audit.addAnnotation(key, value);
    },
  });
  if (audit.recordsResponseObject) {
    // Capture what sendJSON writes (one end() with the whole JSON body).
    const end = res.end.bind(res) as (...args: unknown[]) => unknown;
    (res as unknown as { end: (...args: unknown[]) => unknown }).end = (...args: unknown[]) => {
      const chunk = args[0];
      if (typeof chunk === 'string' && chunk.startsWith('{')) {
        try {
          audit.logResponseObject(JSON.parse(chunk), chunk);
        } catch {
          // Not JSON after all: the response is not recorded.
        }
      }
      return end(...args);
    };
  }
  res.once('close', () => {
    auditor.finishEvent(audit, res.statusCode);
  });
  return audit;
}

/**
 * The user a request acts as: the authenticated one, or the one its Impersonate-* headers name
 * when the authenticated user may impersonate it (RBAC verb `impersonate`).
 */
async function impersonatedUser(
  deps: HandlerDeps,
  req: Request,
  user: UserInfo,
): Promise<UserInfo> {
  let asked = false;
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('impersonate-')) {
      asked = true;
      break;
    }
  }
  if (!asked) return user;
  const as = await impersonate(
    headerMapFromRaw(req.rawHeaders ?? []),
    user,
    (attrs) => {
      const d = deps.authorize(attrs);
      return { allowed: d.decision === 'allow', reason: d.reason };
    },
    req.url ?? '',
  );
  return as ?? user;
}

/** A UserInfo as authentication.k8s.io/v1 writes it (empty fields omitted). */
function userInfoWire(user: UserInfo): Record<string, unknown> {
  return {
    username: user.username,
    ...(user.uid === undefined || user.uid === '' ? {} : { uid: user.uid }),
    groups: user.groups,
    ...(user.extra === undefined || Object.keys(user.extra).length === 0
      ? {}
      : { extra: user.extra }),
  };
}

/** The user a SubjectAccessReview asks about (spec.user, groups, uid, extra). */
function subjectOfReview(spec: Record<string, unknown>, kind: string): UserInfo {
  const username = typeof spec['user'] === 'string' ? spec['user'] : '';
  const groups = Array.isArray(spec['groups'])
    ? (spec['groups'] as unknown[]).filter((g): g is string => typeof g === 'string')
    : [];
  if (username === '' && groups.length === 0) {
    throw newInvalid({ group: 'authorization.k8s.io', kind }, '', [
      invalid(newPath('spec', 'user'), '', 'at least one of user or group must be specified'),
    ]);
  }
  const out: UserInfo = { username, groups };
  if (typeof spec['uid'] === 'string') out.uid = spec['uid'];
  const extra = spec['extra'];
  if (extra !== null && typeof extra === 'object' && !Array.isArray(extra)) {
    out.extra = extra as Record<string, string[]>;
  }
  return out;
}

/** Authorization attributes of an access review's spec (exactly one kind of attributes). */
function reviewAttributes(
  user: UserInfo,
  spec: Record<string, unknown>,
  kind: string,
): AuthorizationAttributes {
  const ra = spec['resourceAttributes'] as Record<string, unknown> | undefined;
  const nra = spec['nonResourceAttributes'] as Record<string, unknown> | undefined;
  const str = (o: Record<string, unknown> | undefined, k: string): string =>
    typeof o?.[k] === 'string' ? o[k] : '';
  if ((ra === undefined) === (nra === undefined)) {
    throw newInvalid({ group: 'authorization.k8s.io', kind }, '', [
      invalid(
        newPath('spec', 'resourceAttributes'),
        '',
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    ]);
  }
  if (nra !== undefined) {
    return { user, verb: str(nra, 'verb'), resourceRequest: false, path: str(nra, 'path') };
  }
  return {
    user,
    verb: str(ra, 'verb'),
    resourceRequest: true,
    namespace: str(ra, 'namespace'),
    apiGroup: str(ra, 'group'),
    apiVersion: str(ra, 'version'),
    resource: str(ra, 'resource'),
    subresource: str(ra, 'subresource'),
    name: str(ra, 'name'),
  };
}

/**
 * Resources that are computed, not stored: identity and access reviews (every authenticated
 * user is allowed everything until RBAC, issue 5), component statuses, and the legacy
 * `bindings` collection. Returns false when `info` is not one of them.
 */
async function handleVirtual(
  deps: HandlerDeps,
  info: ResourceRequestInfo,
  user: UserInfo,
  req: Request,
  res: Response,
): Promise<boolean> {
  const key = `${info.group}/${info.resource}`;
  const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
  const known = deps.scheme.byGroupVersionResource({
    group: info.group,
    version: info.version,
    resource: info.resource,
  });
  if (known === undefined) return false;
  const reviews = new Set([
    'authentication.k8s.io/selfsubjectreviews',
    'authentication.k8s.io/tokenreviews',
    'authorization.k8s.io/selfsubjectaccessreviews',
    'authorization.k8s.io/subjectaccessreviews',
    'authorization.k8s.io/localsubjectaccessreviews',
    'authorization.k8s.io/selfsubjectrulesreviews',
  ]);
  if (reviews.has(key)) {
    if (info.verb !== 'create' || info.subresource !== '') {
      throw newMethodNotSupported({ group: info.group, resource: info.resource }, info.verb);
    }
    const body = decodeBody(deps, req.headers['content-type'], await readBody(req));
    const spec = (body['spec'] ?? {}) as Record<string, unknown>;
    const base = { kind: known.kind, apiVersion, metadata: { creationTimestamp: null } };
    let status: object;
    switch (info.resource) {
      case 'selfsubjectreviews':
        sendJSON(res, 201, {
          ...base,
          status: { userInfo: userInfoWire(user) },
        });
        return true;
      case 'tokenreviews': {
        const token = typeof spec['token'] === 'string' ? spec['token'] : '';
        const audiences = Array.isArray(spec['audiences'])
          ? (spec['audiences'] as unknown[]).filter((a): a is string => typeof a === 'string')
          : [];
        if (token === '') {
          throw newInvalid({ group: 'authentication.k8s.io', kind: 'TokenReview' }, '', [
            required(newPath('spec', 'token'), ''),
          ]);
        }
        const r = await deps.reviewToken(token, audiences.length > 0 ? audiences : undefined);
        status =
          r.user === undefined
            ? { user: {}, error: '[invalid bearer token, token lookup failed]' }
            : {
                authenticated: true,
                user: userInfoWire(r.user),
                ...(r.audiences === undefined ? {} : { audiences: r.audiences }),
              };
        break;
      }
      case 'selfsubjectrulesreviews': {
        const ns = typeof spec['namespace'] === 'string' ? spec['namespace'] : '';
        status = deps.rulesFor(user, ns);
        break;
      }
      case 'localsubjectaccessreviews':
      case 'subjectaccessreviews':
      case 'selfsubjectaccessreviews': {
        const subject =
          info.resource === 'selfsubjectaccessreviews' ? user : subjectOfReview(spec, known.kind);
        const attrs = reviewAttributes(subject, spec, known.kind);
        if (
          info.resource === 'localsubjectaccessreviews' &&
          (attrs.namespace ?? '') !== info.namespace
        ) {
          throw newBadRequest(
            `spec.resourceAttributes.namespace must match namespace: ${info.namespace}`,
          );
        }
        const d = deps.authorize(attrs);
        status =
          d.decision === 'allow'
            ? { allowed: true, ...(d.reason === '' ? {} : { reason: d.reason }) }
            : {
                allowed: false,
                ...(d.decision === 'deny' ? { denied: true } : {}),
                ...(d.reason === '' ? {} : { reason: d.reason }),
              };
        break;
      }
      default:
        status = {};
    }
    sendJSON(res, 201, { ...base, spec, status });
    return true;
  }
  if (key === '/componentstatuses') {
    if (info.verb !== 'get' && info.verb !== 'list') {
      throw newMethodNotSupported({ group: '', resource: 'componentstatuses' }, info.verb);
    }
    const healthy = await deps.ready();
    const item = (name: string): object => ({
      kind: 'ComponentStatus',
      apiVersion: 'v1',
      metadata: { name },
      conditions: [
        {
          type: 'Healthy',
          status: healthy ? 'True' : 'False',
          message: healthy ? 'ok' : 'storage unreachable',
        },
      ],
    });
    if (info.verb === 'get') {
      if (info.name !== 'storage')
        throw newNotFound({ group: '', resource: 'componentstatuses' }, info.name);
      sendJSON(res, 200, item('storage'));
    } else {
      sendJSON(res, 200, {
        kind: 'ComponentStatusList',
        apiVersion: 'v1',
        metadata: {},
        items: [item('storage')],
      });
    }
    return true;
  }
  if (key === '/bindings') {
    if (info.verb !== 'create')
      throw newMethodNotSupported({ group: '', resource: 'bindings' }, info.verb);
    const pods = deps.registries.get(registryKey('', 'v1', 'pods'));
    if (pods === undefined) return false;
    const body = decodeBody(deps, req.headers['content-type'], await readBody(req));
    const name = body.metadata?.name ?? '';
    if (name === '') throw newBadRequest('metadata.name: Required value');
    sendJSON(
      res,
      201,
      await bindPod(
        pods,
        info.namespace,
        name,
        body,
        dryRunOf(new URL(req.url ?? '/', 'https://x').searchParams),
      ),
    );
    return true;
  }
  return false;
}

function notFoundResource(): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    details: {},
    code: 404,
  });
}

async function handleResource(
  deps: HandlerDeps,
  registry: ResourceRegistry,
  info: ResourceRequestInfo,
  params: URLSearchParams,
  req: Request,
  res: Response,
  accept: string,
  user: UserInfo,
): Promise<void> {
  const r = registry.info;
  const ns = r.namespaced ? info.namespace : '';
  // Warnings collected while serving; headers are set before the response is written (also
  // for errors, as upstream sends them).
  const recorder = new WarningRecorder();
  const warn = (text: string): void => {
    recorder.add(text);
    const values = recorder.headers();
    if (!res.headersSent) res.setHeader('Warning', values.map(toLatin1HeaderValue));
  };
  let abort: AbortController | undefined;
  const signal = (): AbortSignal => {
    if (abort === undefined) {
      const ac = new AbortController();
      abort = ac;
      req.on('close', () => {
        ac.abort();
      });
    }
    return abort.signal;
  };
  const writeOpts = (
    dryRun: boolean,
    optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions',
  ): WriteOptions => {
    const fieldManager = params.get('fieldManager');
    if (optionsKind === 'CreateOptions' || optionsKind === 'UpdateOptions') {
      // PatchOptions are validated by the patch case (force, apply's required manager).
      const errs = validateFieldManager(fieldManager ?? '');
      if (errs.length > 0) throw newInvalid({ group: 'meta.k8s.io', kind: optionsKind }, '', errs);
    }
    const userAgent = req.headers['user-agent'];
    const audited = bodyAudits.get(req);
    return {
      dryRun,
      user,
      warn,
      signal,
      ...(audited === undefined
        ? {}
        : {
            addAuditAnnotation: (key: string, value: string) => {
              audited.addAnnotation(key, value);
            },
          }),
      ...(fieldManager !== null && optionsKind !== 'DeleteOptions' ? { fieldManager } : {}),
      ...(userAgent === undefined ? {} : { userAgent }),
      ...(optionsKind === 'PatchOptions' && params.has('force')
        ? { force: boolParam(params.get('force')) }
        : {}),
      admissionOptions: {
        kind: optionsKind,
        apiVersion: 'meta.k8s.io/v1',
        ...(dryRun ? { dryRun: ['All'] } : {}),
        ...(fieldManager !== null && optionsKind !== 'DeleteOptions' ? { fieldManager } : {}),
      },
    };
  };
  /**
   * Decodes a create/update body with `fieldValidation` (default Warn) as upstream: type
   * errors, unknown fields dropped (and reported), quantities canonical. A scale
   * subresource's body is an autoscaling/v1 Scale.
   */
  const decodeChecked = (
    body: Buffer,
    optionsKind: 'CreateOptions' | 'UpdateOptions',
  ): StoredObject => {
    const raw = params.get('fieldValidation') ?? undefined;
    const bad = validateFieldValidationParam(raw, optionsKind);
    if (bad !== undefined) throw bad;
    const directive = fieldValidationDirective(raw);
    const bodyKind =
      sub === 'scale' ? { ...r, group: 'autoscaling', version: 'v1', kind: 'Scale' } : r;
    const shape = deps.schemaNode?.(bodyKind);
    const { object, issues } = decodeBodyStrict(
      deps,
      req.headers['content-type'],
      body,
      directive === 'Ignore' ? undefined : shape,
    );
    const typeError = shape === undefined ? undefined : decodeTyped(object, shape);
    if (typeError !== undefined) {
      const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
      const kind =
        typeof object.kind === 'string' && object.kind !== '' ? object.kind : bodyKind.kind;
      throw newBadRequest(
        `${kind} in version ${goQuote(apiVersion.slice(apiVersion.indexOf('/') + 1) || bodyKind.version)} cannot be handled as a ${bodyKind.kind}: ${typeError}`,
      );
    }
    if (issues !== undefined) {
      const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
      const outcome = decodeStrictOutcome(
        directive,
        issues,
        {
          version: apiVersion.slice(apiVersion.indexOf('/') + 1),
          kind: typeof object.kind === 'string' ? object.kind : bodyKind.kind,
        },
        bodyKind.kind,
      );
      if (outcome.error !== undefined) throw outcome.error;
      for (const w of outcome.warnings) warn(w);
    }
    // Reported or not, unknown fields are dropped, as decoding into the Go types drops them.
    if (shape !== undefined) dropUnknownFields(object, shape);
    return object;
  };
  const sub = info.subresource;
  const subInfo = sub === '' ? undefined : r.subresources.find((s) => s.name === sub);
  if (sub !== '' && subInfo === undefined) throw notFoundResource();
  const verbs: readonly string[] = subInfo ? subInfo.verbs : r.verbs;
  if (!verbs.includes(info.verb)) {
    throw newMethodNotSupported({ group: r.group, resource: r.resource }, info.verb);
  }
  if (r.namespaced && ns === '' && info.name !== '') {
    throw newBadRequest('Namespace parameter required.');
  }
  const table = wantsTable(accept);
  const now = deps.now();

  switch (info.verb) {
    case 'get': {
      const obj = await registry.get(ns, info.name, params.get('resourceVersion') ?? undefined);
      if (sub === 'scale') {
        sendJSON(res, 200, scaleOf(r, obj));
        return;
      }
      if (sub !== '' && sub !== 'status' && sub !== 'approval') throw notFoundResource();
      if (table && sub === '') {
        sendJSON(
          res,
          200,
          tableFromObjects(
            r,
            [obj],
            { resourceVersion: obj.metadata?.resourceVersion ?? '' },
            includeObjectOf(params),
            now,
          ),
        );
        return;
      }
      sendJSON(res, 200, obj);
      return;
    }
    case 'list': {
      const limitParam = params.get('limit') ?? '';
      const limit = limitParam === '' ? 0 : Number(limitParam);
      if (!Number.isSafeInteger(limit))
        throw newBadRequest(`limit: Invalid value: "${limitParam}": must be an integer`);
      validateListOptions({
        watch: false,
        resourceVersion: params.get('resourceVersion') ?? '',
        resourceVersionMatch: params.get('resourceVersionMatch') ?? '',
        continue: params.get('continue') ?? '',
        sendInitialEvents: params.has('sendInitialEvents')
          ? boolParam(params.get('sendInitialEvents'))
          : undefined,
      });
      const list = await registry.list(ns, {
        labelSelector: params.get('labelSelector') ?? '',
        fieldSelector: params.get('fieldSelector') ?? '',
        ...(params.has('resourceVersion')
          ? { resourceVersion: params.get('resourceVersion') ?? '' }
          : {}),
        resourceVersionMatch: params.get('resourceVersionMatch') ?? '',
        limit: Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0,
        continue: params.get('continue') ?? '',
      });
      if (table) {
        sendJSON(res, 200, tableFromObjects(r, list.items, list, includeObjectOf(params), now));
        return;
      }
      sendJSON(res, 200, listBody(r, list));
      return;
    }
    case 'watch':
      await serveWatch(registry, ns, info, params, req, res, table, deps);
      return;
    case 'create': {
      const dryRun = dryRunOf(params);
      if (sub === 'binding' || sub === 'eviction') {
        const body = decodeBody(deps, req.headers['content-type'], await readBody(req));
        const done =
          sub === 'binding'
            ? await bindPod(registry, ns, info.name, body, dryRun)
            : await evictPod(deps, registry, ns, info.name, body, dryRun);
        sendJSON(res, 201, done);
        return;
      }
      if (sub !== '')
        throw newMethodNotSupported({ group: r.group, resource: `${r.resource}/${sub}` }, 'create');
      const obj = decodeChecked(await readBody(req), 'CreateOptions');
      const created = await registry.create(ns, obj, writeOpts(dryRun, 'CreateOptions'));
      sendJSON(res, 201, created);
      return;
    }
    case 'update': {
      const dryRun = dryRunOf(params);
      const body = decodeChecked(await readBody(req), 'UpdateOptions');
      if (sub === 'scale') {
        const scaled = await updateScale(
          registry,
          ns,
          info.name,
          writeOpts(dryRun, 'UpdateOptions'),
          () => body,
        );
        sendJSON(res, 200, scaled);
        return;
      }
      if (sub !== '' && sub !== 'status' && sub !== 'finalize' && sub !== 'approval') {
        throw notFoundResource();
      }
      const { object, created } = await registry.update(
        ns,
        info.name,
        body,
        sub,
        writeOpts(dryRun, 'UpdateOptions'),
      );
      sendJSON(res, created ? 201 : 200, object);
      return;
    }
    case 'patch': {
      const dryRun = dryRunOf(params);
      const type = PATCH_TYPES[mediaType(req.headers['content-type'])];
      if (type === undefined) {
        throw newUnsupportedMediaType(Object.keys(PATCH_TYPES));
      }
      const optionErrs = validatePatchOptions({
        fieldManager: params.get('fieldManager') ?? '',
        force: params.has('force') ? boolParam(params.get('force')) : undefined,
        isApply: type === 'apply',
      });
      if (optionErrs.length > 0) {
        throw newInvalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', optionErrs);
      }
      const body = await readBody(req);
      if (type === 'apply') {
        if (sub !== '' && sub !== 'status' && sub !== 'approval') {
          throw newUnsupportedMediaType(
            Object.keys(PATCH_TYPES).filter((t) => t !== 'application/apply-patch+yaml'),
          );
        }
        const rawFv = params.get('fieldValidation') ?? undefined;
        const badFv = validateFieldValidationParam(rawFv, 'PatchOptions');
        if (badFv !== undefined) throw badFv;
        const { object, created } = await registry.apply(ns, info.name, body, sub, {
          ...writeOpts(dryRun, 'PatchOptions'),
          fieldValidation: fieldValidationDirective(rawFv),
        });
        sendJSON(res, created ? 201 : 200, object);
        return;
      }
      if (sub === 'scale') {
        const scaled = await updateScale(
          registry,
          ns,
          info.name,
          writeOpts(dryRun, 'PatchOptions'),
          (current) =>
            registry.applyPatchTo(type, scaleOf(registry.info, current) as StoredObject, body, {
              apiVersion: 'autoscaling/v1',
              kind: 'Scale',
            }),
        );
        sendJSON(res, 200, scaled);
        return;
      }
      if (sub !== '' && sub !== 'status' && sub !== 'approval') throw notFoundResource();
      const rawFv = params.get('fieldValidation') ?? undefined;
      const badFv = validateFieldValidationParam(rawFv, 'PatchOptions');
      if (badFv !== undefined) throw badFv;
      const directive = fieldValidationDirective(rawFv);
      const shape = deps.schemaNode?.(r);
      const obj = await registry.patch(ns, info.name, type, body, sub, {
        ...writeOpts(dryRun, 'PatchOptions'),
        ...(shape === undefined
          ? {}
          : {
              checkPatched: (patched: StoredObject) => {
                const typeError = decodeTyped(patched, shape);
                if (typeError !== undefined) {
                  throw newInvalid({ group: '', kind: '' }, '', [
                    invalid(
                      newPath('patch'),
                      type === 'strategic'
                        ? goFormatValue(patchMapOf(body))
                        : JSON.stringify(patched),
                      typeError,
                    ),
                  ]);
                }
                if (directive !== 'Ignore') {
                  const outcome = patchStrictOutcome(
                    directive,
                    patchIssues(type, body, patched, shape),
                    type === 'strategic'
                      ? goFormatValue(patchMapOf(body))
                      : JSON.stringify(patched),
                  );
                  if (outcome.error !== undefined) throw outcome.error;
                  for (const w of outcome.warnings) warn(w);
                }
                dropUnknownFields(patched, shape);
              },
            }),
      });
      sendJSON(res, 200, obj);
      return;
    }
    case 'delete': {
      const options = await deleteOptions(deps, req, params);
      const dryRun = dryRunOf(params) || (options.dryRun ?? []).includes('All');
      const result = await registry.delete(
        ns,
        info.name,
        options,
        writeOpts(dryRun, 'DeleteOptions'),
      );
      if (!result.deleted) {
        // Upstream answers 202 only when the client explicitly asked not to orphan.
        sendJSON(res, options.orphanDependents === false ? 202 : 200, result.object);
        return;
      }
      if (registry.returnsDeletedObject) {
        sendJSON(res, 200, result.object);
        return;
      }
      sendJSON(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name: info.name,
          ...(r.group === '' ? {} : { group: r.group }),
          kind: r.resource,
          uid: result.object.metadata?.uid ?? '',
        },
      });
      return;
    }
    case 'deletecollection': {
      const options = await deleteOptions(deps, req, params);
      const dryRun = dryRunOf(params) || (options.dryRun ?? []).includes('All');
      const list = await registry.deleteCollection(
        ns,
        {
          labelSelector: params.get('labelSelector') ?? '',
          fieldSelector: params.get('fieldSelector') ?? '',
        },
        options,
        writeOpts(dryRun, 'DeleteOptions'),
      );
      sendJSON(res, 200, listBody(r, list));
      return;
    }
  }
}

async function deleteOptions(
  deps: HandlerDeps,
  req: Request,
  params: URLSearchParams,
): Promise<DeleteOptionsBody> {
  const raw = await readBody(req);
  let options: DeleteOptionsBody = {};
  if (
    raw.length > 0 &&
    mediaType(req.headers['content-type']) === 'application/vnd.kubernetes.protobuf'
  ) {
    // client-go's typed clients (helm's release storage, for one) send DeleteOptions as protobuf.
    options = decodeBody(deps, req.headers['content-type'], raw) as DeleteOptionsBody;
  } else if (raw.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw newBadRequest(
        `couldn't decode DeleteOptions: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw newBadRequest('DeleteOptions must be a JSON object');
    }
    options = parsed;
  }
  const grace = params.get('gracePeriodSeconds');
  if (grace !== null) {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw newBadRequest(`gracePeriodSeconds: invalid value ${grace}`);
    options.gracePeriodSeconds = n;
  }
  const policy = params.get('propagationPolicy');
  if (policy !== null) options.propagationPolicy = policy;
  if (params.get('orphanDependents') !== null)
    options.orphanDependents = boolParam(params.get('orphanDependents'));
  return options;
}

const SCALABLE = new Set([
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  '/replicationcontrollers',
]);

/** The autoscaling/v1 Scale of a workload. */
/** The scale subresource paths of a custom resource version (`subresources.scale`). */
export interface CustomScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

const customScales = new WeakMap<ResourceInfo, CustomScalePaths>();

/** Serves `info`'s scale subresource from `paths` (a custom resource version). */
export function registerCustomScale(info: ResourceInfo, paths: CustomScalePaths): void {
  customScales.set(info, paths);
}

/** `.spec.replicas` → ['spec', 'replicas'] (CRD scale paths are simple dotted paths). */
function pathParts(path: string): string[] {
  return path.split('.').filter((p) => p !== '');
}

function readPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of pathParts(path)) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathParts(path);
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (last !== undefined) cur[last] = value;
}

/** A Scale's metadata: the scaled object's identity. */
function scaleMetadata(obj: StoredObject): object {
  const meta = obj.metadata ?? {};
  return {
    name: meta.name,
    namespace: meta.namespace,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    creationTimestamp: meta.creationTimestamp,
  };
}

/** A custom resource's Scale, read through its CRD's paths (upstream scale.go). */
function customScaleOf(obj: StoredObject, paths: CustomScalePaths): object {
  const specReplicas = readPath(obj, paths.specReplicasPath);
  const statusReplicas = readPath(obj, paths.statusReplicasPath);
  const selector =
    paths.labelSelectorPath === undefined ? undefined : readPath(obj, paths.labelSelectorPath);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: scaleMetadata(obj),
    spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
    status: {
      replicas: typeof statusReplicas === 'number' ? statusReplicas : 0,
      ...(typeof selector === 'string' && selector !== '' ? { selector } : {}),
    },
  };
}

function scaleOf(r: ResourceInfo, obj: StoredObject): object {
  const custom = customScales.get(r);
  if (custom !== undefined) return customScaleOf(obj, custom);
  if (!SCALABLE.has(`${r.group}/${r.resource}`)) throw notFoundResource();
  const spec = (obj['spec'] ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj['status'] ?? {}) as { replicas?: number };
  let selector = '';
  const sel = spec.selector;
  if (sel !== null && typeof sel === 'object') {
    try {
      selector =
        r.resource === 'replicationcontrollers'
          ? selectorFromSet(sel as Record<string, string>).toString()
          : labelSelectorAsSelector(sel).toString();
    } catch {
      selector = '';
    }
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: scaleMetadata(obj),
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector !== '' ? { selector } : {}) },
  };
}

/**
 * PUT/PATCH of /scale: `scaleFor(current)` gives the requested Scale for the latest object, and
 * its spec.replicas is written inside the update loop (so concurrent writes retry rather than
 * conflict); a resourceVersion in the Scale is a precondition, as upstream.
 */
async function updateScale(
  registry: ResourceRegistry,
  ns: string,
  name: string,
  opts: WriteOptions,
  scaleFor: (current: StoredObject) => StoredObject,
): Promise<object> {
  const object = await registry.updateFrom(
    ns,
    name,
    (current) => {
      const scale = scaleFor(current);
      const replicas = (scale['spec'] as { replicas?: unknown } | undefined)?.replicas;
      if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas))) {
        throw newBadRequest('spec.replicas must be an integer');
      }
      const next = structuredClone(current);
      const custom = customScales.get(registry.info);
      if (custom !== undefined) writePath(next, custom.specReplicasPath, replicas ?? 0);
      else (next['spec'] as Record<string, unknown>)['replicas'] = replicas ?? 0;
      const rv = scale.metadata?.resourceVersion;
      next.metadata = {
        ...next.metadata,
        resourceVersion:
          rv !== undefined && rv !== '' ? rv : (current.metadata?.resourceVersion ?? ''),
      };
      return next;
    },
    opts,
    // managedFields record the write under the scale subresource, as upstream.
    'scale',
  );
  return scaleOf(registry.info, object);
}

const SUCCESS = (details: object): object => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Success',
  details,
  code: 201,
});

/**
 * pods/NAME/binding (upstream pkg/registry/core/pod/storage BindingREST): assigns the pod to a
 * node once; a pod that is already assigned or being deleted is a Conflict.
 */
async function bindPod(
  pods: ResourceRegistry,
  ns: string,
  name: string,
  body: StoredObject,
  dryRun: boolean,
): Promise<object> {
  const target = (body['target'] ?? {}) as { kind?: string; name?: string };
  if ((body.metadata?.name ?? '') !== '') checkNameMatchesURL(body, name);
  if (target.kind !== undefined && target.kind !== '' && target.kind !== 'Node') {
    throw newBadRequest('target.kind: Unsupported value: only "Node" is supported');
  }
  const node = target.name ?? '';
  if (node === '') throw newBadRequest('target.name: Required value');
  const annotations = body.metadata?.annotations ?? {};
  const conflict = (msg: string): StatusError =>
    newConflict({ group: '', resource: 'pods/binding' }, name, msg);
  const patch = (current: StoredObject): StoredObject => {
    const spec = (current['spec'] ?? {}) as { nodeName?: string };
    if (current.metadata?.deletionTimestamp !== undefined) {
      throw conflict(`pod ${name} is being deleted, cannot be assigned to a host`);
    }
    if ((spec.nodeName ?? '') !== '') {
      throw conflict(`pod ${name} is already assigned to node "${spec.nodeName ?? ''}"`);
    }
    const next = structuredClone(current);
    (next['spec'] as { nodeName?: string }).nodeName = node;
    const meta = (next.metadata ??= {});
    if (Object.keys(annotations).length > 0) {
      (meta as { annotations?: Record<string, string> }).annotations = {
        ...meta.annotations,
        ...annotations,
      };
    }
    return next;
  };
  await pods.transform(ns, name, patch, { dryRun });
  return SUCCESS({});
}

/**
 * pods/NAME/eviction (upstream pkg/registry/core/pod/storage/eviction.go): deletes the pod unless
 * a PodDisruptionBudget selecting it allows no disruption (429, as upstream).
 */
async function evictPod(
  deps: HandlerDeps,
  pods: ResourceRegistry,
  ns: string,
  name: string,
  body: StoredObject,
  dryRun: boolean,
): Promise<object> {
  const pod = await pods.get(ns, name);
  const pdbs = deps.registries.get(registryKey('policy', 'v1', 'poddisruptionbudgets'));
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
  if (pdbs !== undefined && !terminal && pod.metadata?.deletionTimestamp === undefined) {
    const labels = pod.metadata?.labels ?? {};
    const list = await pdbs.list(ns, {});
    const matching = list.items.filter((pdb) => {
      const sel = (pdb['spec'] as { selector?: LabelSelector } | undefined)?.selector;
      if (sel === undefined) return false;
      try {
        return labelSelectorAsSelector(sel).matches(labels);
      } catch {
        return false;
      }
    });
    if (matching.length > 1) {
      throw new StatusError({
        ...newInternalError(
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        ).status,
      });
    }
    const pdb = matching[0];
    if (pdb !== undefined) {
      const status = (pdb['status'] ?? {}) as {
        disruptionsAllowed?: number;
        observedGeneration?: number;
      };
      const generation = pdb.metadata?.generation ?? 0;
      if ((status.observedGeneration ?? 0) < generation || (status.disruptionsAllowed ?? 0) < 1) {
        const err = newTooManyRequests(
          "Cannot evict pod as it would violate the pod's disruption budget.",
          0,
        );
        err.status.details = {
          causes: [
            {
              reason: 'DisruptionBudget',
              message: `The disruption budget ${pdb.metadata?.name ?? ''} needs ${String(status.disruptionsAllowed ?? 0)} healthy pods and has ${String(status.disruptionsAllowed ?? 0)} currently`,
            },
          ],
        };
        throw err;
      }
    }
  }
  const options = (body['deleteOptions'] ?? {}) as DeleteOptionsBody;
  await pods.delete(ns, name, options, {
    dryRun: dryRun || (options.dryRun ?? []).includes('All'),
  });
  return SUCCESS({});
}

/** Serialized watch lines per shared event object (the cacher hands all watchers the same one). */
const encodedEvents = new WeakMap<object, Map<string, string>>();

function encodedEvent(type: string, object: object): string {
  let byType = encodedEvents.get(object);
  if (byType === undefined) {
    byType = new Map();
    encodedEvents.set(object, byType);
  }
  let line = byType.get(type);
  if (line === undefined) {
    line = `${JSON.stringify({ type, object })}\n`;
    byType.set(type, line);
  }
  return line;
}

async function serveWatch(
  registry: ResourceRegistry,
  ns: string,
  info: ResourceRequestInfo,
  params: URLSearchParams,
  req: Request,
  res: Response,
  table: boolean,
  deps: HandlerDeps,
): Promise<void> {
  const r = registry.info;
  let fieldSelector = params.get('fieldSelector') ?? '';
  if (info.name !== '') {
    // Legacy /watch/namespaces/NS/pods/NAME: a watch of one object.
    fieldSelector =
      fieldSelector === ''
        ? `metadata.name=${info.name}`
        : `${fieldSelector},metadata.name=${info.name}`;
  }
  const sendInitialEvents = params.has('sendInitialEvents')
    ? boolParam(params.get('sendInitialEvents'))
    : undefined;
  validateListOptions({
    watch: true,
    resourceVersion: params.get('resourceVersion') ?? '',
    resourceVersionMatch: params.get('resourceVersionMatch') ?? '',
    continue: params.get('continue') ?? '',
    sendInitialEvents,
  });
  const timeoutParam = Number(params.get('timeoutSeconds') ?? '0');
  const timeoutSeconds =
    Number.isFinite(timeoutParam) && timeoutParam > 0 ? timeoutParam : DEFAULT_WATCH_SECONDS;
  const ac = new AbortController();
  const watcher = await registry.watch(
    ns,
    {
      labelSelector: params.get('labelSelector') ?? '',
      fieldSelector,
      ...(params.has('resourceVersion')
        ? { resourceVersion: params.get('resourceVersion') ?? '' }
        : {}),
      allowWatchBookmarks: boolParam(params.get('allowWatchBookmarks')),
      ...(sendInitialEvents === undefined ? {} : { sendInitialEvents }),
    },
    ac.signal,
  );
  const timer = setTimeout(() => {
    ac.abort();
  }, timeoutSeconds * 1000);
  timer.unref();
  const stop = (): void => {
    ac.abort();
  };
  req.on('close', stop);
  res.on('close', stop);
  if (deps.shutdownSignal.aborted) stop();
  deps.shutdownSignal.addEventListener('abort', stop, { once: true });
  const apiVersion = r.group === '' ? r.version : `${r.group}/${r.version}`;
  const includeObject = table ? includeObjectOf(params) : 'Object';
  let first = true;
  const out = new WatchWriter(res);
  const write = (line: object | string): Promise<void> =>
    out.write(typeof line === 'string' ? line : `${JSON.stringify(line)}\n`);
  try {
    // Send the headers right away so clients know the watch is established.
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
    });
    // writeHead only queues them; an HTTP/1.1 client (client-node) waits for them.
    res.flushHeaders?.();
    for await (const ev of watcher) {
      if (ev.type === 'BOOKMARK') {
        await write({
          type: 'BOOKMARK',
          object: {
            kind: r.kind,
            apiVersion,
            metadata:
              ev.initialEventsEnd === true
                ? {
                    resourceVersion: String(ev.resourceVersion),
                    annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' },
                  }
                : { resourceVersion: String(ev.resourceVersion) },
          },
        });
        continue;
      }
      let object: object = ev.object;
      if (table) {
        object = tableFromObjects(
          r,
          [ev.object],
          { resourceVersion: String(ev.resourceVersion) },
          includeObject,
          deps.now(),
          !first,
        );
        first = false;
      }
      // Watchers fed by the watch cache share event objects: encode each (type, object) once.
      await write(table ? { type: ev.type, object } : encodedEvent(ev.type, ev.object));
    }
  } catch (err) {
    const status = isStorageError(err)
      ? interpretStorageError(err, registry.qualifiedResource, info.name).status
      : err instanceof StatusError
        ? err.status
        : interpretStorageError(err, registry.qualifiedResource, info.name).status;
    if (!res.writableEnded) await write({ type: 'ERROR', object: status });
  } finally {
    out.flush();
    clearTimeout(timer);
    deps.shutdownSignal.removeEventListener('abort', stop);
    ac.abort();
    if (!res.writableEnded) res.end();
  }
}
