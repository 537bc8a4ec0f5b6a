/** NodePorts plugin (upstream plugins/nodeports): the pod's host ports must be free on the node. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Code, Status, podHostPorts } from '../../framework/index.ts';
import type {
  CycleState,
  FilterPlugin,
  HostPort,
  NodeInfo,
  PluginFactory,
  PreFilterOutput,
  PreFilterPlugin,
  StateData,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'NodePorts';
/** Upstream ErrReason. */
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

const PRE_FILTER_KEY = `PreFilter${NAME}`;

class PreFilterState implements StateData {
  constructor(readonly ports: readonly HostPort[]) {}
  clone(): StateData {
    return this;
  }
}

/** Whether all the ports are free on the node (upstream fitsPorts). */
export function fitsPorts(ports: readonly HostPort[], nodeInfo: NodeInfo): boolean {
  for (const p of ports) {
    if (nodeInfo.usedPorts.checkConflict(p.hostIP, p.protocol, p.hostPort)) return false;
  }
  return true;
}

/** The NodePorts plugin (PreFilter, Filter). */
export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NAME;

  preFilter(state: CycleState, pod: Pod): PreFilterOutput {
    const ports = podHostPorts(pod);
    // Nothing to check for a pod without host ports.
    if (ports.length === 0) return { status: Status.new(Code.Skip) };
    state.write(PRE_FILTER_KEY, new PreFilterState(ports));
    return { status: Status.SUCCESS };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read(PRE_FILTER_KEY);
    const ports = s instanceof PreFilterState ? s.ports : podHostPorts(pod);
    if (!fitsPorts(ports, nodeInfo)) return Status.new(Code.Unschedulable, ERR_REASON);
    return Status.SUCCESS;
  }
}

/** Factory for the registry. */
export const newNodePorts: PluginFactory = () => new NodePorts();
