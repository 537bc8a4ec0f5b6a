/** The scheduling framework: types, plugin interfaces, runtime and the scheduling algorithm. */
export * from './status.ts';
export * from './resource.ts';
export * from './helpers.ts';
export * from './node-info.ts';
export * from './domain-counts.ts';
export * from './snapshot.ts';
export * from './cycle-state.ts';
export * from './interface.ts';
export * from './config.ts';
export * from './default-plugins.ts';
export * from './runtime.ts';
export * from './schedule-one.ts';
export * as st from './testing.ts';
