/**
 * The default authorization policy, kept as upstream's API server keeps it: at every start
 * the bootstrap ClusterRoles, ClusterRoleBindings, Roles and RoleBindings (and the system
 * PriorityClasses) are reconciled with what storage holds: missing objects are created,
 * missing rules and subjects are added unless the object carries
 * `rbac.authorization.kubernetes.io/autoupdate: "false"`. Writes are internal (no user, no
 * admission) and issued together so the store commits them in few transactions.
 *
 * Also the ClusterRole aggregation controller (upstream's clusterrole-aggregation, which lives
 * in the controller-manager; here until it exists): a ClusterRole with an aggregationRule
 * gets the union of the rules of the ClusterRoles its selectors match.
 */
import type { ClusterRole, ClusterRoleBinding, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { APISERVER_KUBELET_CLIENT_USER } from '../kubelet/index.ts';
import {
  aggregateClusterRole,
  aggregationNeedsUpdate,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  bootstrapRoleBindings,
  bootstrapRoles,
  isAlreadyExists,
  isConflict,
  isNotFound,
  reconcileClusterRole,
  reconcileClusterRoleBinding,
  reconcileRole,
  reconcileRoleBinding,
  type ReconcileOperation,
  SIMULATED_NODE_POOL_GROUP,
  SIMULATED_NODE_POOL_USER,
  systemPriorityClasses,
} from '../../api/index.ts';
import type { StoredObject } from '../../storage/index.ts';
import { getIfExists, type ResourceRegistry } from '../registry/registry.ts';
import type { MirroredRbacSource } from './rbac-source.ts';

export interface RbacRegistries {
  roles: ResourceRegistry;
  roleBindings: ResourceRegistry;
  clusterRoles: ResourceRegistry;
  clusterRoleBindings: ResourceRegistry;
  priorityClasses?: ResourceRegistry;
}

const internal = { dryRun: false } as const;

async function createIgnoringExists(
  registry: ResourceRegistry,
  namespace: string,
  obj: StoredObject,
): Promise<void> {
  try {
    await registry.create(namespace, obj, internal);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

async function write(
  registry: ResourceRegistry,
  namespace: string,
  operation: string,
  obj: StoredObject,
): Promise<void> {
  const name = obj.metadata?.name ?? '';
  if (operation === 'create') {
    await createIgnoringExists(registry, namespace, obj);
  } else if (operation === 'update') {
    await registry.update(namespace, name, obj, '', internal);
  } else if (operation === 'recreate') {
    await registry.delete(namespace, name, {}, internal);
    await createIgnoringExists(registry, namespace, obj);
  }
}

/** The group `skiff token create` puts its bootstrap tokens in (as kubeadm's default-node-token). */
export const NODE_BOOTSTRAP_TOKEN_GROUP = 'system:bootstrappers:skiff:default-node-token';

/** The ClusterRole whose holders get simulated-node-pool client CSRs auto-approved. */
export const SIMULATED_NODE_POOL_CSR_ROLE = 'skiff:certificatesigningrequests:simulatednodepool';

/**
 * Skiff's own default ClusterRoles: the CSR auto-approval permission of simulated node pools
 * (as upstream's `...:nodeclient`), and what the certificate controller needs beyond upstream's
 * role to approve those CSRs (`approve` on the kube-apiserver-client signer).
 */
function skiffClusterRoles(): ClusterRole[] {
  const role = (name: string, rules: ClusterRole['rules']): ClusterRole => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name,
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    },
    rules,
  });
  return [
    // What a simulated node pool does for its nodes: what the Node authorizer and
    // NodeRestriction let each kubelet do, for all of them at once.
    role(SIMULATED_NODE_POOL_USER, [
      {
        apiGroups: [''],
        resources: ['nodes'],
        verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'],
      },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['update', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['update', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'],
      },
    ]),
    role(SIMULATED_NODE_POOL_CSR_ROLE, [
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['certificatesigningrequests/simulatednodepool'],
        verbs: ['create'],
      },
    ]),
    // Beyond upstream's role: the approver also approves simulated node pools' client CSRs and
    // nodes' own kubelet serving CSRs (src/controllers/certificates/approver.ts).
    role('skiff:controller:certificate-controller', [
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['signers'],
        resourceNames: ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kubelet-serving'],
        verbs: ['approve'],
      },
    ]),
  ];
}

/**
 * Skiff's own default bindings, as kubeadm's `kubeadm:kubelet-bootstrap`: bootstrap tokens
 * made by `skiff token create` may ask for a node client certificate (system:node-bootstrapper),
 * and nothing else.
 */
function skiffClusterRoleBindings(): ClusterRoleBinding[] {
  const binding = (
    name: string,
    role: string,
    ...subjects: { kind: string; name: string; namespace?: string }[]
  ): ClusterRoleBinding => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {
      name,
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: subjects.map((subject) =>
      subject.kind === 'ServiceAccount'
        ? { kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace ?? '' }
        : { apiGroup: 'rbac.authorization.k8s.io', ...subject },
    ),
  });
  const group = { kind: 'Group', name: NODE_BOOTSTRAP_TOKEN_GROUP };
  return [
    // kubeadm's node-autoapprove-bootstrap and node-autoapprove-certificate-rotation: the
    // csrapproving controller approves node client CSRs of bootstrap tokens and renewals.
    binding(
      'skiff:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      group,
    ),
    binding(
      'skiff:node-autoapprove-certificate-rotation',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      { kind: 'Group', name: 'system:nodes' },
    ),
    // The simulated node pools: the server's own and remote ones (`skiff agent --simulated N`).
    binding(
      SIMULATED_NODE_POOL_USER,
      SIMULATED_NODE_POOL_USER,
      { kind: 'User', name: SIMULATED_NODE_POOL_USER },
      { kind: 'Group', name: SIMULATED_NODE_POOL_GROUP },
    ),
    // Remote simulated node pools join with a bootstrap token too.
    binding('skiff:simulated-node-pool-autoapprove', SIMULATED_NODE_POOL_CSR_ROLE, group),
    // The API server's kubelet client certificate (CN kube-apiserver-kubelet-client, no
    // groups): kubelets authorize it through SubjectAccessReviews against nodes/proxy,
    // nodes/log, nodes/stats and nodes/metrics, which system:kubelet-api-admin grants (as k3s's
    // kube-apiserver-kubelet-admin binding does; kubeadm puts the certificate in an admin group).
    binding('skiff:kube-apiserver-kubelet-client', 'system:kubelet-api-admin', {
      kind: 'User',
      name: APISERVER_KUBELET_CLIENT_USER,
    }),
    binding('skiff:controller:certificate-controller', 'skiff:controller:certificate-controller', {
      kind: 'ServiceAccount',
      name: 'certificate-controller',
      namespace: 'kube-system',
    }),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {
        name: 'skiff:kubelet-bootstrap',
        annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
        labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:node-bootstrapper',
      },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: NODE_BOOTSTRAP_TOKEN_GROUP },
      ],
    },
  ];
}

function asStored(obj: object): StoredObject {
  return obj as unknown as StoredObject;
}

/**
 * Reconciles the bootstrap policy with the mirrored state (call after `source.ready()`).
 * Resolves when every write settled; rejects with the first failure after all settled.
 */
export async function reconcileBootstrapPolicy(
  source: MirroredRbacSource,
  registries: RbacRegistries,
): Promise<void> {
  const writes: Promise<void>[] = [];
  const roleWrites: RoleWrite[] = [];
  for (const expected of [...bootstrapClusterRoles(), ...skiffClusterRoles()]) {
    const existing = source.getClusterRole(expected.metadata?.name ?? '');
    const r = reconcileClusterRole(existing, expected);
    if (r.operation !== 'none' && !r.protected) {
      roleWrites.push({ operation: r.operation, role: r.role });
    }
  }
  for (const { operation, role } of withAggregatedRules(source.allClusterRoles(), roleWrites)) {
    writes.push(write(registries.clusterRoles, '', operation, asStored(role)));
  }
  const clusterBindings = new Map(
    source.allObjects('clusterrolebindings').map((b) => [b.metadata?.name ?? '', b]),
  );
  for (const expected of [...bootstrapClusterRoleBindings(), ...skiffClusterRoleBindings()]) {
    const existing = clusterBindings.get(expected.metadata?.name ?? '') as
      ClusterRoleBinding | undefined;
    const r = reconcileClusterRoleBinding(existing, expected);
    if (r.operation !== 'none' && !r.protected) {
      writes.push(write(registries.clusterRoleBindings, '', r.operation, asStored(r.binding)));
    }
  }
  for (const expected of bootstrapRoles()) {
    const ns = expected.metadata?.namespace ?? '';
    const existing = source.getRole(ns, expected.metadata?.name ?? '');
    const r = reconcileRole(existing, expected);
    if (r.operation !== 'none' && !r.protected) {
      writes.push(write(registries.roles, ns, r.operation, asStored(r.role)));
    }
  }
  const bindings = new Map(
    source
      .allObjects('rolebindings')
      .map((b) => [`${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`, b]),
  );
  for (const expected of bootstrapRoleBindings()) {
    const ns = expected.metadata?.namespace ?? '';
    const existing = bindings.get(`${ns}/${expected.metadata?.name ?? ''}`) as
      RoleBinding | undefined;
    const r = reconcileRoleBinding(existing, expected);
    if (r.operation !== 'none' && !r.protected) {
      writes.push(write(registries.roleBindings, ns, r.operation, asStored(r.binding)));
    }
  }
  const priorityClasses = registries.priorityClasses;
  if (priorityClasses !== undefined) {
    for (const pc of systemPriorityClasses()) {
      writes.push(
        (async () => {
          if ((await getIfExists(priorityClasses, '', pc.metadata?.name ?? '')) === undefined) {
            await createIgnoringExists(priorityClasses, '', asStored(pc));
          }
        })(),
      );
    }
  }
  const results = await Promise.allSettled(writes);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** A ClusterRole write of the bootstrap reconcile. */
export interface RoleWrite {
  operation: Exclude<ReconcileOperation, 'none'>;
  role: ClusterRole;
}

/**
 * The ClusterRole writes with the rules the aggregation controller would give the aggregated
 * roles among the created ones (admin, edit, view, ... on a fresh store), computed to a fixed
 * point over the roles as they will be: created with their final rules, these roles need no
 * second write (and no second validation) from the aggregator right after start-up.
 */
export function withAggregatedRules(
  current: readonly ClusterRole[],
  roleWrites: readonly RoleWrite[],
): RoleWrite[] {
  const out = roleWrites.map((w) => ({ ...w }));
  const created = out.filter((w) => w.operation === 'create' && w.role.aggregationRule);
  if (created.length === 0) return out;
  const final = new Map(current.map((r) => [r.metadata?.name ?? '', r]));
  for (const w of out) final.set(w.role.metadata?.name ?? '', w.role);
  // Aggregated roles may select other aggregated roles (admin selects edit's labels, edit
  // view's): repeat until nothing changes, bounded by the chain's length.
  for (let pass = 0; pass <= created.length; pass++) {
    let changed = false;
    for (const w of created) {
      const rules = aggregateClusterRole(w.role, final.values());
      if (rules === undefined || !aggregationNeedsUpdate(w.role, rules)) continue;
      w.role = { ...w.role, rules };
      final.set(w.role.metadata?.name ?? '', w.role);
      changed = true;
    }
    if (!changed) break;
  }
  return out;
}

/**
 * Keeps aggregated ClusterRoles current: on every RBAC change (coalesced), recomputes the
 * rules of each ClusterRole with an aggregationRule and writes those that differ.
 */
export class ClusterRoleAggregator {
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly source: MirroredRbacSource,
    private readonly clusterRoles: ResourceRegistry,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    source.onChange(() => {
      this.trigger();
    });
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.pass()
      .catch(this.onError)
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  /** One pass over every aggregated ClusterRole. */
  async pass(): Promise<void> {
    const all = this.source.allClusterRoles();
    for (const role of all) {
      const rules = aggregateClusterRole(role, all);
      if (rules === undefined || !aggregationNeedsUpdate(role, rules)) continue;
      const updated: ClusterRole = { ...role, rules };
      try {
        await this.clusterRoles.update(
          '',
          role.metadata?.name ?? '',
          asStored(updated),
          '',
          internal,
        );
      } catch (err) {
        // A conflict means a newer version arrives through the mirror and triggers a pass.
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }
}
