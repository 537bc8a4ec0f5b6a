/**
 * The garbage collector: background, foreground and orphan deletion through ownerReferences
 * (upstream pkg/controller/garbagecollector).
 */
export { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, GarbageCollector } from './controller.ts';
export type { GarbageCollectorOptions, ResolvedKind } from './controller.ts';
