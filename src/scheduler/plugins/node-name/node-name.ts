/** NodeName plugin (upstream plugins/nodename): the pod's spec.nodeName must name the node. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Code, Status } from '../../framework/index.ts';
import type { CycleState, FilterPlugin, NodeInfo, PluginFactory } from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'NodeName';
/** Upstream ErrReason. */
export const ERR_REASON = "node(s) didn't match the requested node name";

/** True when the pod names no node or names this one (upstream Fits). */
export function fits(pod: Pod, nodeInfo: NodeInfo): boolean {
  const nn = pod.spec?.nodeName;
  return nn === undefined || nn === '' || nn === nodeInfo.name;
}

/** The NodeName Filter plugin. */
export class NodeName implements FilterPlugin {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    if (nodeInfo.node === undefined) return Status.new(Code.Error, 'node not found');
    if (!fits(pod, nodeInfo)) return Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON);
    return Status.SUCCESS;
  }
}

/** Factory for the registry; NodeName takes no args. */
export const newNodeName: PluginFactory = () => new NodeName();
