/**
 * The client library every component uses to reach the API server (issue 6): contracts
 * (./types.ts), typed clients (./clientset.ts), shared informers and listers (./informers), the
 * REST transport (./rest) and, for unit tests, an in-memory API (./fake).
 */
export * from './types.ts';
export * from './clientset.ts';
export * from './informers/index.ts';
export * from './rest/index.ts';
export * from './workqueue/index.ts';
export * from './events/index.ts';
export * from './leaderelection/index.ts';
