/**
 * The ServiceAccount admission plugin as a pure library: `admitServiceAccount` (mutating) and
 * `validateServiceAccount` (validating) for pods, over a caller-supplied ServiceAccount lookup.
 */
export * from './admission.ts';
