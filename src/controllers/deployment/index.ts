/** The Deployment controller and its pure helpers (revisions, fenceposts, hash). */
export {
  DEPLOYMENT_MAX_RETRIES,
  DeploymentController,
  newDeploymentController,
} from './deployment.ts';
export type { DeploymentControllerOptions } from './deployment.ts';
export * from './util.ts';
