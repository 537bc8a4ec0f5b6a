// discovery.k8s.io/v1 defaulting: pkg/apis/discovery/v1/defaults.go (1.32).
import { defaultUnset, items } from './walk.ts';
import type { JsonObject } from './walk.ts';

/** SetDefaults_EndpointPort on every port of an EndpointSlice: name "" and protocol TCP. */
export function setEndpointSliceDefaults(obj: JsonObject): void {
  for (const port of items(obj, 'ports')) {
    defaultUnset(port, 'name', '');
    defaultUnset(port, 'protocol', 'TCP');
  }
}
