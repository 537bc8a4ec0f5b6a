/**
 * The scheduler's configuration file (upstream KubeSchedulerConfiguration v1): strict loading,
 * defaulting and validation with upstream's messages. Pure: the caller reads the file.
 */
export { parseSchedulerConfiguration } from './configuration.ts';
export type { SchedulerConfiguration, SchedulerConfigurationResult } from './configuration.ts';
export {
  SCHEDULER_CONFIG_API_VERSION,
  validateBalancedAllocationArgs,
  validateDefaultPreemptionArgs,
  validateInterPodAffinityArgs,
  validateNodeAffinityArgs,
  validateNodeResourcesFitArgs,
  validatePodTopologySpreadArgs,
} from './validation.ts';
