/**
 * The Namespace controller: deletes the content of terminating namespaces, then finalizes them
 * (upstream pkg/controller/namespace).
 */
export {
  FINALIZER_KUBERNETES,
  NamespaceController,
  ResourcesRemainingError,
  updateNamespaceConditions,
} from './controller.ts';
export type { NamespaceControllerOptions } from './controller.ts';
