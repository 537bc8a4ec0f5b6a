export { NAME, SchedulingGates, newSchedulingGates } from './scheduling-gates.ts';
