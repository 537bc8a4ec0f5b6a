export {
  NAME,
  ERR_REASON_UNKNOWN_CONDITION,
  ERR_REASON_UNSCHEDULABLE,
  NodeUnschedulable,
  newNodeUnschedulable,
} from './node-unschedulable.ts';
