/**
 * The etcd storage driver (`name: 'etcd'`): {@link openEtcdBackend} implements the Backend
 * contract over a real etcd v3 cluster; {@link startEtcd} / {@link startEtcdCluster} run real
 * etcd processes on loopback for tests and benchmarks.
 */
export { openEtcdBackend, prefixEnd, progressRequestIsSafe } from './etcd-backend.ts';
export type { EtcdBackendOptions } from './etcd-backend.ts';
export { startEtcd, startEtcdCluster, freePorts } from './etcd-process.ts';
export type { EtcdCluster, EtcdProcess, EtcdServerTls, StartEtcdOptions } from './etcd-process.ts';
