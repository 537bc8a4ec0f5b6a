/**
 * The EndpointSlice controller: EndpointSlices from Services and pod readiness (upstream
 * pkg/controller/endpointslice and the staging endpointslice reconciler).
 */
export {
  CONTROLLER_NAME,
  ENDPOINTS_LAST_CHANGE_TRIGGER_TIME,
  EndpointSliceController,
  IS_HEADLESS_SERVICE,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_TOPOLOGY_ZONE,
  addressTypesForService,
  endpointPorts,
  planSlices,
  podToEndpoint,
  sliceLabels,
} from './controller.ts';
export type { EndpointSliceControllerOptions, SlicePlan } from './controller.ts';
