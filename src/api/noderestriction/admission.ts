// The NodeRestriction admission plugin (upstream plugin/pkg/admission/noderestriction,
// Kubernetes 1.32 with default feature gates): a kubelet may only touch its own Node, mirror
// pods bound to itself, status and evictions of its own pods, its own Lease and CSINode, and
// tokens for its own pods. Requests from other users pass untouched.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { newNotFound } from '../errors.ts';
import type { StatusError } from '../errors.ts';
import { admissionForbidden } from '../quota/index.ts';
import type { JsonObject, PluginAttributes } from '../quota/index.ts';
import type { UserInfo } from '../user.ts';
import { nodeIdentity } from './node-identity.ts';
import { MIRROR_POD_ANNOTATION, visitPodConfigMapNames, visitPodSecretNames } from './pod-refs.ts';
import { semanticDiffPaths, semanticEqual } from './semantic.ts';

/** The namespace holding node heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Label namespace only cluster admins may set on nodes (node-restriction.kubernetes.io). */
export const LABEL_NAMESPACE_NODE_RESTRICTION = 'node-restriction.kubernetes.io';

/** Exact label keys a kubelet may set on its Node (upstream kubeletapis kubeletLabels). */
export const KUBELET_LABELS: readonly string[] = [
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'kubernetes.io/arch',
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
];
const KUBELET_LABEL_SET = new Set(KUBELET_LABELS);

/** Label namespaces (and their subdomains) a kubelet may set (upstream kubeletLabelNamespaces). */
export const KUBELET_LABEL_NAMESPACES: readonly string[] = [
  'kubelet.kubernetes.io',
  'node.kubernetes.io',
];

/** A request as NodeRestriction sees it: the plugin attributes plus the requesting user. */
export interface NodeRestrictionAttributes extends PluginAttributes {
  readonly userInfo: UserInfo;
}

/**
 * Reads the plugin needs, normally served from watch mirrors (upstream uses listers).
 * Return undefined for a missing object; throw for other failures.
 */
export interface NodeRestrictionDeps {
  getPod(namespace: string, name: string): Pod | undefined | Promise<Pod | undefined>;
  getNode(name: string): Node | undefined | Promise<Node | undefined>;
}

/** Feature switches (defaults are Kubernetes 1.32's). */
export interface NodeRestrictionOptions {
  /** RecoverVolumeExpansionFailure (beta, on in 1.32): PVC status may change allocatedResources. */
  expansionRecoveryEnabled?: boolean;
}

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

function inNamespace(ns: string, allowed: string): boolean {
  return ns === allowed || ns.endsWith(`.${allowed}`);
}

/** Upstream kubeletapis.IsKubeletLabel: a label key a kubelet may set on its own Node. */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABEL_SET.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((a) => inNamespace(ns, a));
}

function isKubernetesLabel(key: string): boolean {
  const ns = labelNamespace(key);
  return inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
}

function modifiedLabels(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): Set<string> {
  const out = new Set<string>();
  const aa = a ?? {};
  const bb = b ?? {};
  for (const [k, v] of Object.entries(aa)) if (bb[k] !== v) out.add(k);
  for (const [k, v] of Object.entries(bb)) if (aa[k] !== v) out.add(k);
  return out;
}

/**
 * The label keys of `modified` a node may not add, change or remove, sorted: any
 * node-restriction.kubernetes.io label, and kubernetes.io / k8s.io labels that are not kubelet
 * labels.
 */
export function forbiddenNodeLabels(modified: Iterable<string>): string[] {
  const out: string[] = [];
  for (const label of modified) {
    const ns = labelNamespace(label);
    if (
      inNamespace(ns, LABEL_NAMESPACE_NODE_RESTRICTION) ||
      (isKubernetesLabel(label) && !isKubeletLabel(label))
    ) {
      out.push(label);
    }
  }
  return out.sort();
}

function labelsEqual(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  return modifiedLabels(a, b).size === 0;
}

interface Meta {
  name?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
function metaOf(obj: JsonObject | undefined): Meta {
  const m = obj?.['metadata'];
  return typeof m === 'object' && m !== null ? m : {};
}
function specOf(obj: JsonObject | undefined): Record<string, unknown> {
  const s = obj?.['spec'];
  return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
}

/**
 * The NodeRestriction plugin. `admit` resolves when the request may proceed and rejects with a
 * StatusError (403 Forbidden with upstream's messages, or 404 when a pod or node it needs is
 * gone) otherwise. It never modifies the request. Run it in the validating phase; upstream
 * registers it as mutating but it only validates.
 */
export class NodeRestriction {
  /** Plugin name, also its registry key. */
  readonly name = 'NodeRestriction';
  private readonly expansionRecoveryEnabled: boolean;

  constructor(
    private readonly deps: NodeRestrictionDeps,
    options: NodeRestrictionOptions = {},
  ) {
    this.expansionRecoveryEnabled = options.expansionRecoveryEnabled ?? true;
  }

  /** Checks one request; requests from non-node users and CONNECT requests always pass. */
  async admit(a: NodeRestrictionAttributes): Promise<void> {
    if (a.operation === 'CONNECT') return;
    const { nodeName, isNode } = nodeIdentity(a.userInfo);
    if (!isNode) return;
    if (nodeName === '') {
      throw forbid(a, `could not determine node from user ${JSON.stringify(a.userInfo.username)}`);
    }
    const { group, resource } = a.resource;
    if (group === '') {
      switch (resource) {
        case 'pods':
          switch (a.subresource) {
            case '':
              return this.admitPod(nodeName, a);
            case 'status': {
              admitPodStatus(nodeName, a);
              return;
            }
            case 'eviction':
              return this.admitPodEviction(nodeName, a);
            default:
              throw forbid(
                a,
                `unexpected pod subresource ${JSON.stringify(a.subresource)}, only 'status' and 'eviction' are allowed`,
              );
          }
        case 'nodes': {
          admitNode(nodeName, a);
          return;
        }
        case 'persistentvolumeclaims':
          if (a.subresource === 'status') {
            this.admitPVCStatus(nodeName, a);
            return;
          }
          throw forbid(a, 'may only update PVC status');
        case 'serviceaccounts':
          return this.admitServiceAccount(nodeName, a);
        default:
          return;
      }
    }
    if (group === 'coordination.k8s.io' && resource === 'leases') {
      admitLease(nodeName, a);
      return;
    }
    if (group === 'storage.k8s.io' && resource === 'csinodes') {
      admitCSINode(nodeName, a);
      return;
    }
    if (group === 'resource.k8s.io' && resource === 'resourceslices') {
      admitResourceSlice(nodeName, a);
      return;
    }
  }

  private async admitPod(nodeName: string, a: NodeRestrictionAttributes): Promise<void> {
    switch (a.operation) {
      case 'CREATE':
        return this.admitPodCreate(nodeName, a);
      case 'DELETE': {
        const existing = await this.deps.getPod(a.namespace, a.name);
        if (existing === undefined) throw newNotFound({ group: '', resource: 'pods' }, a.name);
        if ((existing.spec?.nodeName ?? '') !== nodeName) {
          throw forbid(
            a,
            `node ${q(nodeName)} can only delete pods with spec.nodeName set to itself`,
          );
        }
        return;
      }
      default:
        throw forbid(
          a,
          `unexpected operation ${q(a.operation)}, node ${q(nodeName)} can only create and delete mirror pods`,
        );
    }
  }

  private async admitPodCreate(nodeName: string, a: NodeRestrictionAttributes): Promise<void> {
    if (a.object === undefined) throw forbid(a, 'unexpected type <nil>');
    const pod = a.object as Pod;
    const meta = pod.metadata ?? {};
    if (meta.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
      throw forbid(
        a,
        `pod does not have ${q(MIRROR_POD_ANNOTATION)} annotation, node ${q(nodeName)} can only create mirror pods`,
      );
    }
    if ((pod.spec?.nodeName ?? '') !== nodeName) {
      throw forbid(a, `node ${q(nodeName)} can only create pods with spec.nodeName set to itself`);
    }
    const owners = meta.ownerReferences ?? [];
    if (owners.length > 1) {
      throw forbid(
        a,
        `node ${q(nodeName)} can only create pods with a single owner reference set to itself`,
      );
    }
    const owner = owners[0];
    if (owner === undefined) {
      throw forbid(
        a,
        `node ${q(nodeName)} can only create pods with an owner reference set to itself`,
      );
    }
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) {
      throw forbid(
        a,
        `node ${q(nodeName)} can only create pods with an owner reference set to itself`,
      );
    }
    if (owner.controller !== true) {
      throw forbid(
        a,
        `node ${q(nodeName)} can only create pods with a controller owner reference set to itself`,
      );
    }
    if (owner.blockOwnerDeletion === true) {
      throw forbid(a, `node ${q(nodeName)} must not set blockOwnerDeletion on an owner reference`);
    }
    const node = await this.deps.getNode(nodeName);
    if (node === undefined) throw newNotFound({ group: '', resource: 'nodes' }, nodeName);
    const nodeUid = node.metadata?.uid ?? '';
    if (owner.uid !== nodeUid) {
      throw forbid(a, `node ${nodeName} UID mismatch: expected ${owner.uid} got ${nodeUid}`);
    }

    // A node must not create a pod that would grant it access to other API objects.
    if ((pod.spec?.serviceAccountName ?? '') !== '') {
      throw forbid(a, `node ${q(nodeName)} can not create pods that reference a service account`);
    }
    if (!visitPodSecretNames(pod, () => false)) {
      throw forbid(a, `node ${q(nodeName)} can not create pods that reference secrets`);
    }
    if (!visitPodConfigMapNames(pod, () => false)) {
      throw forbid(a, `node ${q(nodeName)} can not create pods that reference configmaps`);
    }
    for (const v of pod.spec?.volumes ?? []) {
      const sources = (v.projected?.sources ?? []) as { clusterTrustBundle?: unknown }[];
      for (const src of sources) {
        if (src.clusterTrustBundle !== undefined && src.clusterTrustBundle !== null) {
          throw forbid(
            a,
            `node ${q(nodeName)} can not create pods that reference clustertrustbundles`,
          );
        }
      }
    }
    for (const v of pod.spec?.volumes ?? []) {
      if (v.persistentVolumeClaim !== undefined) {
        throw forbid(
          a,
          `node ${q(nodeName)} can not create pods that reference persistentvolumeclaims`,
        );
      }
    }
  }

  private async admitPodEviction(nodeName: string, a: NodeRestrictionAttributes): Promise<void> {
    if (a.operation !== 'CREATE') throw forbid(a, `unexpected operation ${a.operation}`);
    if (a.object === undefined) throw forbid(a, 'unexpected type <nil>');
    // The pod name from the request path wins over the one in the Eviction body.
    let podName = a.name;
    if (podName === '') {
      podName = metaOf(a.object).name ?? '';
      if (podName === '') throw forbid(a, 'could not determine pod from request data');
    }
    const existing = await this.deps.getPod(a.namespace, podName);
    if (existing === undefined) throw newNotFound({ group: '', resource: 'pods' }, podName);
    if ((existing.spec?.nodeName ?? '') !== nodeName) {
      throw forbid(a, `node ${nodeName} can only evict pods with spec.nodeName set to itself`);
    }
  }

  private admitPVCStatus(nodeName: string, a: NodeRestrictionAttributes): void {
    if (a.operation !== 'UPDATE') throw forbid(a, `unexpected operation ${q(a.operation)}`);
    if (a.oldObject === undefined || a.object === undefined) {
      throw forbid(a, 'unexpected type <nil>');
    }
    const strip = (obj: JsonObject): JsonObject => {
      const pvc = structuredClone(obj);
      const meta = pvc['metadata'] as Record<string, unknown> | undefined;
      if (meta) {
        delete meta['resourceVersion'];
        delete meta['managedFields'];
      }
      const status = pvc['status'] as Record<string, unknown> | undefined;
      if (status) {
        delete status['capacity'];
        delete status['conditions'];
        if (this.expansionRecoveryEnabled) {
          delete status['allocatedResourceStatuses'];
          delete status['allocatedResources'];
        }
      }
      return pvc;
    };
    const oldPVC = strip(a.oldObject);
    const newPVC = strip(a.object);
    if (!semanticEqual(oldPVC, newPVC)) {
      // Upstream appends a cmp.Diff of the two objects; we list the differing fields.
      throw forbid(
        a,
        `node ${q(nodeName)} is not allowed to update fields other than status.quantity and status.conditions: ${semanticDiffPaths(oldPVC, newPVC).join(', ')}`,
      );
    }
  }

  private async admitServiceAccount(nodeName: string, a: NodeRestrictionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
    if (a.object === undefined) throw forbid(a, 'unexpected type <nil>');
    const ref = specOf(a.object)['boundObjectRef'] as
      { apiVersion?: string; kind?: string; name?: string; uid?: string } | undefined;
    // Tokens a node requests must be bound to a pod scheduled on that node.
    if (
      !present(ref) ||
      ref === undefined ||
      ref.apiVersion !== 'v1' ||
      ref.kind !== 'Pod' ||
      (ref.name ?? '') === ''
    ) {
      throw forbid(a, 'node requested token not bound to a pod');
    }
    const refUid = ref.uid ?? '';
    if (refUid === '') throw forbid(a, 'node requested token with a pod binding without a uid');
    const podName = ref.name ?? '';
    const pod = await this.deps.getPod(a.namespace, podName);
    if (pod === undefined) throw newNotFound({ group: '', resource: 'pods' }, podName);
    if (refUid !== (pod.metadata?.uid ?? '')) {
      throw forbid(
        a,
        `the UID in the bound object reference (${refUid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    if ((pod.spec?.nodeName ?? '') !== nodeName) {
      throw forbid(a, 'node requested token bound to a pod scheduled on a different node');
    }
  }
}

/** Set in the JSON (neither absent nor null). */
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function q(s: string): string {
  return JSON.stringify(s);
}

function forbid(a: NodeRestrictionAttributes, message: string): StatusError {
  return admissionForbidden(a, message);
}

function admitPodStatus(nodeName: string, a: NodeRestrictionAttributes): void {
  if (a.operation !== 'UPDATE') throw forbid(a, `unexpected operation ${q(a.operation)}`);
  if (a.oldObject === undefined) throw forbid(a, 'unexpected type <nil>');
  const oldPod = a.oldObject as Pod;
  if ((oldPod.spec?.nodeName ?? '') !== nodeName) {
    throw forbid(
      a,
      `node ${q(nodeName)} can only update pod status for pods with spec.nodeName set to itself`,
    );
  }
  if (a.object === undefined) throw forbid(a, 'unexpected type <nil>');
  const newPod = a.object as Pod;
  if (!labelsEqual(oldPod.metadata?.labels, newPod.metadata?.labels)) {
    throw forbid(a, `node ${q(nodeName)} cannot update labels through pod status`);
  }
  if (!claimStatusesEqual(oldPod, newPod)) {
    throw forbid(a, `node ${q(nodeName)} cannot update resource claim statues`);
  }
}

function claimStatusesEqual(a: Pod, b: Pod): boolean {
  type S = { name?: string; resourceClaimName?: string }[] | undefined;
  const sa = (a.status as { resourceClaimStatuses?: S } | undefined)?.resourceClaimStatuses ?? [];
  const sb = (b.status as { resourceClaimStatuses?: S } | undefined)?.resourceClaimStatuses ?? [];
  if (sa.length !== sb.length) return false;
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i];
    const y = sb[i];
    if ((x?.name ?? '') !== (y?.name ?? '')) return false;
    if (x?.resourceClaimName !== y?.resourceClaimName) return false;
  }
  return true;
}

function admitNode(nodeName: string, a: NodeRestrictionAttributes): void {
  if (a.name !== nodeName) {
    throw forbid(a, `node ${q(nodeName)} is not allowed to modify node ${q(a.name)}`);
  }
  if (a.operation === 'CREATE') {
    if (a.object === undefined) throw forbid(a, 'unexpected type <nil>');
    const node = a.object as Node;
    // Node access is scoped by what Node.spec names, so a config source would widen it.
    if (present(node.spec?.configSource)) {
      throw forbid(
        a,
        `node ${q(nodeName)} is not allowed to create pods with a non-nil configSource`,
      );
    }
    // Labels outside the allowed set would let a node steer privileged workloads to itself.
    const bad = forbiddenNodeLabels(modifiedLabels(node.metadata?.labels, undefined));
    if (bad.length > 0) {
      throw forbid(
        a,
        `node ${q(nodeName)} is not allowed to set the following labels: ${bad.join(', ')}`,
      );
    }
  }
  if (a.operation === 'UPDATE') {
    if (a.object === undefined || a.oldObject === undefined) {
      throw forbid(a, 'unexpected type <nil>');
    }
    const node = a.object as Node;
    const oldNode = a.oldObject as Node;
    const cs = node.spec?.configSource;
    // Only a new non-nil config source counts: old kubelets may drop the field on update.
    if (present(cs) && !semanticEqual(cs, oldNode.spec?.configSource)) {
      throw forbid(
        a,
        `node ${q(nodeName)} is not allowed to update configSource to a new non-nil configSource`,
      );
    }
    if (!semanticEqual(node.spec?.taints, oldNode.spec?.taints)) {
      throw forbid(a, `node ${q(nodeName)} is not allowed to modify taints`);
    }
    const bad = forbiddenNodeLabels(
      modifiedLabels(node.metadata?.labels, oldNode.metadata?.labels),
    );
    if (bad.length > 0) throw forbid(a, `is not allowed to modify labels: ${bad.join(', ')}`);
  }
}

function admitLease(nodeName: string, a: NodeRestrictionAttributes): void {
  if (a.namespace !== NODE_LEASE_NAMESPACE) {
    throw forbid(a, `can only access leases in the ${q(NODE_LEASE_NAMESPACE)} system namespace`);
  }
  const msg = 'can only access node lease with the same name as the requesting node';
  if (a.operation === 'CREATE') {
    if (a.object === undefined) throw forbid(a, 'unexpected type <nil>');
    if ((metaOf(a.object).name ?? '') !== nodeName) throw forbid(a, msg);
  } else if (a.name !== nodeName) {
    throw forbid(a, msg);
  }
}

function admitCSINode(nodeName: string, a: NodeRestrictionAttributes): void {
  const msg = 'can only access CSINode with the same name as the requesting node';
  if (a.operation === 'CREATE') {
    if (a.object === undefined) throw forbid(a, 'unable to access the object name');
    if ((metaOf(a.object).name ?? '') !== nodeName) throw forbid(a, msg);
  } else if (a.name !== nodeName) {
    throw forbid(a, msg);
  }
}

function admitResourceSlice(nodeName: string, a: NodeRestrictionAttributes): void {
  // The node authorizer cannot see the object on create, nor each object of a
  // deletecollection, so the slice's nodeName is checked here.
  if (a.operation === 'CREATE') {
    if (a.object === undefined) throw forbid(a, 'unexpected type <nil>');
    if ((specOf(a.object)['nodeName'] ?? '') !== nodeName) {
      throw forbid(
        a,
        'can only create ResourceSlice with the same NodeName as the requesting node',
      );
    }
  } else if (a.operation === 'DELETE') {
    if (a.oldObject === undefined) throw forbid(a, 'unexpected type <nil>');
    if ((specOf(a.oldObject)['nodeName'] ?? '') !== nodeName) {
      throw forbid(
        a,
        'can only delete ResourceSlice with the same NodeName as the requesting node',
      );
    }
  }
}
