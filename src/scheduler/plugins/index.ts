/**
 * The in-tree plugin registry and the default framework. The plugins themselves never import
 * each other; only this registry knows them all.
 */
import { Framework, defaultedProfile } from '../framework/index.ts';
import type { FrameworkOptions, PluginFactory, Profile, Registry } from '../framework/index.ts';
import * as defaultPreemption from './default-preemption/index.ts';
import * as imageLocality from './image-locality/index.ts';
import * as interPodAffinity from './inter-pod-affinity/index.ts';
import * as nodeAffinity from './node-affinity/index.ts';
import * as nodeName from './node-name/index.ts';
import * as nodePorts from './node-ports/index.ts';
import * as balanced from './node-resources-balanced-allocation/index.ts';
import * as fit from './node-resources-fit/index.ts';
import * as nodeUnschedulable from './node-unschedulable/index.ts';
import * as podTopologySpread from './pod-topology-spread/index.ts';
import * as prioritySort from './priority-sort/index.ts';
import * as schedulingGates from './scheduling-gates/index.ts';
import * as taintToleration from './taint-toleration/index.ts';

export * as defaultPreemption from './default-preemption/index.ts';
export * as imageLocality from './image-locality/index.ts';
export * as interPodAffinity from './inter-pod-affinity/index.ts';
export * as nodeAffinity from './node-affinity/index.ts';
export * as nodeName from './node-name/index.ts';
export * as nodePorts from './node-ports/index.ts';
export * as nodeResourcesBalancedAllocation from './node-resources-balanced-allocation/index.ts';
export * as nodeResourcesFit from './node-resources-fit/index.ts';
export * as nodeUnschedulable from './node-unschedulable/index.ts';
export * as podTopologySpread from './pod-topology-spread/index.ts';
export * as prioritySort from './priority-sort/index.ts';
export * as schedulingGates from './scheduling-gates/index.ts';
export * as taintToleration from './taint-toleration/index.ts';

/**
 * Name → factory of every plugin implemented here. A new Map each call: callers may add their
 * own plugins (e.g. DefaultBinder, which needs the client) before building a Framework.
 */
export function inTreeRegistry(): Map<string, PluginFactory> {
  return new Map<string, PluginFactory>([
    [schedulingGates.NAME, schedulingGates.newSchedulingGates],
    [prioritySort.NAME, prioritySort.newPrioritySort],
    [nodeUnschedulable.NAME, nodeUnschedulable.newNodeUnschedulable],
    [nodeName.NAME, nodeName.newNodeName],
    [taintToleration.NAME, taintToleration.newTaintToleration],
    [nodeAffinity.NAME, nodeAffinity.newNodeAffinity],
    [nodePorts.NAME, nodePorts.newNodePorts],
    [fit.NAME, fit.newNodeResourcesFit],
    [balanced.NAME, balanced.newBalancedAllocation],
    [imageLocality.NAME, imageLocality.newImageLocality],
    [interPodAffinity.NAME, interPodAffinity.newInterPodAffinity],
    [podTopologySpread.NAME, podTopologySpread.newPodTopologySpread],
    [defaultPreemption.NAME, defaultPreemption.newDefaultPreemption],
  ]);
}

/**
 * A Framework for `profile` merged over the 1.32 default plugins (upstream defaulting), with the
 * in-tree registry plus `extra` factories. Plugins of the default set that no registry provides
 * (volume plugins, DefaultBinder unless given in `extra`) are skipped.
 */
export function newDefaultFramework(
  profile: Profile = {},
  opts: FrameworkOptions = {},
  extra: Registry = new Map(),
): Framework {
  const registry = inTreeRegistry();
  for (const [k, v] of extra) registry.set(k, v);
  return new Framework(registry, defaultedProfile(profile), { skipUnregistered: true, ...opts });
}
