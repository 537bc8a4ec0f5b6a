/**
 * The built-in admission plugins, in upstream's order (kube-apiserver's recommended plugin
 * order): mutating LimitRanger, ServiceAccount, Priority, DefaultTolerationSeconds; validating
 * LimitRanger, ServiceAccount, Priority (PriorityClass defaults), PodSecurity, RBAC escalation
 * prevention (upstream does it in the RBAC storage, before admission; the effect is the same);
 * ResourceQuota runs last, after the validating webhooks (see `chargeQuota`).
 * NamespaceLifecycle is in the registry (every namespaced create checks its namespace).
 *
 * What the plugins read comes from in-process watch mirrors (LimitRanges, PriorityClasses,
 * ResourceQuotas, ServiceAccounts) so that a request which no plugin concerns costs a few map
 * lookups; quotas are re-read from storage when a request is charged.
 */
import type { LimitRange, Node, Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-types/rbac/v1.js';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  admitCertificateSigningRequest,
  isConflict,
  newTooManyRequestsError,
  NodeRestriction,
  PodSecurityAdmission,
  admitDefaultTolerationSeconds,
  admitLimitRanger,
  admitPriority,
  admitServiceAccount,
  checkBindingEscalation,
  checkQuotas,
  checkRoleEscalation,
  limitRangerApplies,
  podSecurityApplies,
  priorityApplies,
  quotaAdmissionApplies,
  systemPriorityClasses,
  validateLimitRanger,
  validatePriorityClassAdmission,
  validateServiceAccount,
} from '../../api/index.ts';
import type {
  AuthorizationAttributes,
  Decision,
  PluginAttributes,
  RuleResolver,
  Scheme,
} from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';
import { ResourceMirror, resourcePrefix } from '../mirror.ts';
import { getIfExists } from '../registry/registry.ts';
import type { AdmissionRequest, ResourceRegistry } from '../registry/registry.ts';

export interface BuiltinAdmissionDeps {
  storage: Storage;
  scheme: Scheme;
  registry(group: string, version: string, resource: string): ResourceRegistry | undefined;
  getNamespace(name: string): StoredObject | undefined;
  /** The authorizer chain and RBAC's rule resolver, for escalation checks. */
  authorize?: (attrs: AuthorizationAttributes) => Decision;
  rules?: RuleResolver;
}

type JsonObject = Record<string, unknown>;

/** Objects of one namespace in a mirror (linear; mirrors of these kinds are small). */
function inNamespace<T>(mirror: ResourceMirror, namespace: string): T[] {
  const out: T[] = [];
  for (const o of mirror.values()) {
    if (o.metadata?.namespace === namespace) out.push(o as unknown as T);
  }
  return out;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** A request waiting for its quota charge. */
interface QuotaCharge {
  attrs: PluginAttributes;
  resolve(): void;
  reject(err: unknown): void;
}

export class BuiltinAdmission {
  private readonly limitRanges: ResourceMirror;
  private readonly priorityClasses: ResourceMirror;
  private readonly quotas: ResourceMirror;
  private readonly podSecurity: PodSecurityAdmission;
  private readonly nodeRestriction: NodeRestriction;
  /** The quota statuses this process wrote last (newer than the mirror until it catches up). */
  private readonly written = new Map<string, ResourceQuota>();
  /** Quota charges waiting per namespace, and the namespaces whose worker is running. */
  private readonly quotaWaiting = new Map<string, QuotaCharge[]>();
  private readonly quotaBusy = new Set<string>();

  constructor(private readonly deps: BuiltinAdmissionDeps) {
    const { storage, scheme } = deps;
    this.limitRanges = new ResourceMirror(storage, resourcePrefix(scheme, '', 'limitranges'));
    this.priorityClasses = new ResourceMirror(
      storage,
      resourcePrefix(scheme, 'scheduling.k8s.io', 'priorityclasses'),
    );
    this.quotas = new ResourceMirror(storage, resourcePrefix(scheme, '', 'resourcequotas'));
    const read = async (resource: string, namespace: string, name: string) => {
      const registry = deps.registry('', 'v1', resource);
      return registry === undefined ? undefined : getIfExists(registry, namespace, name);
    };
    this.nodeRestriction = new NodeRestriction({
      getPod: async (ns, name) => (await read('pods', ns, name)) as unknown as Pod | undefined,
      getNode: async (name) => (await read('nodes', '', name)) as unknown as Node | undefined,
    });
    this.podSecurity = new PodSecurityAdmission({
      getNamespaceLabels: (name) => {
        const ns = deps.getNamespace(name);
        return ns === undefined ? undefined : (ns.metadata?.labels ?? {});
      },
      listPods: async (namespace) => {
        const pods = deps.registry('', 'v1', 'pods');
        if (pods === undefined) return [];
        return (await pods.list(namespace, {})).items as unknown as Pod[];
      },
    });
  }

  /** Resolves once the mirrors hold the stored state. */
  async ready(): Promise<void> {
    await Promise.all([
      this.limitRanges.ready(),
      this.priorityClasses.ready(),
      this.quotas.ready(),
    ]);
  }

  private attributes(req: AdmissionRequest, object: StoredObject | undefined): PluginAttributes {
    return {
      operation: req.operation,
      resource: { group: req.info.group, resource: req.info.resource },
      subresource: req.subresource,
      name: req.name !== '' ? req.name : (object?.metadata?.name ?? ''),
      namespace: req.namespace,
      object: object,
      oldObject: req.oldObject,
      dryRun: req.opts.dryRun,
    };
  }

  private classes(): PriorityClass[] {
    const stored = this.priorityClasses.values() as unknown as PriorityClass[];
    // The system classes count even before their objects exist (first start).
    const names = new Set(stored.map((c) => c.metadata?.name));
    return [...stored, ...systemPriorityClasses().filter((c) => !names.has(c.metadata?.name))];
  }

  /**
   * The ServiceAccount a pod names: from the watch cache first, as upstream's plugin reads its
   * informer, then live when the cache misses (upstream's fallback), retrying `default` for a
   * while, since the ServiceAccount controller creates it just after its namespace.
   */
  private async lookupServiceAccount(
    namespace: string,
    name: string,
  ): Promise<ServiceAccount | undefined> {
    const registry = this.deps.registry('', 'v1', 'serviceaccounts');
    if (registry === undefined) return undefined;
    const cached = await getIfExists(registry, namespace, name, { fromCache: true });
    if (cached !== undefined) return cached as unknown as ServiceAccount;
    const attempts = name === 'default' ? 10 : 1;
    for (let i = 0; i < attempts; i++) {
      const found = await getIfExists(registry, namespace, name);
      if (found !== undefined) return found as unknown as ServiceAccount;
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
    }
    return undefined;
  }

  /** The mutating plugins; returns the (possibly new) object. */
  async mutate(
    req: AdmissionRequest,
    object: StoredObject | undefined,
  ): Promise<StoredObject | undefined> {
    if (object === undefined || req.operation === 'DELETE') return object;
    let current = object;
    const apply = (next: JsonObject | undefined): void => {
      if (next !== undefined) current = next;
    };
    let attrs = this.attributes(req, current);
    if (limitRangerApplies(attrs) && req.namespace !== '') {
      const ranges = inNamespace<LimitRange>(this.limitRanges, req.namespace);
      if (ranges.length > 0) {
        apply(admitLimitRanger(ranges, attrs));
        attrs = this.attributes(req, current);
      }
    }
    if (req.info.group === '' && req.info.resource === 'pods' && req.operation === 'CREATE') {
      const admitted = await admitServiceAccount(attrs, (ns, name) =>
        this.lookupServiceAccount(ns, name),
      );
      apply(admitted as JsonObject | undefined);
      // What upstream's v1 encoding does: the deprecated field mirrors serviceAccountName.
      const spec = current['spec'] as
        { serviceAccountName?: string; serviceAccount?: string } | undefined;
      if (typeof spec?.serviceAccountName === 'string' && spec.serviceAccountName !== '') {
        spec.serviceAccount = spec.serviceAccountName;
      }
      attrs = this.attributes(req, current);
    }
    if (priorityApplies(attrs)) {
      apply(admitPriority(this.classes(), attrs));
      attrs = this.attributes(req, current);
    }
    apply(admitDefaultTolerationSeconds(attrs));
    return current;
  }

  /** The validating plugins (before webhooks). Throws a StatusError to refuse. */
  async validate(
    req: AdmissionRequest,
    object: StoredObject | undefined,
    warn?: (text: string) => void,
  ): Promise<void> {
    const attrs = this.attributes(req, object);
    const { group, resource } = attrs.resource;
    if (req.opts.user.username.startsWith('system:node:')) {
      // NodeRestriction: a kubelet writes only its own Node, its pods and their status.
      await this.nodeRestriction.admit({ ...attrs, userInfo: req.opts.user });
    }
    if (req.operation !== 'DELETE' && limitRangerApplies(attrs) && req.namespace !== '') {
      const ranges = inNamespace<LimitRange>(this.limitRanges, req.namespace);
      if (ranges.length > 0) validateLimitRanger(ranges, attrs);
    }
    if (group === '' && (resource === 'pods' || req.subresource === 'ephemeralcontainers')) {
      await validateServiceAccount(attrs, (ns, name) => this.lookupServiceAccount(ns, name));
    }
    if (group === 'scheduling.k8s.io' && resource === 'priorityclasses') {
      validatePriorityClassAdmission(
        this.priorityClasses.values() as unknown as PriorityClass[],
        attrs,
      );
    }
    if (podSecurityApplies(attrs.resource) && req.operation !== 'DELETE') {
      const result = await this.podSecurity.validate({
        operation: req.operation,
        resource: attrs.resource,
        subresource: req.subresource,
        namespace: group === '' && resource === 'namespaces' ? req.name : req.namespace,
        name: attrs.name,
        object,
        oldObject: req.oldObject,
        userInfo: req.opts.user,
        dryRun: req.opts.dryRun,
      });
      for (const w of result.warnings) warn?.(w);
      // enforce-policy, audit-violations, exempt, error: also on a denial, as upstream.
      for (const [k, v] of Object.entries(result.auditAnnotations)) {
        req.opts.addAuditAnnotation?.(k, v);
      }
      if (!result.allowed && result.error !== undefined) throw result.error;
    }
    if (group === RBAC_GROUP && req.operation !== 'DELETE' && req.subresource === '') {
      await this.checkEscalation(req, object);
    }
    if (group === 'certificates.k8s.io' && this.deps.authorize !== undefined) {
      // CertificateApproval and CertificateSigning.
      admitCertificateSigningRequest(
        {
          operation: req.operation,
          group,
          resource,
          subresource: req.subresource,
          name: attrs.name,
          object: object as unknown as CertificateSigningRequest | undefined,
          oldObject: req.oldObject as unknown as CertificateSigningRequest | undefined,
          user: req.opts.user,
        },
        this.deps.authorize,
      );
    }
  }

  private async checkEscalation(
    req: AdmissionRequest,
    object: StoredObject | undefined,
  ): Promise<void> {
    const { authorize, rules } = this.deps;
    if (authorize === undefined || rules === undefined || object === undefined) return;
    const ctx = { user: req.opts.user, namespace: req.namespace, resolver: rules, authorize };
    const write = {
      object,
      ...(req.oldObject === undefined ? {} : { oldObject: req.oldObject }),
    };
    let err;
    switch (req.info.resource) {
      case 'roles':
      case 'clusterroles':
        err = await checkRoleEscalation(
          ctx,
          req.info.resource,
          req.operation === 'CREATE' ? '' : req.name,
          write as unknown as { object: Role | ClusterRole; oldObject?: Role | ClusterRole },
        );
        break;
      case 'rolebindings':
      case 'clusterrolebindings':
        err = await checkBindingEscalation(
          ctx,
          req.info.resource,
          write as unknown as {
            object: RoleBinding | ClusterRoleBinding;
            oldObject?: RoleBinding | ClusterRoleBinding;
          },
        );
        break;
      default:
        return;
    }
    if (err !== undefined) throw err;
  }

  /**
   * ResourceQuota (the last validating plugin): charges the object's usage to every matching
   * quota of its namespace by writing the quotas' status with their resourceVersion as a
   * precondition, before the object is stored, so concurrent creates can never overshoot a
   * quota (a conflict re-reads the quota and checks again). Throws 403 when over a quota.
   */
  async chargeQuota(req: AdmissionRequest, object: StoredObject | undefined): Promise<void> {
    if (req.namespace === '' || req.operation === 'DELETE') return;
    const attrs = this.attributes(req, object);
    if (!quotaAdmissionApplies(attrs)) return;
    if (inNamespace<ResourceQuota>(this.quotas, req.namespace).length === 0) return;
    const registry = this.deps.registry('', 'v1', 'resourcequotas');
    if (registry === undefined) return;
    const namespace = req.namespace;
    return new Promise<void>((resolve, reject) => {
      const waiting = this.quotaWaiting.get(namespace);
      if (waiting === undefined) this.quotaWaiting.set(namespace, [{ attrs, resolve, reject }]);
      else waiting.push({ attrs, resolve, reject });
      if (!this.quotaBusy.has(namespace)) void this.chargeBatches(namespace, registry);
    });
  }

  /**
   * One worker per namespace, as upstream's quota evaluator: the requests that arrived while a
   * batch was being written are checked together, in arrival order, against the usage the
   * earlier ones add, and their combined usage is written once per quota.
   */
  private async chargeBatches(namespace: string, registry: ResourceRegistry): Promise<void> {
    this.quotaBusy.add(namespace);
    try {
      for (;;) {
        const batch = this.quotaWaiting.get(namespace);
        if (batch === undefined || batch.length === 0) break;
        this.quotaWaiting.delete(namespace);
        try {
          await this.chargeBatch(namespace, registry, batch);
        } catch (err) {
          for (const c of batch) c.reject(err);
        }
      }
    } finally {
      this.quotaBusy.delete(namespace);
    }
  }

  private async chargeBatch(
    namespace: string,
    registry: ResourceRegistry,
    batch: readonly QuotaCharge[],
  ): Promise<void> {
    // The newest state this process knows: its own last writes, else the mirror (a stale one
    // only costs a conflict and a live read below).
    let quotas = inNamespace<ResourceQuota>(this.quotas, namespace).map((q) => {
      const mine = this.written.get(`${namespace}/${q.metadata?.name ?? ''}`);
      return mine !== undefined &&
        Number(mine.metadata?.resourceVersion ?? 0) > Number(q.metadata?.resourceVersion ?? 0)
        ? mine
        : q;
    });
    const refused = new Map<QuotaCharge, unknown>();
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = new Map(quotas.map((q) => [q.metadata?.name ?? '', q]));
      const changed = new Map<string, ResourceQuota>();
      for (const charge of batch) {
        if (refused.has(charge)) continue;
        try {
          const { updated } = checkQuotas([...current.values()], charge.attrs);
          for (const q of updated) {
            const name = q.metadata?.name ?? '';
            current.set(name, q);
            changed.set(name, q);
          }
        } catch (err) {
          refused.set(charge, err);
        }
      }
      const lost: string[] = [];
      for (const [name, q] of changed) {
        try {
          const { object: stored } = await registry.update(
            namespace,
            name,
            q as unknown as StoredObject,
            'status',
            { dryRun: false },
          );
          this.written.set(`${namespace}/${name}`, stored as unknown as ResourceQuota);
        } catch (err) {
          if (!isConflict(err)) throw err;
          lost.push(name);
        }
      }
      if (lost.length === 0) {
        for (const c of batch) {
          if (refused.has(c)) c.reject(refused.get(c));
          else c.resolve();
        }
        return;
      }
      // Only the quotas whose write lost a race are checked again (the others are charged;
      // a request refused now leaves a charge there that the quota controller's recount
      // gives back, as upstream).
      quotas = await Promise.all(
        lost.map(async (n) => (await registry.get(namespace, n)) as unknown as ResourceQuota),
      );
    }
    throw newTooManyRequestsError('the resource quota status kept changing; try again');
  }

  async close(): Promise<void> {
    await Promise.all([
      this.limitRanges.close(),
      this.priorityClasses.close(),
      this.quotas.close(),
    ]);
  }
}
