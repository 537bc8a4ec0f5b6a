/** The in-memory storage driver (DSN `memory://`). */
export { createMemoryBackend } from './memory-backend.ts';
export type { MemoryBackendOptions } from './memory-backend.ts';
