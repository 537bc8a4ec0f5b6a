/** The scheduling queue. */
export { PriorityQueue } from './priority-queue.ts';
export type { QueueOptions, QueuedPodInfo } from './priority-queue.ts';
