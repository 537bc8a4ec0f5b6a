/**
 * Pure logic of the quota-family admission plugins and the quota controller: ResourceQuota
 * (evaluators, admission check, recount), LimitRanger, Priority and DefaultTolerationSeconds.
 * No I/O: the API server supplies the quotas / limit ranges / priority classes it has cached
 * and persists what these functions return.
 */
export * from './attributes.ts';
export * from './resources.ts';
export * from './pod-resources.ts';
export * from './evaluators.ts';
export * from './admission.ts';
export * from './controller.ts';
export * from './limitranger.ts';
export * from './priority.ts';
export * from './tolerations.ts';
