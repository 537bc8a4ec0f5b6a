/** Leader election on a coordination.k8s.io/v1 Lease (client-go tools/leaderelection). */
export { JITTER_FACTOR, runLeaderElection } from './leaderelection.ts';
export type { LeaderElectionLogger, LeaderElectionOptions } from './leaderelection.ts';
