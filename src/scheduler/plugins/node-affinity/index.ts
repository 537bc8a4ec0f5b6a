export {
  NAME,
  ERR_REASON_POD,
  ERR_REASON_ENFORCED,
  ERR_REASON_CONFLICT,
  NodeAffinity,
  newNodeAffinity,
} from './node-affinity.ts';
export type { NodeAffinityArgs } from './node-affinity.ts';
