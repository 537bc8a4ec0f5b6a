/**
 * The image garbage collector (upstream pkg/kubelet/images/image_gc_manager.go and the loop in
 * kubelet.go StartGarbageCollection): tracks when each image (by image ID, the config digest;
 * several names may share one) was first detected and last used by a container, and every
 * 5 minutes asks the pure planner (gc.ts) whether the image filesystem is above the high
 * threshold (85%) and which unused images, older than the minimum age (2 min), free enough to
 * reach the low threshold (80%). Removal drops every name record of an image, then prunes the
 * store's unreferenced blobs and layers. `deleteUnusedImages` (eviction's on-demand reclaim)
 * frees every eligible image. Events are upstream's: InvalidDiskCapacity, FreeDiskSpaceFailed,
 * and ImageGCFailed on repeated failures of the periodic loop.
 */
import type { EventRecorder } from '../../client/index.ts';
import { DEFAULT_GC_POLICY, planImageGc } from './gc.ts';
import type { GcImage, GcPolicy } from './gc.ts';
import { formatReference, parseDockerRef } from './reference.ts';
import type { ImageRecord } from './store.ts';

/** Upstream ImageGCPeriod. */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;

/** Event reasons (pkg/kubelet/events). */
export const ImageGcEventReason = Object.freeze({
  invalidDiskCapacity: 'InvalidDiskCapacity',
  freeDiskSpaceFailed: 'FreeDiskSpaceFailed',
  imageGCFailed: 'ImageGCFailed',
});

/** The part of ImageStore the collector uses. */
export interface GcImageStore {
  listImages(): Promise<ImageRecord[]>;
  removeImage(name: string): Promise<boolean>;
  /** Deletes unreferenced blobs and layers; returns the bytes freed. */
  prune(): Promise<number>;
}

/** Structured logger. */
export interface ImageGcLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link ImageGcManager}. */
export interface ImageGcManagerOptions {
  readonly store: GcImageStore;
  /**
   * The images of every container the runtime has (running or exited): names as the spec gives
   * them or normalised, repo digests or image IDs; each matches a record by name, manifest
   * digest or config digest.
   */
  readonly imagesInUse: () => Iterable<string> | Promise<Iterable<string>>;
  /** Size and free bytes of the filesystem holding the store (statfs of its root). */
  readonly imageFs: () => Promise<{ capacity: number; available: number }>;
  /** Images never removed (the sandbox image, `pinned` as CRI reports it). */
  readonly isPinned?: (record: ImageRecord) => boolean;
  /** Default DEFAULT_GC_POLICY (85% / 80% / 2 min / no max age). */
  readonly policy?: GcPolicy;
  readonly recorder?: EventRecorder;
  /** The node as an event target. */
  readonly nodeRef?: Parameters<EventRecorder['event']>[0];
  /** Clock, ms (default Date.now). */
  readonly now?: () => number;
  readonly log?: ImageGcLogger;
}

/** What one collection did. */
export interface ImageGcResult {
  /** Image IDs removed. */
  readonly removed: string[];
  /** Bytes the plan expected to free (image sizes). */
  readonly planned: number;
  /** Bytes the store's prune actually deleted. */
  readonly pruned: number;
}

interface Tracked {
  firstDetected: number;
  lastUsed: number;
}

/**
 * realImageGCManager. Not reentrant: calls are serialised internally, so the periodic loop and
 * eviction's on-demand reclaim never remove concurrently.
 */
export class ImageGcManager {
  readonly #o: ImageGcManagerOptions;
  readonly #now: () => number;
  readonly #policy: GcPolicy;
  readonly #tracked = new Map<string, Tracked>();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(opts: ImageGcManagerOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#policy = opts.policy ?? DEFAULT_GC_POLICY;
  }

  /**
   * detectImages: records first detection of new image IDs and `lastUsed = now` for those in
   * use; forgets images that are gone. Returns the images as the planner sees them.
   */
  async detectImages(): Promise<{ images: GcImage[]; namesById: Map<string, string[]> }> {
    const now = this.#now();
    const records = await this.#o.store.listImages();
    const inUse = new Set<string>();
    for (const ref of await this.#o.imagesInUse()) {
      inUse.add(ref);
      inUse.add(normalize(ref));
    }
    const byId = new Map<string, ImageRecord[]>();
    for (const r of records) {
      const list = byId.get(r.configDigest) ?? [];
      list.push(r);
      byId.set(r.configDigest, list);
    }
    const images: GcImage[] = [];
    const namesById = new Map<string, string[]>();
    for (const [id, recs] of byId) {
      let t = this.#tracked.get(id);
      if (t === undefined) {
        // A record's persisted lastUsed survives kubelet restarts; detection starts now.
        const persisted = Math.max(
          0,
          ...recs.map((r) => (r.lastUsed === undefined ? 0 : Date.parse(r.lastUsed) || 0)),
        );
        t = { firstDetected: now, lastUsed: persisted > 0 ? Math.min(persisted, now) : now };
        this.#tracked.set(id, t);
      }
      const used = recs.some(
        (r) => inUse.has(r.name) || inUse.has(r.digest) || inUse.has(r.configDigest),
      );
      if (used) t.lastUsed = now;
      namesById.set(
        id,
        recs.map((r) => r.name),
      );
      images.push({
        id,
        size: Math.max(...recs.map((r) => r.size)),
        lastUsed: t.lastUsed,
        firstDetected: t.firstDetected,
        inUse: used,
        pinned: recs.some((r) => this.#o.isPinned?.(r) === true),
      });
    }
    for (const id of this.#tracked.keys()) if (!byId.has(id)) this.#tracked.delete(id);
    return { images, namesById };
  }

  /**
   * GarbageCollect: frees images when usage is at or above the high threshold. Throws (after the
   * event) on a zero-capacity filesystem and when not enough could be freed.
   */
  garbageCollect(): Promise<ImageGcResult> {
    return this.#serial(async () => {
      const { images, namesById } = await this.detectImages();
      const fs = await this.#o.imageFs();
      if (fs.capacity <= 0) {
        const msg = 'invalid capacity 0 on image filesystem';
        this.#event(ImageGcEventReason.invalidDiskCapacity, msg);
        throw new Error(msg);
      }
      const plan = planImageGc(fs, images, this.#policy, this.#now());
      if (plan.amountToFree > 0) {
        this.#o.log?.info(
          'Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold',
          {
            usage: plan.usagePercent,
            highThreshold: this.#policy.highThresholdPercent,
            amountToFree: plan.amountToFree,
            lowThreshold: this.#policy.lowThresholdPercent,
          },
        );
      }
      const result = await this.#remove(plan.remove, namesById, plan.freed);
      if (plan.error !== undefined) {
        this.#event(ImageGcEventReason.freeDiskSpaceFailed, plan.error);
        throw new Error(plan.error);
      }
      return result;
    });
  }

  /** DeleteUnusedImages (eviction's reclaim): every unused image past the minimum age. */
  deleteUnusedImages(): Promise<ImageGcResult> {
    return this.#serial(async () => {
      this.#o.log?.info('Attempting to delete unused images');
      const { images, namesById } = await this.detectImages();
      const everything = { ...this.#policy, highThresholdPercent: 0, lowThresholdPercent: 0 };
      const plan = planImageGc(
        { capacity: Number.MAX_SAFE_INTEGER, available: 0 },
        images,
        everything,
        this.#now(),
      );
      return this.#remove(plan.remove, namesById, plan.freed);
    });
  }

  /**
   * The periodic loop: {@link garbageCollect} every `intervalMs` (5 min) until `signal` aborts.
   * A failure is logged; repeated failures also raise the ImageGCFailed event, as upstream.
   */
  async run(signal: AbortSignal, intervalMs = IMAGE_GC_PERIOD_MS): Promise<void> {
    let prevFailed = false;
    while (!signal.aborted) {
      try {
        await this.garbageCollect();
        prevFailed = false;
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        if (prevFailed) {
          this.#o.log?.error('Image garbage collection failed multiple times in a row', {
            err: text,
          });
          this.#event(ImageGcEventReason.imageGCFailed, text);
        } else {
          this.#o.log?.error(
            'Image garbage collection failed once. Stats initialization may not have completed yet',
            {
              err: text,
            },
          );
        }
        prevFailed = true;
      }
      await sleep(intervalMs, signal);
    }
  }

  async #remove(
    ids: readonly string[],
    namesById: ReadonlyMap<string, string[]>,
    planned: number,
  ): Promise<ImageGcResult> {
    const removed: string[] = [];
    for (const id of ids) {
      this.#o.log?.info('Removing image to free bytes', { imageID: id });
      try {
        for (const name of namesById.get(id) ?? []) await this.#o.store.removeImage(name);
        removed.push(id);
        this.#tracked.delete(id);
      } catch (err) {
        this.#o.log?.error('Failed to remove image', { imageID: id, err: String(err) });
      }
    }
    const pruned = removed.length > 0 ? await this.#o.store.prune() : 0;
    return { removed, planned, pruned };
  }

  #event(reason: string, message: string): void {
    if (this.#o.nodeRef !== undefined)
      this.#o.recorder?.event(this.#o.nodeRef, 'Warning', reason, message);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }
}

/** A reference normalised as records are named (`busybox` → `docker.io/library/busybox:latest`). */
function normalize(ref: string): string {
  try {
    return formatReference(parseDockerRef(ref));
  } catch {
    return ref;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
