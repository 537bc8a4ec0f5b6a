export {
  NAME,
  BalancedAllocation,
  balancedResourceScore,
  newBalancedAllocation,
} from './balanced-allocation.ts';
export type { BalancedAllocationArgs } from './balanced-allocation.ts';
