/**
 * NodeUnschedulable plugin (upstream plugins/nodeunschedulable): a cordoned node
 * (spec.unschedulable) only takes pods tolerating the `node.kubernetes.io/unschedulable:NoSchedule`
 * taint.
 */
import type { Pod, Taint } from 'kubernetes-types/core/v1.js';
import { Code, Status, tolerationsTolerateTaint } from '../../framework/index.ts';
import type { CycleState, FilterPlugin, NodeInfo, PluginFactory } from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'NodeUnschedulable';
/** Upstream ErrReasonUnknownCondition. */
export const ERR_REASON_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
/** Upstream ErrReasonUnschedulable. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT: Taint = {
  key: 'node.kubernetes.io/unschedulable',
  effect: 'NoSchedule',
};

/** The NodeUnschedulable Filter plugin. */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (node === undefined)
      return Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON_UNKNOWN_CONDITION);
    if (node.spec?.unschedulable !== true) return Status.SUCCESS;
    if (tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return Status.SUCCESS;
    return Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE);
  }
}

/** Factory for the registry. */
export const newNodeUnschedulable: PluginFactory = () => new NodeUnschedulable();
