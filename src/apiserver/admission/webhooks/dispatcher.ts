/**
 * The dynamic admission webhook dispatcher, ported from Kubernetes 1.32
 * k8s.io/apiserver/pkg/admission/plugin/webhook/{mutating,validating}/dispatcher.go: which
 * webhooks a request reaches, the AdmissionReview call, failurePolicy, dry-run side effects,
 * JSON patches applied in order, reinvocation, and upstream's error texts.
 */
import { randomUUID } from 'node:crypto';
import type {
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
  WebhookClientConfig,
} from 'kubernetes-types/admissionregistration/v1.js';
import {
  PatchError,
  StatusError,
  applyJsonPatch,
  decodeJsonPatch,
  goQuote,
  newBadRequest,
  newInternalError,
  newServiceUnavailable,
  newTimeoutError,
} from '../../../api/index.ts';
import { WebhookHttpClient } from './client.ts';
import type { WebhookTarget } from './client.ts';
import {
  CallingWebhookError,
  WebhookRejectionError,
  newDryRunUnsupportedErr,
  toStatusErr,
} from './errors.ts';
import { isExemptAdmissionConfigurationResource, shouldCallHook } from './matching.ts';
import { evaluateMatchConditions } from './match-conditions.ts';
import type { WebhookInvocation } from './matching.ts';
import {
  ReviewDecodeError,
  ReviewVerifyError,
  createAdmissionReview,
  decodeAdmissionResponse,
  pickReviewVersion,
} from './review.ts';
import type { AdmissionResponse } from './review.ts';
import type {
  AdmissionAttributes,
  EquivalentResource,
  GroupVersionKind,
  JsonObject,
  MutatingAdmissionResult,
  ValidatingAdmissionResult,
  WebhookAdmissionOptions,
} from './types.ts';

/** Audit annotation key prefixes, as upstream. */
export const PATCH_AUDIT_ANNOTATION_PREFIX = 'patch.webhook.admission.k8s.io/';
export const MUTATION_AUDIT_ANNOTATION_PREFIX = 'mutation.webhook.admission.k8s.io/';
export const MUTATION_FAILED_OPEN_PREFIX = 'failed-open.' + MUTATION_AUDIT_ANNOTATION_PREFIX;
export const VALIDATING_FAILED_OPEN_PREFIX = 'failed-open.validating.webhook.admission.k8s.io/';

const DEFAULT_TIMEOUT_SECONDS = 10;
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

type AnyWebhook = MutatingWebhook | ValidatingWebhook;

/** One webhook of one configuration, in dispatch order. */
interface HookEntry<H extends AnyWebhook> {
  /** Upstream's accessor UID: `<configuration>/<webhook>/<n-th webhook of that name>`. */
  readonly uid: string;
  readonly configurationName: string;
  readonly hook: H;
}

/** Flattened webhooks, rebuilt only when the configuration objects change. */
class HookList<C extends { metadata?: { name?: string }; webhooks?: H[] }, H extends AnyWebhook> {
  private configs: readonly C[] = [];
  private hooks: readonly HookEntry<H>[] = [];

  get(current: readonly C[]): readonly HookEntry<H>[] {
    if (current.length === this.configs.length && current.every((c, i) => c === this.configs[i])) {
      return this.hooks;
    }
    // Upstream sorts configurations by name; webhooks keep their order inside one.
    const sorted = [...current].sort((a, b) => {
      const an = a.metadata?.name ?? '';
      const bn = b.metadata?.name ?? '';
      return an < bn ? -1 : an > bn ? 1 : 0;
    });
    const out: HookEntry<H>[] = [];
    for (const c of sorted) {
      const configurationName = c.metadata?.name ?? '';
      const seen = new Map<string, number>();
      for (const hook of c.webhooks ?? []) {
        const n = seen.get(hook.name) ?? 0;
        seen.set(hook.name, n + 1);
        out.push({
          uid: `${configurationName}/${hook.name}/${String(n)}`,
          configurationName,
          hook,
        });
      }
    }
    this.configs = [...current];
    this.hooks = out;
    return out;
  }
}

/** Collects audit annotations as upstream's AddAnnotation does: the first value of a key wins. */
class Annotations {
  readonly values: Record<string, string> = {};
  add(key: string, value: string): void {
    if (!(key in this.values)) this.values[key] = value;
  }
}

/** Collects warnings, dropping exact duplicates as upstream's recorder does. */
class Warnings {
  readonly list: string[] = [];
  private readonly seen = new Set<string>();
  add(w: string): void {
    if (w === '' || this.seen.has(w)) return;
    this.seen.add(w);
    this.list.push(w);
  }
}

/** The request's objects in the version a webhook sees them. */
/**
 * Whether a webhook's matchConditions let it be called. An evaluation error skips the webhook
 * under failurePolicy Ignore and fails the request under Fail, as upstream.
 */
function conditionsMatchOrThrow(
  hook: {
    name: string;
    failurePolicy?: string;
    matchConditions?: { name: string; expression: string }[];
  },
  attrs: AdmissionAttributes,
  invocation: WebhookInvocation,
  v: Versioned,
): boolean {
  const result = evaluateMatchConditions(
    hook.matchConditions,
    attrs,
    invocation,
    v.object,
    v.oldObject,
  );
  if ('matches' in result) return result.matches;
  if (hook.failurePolicy === 'Ignore') return false;
  throw newInternalError(
    new CallingWebhookError(
      hook.name,
      `failed to evaluate match condition: ${result.error}`,
      newInternalError(result.error),
    ),
  );
}

interface Versioned {
  kind: GroupVersionKind;
  object: JsonObject | undefined;
  oldObject: JsonObject | undefined;
}

function sameKind(a: GroupVersionKind, b: GroupVersionKind): boolean {
  return a.group === b.group && a.version === b.version && a.kind === b.kind;
}

function apiVersionOf(k: GroupVersionKind): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

/** Deep equality of JSON values (upstream apiequality.Semantic.DeepEqual on decoded objects). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ak = Object.keys(a);
  const bo = b as JsonObject;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => k in bo && jsonEqual((a as JsonObject)[k], bo[k]));
}

/** Go's json.Marshal of a decoded jsonpatch.Patch: every operation's keys sorted. */
function sortedOps(doc: unknown[]): unknown[] {
  return doc.map((op) => {
    if (typeof op !== 'object' || op === null || Array.isArray(op)) return op;
    const o = op as JsonObject;
    const out: JsonObject = {};
    for (const k of Object.keys(o).sort()) out[k] = o[k];
    return out;
  });
}

/** path.Join("/", p) as client-go builds a request path from a webhook's path. */
function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return '/' + parts.join('/');
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(typeof e === 'string' ? e : JSON.stringify(e));
}

function messageOf(e: unknown): string {
  return toError(e).message;
}

/**
 * Dynamic admission: calls MutatingWebhookConfiguration and ValidatingWebhookConfiguration
 * webhooks for a request. One instance serves the whole API server (it keeps keep-alive
 * connections per webhook client configuration); call `close()` on shutdown.
 *
 * Both phases throw a StatusError when the request must fail: the webhook's denial (see
 * {@link toStatusErr}), `Internal error occurred: failed calling webhook ...` (500) for call
 * failures under failurePolicy Fail, 400 for dry-run on a webhook with side effects, 404 when a
 * namespaceSelector needs a namespace that does not exist, 504 when the request's own signal
 * fired while failing open.
 */
export class WebhookAdmission {
  private readonly client = new WebhookHttpClient();
  private readonly mutating = new HookList<MutatingWebhookConfiguration, MutatingWebhook>();
  private readonly validating = new HookList<ValidatingWebhookConfiguration, ValidatingWebhook>();

  constructor(private readonly opts: WebhookAdmissionOptions) {}

  /** Destroys pooled connections. Later calls still work. */
  close(): void {
    this.client.close();
  }

  /**
   * Runs the mutating webhooks in order (configurations by name, then webhook order), applies
   * their JSON patches, and reinvokes once the `reinvocationPolicy: IfNeeded` webhooks that ran
   * before a later webhook changed the object. Never changes `attrs`; the result's `object` is
   * a new object when mutated (converted back to the request's version).
   */
  async admitMutating(attrs: AdmissionAttributes): Promise<MutatingAdmissionResult> {
    const annotations = new Annotations();
    const warnings = new Warnings();
    const unchanged = (): MutatingAdmissionResult => ({
      object: attrs.object,
      mutated: false,
      warnings: warnings.list,
      auditAnnotations: annotations.values,
    });
    if (isExemptAdmissionConfigurationResource(attrs.kind)) return unchanged();
    const hooks = this.mutating.get(this.opts.mutatingConfigs());
    if (hooks.length === 0) return unchanged();

    const equivalents = this.equivalentsFor(attrs);
    const versioned: Versioned = {
      kind: attrs.kind,
      object: attrs.object,
      oldObject: attrs.oldObject,
    };
    let dirty = false;
    let previouslyInvoked = new Set<string>();
    const reinvoke = new Set<string>();
    const requireReinvoke = (): void => {
      for (const uid of previouslyInvoked) reinvoke.add(uid);
      previouslyInvoked = new Set();
    };

    for (let round = 0; round < 2; round++) {
      if (round === 1 && reinvoke.size === 0) break;
      for (const [i, entry] of hooks.entries()) {
        const hook = entry.hook;
        const checkAttrs: AdmissionAttributes = { ...attrs, object: versioned.object };
        const invocation = shouldCallHook(
          hook,
          checkAttrs,
          (n) => this.opts.getNamespace(n),
          equivalents,
        );
        if (invocation instanceof StatusError) throw invocation;
        if (invocation === undefined) continue;
        if (round === 1 && !reinvoke.has(entry.uid)) continue;
        this.convertTo(versioned, invocation.kind);
        if (!conditionsMatchOrThrow(hook, attrs, invocation, versioned)) continue;

        const suffix = `round_${String(round)}_index_${String(i)}`;
        let changed = false;
        let err: Error | undefined;
        try {
          changed = await this.callMutatingHook(
            entry,
            invocation,
            attrs,
            versioned,
            annotations,
            warnings,
            suffix,
          );
          if (changed) dirty = true;
        } catch (e) {
          err = toError(e);
        }
        annotations.add(
          MUTATION_AUDIT_ANNOTATION_PREFIX + suffix,
          JSON.stringify({
            configuration: entry.configurationName,
            webhook: hook.name,
            mutated: changed,
          }),
        );
        if (changed) requireReinvoke();
        if (hook.reinvocationPolicy === 'IfNeeded') {
          previouslyInvoked.add(entry.uid);
        }
        if (err === undefined) continue;
        if (err instanceof CallingWebhookError) {
          if (hook.failurePolicy === 'Ignore') {
            if (attrs.signal?.aborted === true) {
              throw newTimeoutError('request did not complete within requested timeout', 0);
            }
            annotations.add(MUTATION_FAILED_OPEN_PREFIX + suffix, hook.name);
            continue;
          }
          throw newInternalError(err);
        }
        if (err instanceof WebhookRejectionError) throw err.status;
        throw err;
      }
    }

    if (!dirty) return unchanged();
    this.convertTo(versioned, attrs.kind);
    return {
      object: versioned.object,
      mutated: true,
      warnings: warnings.list,
      auditAnnotations: annotations.values,
    };
  }

  /**
   * Calls every matching validating webhook in parallel. Resolves when all allow (or fail open);
   * otherwise throws the first error to arrive, as upstream.
   */
  async admitValidating(attrs: AdmissionAttributes): Promise<ValidatingAdmissionResult> {
    const annotations = new Annotations();
    const warnings = new Warnings();
    const done = (): ValidatingAdmissionResult => ({
      warnings: warnings.list,
      auditAnnotations: annotations.values,
    });
    if (isExemptAdmissionConfigurationResource(attrs.kind)) return done();
    const hooks = this.validating.get(this.opts.validatingConfigs());
    if (hooks.length === 0) return done();

    const equivalents = this.equivalentsFor(attrs);
    const relevant: { entry: HookEntry<ValidatingWebhook>; invocation: WebhookInvocation }[] = [];
    const versions = new Map<string, Versioned>();
    for (const entry of hooks) {
      const invocation = shouldCallHook(
        entry.hook,
        attrs,
        (n) => this.opts.getNamespace(n),
        equivalents,
      );
      if (invocation instanceof StatusError) throw invocation;
      if (invocation === undefined) continue;
      const key = `${apiVersionOf(invocation.kind)}/${invocation.kind.kind}`;
      let v = versions.get(key);
      if (v === undefined) {
        v = { kind: attrs.kind, object: attrs.object, oldObject: attrs.oldObject };
        this.convertTo(v, invocation.kind);
        versions.set(key, v);
      }
      if (!conditionsMatchOrThrow(entry.hook, attrs, invocation, v)) continue;
      relevant.push({ entry, invocation });
    }
    if (relevant.length === 0) return done();
    if (attrs.signal?.aborted === true) {
      throw newTimeoutError('request did not complete within requested timeout', 0);
    }

    const errors: Error[] = [];
    await Promise.all(
      relevant.map(async ({ entry, invocation }, idx) => {
        const hook = entry.hook;
        const v = versions.get(`${apiVersionOf(invocation.kind)}/${invocation.kind.kind}`);
        try {
          const res = await this.call(entry, invocation, attrs, v, false);
          this.record(hook.name, res, annotations, warnings);
          if (!res.allowed) throw new WebhookRejectionError(toStatusErr(hook.name, res.result));
        } catch (e) {
          if (e instanceof CallingWebhookError) {
            if (hook.failurePolicy === 'Ignore') {
              annotations.add(
                `${VALIDATING_FAILED_OPEN_PREFIX}round_0_index_${String(idx)}`,
                hook.name,
              );
              return;
            }
            errors.push(newInternalError(e));
            return;
          }
          errors.push(e instanceof WebhookRejectionError ? e.status : toError(e));
        }
      }),
    );
    const first = errors[0];
    if (first !== undefined) throw first;
    return done();
  }

  private equivalentsFor(
    attrs: AdmissionAttributes,
  ): (() => readonly EquivalentResource[]) | undefined {
    const opts = this.opts;
    if (opts.equivalentResources === undefined) return undefined;
    let cached: readonly EquivalentResource[] | undefined;
    return () => (cached ??= opts.equivalentResources?.(attrs.resource, attrs.subresource) ?? []);
  }

  /** Brings the request's objects to `kind`'s version (upstream VersionedAttributes). */
  private convertTo(v: Versioned, kind: GroupVersionKind): void {
    if (sameKind(v.kind, kind)) return;
    const from = v.kind;
    const conv = (obj: JsonObject | undefined): JsonObject | undefined => {
      if (obj === undefined) return undefined;
      if (this.opts.convert !== undefined) return this.opts.convert(obj, kind);
      // Same-shape versions: only the type fields differ. Leave foreign objects alone.
      if (obj.kind !== from.kind) return obj;
      return { ...obj, apiVersion: apiVersionOf(kind), kind: kind.kind };
    };
    v.object = conv(v.object);
    v.oldObject = conv(v.oldObject);
    v.kind = kind;
  }

  private record(
    hookName: string,
    res: AdmissionResponse,
    annotations: Annotations,
    warnings: Warnings,
  ): void {
    for (const [k, val] of Object.entries(res.auditAnnotations))
      annotations.add(`${hookName}/${k}`, val);
    for (const w of res.warnings) warnings.add(w);
  }

  /** One mutating call; updates `versioned.object` and returns whether it changed. */
  private async callMutatingHook(
    entry: HookEntry<MutatingWebhook>,
    invocation: WebhookInvocation,
    attrs: AdmissionAttributes,
    versioned: Versioned,
    annotations: Annotations,
    warnings: Warnings,
    suffix: string,
  ): Promise<boolean> {
    const hook = entry.hook;
    const res = await this.call(entry, invocation, attrs, versioned, true);
    this.record(hook.name, res, annotations, warnings);
    if (!res.allowed) throw new WebhookRejectionError(toStatusErr(hook.name, res.result));
    if (res.patch.length === 0) return false;

    let doc: unknown;
    let ops;
    try {
      doc = JSON.parse(res.patch.toString('utf8'));
      ops = decodeJsonPatch(doc as Parameters<typeof decodeJsonPatch>[0]);
    } catch (e) {
      const detail = e instanceof PatchError ? e.detail : messageOf(e);
      throw new CallingWebhookError(
        hook.name,
        `received undecodable patch in webhook response: ${detail}`,
        newServiceUnavailable('error decoding patch in webhook response'),
      );
    }
    if (ops.length === 0) return false;
    const current = versioned.object;
    if (current === undefined) {
      throw newInternalError(
        `admission webhook ${goQuote(hook.name)} attempted to modify the object, which is not supported for this operation`,
      );
    }
    if (res.patchType !== 'JSONPatch') {
      throw new CallingWebhookError(
        hook.name,
        `unsupported patch type ${goQuote(res.patchType)}`,
        toStatusErr(hook.name, res.result),
      );
    }
    let patched: unknown;
    try {
      patched = applyJsonPatch(current as Parameters<typeof applyJsonPatch>[0], ops);
    } catch (e) {
      throw newInternalError(e instanceof PatchError ? e.detail : messageOf(e));
    }
    if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
      throw newInternalError(
        "couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct",
      );
    }
    const next = patched as JsonObject;
    const changed = !jsonEqual(current, next);
    annotations.add(
      PATCH_AUDIT_ANNOTATION_PREFIX + suffix,
      JSON.stringify({
        configuration: entry.configurationName,
        webhook: hook.name,
        patch: Array.isArray(doc) ? sortedOps(doc as unknown[]) : doc,
        patchType: 'JSONPatch',
      }),
    );
    this.opts.defaulter?.(next);
    versioned.object = next;
    return changed;
  }

  /**
   * Sends one AdmissionReview and verifies the answer. Throws CallingWebhookError for
   * everything failurePolicy governs and a StatusError for dry-run on a webhook with side
   * effects (which no policy overrides).
   */
  private async call(
    entry: HookEntry<AnyWebhook>,
    invocation: WebhookInvocation,
    attrs: AdmissionAttributes,
    versioned: Versioned | undefined,
    mutating: boolean,
  ): Promise<AdmissionResponse> {
    const hook = entry.hook;
    if (attrs.dryRun) {
      const sideEffects: unknown = hook.sideEffects;
      if (sideEffects === undefined || sideEffects === null) {
        throw new CallingWebhookError(
          hook.name,
          'Webhook SideEffects is nil',
          newBadRequest('Webhook SideEffects is nil'),
        );
      }
      if (hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
        throw newDryRunUnsupportedErr(hook.name);
      }
    }
    const version = pickReviewVersion(hook.admissionReviewVersions);
    if (version === undefined) {
      throw new CallingWebhookError(
        hook.name,
        'could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)',
        newBadRequest('error creating admission objects'),
      );
    }
    const timeoutSeconds = hook.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const target = await this.target(hook, timeoutSeconds);
    const uid = randomUUID();
    const review = createAdmissionReview(
      version,
      uid,
      attrs,
      invocation,
      versioned?.object ?? attrs.object,
      versioned?.oldObject ?? attrs.oldObject,
    );
    let response;
    try {
      if (target instanceof Error) throw target;
      response = await this.client.post(
        target,
        Buffer.from(JSON.stringify(review)),
        timeoutSeconds * 1000,
        this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        attrs.signal,
      );
    } catch (e) {
      throw new CallingWebhookError(
        hook.name,
        `failed to call webhook: ${messageOf(e)}`,
        mutating
          ? newServiceUnavailable('error calling webhook')
          : newBadRequest('error calling webhook'),
        { cause: e },
      );
    }
    try {
      return decodeAdmissionResponse(response, version, uid, mutating);
    } catch (e) {
      if (e instanceof ReviewVerifyError) {
        throw new CallingWebhookError(
          hook.name,
          `received invalid webhook response: ${e.message}`,
          newServiceUnavailable('error validating webhook response'),
        );
      }
      if (e instanceof ReviewDecodeError) {
        throw new CallingWebhookError(
          hook.name,
          `failed to call webhook: ${e.message}`,
          e.status ?? newServiceUnavailable('error calling webhook'),
        );
      }
      throw e;
    }
  }

  /**
   * Where to send a webhook's review. A Service that does not resolve gives an Error worded
   * as Go's dial failure (`Post "<url>": <reason>`), which the caller reports as a call failure;
   * a client configuration that cannot be used throws `could not get REST client: ...`.
   */
  private async target(hook: AnyWebhook, timeoutSeconds: number): Promise<WebhookTarget | Error> {
    const cc = hook.clientConfig as WebhookClientConfig | undefined;
    const query = `?timeout=${String(timeoutSeconds)}s`;
    const ca =
      cc?.caBundle !== undefined && cc.caBundle !== ''
        ? Buffer.from(cc.caBundle, 'base64').toString('utf8')
        : undefined;
    const service = cc?.service;
    if (service !== undefined) {
      const port = service.port ?? 443;
      const serverName = `${service.name}.${service.namespace}.svc`;
      const hostPort = `${serverName}:${String(port)}`;
      const path = cleanPath(service.path ?? '');
      const url = `https://${hostPort}${path}${query}`;
      let resolved;
      try {
        resolved = await this.opts.resolveService(service.namespace, service.name, port);
      } catch (e) {
        resolved = toError(e);
      }
      if (resolved instanceof Error) {
        return new Error(`Post ${JSON.stringify(url)}: ${resolved.message}`, { cause: resolved });
      }
      return {
        url,
        connectHost: resolved.host,
        connectPort: resolved.port,
        serverName,
        hostHeader: hostPort,
        path: path + query,
        ca,
        agentKey: `svc\0${serverName}\0${String(port)}\0${ca ?? ''}`,
      };
    }
    const restClientError = (reason: string): CallingWebhookError =>
      new CallingWebhookError(
        hook.name,
        `could not get REST client: ${reason}`,
        newBadRequest('error getting REST client'),
      );
    const raw = cc?.url;
    if (raw === undefined || raw === '') {
      throw restClientError('webhook configuration must have either service or URL');
    }
    let u: URL;
    try {
      u = new URL(raw);
    } catch (e) {
      throw restClientError(messageOf(e));
    }
    if (u.protocol !== 'https:') {
      throw restClientError(`unsupported scheme ${goQuote(u.protocol.slice(0, -1))}`);
    }
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = u.port === '' ? 443 : Number(u.port);
    const path = cleanPath(u.pathname);
    return {
      url: `https://${u.host}${path}${query}`,
      connectHost: host,
      connectPort: port,
      serverName: host,
      hostHeader: u.host,
      path: path + query,
      ca,
      agentKey: `url\0${u.host}\0${ca ?? ''}`,
    };
  }
}
