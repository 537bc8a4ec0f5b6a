/**
 * ControllerRevision history shared by the StatefulSet and DaemonSet controllers (upstream
 * pkg/controller/history/controller_history.go): a revision is an immutable snapshot (`data`)
 * of a controller's pod template, named `<owner>-<hash>` where the hash is FNV-1 over the
 * data's JSON (Go's encoding: object keys sorted, `<>&` escaped) plus the collision count, and
 * encoded with upstream's SafeEncodeString alphabet. Revisions are ordered by `revision`; the
 * owner re-uses an equal revision (rolling back) instead of creating a duplicate.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { isAlreadyExists, isInvalid, isNotFound } from '../../api/index.ts';
import type { Selector } from '../../api/index.ts';
import type { Clientset, KubeObject, Lister } from '../../client/index.ts';
import { getControllerOf, newControllerRef } from '../shared/index.ts';
import type { ControllerKind } from '../shared/index.ts';

/** The label holding the hash of a revision's data (upstream ControllerRevisionHashLabel). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** upstream k8s.io/apimachinery/pkg/util/rand alphanums: no vowels, no 0/1/3 (no bad words). */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps each character to the safe alphabet (upstream rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s)
    out += SAFE_ALPHANUMS.charAt((ch.codePointAt(0) ?? 0) % SAFE_ALPHANUMS.length);
  return out;
}

/**
 * JSON as Go's encoding/json writes a decoded map: object keys sorted, `<`, `>`, `&`, U+2028
 * and U+2029 escaped. Undefined members are left out. Deterministic, so hashes are stable.
 */
export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value) as string | undefined;
    return (s ?? 'null').replace(/[<>&\u2028\u2029]/g, goEscape);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJSON(v)).join(',')}]`;
  const rec = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(rec).sort()) {
    if (rec[k] === undefined) continue;
    parts.push(`${canonicalJSON(k)}:${canonicalJSON(rec[k])}`);
  }
  return `{${parts.join(',')}}`;
}

function goEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** FNV-1 32-bit (Go's hash/fnv New32) over the UTF-8 bytes of `s`, continuing from `h`. */
function fnv1(s: string, h = 0x811c9dc5): number {
  for (const b of new TextEncoder().encode(s)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h;
}

/** The data of a revision as written by JSON (the RawExtension is an arbitrary object). */
export function revisionData(rev: ControllerRevision): unknown {
  return rev.data;
}

/**
 * The hash of a revision's data and, when given, the collision count (upstream
 * HashControllerRevision): FNV-1 over the data's canonical JSON and the decimal probe,
 * SafeEncodeString'd.
 */
export function hashControllerRevision(data: unknown, probe?: number): string {
  let h = data === undefined ? 0x811c9dc5 : fnv1(canonicalJSON(data));
  if (probe !== undefined) h = fnv1(String(probe), h);
  return safeEncodeString(String(h));
}

/** `<prefix>-<hash>`, the prefix truncated to 223 bytes (upstream ControllerRevisionName). */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/**
 * A new revision of `parent` (upstream NewControllerRevision): the template's labels plus the
 * hash label, a controller reference to the parent, `data` and `revision`, named from the hash
 * of the data and `collisionCount`. The caller owns the result.
 */
export function newControllerRevision(
  parent: KubeObject,
  parentKind: ControllerKind,
  templateLabels: Readonly<Record<string, string>> | undefined,
  data: unknown,
  revision: number,
  collisionCount: number | undefined,
): ControllerRevision {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata?.name ?? '', hash),
      namespace: parent.metadata?.namespace ?? '',
      labels: { ...templateLabels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(parent, parentKind)],
    },
    data: structuredClone(data) as ControllerRevision['data'],
    revision,
  };
}

function creationMs(r: ControllerRevision): number {
  const t = r.metadata?.creationTimestamp;
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * Sorts `revisions` in place by revision, ties by creation time then name (upstream
 * SortControllerRevisions, stable). Returns `revisions`.
 */
export function sortControllerRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ca = creationMs(a);
    const cb = creationMs(b);
    if (ca !== cb) return ca - cb;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/**
 * True when both revisions hold the same data (upstream EqualRevision): a differing hash
 * label (when both parse as integers, as upstream) short-cuts to false.
 */
export function equalRevision(
  lhs: ControllerRevision | undefined,
  rhs: ControllerRevision | undefined,
): boolean {
  if (lhs === undefined || rhs === undefined) return lhs === rhs;
  const lh = lhs.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const rh = rhs.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (lh !== undefined && rh !== undefined && /^\d+$/.test(lh) && /^\d+$/.test(rh) && lh !== rh) {
    return false;
  }
  return canonicalJSON(revisionData(lhs)) === canonicalJSON(revisionData(rhs));
}

/** The revisions equal to `needle`, in order (upstream FindEqualRevisions). */
export function findEqualRevisions(
  revisions: readonly ControllerRevision[],
  needle: ControllerRevision,
): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** One more than the last revision of a sorted list, or 1 (upstream nextRevision). */
export function nextRevision(sorted: readonly ControllerRevision[]): number {
  const last = sorted[sorted.length - 1];
  return last === undefined ? 1 : last.revision + 1;
}

/**
 * A controller's history over the API and a ControllerRevision lister (upstream realHistory).
 * Objects from the lister are never modified.
 */
export class History {
  constructor(
    private readonly clientset: Clientset,
    private readonly lister: Lister<ControllerRevision>,
  ) {}

  /**
   * The revisions in the parent's namespace matching `selector` and owned by `parent` or by no
   * controller (orphans), from the cache.
   */
  listControllerRevisions(parent: KubeObject, selector: Selector): ControllerRevision[] {
    const uid = parent.metadata?.uid;
    return this.lister.list(parent.metadata?.namespace ?? '', selector).filter((r) => {
      const ref = getControllerOf(r);
      return ref === undefined || ref.uid === uid;
    });
  }

  /**
   * Creates `revision` for `parent` (upstream CreateControllerRevision): on a name collision
   * with a revision holding the same data that revision is returned; with different data the
   * collision count is incremented and the name re-hashed. Resolves the created (or existing)
   * revision and the collision count used.
   */
  async createControllerRevision(
    parent: KubeObject,
    revision: ControllerRevision,
    collisionCount: number,
  ): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    const ns = parent.metadata?.namespace ?? '';
    const data = revisionData(revision);
    for (let count = collisionCount; ; count++) {
      const hash = hashControllerRevision(data, count);
      const clone = structuredClone(revision);
      const meta = (clone.metadata ??= {});
      meta.name = controllerRevisionName(parent.metadata?.name ?? '', hash);
      meta.namespace = ns;
      try {
        const created = await this.clientset.controllerRevisions.create(ns, clone);
        return { revision: created, collisionCount: count };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const exists = await this.clientset.controllerRevisions.get(ns, meta.name);
        if (canonicalJSON(revisionData(exists)) === canonicalJSON(data)) {
          return { revision: exists, collisionCount: count };
        }
      }
    }
  }

  /**
   * Sets the revision number of `revision` to `newRevision` (upstream UpdateControllerRevision),
   * re-reading and retrying on conflict a few times. Resolves the updated revision.
   */
  async updateControllerRevision(
    revision: ControllerRevision,
    newRevision: number,
  ): Promise<ControllerRevision> {
    let clone = structuredClone(revision);
    const ns = revision.metadata?.namespace ?? '';
    for (let attempt = 0; ; attempt++) {
      if (clone.revision === newRevision) return clone;
      clone.revision = newRevision;
      try {
        return await this.clientset.controllerRevisions.update(ns, clone);
      } catch (err) {
        if (attempt >= 4) throw err;
        clone = await this.clientset.controllerRevisions.get(ns, revision.metadata?.name ?? '');
      }
    }
  }

  /** Deletes `revision`; NotFound counts as done. */
  async deleteControllerRevision(revision: ControllerRevision): Promise<void> {
    try {
      await this.clientset.controllerRevisions.delete(
        revision.metadata?.namespace ?? '',
        revision.metadata?.name ?? '',
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Adds a controller reference to `parent` onto an orphan revision (upstream
   * AdoptControllerRevision); rejects when the revision already has a controller.
   */
  async adoptControllerRevision(
    parent: KubeObject,
    parentKind: ControllerKind,
    revision: ControllerRevision,
  ): Promise<ControllerRevision> {
    const owner = getControllerOf(revision);
    if (owner !== undefined) {
      throw new Error(`attempt to adopt revision owned by ${JSON.stringify(owner)}`);
    }
    return this.clientset.controllerRevisions.patch(
      parent.metadata?.namespace ?? '',
      revision.metadata?.name ?? '',
      'strategic',
      {
        metadata: {
          ownerReferences: [newControllerRef(parent, parentKind)],
          uid: revision.metadata?.uid ?? '',
        },
      },
    );
  }

  /**
   * Removes `parent`'s reference from `revision` (upstream ReleaseControllerRevision);
   * NotFound and Invalid (no longer owned) resolve undefined.
   */
  async releaseControllerRevision(
    parent: KubeObject,
    revision: ControllerRevision,
  ): Promise<ControllerRevision | undefined> {
    try {
      return await this.clientset.controllerRevisions.patch(
        revision.metadata?.namespace ?? '',
        revision.metadata?.name ?? '',
        'strategic',
        {
          metadata: {
            ownerReferences: [{ $patch: 'delete', uid: parent.metadata?.uid ?? '' }],
            uid: revision.metadata?.uid ?? '',
          },
        },
      );
    } catch (err) {
      if (isNotFound(err) || isInvalid(err)) return undefined;
      throw err;
    }
  }
}

/**
 * The strategic merge patch a workload's revision stores (upstream getPatch of the StatefulSet
 * and DaemonSet controllers): `{"spec":{"template":<template>,"$patch":"replace"}}` with the
 * `$patch` directive inside the template.
 */
export function templatePatch(template: unknown): Record<string, unknown> {
  const t = structuredClone((template ?? {}) as Record<string, unknown>);
  t['$patch'] = 'replace';
  return { spec: { template: t } };
}

/** The pod template a revision made by templatePatch holds (upstream ApplyRevision). */
export function templateFromRevision(rev: ControllerRevision): unknown {
  const data = revisionData(rev) as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = structuredClone(data?.spec?.template ?? {});
  delete t['$patch'];
  return t;
}
