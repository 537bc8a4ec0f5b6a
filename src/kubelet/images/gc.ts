/**
 * The image garbage collection planner, as upstream's realImageGCManager (1.32
 * image_gc_manager.go) decides: when disk usage of the image filesystem reaches the high
 * threshold, free enough to get down to the low threshold, removing the least recently used
 * images first (ties: first detected earliest), never an image in use, a pinned image, or one
 * detected less than `minAgeMs` ago; images unused for longer than `maxAgeMs` (when set) go
 * first regardless of disk usage. Pure: the caller measures the disk and removes the images.
 */

/** One image as the planner sees it. */
export interface GcImage {
  id: string;
  /** Bytes removing it frees. */
  size: number;
  /** Last time a container used it (ms); images never used count from first detection. */
  lastUsed: number;
  /** When the kubelet first saw it (ms). */
  firstDetected: number;
  /** A container (running or not) references it. */
  inUse: boolean;
  pinned?: boolean;
}

/** Kubelet configuration of image GC. */
export interface GcPolicy {
  /** `imageGCHighThresholdPercent`, default 85. */
  highThresholdPercent: number;
  /** `imageGCLowThresholdPercent`, default 80. */
  lowThresholdPercent: number;
  /** `imageMinimumGCAge`, default 2 minutes. */
  minAgeMs: number;
  /** `imageMaximumGCAge`, default 0 (off). */
  maxAgeMs: number;
}

/** The kubelet's defaults. */
export const DEFAULT_GC_POLICY: GcPolicy = Object.freeze({
  highThresholdPercent: 85,
  lowThresholdPercent: 80,
  minAgeMs: 120_000,
  maxAgeMs: 0,
});

/** What to remove and why. */
export interface GcPlan {
  /** Image IDs to remove, in order. */
  remove: string[];
  usagePercent: number;
  /** Bytes to free to reach the low threshold (0 when under the high threshold). */
  amountToFree: number;
  /** Bytes the planned removals free. */
  freed: number;
  /** Set when the plan cannot reach the low threshold; upstream's event text. */
  error?: string;
}

/** Validates a policy as the kubelet's config validation does; returns error texts. */
export function validateGcPolicy(p: GcPolicy): string[] {
  const errs: string[] = [];
  if (p.highThresholdPercent < 0 || p.highThresholdPercent > 100) {
    errs.push(`invalid HighThresholdPercent ${p.highThresholdPercent}, must be in range [0-100]`);
  }
  if (p.lowThresholdPercent < 0 || p.lowThresholdPercent > 100) {
    errs.push(`invalid LowThresholdPercent ${p.lowThresholdPercent}, must be in range [0-100]`);
  }
  if (p.lowThresholdPercent > p.highThresholdPercent) {
    errs.push(
      `LowThresholdPercent ${p.lowThresholdPercent} can not be higher than HighThresholdPercent ${p.highThresholdPercent}`,
    );
  }
  return errs;
}

/**
 * Plans one GC round at `now` for an image filesystem of `capacity` bytes with `available`
 * free. Throws on capacity 0 with upstream's message.
 */
export function planImageGc(
  fs: { capacity: number; available: number },
  images: readonly GcImage[],
  policy: GcPolicy,
  now: number,
): GcPlan {
  const capacity = fs.capacity;
  const available = Math.min(fs.available, capacity);
  if (capacity <= 0) throw new Error('invalid capacity 0 on image filesystem');
  const remove: string[] = [];
  const removed = new Set<string>();
  let freedByAge = 0;
  const eligible = (img: GcImage): boolean =>
    !img.inUse && img.pinned !== true && now - img.firstDetected >= policy.minAgeMs;
  if (policy.maxAgeMs > 0) {
    for (const img of images) {
      if (eligible(img) && now - img.lastUsed > policy.maxAgeMs) {
        remove.push(img.id);
        removed.add(img.id);
        freedByAge += img.size;
      }
    }
  }
  const usagePercent = 100 - Math.trunc((available * 100) / capacity);
  if (usagePercent < policy.highThresholdPercent) {
    return { remove, usagePercent, amountToFree: 0, freed: freedByAge };
  }
  const amountToFree =
    Math.trunc((capacity * (100 - policy.lowThresholdPercent)) / 100) - available - freedByAge;
  const ordered = images
    .filter((img) => !removed.has(img.id) && eligible(img))
    .sort((a, b) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
  let freed = 0;
  for (const img of ordered) {
    if (freed >= amountToFree) break;
    remove.push(img.id);
    freed += img.size;
  }
  const plan: GcPlan = {
    remove,
    usagePercent,
    amountToFree: Math.max(0, amountToFree),
    freed: freed + freedByAge,
  };
  if (freed < amountToFree) {
    plan.error = `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
  }
  return plan;
}
