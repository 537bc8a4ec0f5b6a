export { KUBERNETES_VERSION } from './version.ts';
