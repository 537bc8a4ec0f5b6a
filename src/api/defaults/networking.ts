// networking.k8s.io/v1 defaulting: pkg/apis/networking/v1/defaults.go (1.32). Ingress has no
// defaults (pathType is required, not defaulted).
import { child, defaultUnset, ensureChild, isEmptyList, items } from './walk.ts';
import type { JsonObject } from './walk.ts';

/**
 * SetDefaults_NetworkPolicy: policyTypes [Ingress], plus Egress when egress rules exist, when
 * none are given; every ingress and egress port's protocol defaults to TCP.
 */
export function setNetworkPolicyDefaults(obj: JsonObject): void {
  const spec = ensureChild(obj, 'spec');
  if (spec === undefined) return;
  for (const direction of ['ingress', 'egress']) {
    for (const rule of items(spec, direction)) {
      for (const port of items(rule, 'ports')) defaultUnset(port, 'protocol', 'TCP');
    }
  }
  if (isEmptyList(spec['policyTypes'])) {
    spec['policyTypes'] = isEmptyList(spec['egress']) ? ['Ingress'] : ['Ingress', 'Egress'];
  }
}

/** SetDefaults_IngressClass: parameters.scope Cluster when parameters are given without it. */
export function setIngressClassDefaults(obj: JsonObject): void {
  const parameters = child(child(obj, 'spec') ?? {}, 'parameters');
  if (parameters !== undefined) defaultUnset(parameters, 'scope', 'Cluster');
}
