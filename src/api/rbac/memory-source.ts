/**
 * A simple in-memory {@link RbacSource} over arrays of objects, for tests and small embedders.
 * Every mutation bumps the bindings revision.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-types/rbac/v1.js';
import type { RbacSource } from './types.ts';

/** Objects to seed a {@link MemoryRbacSource} with. */
export interface RbacObjects {
  roles?: Role[];
  roleBindings?: RoleBinding[];
  clusterRoles?: ClusterRole[];
  clusterRoleBindings?: ClusterRoleBinding[];
}

/** An RbacSource backed by maps; mutate through the methods so the revision changes. */
export class MemoryRbacSource implements RbacSource {
  private revision = 0;
  private readonly roles = new Map<string, Role>();
  private readonly clusterRoles = new Map<string, ClusterRole>();
  private readonly bindingsByNs = new Map<string, Map<string, RoleBinding>>();
  private readonly clusterBindings = new Map<string, ClusterRoleBinding>();

  constructor(objects: RbacObjects = {}) {
    for (const r of objects.roles ?? []) this.putRole(r);
    for (const r of objects.clusterRoles ?? []) this.putClusterRole(r);
    for (const b of objects.roleBindings ?? []) this.putRoleBinding(b);
    for (const b of objects.clusterRoleBindings ?? []) this.putClusterRoleBinding(b);
  }

  bindingsRevision(): number {
    return this.revision;
  }
  getRole(namespace: string, name: string): Role | undefined {
    return this.roles.get(`${namespace}/${name}`);
  }
  getClusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.get(name);
  }
  roleBindings(namespace: string): Iterable<RoleBinding> {
    return this.bindingsByNs.get(namespace)?.values() ?? [];
  }
  clusterRoleBindings(): Iterable<ClusterRoleBinding> {
    return this.clusterBindings.values();
  }

  /** Adds or replaces a Role (keyed by namespace/name). */
  putRole(r: Role): void {
    this.roles.set(`${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, r);
  }
  /** Adds or replaces a ClusterRole. */
  putClusterRole(r: ClusterRole): void {
    this.clusterRoles.set(r.metadata?.name ?? '', r);
  }
  /** Removes a ClusterRole. */
  deleteClusterRole(name: string): void {
    this.clusterRoles.delete(name);
  }
  /** Adds or replaces a RoleBinding; bumps the revision. */
  putRoleBinding(b: RoleBinding): void {
    const ns = b.metadata?.namespace ?? '';
    let m = this.bindingsByNs.get(ns);
    if (m === undefined) {
      m = new Map<string, RoleBinding>();
      this.bindingsByNs.set(ns, m);
    }
    m.set(b.metadata?.name ?? String(m.size), b);
    this.revision++;
  }
  /** Adds or replaces a ClusterRoleBinding; bumps the revision. */
  putClusterRoleBinding(b: ClusterRoleBinding): void {
    this.clusterBindings.set(b.metadata?.name ?? String(this.clusterBindings.size), b);
    this.revision++;
  }
  /** Removes a ClusterRoleBinding; bumps the revision. */
  deleteClusterRoleBinding(name: string): void {
    this.clusterBindings.delete(name);
    this.revision++;
  }
}
