/**
 * The node lifecycle controller and taint-based eviction (upstream
 * pkg/controller/nodelifecycle and pkg/controller/tainteviction).
 */
export {
  NODE_LEASE_NAMESPACE,
  NODE_MONITOR_GRACE_PERIOD_MS,
  NODE_MONITOR_PERIOD_MS,
  NODE_STARTUP_GRACE_PERIOD_MS,
  NodeLifecycleController,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  desiredTaints,
  getMatchingTolerations,
  getMinTolerationTime,
  newNodeLifecycleController,
} from './node-lifecycle.ts';
export type { NodeLifecycleControllerOptions } from './node-lifecycle.ts';
export {
  DEFAULT_DISRUPTION_POLICY,
  LARGE_CLUSTER_SIZE_THRESHOLD,
  NODE_EVICTION_RATE,
  SECONDARY_NODE_EVICTION_RATE,
  TokenBucket,
  UNHEALTHY_ZONE_THRESHOLD,
  ZoneTracker,
  computeZoneState,
  zoneEvictionRate,
  zoneKey,
} from './zones.ts';
export type { DisruptionPolicy, DisruptionView, ZoneState } from './zones.ts';
