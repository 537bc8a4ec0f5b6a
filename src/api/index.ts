export { KUBERNETES_VERSION } from './version.ts';
export * from './errors.ts';
export * from './scheme.ts';
export * from './validation/index.ts';
export * from './quantity.ts';
export * from './labels.ts';
export * from './fields.ts';
export * from './intstr.ts';
