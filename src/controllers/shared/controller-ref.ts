/**
 * Controller references and the claim protocol (upstream metav1.GetControllerOf /
 * NewControllerRef and pkg/controller/controller_ref_manager.go): a controller claims the
 * objects its selector matches — adopting orphans by patching a controller ownerReference onto
 * them, releasing objects it owns that stopped matching — and never touches objects another
 * controller owns. Before the first adoption it re-reads itself from the API server (by uid)
 * to make sure it is not being deleted (upstream RecheckDeletionTimestamp, issue #42639).
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isInvalid, isNotFound } from '../../api/index.ts';
import type { Selector } from '../../api/index.ts';
import type { KubeObject } from '../../client/index.ts';

/** The apiVersion and kind written into controller references. */
export interface ControllerKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/** The controller reference of `obj` (the ownerReference with controller=true), if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** True when `obj`'s controller reference points at `owner`'s uid (upstream IsControlledBy). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

/**
 * A controller reference to `owner` (upstream metav1.NewControllerRef): controller and
 * blockOwnerDeletion both true.
 */
export function newControllerRef(owner: KubeObject, kind: ControllerKind): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * The strategic merge patch that adds a controller reference to `owner` onto the object with
 * uid `uid` (upstream ownerRefControllerPatch). The uid in the patch makes the API server
 * reject it if the object was replaced meanwhile.
 */
export function adoptPatch(owner: KubeObject, kind: ControllerKind, uid: string): unknown {
  return { metadata: { ownerReferences: [newControllerRef(owner, kind)], uid } };
}

/**
 * The strategic merge patch that removes the references to `ownerUid` from the object with
 * uid `uid` (upstream GenerateDeleteOwnerRefStrategicMergeBytes).
 */
export function releasePatch(ownerUid: string, uid: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid } };
}

/**
 * A canAdopt check that re-reads the controller (upstream RecheckDeletionTimestamp): rejects
 * when the read fails, or when the fresh object is being deleted.
 */
export function recheckDeletionTimestamp(getFresh: () => Promise<KubeObject>): () => Promise<void> {
  return async () => {
    let fresh: KubeObject;
    try {
      fresh = await getFresh();
    } catch (err) {
      throw new Error(`can't recheck DeletionTimestamp: ${errorMessage(err)}`, { cause: err });
    }
    const ts = fresh.metadata?.deletionTimestamp;
    if (ts !== undefined) {
      const m = fresh.metadata;
      throw new Error(`${m?.namespace ?? ''}/${m?.name ?? ''} has just been deleted at ${ts}`);
    }
  };
}

/**
 * A recheck that re-reads the controller with `get` and fails when its uid changed (the
 * object was deleted and re-created under the same name), as the workload controllers do.
 */
export function recheckByUid(
  owner: KubeObject,
  kind: string,
  get: () => Promise<KubeObject>,
): () => Promise<void> {
  return recheckDeletionTimestamp(async () => {
    const fresh = await get();
    const want = owner.metadata?.uid ?? '';
    const got = fresh.metadata?.uid ?? '';
    if (got !== want) {
      const m = owner.metadata;
      throw new Error(
        `original ${kind} ${m?.namespace ?? ''}/${m?.name ?? ''} is gone: got uid ${got}, wanted ${want}`,
      );
    }
    return fresh;
  });
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `err` if it is an Error, else an Error with its string form (for `throw`). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Several errors as one, formatted as upstream's utilerrors.NewAggregate. */
export class AggregateControllerError extends Error {
  override readonly name = 'AggregateControllerError';
  constructor(readonly errors: readonly unknown[]) {
    const msgs = [...new Set(errors.map(errorMessage))];
    super(msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`, { cause: errors[0] });
  }
}

/** What a ControllerRefManager needs. */
export interface ControllerRefManagerOptions {
  /** The controller claiming objects (shared cache object; not modified). */
  readonly controller: KubeObject;
  readonly controllerKind: ControllerKind;
  readonly selector: Selector;
  /** Checked once, before the first adoption; rejects to forbid adopting. */
  readonly canAdopt: () => Promise<void>;
}

/**
 * Claims objects for one controller and one sync (upstream BaseControllerRefManager); see the
 * module comment. Create one per sync: the canAdopt answer is cached for its lifetime.
 */
export class ControllerRefManager {
  private canAdoptResult: Promise<void> | undefined;

  constructor(private readonly opts: ControllerRefManagerOptions) {}

  private canAdopt(): Promise<void> {
    this.canAdoptResult ??= this.opts.canAdopt();
    return this.canAdoptResult;
  }

  /**
   * Claims `objects` of kind `objectKind` (for messages): returns those the controller owns
   * after adoption and release. `patch` writes a strategic merge patch to an object; `filter`
   * (default: all) further restricts what may match. Throws an AggregateControllerError of the
   * failed adoptions/releases after trying all objects; NotFound (and Invalid, for releases)
   * are not errors.
   */
  async claim<T extends KubeObject>(
    objects: readonly T[],
    objectKind: string,
    patch: (namespace: string, name: string, patch: unknown) => Promise<unknown>,
    filter: (obj: T) => boolean = () => true,
  ): Promise<T[]> {
    const { controller, controllerKind, selector } = this.opts;
    const ownerUid = controller.metadata?.uid ?? '';
    const ownerDeleting = controller.metadata?.deletionTimestamp !== undefined;
    const match = (o: T): boolean => selector.matches(o.metadata?.labels ?? {}) && filter(o);
    const claimed: T[] = [];
    const errors: unknown[] = [];
    for (const obj of objects) {
      const meta = obj.metadata ?? {};
      const ns = meta.namespace ?? '';
      const name = meta.name ?? '';
      const ref = getControllerOf(obj);
      try {
        if (ref !== undefined) {
          if (ref.uid !== ownerUid) continue;
          if (match(obj)) {
            claimed.push(obj);
            continue;
          }
          if (ownerDeleting) continue;
          try {
            await patch(ns, name, releasePatch(ownerUid, meta.uid ?? ''));
          } catch (err) {
            if (!isNotFound(err) && !isInvalid(err)) throw err;
          }
          continue;
        }
        if (ownerDeleting || !match(obj)) continue;
        if (meta.deletionTimestamp !== undefined) continue;
        const ownerNs = controller.metadata?.namespace ?? '';
        if (ownerNs !== '' && ownerNs !== ns) continue;
        try {
          await this.canAdopt();
        } catch (err) {
          throw new Error(
            `can't adopt ${objectKind} ${ns}/${name} (${meta.uid ?? ''}): ${errorMessage(err)}`,
            { cause: err },
          );
        }
        try {
          await patch(ns, name, adoptPatch(controller, controllerKind, meta.uid ?? ''));
        } catch (err) {
          if (isNotFound(err)) continue;
          throw err;
        }
        claimed.push(obj);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateControllerError(errors);
    return claimed;
  }
}
