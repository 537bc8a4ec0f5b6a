/**
 * The pure scheduler core: framework (types, plugin interfaces, runtime, schedulePod) and the
 * in-tree plugins. No I/O: the queue, the informer-fed cache and binding live elsewhere.
 */
export * from './framework/index.ts';
export * from './plugins/index.ts';
export * from './queue/index.ts';
export { DEFAULT_SCHEDULER_NAME, Scheduler } from './scheduler.ts';
export type { SchedulerOptions } from './scheduler.ts';
export * from './config/index.ts';
