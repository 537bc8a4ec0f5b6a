/** The DaemonSet controller (upstream pkg/controller/daemon). */
export {
  DAEMON_SET_BURST_REPLICAS,
  DAEMON_SET_KIND,
  DaemonSetController,
  FAILED_DAEMON_POD_REASON,
  SELECTING_ALL_REASON,
  newDaemonSetController,
} from './daemon-set.ts';
export type { DaemonSetControllerOptions } from './daemon-set.ts';
export {
  DAEMON_SET_HASH_LABEL,
  addOrUpdateDaemonPodTolerations,
  findMatchingUntoleratedTaint,
  getTargetNodeName,
  nodeSelectorTermMatches,
  nodeShouldRunDaemonPod,
  podMatchesNodeSelectorAndAffinity,
  replaceDaemonSetPodNodeNameNodeAffinity,
} from './util.ts';
