/** Service warnings, ported from pkg/api/service/warnings.go (Kubernetes 1.32). */
import type { Service } from 'kubernetes-types/core/v1.js';
import { goQuote, newPath } from '../validation/index.ts';
import { warningsForCIDR, warningsForIP } from './ip.ts';

const DEPRECATED_TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';
const TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';

/** Service create and update (`oldService` is unused upstream too). */
export function warningsForService(service: Service | undefined, _oldService?: Service): string[] {
  if (service === undefined) return [];
  const out: string[] = [];
  const spec = service.spec ?? {};
  if (DEPRECATED_TOPOLOGY_AWARE_HINTS in (service.metadata?.annotations ?? {})) {
    out.push(
      `annotation ${DEPRECATED_TOPOLOGY_AWARE_HINTS} is deprecated, please use ${TOPOLOGY_MODE} instead`,
    );
  }
  const clusterIP = spec.clusterIP ?? '';
  if (clusterIP !== '' && clusterIP !== 'None') {
    (spec.clusterIPs ?? []).forEach((ip, i) => {
      out.push(...warningsForIP(newPath('spec').child('clusterIPs').index(i), ip));
    });
  }
  (spec.externalIPs ?? []).forEach((ip, i) => {
    out.push(...warningsForIP(newPath('spec').child('externalIPs').index(i), ip));
  });
  if ((spec.loadBalancerIP ?? '').length > 0) {
    out.push(...warningsForIP(newPath('spec').child('loadBalancerIP'), spec.loadBalancerIP ?? ''));
  }
  (spec.loadBalancerSourceRanges ?? []).forEach((cidr, i) => {
    out.push(...warningsForCIDR(newPath('spec').child('loadBalancerSourceRanges').index(i), cidr));
  });
  if (spec.type === 'ExternalName' && (spec.externalIPs ?? []).length > 0) {
    out.push(`spec.externalIPs is ignored when spec.type is ${goQuote('ExternalName')}`);
  }
  if (spec.type !== 'ExternalName' && (spec.externalName ?? '') !== '') {
    out.push(`spec.externalName is ignored when spec.type is not ${goQuote('ExternalName')}`);
  }
  return out;
}
