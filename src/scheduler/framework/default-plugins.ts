/**
 * The default plugin set of kube-scheduler 1.32 (upstream apis/config/v1/default_plugins.go),
 * as data. Everything is enabled through MultiPoint, so each plugin lands on every extension
 * point it implements, in this order; the weights are the Score weights.
 */
import type { Plugins, Profile } from './config.ts';
import { mergePlugins } from './config.ts';

/** Plugin names of the in-tree plugins, as upstream spells them. */
export const PluginNames = {
  PrioritySort: 'PrioritySort',
  DefaultBinder: 'DefaultBinder',
  DefaultPreemption: 'DefaultPreemption',
  DynamicResources: 'DynamicResources',
  ImageLocality: 'ImageLocality',
  InterPodAffinity: 'InterPodAffinity',
  NodeAffinity: 'NodeAffinity',
  NodeName: 'NodeName',
  NodePorts: 'NodePorts',
  NodeResourcesBalancedAllocation: 'NodeResourcesBalancedAllocation',
  NodeResourcesFit: 'NodeResourcesFit',
  NodeUnschedulable: 'NodeUnschedulable',
  NodeVolumeLimits: 'NodeVolumeLimits',
  PodTopologySpread: 'PodTopologySpread',
  SchedulingGates: 'SchedulingGates',
  TaintToleration: 'TaintToleration',
  VolumeBinding: 'VolumeBinding',
  VolumeRestrictions: 'VolumeRestrictions',
  VolumeZone: 'VolumeZone',
} as const;

/** Upstream getDefaultPlugins() for 1.32 (DynamicResources is behind a feature gate, off). */
export const DEFAULT_PLUGINS: Plugins = {
  multiPoint: {
    enabled: [
      { name: 'SchedulingGates' },
      { name: 'PrioritySort' },
      { name: 'NodeUnschedulable' },
      { name: 'NodeName' },
      { name: 'TaintToleration', weight: 3 },
      { name: 'NodeAffinity', weight: 2 },
      { name: 'NodePorts' },
      { name: 'NodeResourcesFit', weight: 1 },
      { name: 'VolumeRestrictions' },
      { name: 'NodeVolumeLimits' },
      { name: 'VolumeBinding' },
      { name: 'VolumeZone' },
      { name: 'PodTopologySpread', weight: 2 },
      { name: 'InterPodAffinity', weight: 2 },
      { name: 'DefaultPreemption' },
      { name: 'NodeResourcesBalancedAllocation', weight: 1 },
      { name: 'ImageLocality', weight: 1 },
      { name: 'DefaultBinder' },
    ],
  },
};

/** The default scheduler name. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/**
 * A profile with upstream defaulting applied (setDefaults_KubeSchedulerProfile): the plugin sets
 * merged over {@link DEFAULT_PLUGINS}, schedulerName defaulted. Returns a new object.
 */
export function defaultedProfile(profile: Profile = {}): Profile {
  return {
    ...profile,
    schedulerName: profile.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    plugins: mergePlugins(DEFAULT_PLUGINS, profile.plugins),
  };
}
