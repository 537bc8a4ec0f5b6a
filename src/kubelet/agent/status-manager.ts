/**
 * The kubelet's status manager (pkg/kubelet/status/status_manager.go), reduced to what our pod
 * workers need: a cache of the status last written per pod uid, a write through `pods/status`
 * only when the status changed (a strategic merge patch carrying the pod's uid, so it never
 * lands on a newer pod of the same name), and the final delete (gracePeriodSeconds 0 with a uid
 * precondition) once the pod's resources are reclaimed.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../api/index.ts';
import type { ResourceClient } from '../../client/index.ts';

/** Top-level status fields the kubelet owns; a field it drops must be deleted (null). */
const OWNED_FIELDS = [
  'phase',
  'reason',
  'message',
  'podIP',
  'podIPs',
  'hostIP',
  'hostIPs',
  'startTime',
  'qosClass',
  'conditions',
  'containerStatuses',
  'initContainerStatuses',
  'ephemeralContainerStatuses',
] as const;

/** JSON with sorted object keys: two statuses are equal when these strings are. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = (v as Record<string, unknown>)[k];
    return out;
  });
}

/**
 * Whether `next` differs from `current` in a field the kubelet owns (isPodStatusByKubeletEqual:
 * conditions other than the kubelet's are someone else's and ignored).
 */
export function podStatusChanged(current: PodStatus | undefined, next: PodStatus): boolean {
  const pick = (s: PodStatus | undefined): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const f of OWNED_FIELDS) {
      const v = s?.[f];
      if (v === undefined) continue;
      if (f === 'conditions') {
        out[f] = (v as NonNullable<PodStatus['conditions']>)
          .filter((c) => KUBELET_CONDITIONS.has(c.type))
          .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
      } else out[f] = v;
    }
    return out;
  };
  return canonicalJson(pick(current)) !== canonicalJson(pick(next));
}

const KUBELET_CONDITIONS = new Set([
  'PodScheduled',
  'Ready',
  'Initialized',
  'ContainersReady',
  'PodReadyToStartContainers',
  'DisruptionTarget',
]);

/**
 * The strategic merge patch turning `current` into `next`: every owned field of `next`, null for
 * owned fields `next` lacks, and conditions (merged by type on the server) with reason and
 * message nulled when `next`'s condition has none, as the two-way merge patch upstream computes.
 */
export function podStatusPatch(
  current: PodStatus | undefined,
  next: PodStatus,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of OWNED_FIELDS) {
    const v = next[f];
    if (v !== undefined) out[f] = v;
    else if (current?.[f] !== undefined) out[f] = null;
  }
  if (next.conditions !== undefined) {
    out['conditions'] = next.conditions.map((c) => ({ reason: null, message: null, ...c }));
  }
  return out;
}

/** Where the status manager reports failures (structured). */
export interface StatusManagerLogger {
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** See the module comment. */
export class StatusManager {
  private readonly written = new Map<string, PodStatus>();
  /** Counters for tests and metrics. */
  readonly stats = { writes: 0, skipped: 0, deletes: 0 };

  constructor(
    private readonly pods: ResourceClient<Pod>,
    private readonly log?: StatusManagerLogger,
  ) {}

  /** The status last written (or confirmed equal) for a pod uid. The caller must not mutate it. */
  get(uid: string): PodStatus | undefined {
    return this.written.get(uid);
  }

  /**
   * Writes `status` for `pod` unless it equals what was last written or what the API object
   * has. Resolves true when a write happened. A pod that is gone (NotFound) or replaced by
   * another uid (Conflict) is not an error: false.
   */
  async setPodStatus(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    const last = this.written.get(uid);
    // Our last write may not have reached the informer yet: equal to it counts as written.
    if (
      !podStatusChanged(pod.status, status) ||
      (last !== undefined && !podStatusChanged(last, status))
    ) {
      this.written.set(uid, status);
      this.stats.skipped++;
      return false;
    }
    const m = pod.metadata ?? {};
    try {
      await this.pods.patch(
        m.namespace ?? '',
        m.name ?? '',
        'strategic',
        { metadata: { uid }, status: podStatusPatch(last ?? pod.status, status) },
        { subresource: 'status' },
      );
      this.written.set(uid, status);
      this.stats.writes++;
      return true;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return false;
      this.log?.error('pod status write failed', {
        pod: `${m.namespace ?? ''}/${m.name ?? ''}`,
        err: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }

  /**
   * The final delete of a terminated pod (gracePeriodSeconds 0, uid precondition). Resolves true
   * when the API accepted it or the pod is already gone.
   */
  async deletePod(pod: Pod): Promise<boolean> {
    const m = pod.metadata ?? {};
    try {
      await this.pods.delete(m.namespace ?? '', m.name ?? '', {
        gracePeriodSeconds: 0,
        preconditions: { uid: m.uid ?? '' },
      });
      this.stats.deletes++;
      return true;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return true;
      throw err;
    }
  }

  /** Forgets a pod's cached status (the pod is gone). */
  forget(uid: string): void {
    this.written.delete(uid);
  }
}
