/**
 * The RBAC objects the authorizer reads, mirrored in memory from storage by four watches
 * (upstream's RBAC informers inside the API server). Lookups are O(1) map reads; RoleBindings
 * are grouped by namespace once per change of the bindings (the authorizer indexes them by
 * subject on the same revision).
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-types/rbac/v1.js';
import type { RbacSource, Scheme } from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';
import { ResourceMirror, resourcePrefix } from '../mirror.ts';

export class MirroredRbacSource implements RbacSource {
  private readonly roles: ResourceMirror;
  private readonly clusterRoles: ResourceMirror;
  private readonly bindings: ResourceMirror;
  private readonly clusterBindings: ResourceMirror;
  private revision = 0;
  private byNamespace: { revision: number; map: Map<string, RoleBinding[]> } | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(storage: Storage, scheme: Scheme) {
    const bump = {
      synced: () => {
        this.revision++;
        this.notify();
      },
      changed: () => {
        this.revision++;
        this.notify();
      },
    };
    const notify = {
      synced: () => {
        this.notify();
      },
      changed: () => {
        this.notify();
      },
    };
    this.roles = new ResourceMirror(
      storage,
      resourcePrefix(scheme, 'rbac.authorization.k8s.io', 'roles'),
      notify,
    );
    this.clusterRoles = new ResourceMirror(
      storage,
      resourcePrefix(scheme, 'rbac.authorization.k8s.io', 'clusterroles'),
      notify,
    );
    this.bindings = new ResourceMirror(
      storage,
      resourcePrefix(scheme, 'rbac.authorization.k8s.io', 'rolebindings'),
      bump,
    );
    this.clusterBindings = new ResourceMirror(
      storage,
      resourcePrefix(scheme, 'rbac.authorization.k8s.io', 'clusterrolebindings'),
      bump,
    );
  }

  /** Calls `fn` after any RBAC object changed (cluster role aggregation listens). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }

  /** Resolves once all four resources were listed. */
  async ready(): Promise<void> {
    await Promise.all([
      this.roles.ready(),
      this.clusterRoles.ready(),
      this.bindings.ready(),
      this.clusterBindings.ready(),
    ]);
  }

  bindingsRevision(): number {
    return this.revision;
  }

  getRole(namespace: string, name: string): Role | undefined {
    return this.roles.get(`${namespace}/${name}`) as Role | undefined;
  }

  getClusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.get(name) as ClusterRole | undefined;
  }

  /** Every ClusterRole (shared objects: do not modify). */
  allClusterRoles(): readonly ClusterRole[] {
    return this.clusterRoles.values() as unknown as readonly ClusterRole[];
  }

  /** Every ClusterRoleBinding / RoleBinding / Role, as stored (shared objects). */
  allObjects(kind: 'roles' | 'rolebindings' | 'clusterrolebindings'): readonly StoredObject[] {
    const mirror =
      kind === 'roles'
        ? this.roles
        : kind === 'rolebindings'
          ? this.bindings
          : this.clusterBindings;
    return mirror.values();
  }

  roleBindings(namespace: string): Iterable<RoleBinding> {
    if (this.byNamespace?.revision !== this.revision) {
      const map = new Map<string, RoleBinding[]>();
      for (const b of this.bindings.values()) {
        const ns = b.metadata?.namespace ?? '';
        let list = map.get(ns);
        if (list === undefined) map.set(ns, (list = []));
        list.push(b as unknown as RoleBinding);
      }
      this.byNamespace = { revision: this.revision, map };
    }
    return this.byNamespace.map.get(namespace) ?? [];
  }

  clusterRoleBindings(): Iterable<ClusterRoleBinding> {
    return this.clusterBindings.values() as unknown as readonly ClusterRoleBinding[];
  }

  async close(): Promise<void> {
    await Promise.all([
      this.roles.close(),
      this.clusterRoles.close(),
      this.bindings.close(),
      this.clusterBindings.close(),
    ]);
  }
}
