/**
 * The watch cache: a Storage that wraps another Storage and serves reads and watches of one
 * resource prefix from memory (Kubernetes' apiserver cacher). See {@link Cacher}.
 */
export { Cacher } from './cacher.ts';
export type { CacherOptions } from './cacher.ts';
