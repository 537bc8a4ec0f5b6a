/** The in-memory API for unit tests of controllers. */
export { FakeCluster } from './cluster.ts';
export type { FakeAction, Reactor } from './cluster.ts';
