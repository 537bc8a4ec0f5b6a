/** PrioritySort QueueSort plugin (upstream plugins/queuesort): higher priority first, then FIFO. */
import { podPriority } from '../../framework/index.ts';
import type { PluginFactory, QueueSortPlugin, QueuedPod } from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'PrioritySort';

/** The PrioritySort plugin. */
export class PrioritySort implements QueueSortPlugin {
  readonly name = NAME;

  less(a: QueuedPod, b: QueuedPod): boolean {
    const p1 = podPriority(a.pod);
    const p2 = podPriority(b.pod);
    return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
  }
}

/** Factory for the registry. */
export const newPrioritySort: PluginFactory = () => new PrioritySort();
