export {
  NAME,
  DefaultPreemption,
  filterPodsWithPDBViolation,
  moreImportantPod,
  pickOneNodeForPreemption,
  newDefaultPreemption,
} from './default-preemption.ts';
export type { Candidate, DefaultPreemptionArgs } from './default-preemption.ts';
