/**
 * Shared conformance suites. Every storage driver's test file calls `runBackendConformance`
 * with a factory for its Backend, and `runStorageConformance` with a factory for a Storage
 * (usually `new Store(backend)`), so all drivers are held to the same behaviour.
 */
export { runBackendConformance } from './backend-conformance.ts';
export type { BackendConformanceOptions, BackendFixture } from './backend-conformance.ts';
export { runStorageConformance } from './storage-conformance.ts';
export type { StorageConformanceOptions, StorageFixture } from './storage-conformance.ts';
export { WatchReader, mapLimit, rejectsWith, sleep, uniquePrefix } from './helpers.ts';
