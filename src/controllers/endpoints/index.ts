/**
 * The Endpoints controller: Endpoints objects from Services and pod readiness (upstream
 * pkg/controller/endpoint).
 */
export {
  ENDPOINTS_LAST_CHANGE_TRIGGER_TIME,
  ENDPOINTS_OVER_CAPACITY,
  EndpointsController,
  IS_HEADLESS_SERVICE,
  computeSubsets,
  podToEndpointAddress,
} from './controller.ts';
export type { EndpointsControllerOptions } from './controller.ts';
export {
  MAX_ENDPOINTS_CAPACITY,
  compareEndpointAddresses,
  repackSubsets,
  truncateSubsets,
} from './repack.ts';
