/**
 * Periodic compaction for any Backend, kine/Kubernetes style: keep the newest `keepRevisions`
 * revisions of history and drop the rest. Compaction runs when at least `minRevisions`
 * revisions beyond that window accumulated (so under heavy churn the history, and with it the
 * file, stays bounded at about keepRevisions + minRevisions + one interval's writes), and at
 * least every
 * `maxIntervalMs` when anything at all can be dropped (so an idle store also cleans up).
 */
import type { Backend, CompactResponse } from '../backend.ts';

export interface AutoCompactionOptions {
  /** How often to look at the revision counters. Default 1000 ms. */
  intervalMs?: number;
  /** Revisions of history always kept (reads/watches that far back keep working). Default 1000. */
  keepRevisions?: number;
  /** Compact as soon as this many revisions beyond the kept window accumulated. Default 1000. */
  minRevisions?: number;
  /** Compact anything droppable at least this often. Default 300000 ms (5 min, as Kubernetes). */
  maxIntervalMs?: number;
  /** Told about every compaction (for logging); errors are passed too and do not stop the loop. */
  onCompact?: (result: CompactResponse | Error) => void;
}

/**
 * Starts compacting `backend` in the background (an unref'd timer; it never keeps the process
 * alive). Returns a function that stops it; calling it twice is harmless. One compaction runs
 * at a time. A backend that was closed simply makes later ticks fail quietly (reported through
 * `onCompact`).
 */
export function startAutoCompaction(
  backend: Backend,
  opts: AutoCompactionOptions = {},
): () => void {
  const intervalMs = opts.intervalMs ?? 1000;
  const keep = opts.keepRevisions ?? 1000;
  const minRevisions = opts.minRevisions ?? 1000;
  const maxIntervalMs = opts.maxIntervalMs ?? 300_000;
  let running = false;
  let stopped = false;
  let last = Date.now();

  const tick = async (): Promise<void> => {
    const [current, compacted] = await Promise.all([
      backend.currentRevision(),
      backend.compactedRevision(),
    ]);
    const target = current - keep;
    if (target <= compacted) return;
    const due = target - compacted >= minRevisions || Date.now() - last >= maxIntervalMs;
    if (!due) return;
    last = Date.now();
    const result = await backend.compact(target);
    opts.onCompact?.(result);
  };

  const timer = setInterval(() => {
    if (running || stopped) return;
    running = true;
    tick()
      .catch((err: unknown) => {
        opts.onCompact?.(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
