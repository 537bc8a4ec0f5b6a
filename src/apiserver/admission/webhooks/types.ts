/**
 * The contract between the API server and the webhook dispatcher: what a request looks like
 * to admission (upstream admission.Attributes), the callbacks the server supplies, and what
 * the two admission phases return.
 */
import type {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';

/** An API object (or options object) as plain JSON. */
export type JsonObject = Record<string, unknown>;

/** An API group, version and resource (plural), e.g. `apps/v1 deployments`. */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** An API group, version and kind, e.g. `apps/v1 Deployment`. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** The admission operations webhooks can select (upstream admission.Operation). */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The authenticated user (upstream user.Info), sent to webhooks as `request.userInfo`. */
export interface AdmissionUserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/**
 * One request as admission sees it (upstream admission.Attributes). `object` is the new
 * object (CREATE, UPDATE; the options object for CONNECT; absent for DELETE), `oldObject`
 * the stored one (UPDATE, DELETE). `options` is the CreateOptions / UpdateOptions /
 * DeleteOptions (or connect options) object with its apiVersion and kind. For a namespace
 * object itself, `namespace` is the namespace's name, as upstream sets it. The dispatcher
 * never changes these objects; mutations are returned as a new object.
 */
export interface AdmissionAttributes {
  readonly operation: AdmissionOperation;
  readonly resource: GroupVersionResource;
  /** '' for the main resource. */
  readonly subresource: string;
  readonly kind: GroupVersionKind;
  /** '' when not yet known (generateName). */
  readonly name: string;
  /** '' for cluster-scoped resources. */
  readonly namespace: string;
  readonly object?: JsonObject | undefined;
  readonly oldObject?: JsonObject | undefined;
  readonly options?: JsonObject | undefined;
  readonly dryRun: boolean;
  readonly userInfo: AdmissionUserInfo;
  /** The request's own deadline or cancellation; webhook calls stop when it fires. */
  readonly signal?: AbortSignal | undefined;
}

/** Where a webhook Service is reachable: an address to dial (TLS still names the Service). */
export interface ServiceEndpoint {
  readonly host: string;
  readonly port: number;
}

/** A resource equivalent to the requested one (same kind in another group or version). */
export interface EquivalentResource {
  readonly resource: GroupVersionResource;
  /** The kind of `resource` (with the request's subresource, e.g. `autoscaling/v1 Scale`). */
  readonly kind: GroupVersionKind;
}

/** What the server supplies to the dispatcher. Callbacks are called per request; keep them cheap. */
export interface WebhookAdmissionOptions {
  /** The current mutating configurations (from a watch cache); not modified by the dispatcher. */
  mutatingConfigs(): readonly MutatingWebhookConfiguration[];
  /** The current validating configurations; not modified by the dispatcher. */
  validatingConfigs(): readonly ValidatingWebhookConfiguration[];
  /** The namespace for namespaceSelector matching, or undefined when it does not exist. */
  getNamespace(name: string): Namespace | undefined;
  /**
   * The address to dial for a webhook Service port (through its Endpoints/EndpointSlices), or
   * an Error whose message upstream would give (e.g. `service "x" not found`).
   */
  resolveService(
    namespace: string,
    name: string,
    port: number,
  ): ServiceEndpoint | Error | Promise<ServiceEndpoint | Error>;
  /**
   * Resources of the same kind served under other groups/versions, for matchPolicy
   * Equivalent (upstream EquivalentResourceMapper); may include the resource itself.
   * Absent: no equivalents.
   */
  equivalentResources?(
    resource: GroupVersionResource,
    subresource: string,
  ): readonly EquivalentResource[];
  /**
   * Converts an object to another version of its kind (a new object). Absent: only
   * `apiVersion` is rewritten, which is right for kinds whose versions share one shape.
   */
  convert?(obj: JsonObject, to: GroupVersionKind): JsonObject;
  /** Applies scheme defaults in place after a mutating webhook's patch, as upstream does. */
  defaulter?(obj: JsonObject): void;
  /** Largest accepted webhook response body; default 32 MiB. */
  maxResponseBytes?: number;
}

/** The outcome of the mutating phase. */
export interface MutatingAdmissionResult {
  /** The object after all patches (a new object when mutated, else the request's object). */
  readonly object: JsonObject | undefined;
  /** True when at least one webhook changed the object. */
  readonly mutated: boolean;
  /** Warnings from webhooks, in call order, for `Warning` headers. */
  readonly warnings: readonly string[];
  /** Audit annotations (the webhooks' own, prefixed with the webhook name, and upstream's mutation/patch/failed-open keys). */
  readonly auditAnnotations: Readonly<Record<string, string>>;
}

/** The outcome of the validating phase. */
export interface ValidatingAdmissionResult {
  readonly warnings: readonly string[];
  readonly auditAnnotations: Readonly<Record<string, string>>;
}
