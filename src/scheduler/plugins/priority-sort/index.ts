export { NAME, PrioritySort, newPrioritySort } from './priority-sort.ts';
