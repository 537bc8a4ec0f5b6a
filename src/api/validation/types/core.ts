/**
 * core/v1 validation other than pods, ported from Kubernetes 1.32
 * pkg/apis/core/validation/validation.go (ValidateService, ValidateConfigMap, ValidateSecret,
 * ValidateNamespace, ValidateNode, ValidateResourceQuota, ValidateLimitRange,
 * ValidatePersistentVolumeClaim, ValidateEndpoints, ...) and events.go (ValidateEventCreate).
 * Metadata is validated by the API server, not here.
 */
import type {
  ConfigMap,
  Endpoints,
  LimitRange,
  Namespace,
  Node,
  PersistentVolumeClaim,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  Service,
  ServicePort,
} from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../labels.ts';
import {
  ErrorType,
  FieldError,
  duplicate,
  forbidden,
  invalid,
  newPath,
  notSupported,
  required,
  tooLong,
} from '../field-errors.ts';
import type { FieldPath } from '../field-errors.ts';
import { isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from '../names.ts';
import { FIELD_IMMUTABLE_ERROR_MSG } from '../object-meta.ts';
import {
  validatePodTemplateSpec,
  validateResourceQuantityValue,
  validateTaintEffect,
} from './pod.ts';
import {
  isConfigMapKey,
  isIPv4,
  isValidCIDR,
  isValidIP,
  parseIP,
  quantity,
  semanticEqual,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateImmutable,
  validateLabelMap,
  validateLabelName,
  validateLabelSelector,
  validateNonSpecialIP,
  validateNonnegative,
  validatePortNumOrName,
  isValidPortNum,
} from './util.ts';

const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** Upstream core.MaxSecretSize (also the ConfigMap limit). */
export const MAX_SECRET_SIZE = 1024 * 1024;
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

function isHeadless(svc: Service): boolean {
  const ips = svc.spec?.clusterIPs ?? [];
  return ips.length === 1 && ips[0] === 'None';
}

function validateServicePort(
  sp: ServicePort,
  requireName: boolean,
  names: Set<string>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = sp.name ?? '';
  if (requireName && name === '') errs.push(required(path.child('name')));
  else if (name !== '') {
    errs.push(...validateDNS1123Label(name, path.child('name')));
    if (names.has(name)) errs.push(duplicate(path.child('name'), name));
    else names.add(name);
  }
  for (const m of isValidPortNum(sp.port)) errs.push(invalid(path.child('port'), sp.port, m));
  const proto = sp.protocol ?? '';
  if (proto === '') errs.push(required(path.child('protocol')));
  else if (!SUPPORTED_PROTOCOLS.includes(proto)) {
    errs.push(notSupported(path.child('protocol'), proto, SUPPORTED_PROTOCOLS));
  }
  errs.push(...validatePortNumOrName(sp.targetPort, path.child('targetPort')));
  if (sp.appProtocol !== undefined)
    errs.push(...validateLabelName(sp.appProtocol, path.child('appProtocol')));
  return errs;
}

function validateClusterIPsRelatedFields(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const specPath = newPath('spec');
  const ipsPath = specPath.child('clusterIPs');
  const famPath = specPath.child('ipFamilies');
  const clusterIP = spec.clusterIP ?? '';
  const clusterIPs = spec.clusterIPs ?? [];
  if (clusterIP !== '') {
    if (clusterIPs.length === 0) errs.push(required(ipsPath));
    else if (clusterIPs[0] !== clusterIP)
      errs.push(invalid(ipsPath, clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errs.push(invalid(ipsPath, clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6')
      errs.push(notSupported(famPath.index(i), f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(duplicate(famPath.index(i), f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined) {
    const valid = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
    if (!valid.includes(spec.ipFamilyPolicy)) {
      errs.push(notSupported(specPath.child('ipFamilyPolicy'), spec.ipFamilyPolicy, valid));
    }
  }
  const state = { hasInvalid: false };
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        state.hasInvalid = true;
        errs.push(invalid(ipsPath, clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const e = isValidIP(ipsPath.index(i), ip);
    if (e.length > 0) state.hasInvalid = true;
    errs.push(...e);
  });
  if (clusterIPs.length > 2)
    errs.push(invalid(ipsPath, clusterIPs, 'may only hold up to 2 values'));
  if (state.hasInvalid) return errs;
  if (clusterIPs.length > 1) {
    const fams = clusterIPs.map((ip) => {
      const p = parseIP(ip);
      return p !== undefined && isIPv4(p);
    });
    if (fams.length !== 2 || fams[0] === fams[1]) {
      errs.push(invalid(ipsPath, clusterIPs, 'may specify no more than one IP for each IP family'));
    }
  }
  const families = spec.ipFamilies ?? [];
  if (!isHeadless(svc) && clusterIPs.length > 0 && families.length > 0) {
    clusterIPs.forEach((ip, i) => {
      if (i > families.length - 1) return;
      const p = parseIP(ip);
      const v6 = p !== undefined && !isIPv4(p);
      if (families[i] === 'IPv4' && v6) {
        errs.push(
          invalid(
            ipsPath.index(i),
            ip,
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
      if (families[i] === 'IPv6' && !v6) {
        errs.push(
          invalid(
            ipsPath.index(i),
            ip,
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
    });
  }
  return errs;
}

/** Upstream ValidateService (without metadata). */
export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const specPath = newPath('spec');
  const errs: FieldError[] = [];
  const ports = spec.ports ?? [];
  const type = spec.type ?? '';
  if (ports.length === 0 && !isHeadless(svc) && type !== 'ExternalName') {
    errs.push(required(specPath.child('ports')));
  }
  switch (type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (isHeadless(svc)) {
        errs.push(
          invalid(
            specPath.child('clusterIPs').index(0),
            'None',
            `may not be set to 'None' for ${type} services`,
          ),
        );
      }
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs ?? []).length > 0) {
        errs.push(
          forbidden(specPath.child('clusterIPs'), 'may not be set for ExternalName services'),
        );
      }
      if ((spec.ipFamilies ?? []).length > 0) {
        errs.push(
          forbidden(specPath.child('ipFamilies'), 'may not be set for ExternalName services'),
        );
      }
      if (spec.ipFamilyPolicy !== undefined) {
        errs.push(
          forbidden(specPath.child('ipFamilyPolicy'), 'may not be set for ExternalName services'),
        );
      }
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname.length > 0)
        errs.push(...validateDNS1123Subdomain(cname, specPath.child('externalName')));
      else errs.push(required(specPath.child('externalName')));
      break;
    }
    default:
      break;
  }
  const names = new Set<string>();
  ports.forEach((p, i) =>
    errs.push(...validateServicePort(p, ports.length > 1, names, specPath.child('ports').index(i))),
  );
  if (spec.selector !== undefined)
    errs.push(...validateLabelMap(spec.selector, specPath.child('selector')));
  const sa = spec.sessionAffinity ?? '';
  if (sa === '') errs.push(required(specPath.child('sessionAffinity')));
  else if (sa !== 'ClientIP' && sa !== 'None') {
    errs.push(notSupported(specPath.child('sessionAffinity'), sa, ['ClientIP', 'None']));
  }
  const sacPath = specPath.child('sessionAffinityConfig');
  if (sa === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const msg = 'when session affinity type is ClientIP';
    if (!cfg) errs.push(required(sacPath, msg));
    else if (!cfg.clientIP) errs.push(required(sacPath.child('clientIP'), msg));
    else if (cfg.clientIP.timeoutSeconds === undefined) {
      errs.push(required(sacPath.child('clientIP', 'timeoutSeconds'), msg));
    } else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > 86400) {
        errs.push(
          invalid(
            sacPath.child('clientIP', 'timeoutSeconds'),
            t,
            'must be greater than 0 and less than 86400',
          ),
        );
      }
    }
  } else if (sa === 'None' && spec.sessionAffinityConfig) {
    errs.push(forbidden(sacPath, 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelatedFields(svc));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const p = specPath.child('externalIPs').index(i);
    const e = isValidIP(p, ip);
    errs.push(...(e.length > 0 ? e : validateNonSpecialIP(ip, p)));
  });
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (type === '') errs.push(required(specPath.child('type')));
  else if (!types.includes(type)) errs.push(notSupported(specPath.child('type'), type, types));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((p.nodePort ?? 0) !== 0) {
        errs.push(
          forbidden(
            specPath.child('ports').index(i).child('nodePort'),
            "may not be used when `type` is 'ClusterIP'",
          ),
        );
      }
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const np = p.nodePort ?? 0;
    if (np === 0) return;
    const key = `${p.protocol ?? ''}/${np}`;
    if (nodePorts.has(key))
      errs.push(duplicate(specPath.child('ports').index(i).child('nodePort'), np));
    nodePorts.add(key);
  });
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol ?? ''}/${p.port}`;
    if (seenPorts.has(key)) {
      errs.push(
        duplicate(specPath.child('ports').index(i), { Protocol: p.protocol ?? '', Port: p.port }),
      );
    }
    seenPorts.add(key);
  });
  const ranges = spec.loadBalancerSourceRanges ?? [];
  if (ranges.length > 0) {
    const p = specPath.child('LoadBalancerSourceRanges');
    if (type !== 'LoadBalancer')
      errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...isValidCIDR(p.index(i), r.trim())));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && type !== 'LoadBalancer') {
    errs.push(
      forbidden(
        specPath.child('allocateLoadBalancerNodePorts'),
        "may only be used when `type` is 'LoadBalancer'",
      ),
    );
  }
  if (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    // Upstream's path really lacks the `spec.` prefix.
    errs.push(required(newPath('allocateLoadBalancerNodePorts')));
  }
  if (type === 'LoadBalancer') {
    if (spec.loadBalancerClass !== undefined) {
      errs.push(...validateLabelName(spec.loadBalancerClass, specPath.child('loadBalancerClass')));
    }
  } else if (spec.loadBalancerClass !== undefined) {
    errs.push(
      forbidden(
        specPath.child('loadBalancerClass'),
        "may only be used when `type` is 'LoadBalancer'",
      ),
    );
  }
  const externallyAccessible =
    type === 'LoadBalancer' ||
    type === 'NodePort' ||
    (type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0);
  const etp = spec.externalTrafficPolicy ?? '';
  if (!externallyAccessible) {
    if (etp !== '') {
      errs.push(
        invalid(
          specPath.child('externalTrafficPolicy'),
          etp,
          'may only be set for externally-accessible services',
        ),
      );
    }
  } else if (etp === '') errs.push(required(specPath.child('externalTrafficPolicy')));
  else if (etp !== 'Cluster' && etp !== 'Local') {
    errs.push(notSupported(specPath.child('externalTrafficPolicy'), etp, ['Cluster', 'Local']));
  }
  const needsHC = type === 'LoadBalancer' && etp === 'Local';
  const hc = spec.healthCheckNodePort ?? 0;
  if (!needsHC) {
    if (hc !== 0) {
      errs.push(
        invalid(
          specPath.child('healthCheckNodePort'),
          hc,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
    }
  } else if (hc === 0) errs.push(required(specPath.child('healthCheckNodePort')));
  else
    for (const m of isValidPortNum(hc))
      errs.push(invalid(specPath.child('healthCheckNodePort'), hc, m));
  if (spec.internalTrafficPolicy === undefined) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') {
      errs.push(required(specPath.child('internalTrafficPolicy')));
    }
  } else if (spec.internalTrafficPolicy !== 'Cluster' && spec.internalTrafficPolicy !== 'Local') {
    errs.push(
      notSupported(specPath.child('internalTrafficPolicy'), spec.internalTrafficPolicy, [
        'Cluster',
        'Local',
      ]),
    );
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== 'PreferClose') {
    errs.push(
      notSupported(specPath.child('trafficDistribution'), spec.trafficDistribution, [
        'PreferClose',
      ]),
    );
  }
  return errs;
}

/** Upstream ValidateServiceUpdate (without metadata): cluster IPs and families are immutable. */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  const spec = svc.spec ?? {};
  const oldSpec = old.spec ?? {};
  const ipsPath = newPath('spec', 'clusterIPs');
  if (
    spec.type !== 'ExternalName' &&
    oldSpec.type !== 'ExternalName' &&
    !(isHeadless(svc) && isHeadless(old))
  ) {
    const n = spec.clusterIPs ?? [];
    const o = oldSpec.clusterIPs ?? [];
    if (n.length === o.length) {
      o.forEach((ip, i) => {
        if (ip !== n[i]) errs.push(invalid(ipsPath.index(i), n, 'may not change once set'));
      });
    } else if (o.length > n.length) {
      if (n.length === 0)
        errs.push(invalid(ipsPath.index(0), n, 'primary clusterIP can not be unset'));
      if (o.length > 0 && n.length > 0 && n[0] !== o[0])
        errs.push(invalid(ipsPath.index(0), n, 'may not change once set'));
      if (n.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(
          invalid(
            newPath('spec', 'ipFamilyPolicy'),
            spec.ipFamilyPolicy ?? null,
            "must be set to 'SingleStack' when releasing the secondary clusterIP",
          ),
        );
      }
    } else if (o.length > 0 && n[0] !== o[0]) {
      errs.push(invalid(ipsPath.index(0), n, 'may not change once set'));
    }
    if (isHeadless(svc) === isHeadless(old) && !isHeadless(svc)) {
      const nf = spec.ipFamilies ?? [];
      const of = oldSpec.ipFamilies ?? [];
      const famPath = newPath('spec', 'ipFamilies').index(0);
      if (nf.length === of.length) {
        if (of.some((f, i) => f !== nf[i]))
          errs.push(invalid(famPath, nf, 'may not change once set'));
      } else if (nf.length > 0 && of.length > 0 && nf[0] !== of[0]) {
        errs.push(invalid(famPath, n, 'may not change once set'));
      }
    }
  }
  if (spec.type === 'LoadBalancer' && oldSpec.type === 'LoadBalancer') {
    if ((spec.loadBalancerClass ?? null) !== (oldSpec.loadBalancerClass ?? null)) {
      errs.push(
        invalid(
          newPath('spec', 'loadBalancerClass'),
          spec.loadBalancerClass ?? null,
          'may not change once set',
        ),
      );
    }
  }
  const needsHC = (s: typeof spec): boolean =>
    s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
  if (
    needsHC(spec) &&
    needsHC(oldSpec) &&
    spec.healthCheckNodePort !== oldSpec.healthCheckNodePort
  ) {
    errs.push(forbidden(newPath('spec', 'healthCheckNodePort'), 'field is immutable'));
  }
  errs.push(...validateService(svc));
  return errs;
}

function byteLen(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Decoded length of a base64 value (Secret data, ConfigMap binaryData). */
function base64Len(s: string): number {
  const clean = s.replace(/=+$/, '');
  return Math.floor((clean.length * 3) / 4);
}

/** Upstream ValidateConfigMap (without metadata). */
export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  const data = cm.data ?? {};
  const binary = cm.binaryData ?? {};
  for (const [key, value] of Object.entries(data)) {
    const p = newPath('data').key(key);
    for (const m of isConfigMapKey(key)) errs.push(invalid(p, key, m));
    if (key in binary) errs.push(invalid(p, key, 'duplicate of key present in binaryData'));
    total += byteLen(value);
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(newPath('binaryData').key(key), key, m));
    total += base64Len(value);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong(newPath(''), '', MAX_SECRET_SIZE));
  return errs;
}

/** Upstream ValidateConfigMapUpdate (without metadata). */
export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(forbidden(newPath('immutable'), IMMUTABLE_WHEN_SET));
    if (!semanticEqual(cm.data, old.data))
      errs.push(forbidden(newPath('data'), IMMUTABLE_WHEN_SET));
    if (!semanticEqual(cm.binaryData, old.binaryData)) {
      errs.push(forbidden(newPath('binaryData'), IMMUTABLE_WHEN_SET));
    }
  }
  errs.push(...validateConfigMap(cm));
  return errs;
}

function decodeBase64(s: string): string | undefined {
  try {
    return atob(s);
  } catch {
    return undefined;
  }
}

/** Upstream ValidateSecret (without metadata). `data` values are base64 as on the wire. */
export function validateSecret(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const dataPath = newPath('data');
  const data = secret.data ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(dataPath.key(key), key, m));
    total += base64Len(value);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong(dataPath, '', MAX_SECRET_SIZE));
  const has = (k: string): boolean => k in data;
  switch (secret.type ?? '') {
    case 'kubernetes.io/service-account-token':
      if ((secret.metadata?.annotations?.['kubernetes.io/service-account.name'] ?? '') === '') {
        errs.push(
          required(newPath('metadata', 'annotations').key('kubernetes.io/service-account.name')),
        );
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      const raw = data[key];
      if (raw === undefined) {
        errs.push(required(dataPath.key(key)));
        break;
      }
      const text = decodeBase64(raw);
      let ok = false;
      try {
        const parsed: unknown = JSON.parse(text ?? '');
        ok = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      } catch {
        ok = false;
      }
      if (!ok) {
        errs.push(
          invalid(
            dataPath.key(key),
            '<secret contents redacted>',
            'invalid character in JSON input',
          ),
        );
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(required(dataPath.key('username')));
        errs.push(required(dataPath.key('password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if ((data['ssh-privatekey'] ?? '') === '')
        errs.push(required(dataPath.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required(dataPath.key('tls.crt')));
      if (!has('tls.key')) errs.push(required(dataPath.key('tls.key')));
      break;
    default:
      break;
  }
  return errs;
}

/** Upstream ValidateSecretUpdate (without metadata). */
export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  const errs = validateImmutable(secret.type ?? '', old.type ?? '', newPath('type'));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(forbidden(newPath('immutable'), IMMUTABLE_WHEN_SET));
    if (!semanticEqual(secret.data, old.data))
      errs.push(forbidden(newPath('data'), IMMUTABLE_WHEN_SET));
  }
  errs.push(...validateSecret(secret));
  return errs;
}

const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

function validateKubeFinalizerName(name: string, path: FieldPath): FieldError[] {
  if (!name.includes('/') && !STANDARD_FINALIZERS.includes(name)) {
    return [
      invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'),
    ];
  }
  return [];
}

/** Upstream ValidateNamespace (without metadata): spec.finalizers are qualified names. */
export function validateNamespace(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  const p = newPath('spec', 'finalizers');
  for (const f of ns.spec?.finalizers ?? []) {
    for (const m of isQualifiedName(f)) errs.push(invalid(p, f, m));
    errs.push(...validateKubeFinalizerName(f, p));
  }
  return errs;
}

/** Upstream ValidateNamespaceStatusUpdate (without metadata). */
export function validateNamespaceStatusUpdate(ns: Namespace): FieldError[] {
  const phase = ns.status?.phase ?? '';
  if (ns.metadata?.deletionTimestamp === undefined) {
    if (phase !== 'Active') {
      return [
        invalid(
          newPath('status', 'Phase'),
          phase,
          "may only be 'Active' if `deletionTimestamp` is empty",
        ),
      ];
    }
  } else if (phase !== 'Terminating') {
    return [
      invalid(
        newPath('status', 'Phase'),
        phase,
        "may only be 'Terminating' if `deletionTimestamp` is not empty",
      ),
    ];
  }
  return [];
}

/** Upstream validation of the namespace finalize subresource (spec.finalizers). */
export function validateNamespaceFinalizeUpdate(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  (ns.spec?.finalizers ?? []).forEach((f, i) => {
    const p = newPath('spec', 'finalizers').index(i);
    for (const m of isQualifiedName(f)) errs.push(invalid(p, f, m));
    errs.push(...validateKubeFinalizerName(f, p));
  });
  return errs;
}

function validateNodeTaints(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  // Upstream reports taints under metadata.taints (sic).
  const path = newPath('metadata', 'taints');
  (node.spec?.taints ?? []).forEach((t, i) => {
    const idx = path.index(i);
    errs.push(...validateLabelName(t.key, idx.child('key')));
    const valueMsgs = isValidLabelValue(t.value ?? '');
    if (valueMsgs.length > 0)
      errs.push(invalid(idx.child('value'), t.value ?? '', valueMsgs.join(';')));
    if (t.effect === '') errs.push(required(idx.child('effect')));
    else errs.push(...validateTaintEffect(t.effect, idx.child('effect')));
    const key = `${t.effect}\u0000${t.key}`;
    if (seen.has(key)) {
      errs.push(
        new FieldError(
          ErrorType.Duplicate,
          idx.toString(),
          t,
          'taints must be unique by key and effect pair',
        ),
      );
      return;
    }
    seen.add(key);
  });
  return errs;
}

/** Upstream ValidateNode (without metadata): taints, pod CIDRs, resource quantities. */
export function validateNode(node: Node): FieldError[] {
  const errs = validateNodeTaints(node);
  for (const which of ['capacity', 'allocatable'] as const) {
    for (const [k, v] of Object.entries(node.status?.[which] ?? {})) {
      errs.push(...validateResourceQuantityValue(k, v, newPath('status', which, k)));
    }
  }
  const cidrs = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => errs.push(...isValidCIDR(newPath('spec', 'podCIDRs').index(i), c)));
  return errs;
}

/** Upstream ValidateNodeUpdate (without metadata). */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = validateNodeTaints(node);
  for (const which of ['capacity', 'allocatable'] as const) {
    for (const [k, v] of Object.entries(node.status?.[which] ?? {})) {
      errs.push(...validateResourceQuantityValue(k, v, newPath('status', which, k)));
    }
  }
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  const newCIDRs = node.spec?.podCIDRs ?? [];
  const msg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== newCIDRs.length) errs.push(forbidden(newPath('spec', 'podCIDRs'), msg));
    else
      oldCIDRs.forEach((c, i) => {
        if (c !== newCIDRs[i]) errs.push(forbidden(newPath('spec', 'podCIDRs'), msg));
      });
  }
  const oldProvider = old.spec?.providerID ?? '';
  if (oldProvider !== '' && oldProvider !== (node.spec?.providerID ?? '')) {
    errs.push(
      forbidden(
        newPath('spec', 'providerID'),
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  if ((node.spec?.externalID ?? '') !== (old.spec?.externalID ?? '')) {
    errs.push(forbidden(newPath('spec', 'externalID'), 'may not be updated'));
  }
  return errs;
}

const STANDARD_QUOTA_RESOURCES = [
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
];
const QUOTA_SCOPES = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
  'VolumeAttributesClass',
];

function validateQuotaResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m));
  if (errs.length > 0) return errs;
  if (
    !name.includes('/') &&
    !STANDARD_QUOTA_RESOURCES.includes(name) &&
    !name.startsWith('hugepages-') &&
    !name.startsWith('requests.hugepages-')
  ) {
    return [invalid(path, name, 'must be a standard resource for quota')];
  }
  return [];
}

function validateQuotaSpec(rq: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  const spec = rq.spec ?? {};
  for (const [k, v] of Object.entries(spec.hard ?? {})) {
    const p = newPath('spec', 'hard').key(k);
    errs.push(...validateQuotaResourceName(k, p));
    errs.push(...validateResourceQuantityValue(k, v, p));
  }
  const scopes = spec.scopes ?? [];
  const scopesPath = newPath('spec', 'scopes');
  for (const s of scopes) {
    if (!QUOTA_SCOPES.includes(s)) errs.push(invalid(scopesPath, scopes, 'unsupported scope'));
  }
  const has = (s: string): boolean => scopes.includes(s);
  if (
    (has('BestEffort') && has('NotBestEffort')) ||
    (has('Terminating') && has('NotTerminating'))
  ) {
    errs.push(invalid(scopesPath, scopes, 'conflicting scopes'));
  }
  const exprPath = newPath('spec', 'scopeSelector', 'matchExpressions');
  for (const req of spec.scopeSelector?.matchExpressions ?? []) {
    if (!QUOTA_SCOPES.includes(req.scopeName)) {
      errs.push(invalid(exprPath.child('scopeName'), req.scopeName, 'unsupported scope'));
    }
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(
            required(
              exprPath.child('values'),
              "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
            ),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length !== 0) {
          errs.push(
            invalid(
              exprPath.child('values'),
              values,
              "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
            ),
          );
        }
        break;
      default:
        errs.push(
          invalid(exprPath.child('operator'), req.operator, 'not a valid selector operator'),
        );
    }
  }
  return errs;
}

function validateQuotaStatus(rq: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  for (const which of ['hard', 'used'] as const) {
    for (const [k, v] of Object.entries(rq.status?.[which] ?? {})) {
      const p = newPath('status', which).key(k);
      errs.push(...validateQuotaResourceName(k, p));
      errs.push(...validateResourceQuantityValue(k, v, p));
    }
  }
  return errs;
}

/** Upstream ValidateResourceQuota (without metadata). */
export function validateResourceQuota(rq: ResourceQuota): FieldError[] {
  return [...validateQuotaSpec(rq), ...validateQuotaStatus(rq)];
}

/** Upstream ValidateResourceQuotaUpdate (without metadata): scopes are immutable. */
export function validateResourceQuotaUpdate(rq: ResourceQuota, old: ResourceQuota): FieldError[] {
  const errs = validateQuotaSpec(rq);
  const n = new Set(rq.spec?.scopes ?? []);
  const o = new Set(old.spec?.scopes ?? []);
  if (n.size !== o.size || [...n].some((s) => !o.has(s))) {
    errs.push(invalid(newPath('spec', 'scopes'), rq.spec?.scopes ?? [], FIELD_IMMUTABLE_ERROR_MSG));
  }
  return errs;
}

/** Upstream ValidateResourceQuotaStatusUpdate (without metadata). */
export function validateResourceQuotaStatusUpdate(rq: ResourceQuota): FieldError[] {
  return validateQuotaStatus(rq);
}

/** Upstream ValidateLimitRange (without metadata). */
export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (lr.spec?.limits ?? []).forEach((limit, i) => {
    const idx = newPath('spec', 'limits').index(i);
    const type = limit.type;
    for (const m of isQualifiedName(type)) errs.push(invalid(idx.child('type'), type, m));
    if (!type.includes('/') && !['Pod', 'Container', 'PersistentVolumeClaim'].includes(type)) {
      errs.push(
        invalid(idx.child('type'), type, 'must be a standard limit type or fully qualified'),
      );
    }
    if (seen.has(type)) errs.push(duplicate(idx.child('type'), type));
    seen.add(type);
    if (type === 'Pod') {
      if (Object.keys(limit.default ?? {}).length > 0) {
        errs.push(forbidden(idx.child('default'), "may not be specified when `type` is 'Pod'"));
      }
      if (Object.keys(limit.defaultRequest ?? {}).length > 0) {
        errs.push(
          forbidden(idx.child('defaultRequest'), "may not be specified when `type` is 'Pod'"),
        );
      }
    }
    if (
      type === 'PersistentVolumeClaim' &&
      !('storage' in (limit.min ?? {})) &&
      !('storage' in (limit.max ?? {}))
    ) {
      errs.push(
        required(
          idx.child('limits'),
          'either minimum or maximum storage value is required, but neither was provided',
        ),
      );
    }
    const min = limit.min ?? {};
    const max = limit.max ?? {};
    const def = type === 'Pod' ? {} : (limit.default ?? {});
    const defReq = type === 'Pod' ? {} : (limit.defaultRequest ?? {});
    const ratio = limit.maxLimitRequestRatio ?? {};
    const keys = new Set([
      ...Object.keys(max),
      ...Object.keys(min),
      ...Object.keys(def),
      ...Object.keys(defReq),
      ...Object.keys(ratio),
    ]);
    for (const k of keys) {
      const mn = k in min ? quantity(min[k]) : undefined;
      const mx = k in max ? quantity(max[k]) : undefined;
      const d = k in def ? quantity(def[k]) : undefined;
      const dr = k in defReq ? quantity(defReq[k]) : undefined;
      const r = k in ratio ? quantity(ratio[k]) : undefined;
      if (mn && mx && mn.cmp(mx) > 0) {
        errs.push(
          invalid(
            idx.child('min').key(k),
            mn.toString(),
            `min value ${mn.toString()} is greater than max value ${mx.toString()}`,
          ),
        );
      }
      if (dr && mn && mn.cmp(dr) > 0) {
        errs.push(
          invalid(
            idx.child('defaultRequest').key(k),
            dr.toString(),
            `min value ${mn.toString()} is greater than default request value ${dr.toString()}`,
          ),
        );
      }
      if (dr && mx && dr.cmp(mx) > 0) {
        errs.push(
          invalid(
            idx.child('defaultRequest').key(k),
            dr.toString(),
            `default request value ${dr.toString()} is greater than max value ${mx.toString()}`,
          ),
        );
      }
      if (dr && d && dr.cmp(d) > 0) {
        errs.push(
          invalid(
            idx.child('defaultRequest').key(k),
            dr.toString(),
            `default request value ${dr.toString()} is greater than default limit value ${d.toString()}`,
          ),
        );
      }
      if (d && mn && mn.cmp(d) > 0) {
        errs.push(
          invalid(
            idx.child('default').key(k),
            mn.toString(),
            `min value ${mn.toString()} is greater than default value ${d.toString()}`,
          ),
        );
      }
      if (d && mx && d.cmp(mx) > 0) {
        errs.push(
          invalid(
            idx.child('default').key(k),
            mx.toString(),
            `default value ${d.toString()} is greater than max value ${mx.toString()}`,
          ),
        );
      }
      if (r && r.cmpInt(1) < 0) {
        errs.push(
          invalid(
            idx.child('maxLimitRequestRatio').key(k),
            r.toString(),
            `ratio ${r.toString()} is less than 1`,
          ),
        );
      }
    }
  });
  return errs;
}

/** Upstream ValidatePersistentVolumeClaimSpec (the commonly hit rules). */
export function validatePersistentVolumeClaimSpec(
  spec: PersistentVolumeClaim['spec'],
  path: FieldPath,
): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  const modes = s.accessModes ?? [];
  if (modes.length === 0)
    errs.push(required(path.child('accessModes'), 'at least 1 access mode is required'));
  if (s.selector) errs.push(...validateLabelSelector(s.selector, path.child('selector')));
  const supported = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!supported.includes(m)) errs.push(notSupported(path.child('accessModes'), m, supported));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (supported.includes(m)) other = true;
  }
  if (rwop && other)
    errs.push(
      forbidden(path.child('accessModes'), 'may not use ReadWriteOncePod with other access modes'),
    );
  const storagePath = path.child('resources').key('storage');
  const requests = (s.resources?.requests ?? {}) as Record<string, unknown>;
  if (!('storage' in requests)) errs.push(required(storagePath));
  else {
    const q = quantity(requests.storage);
    if (q !== undefined && q.sign() <= 0)
      errs.push(invalid(storagePath, q.toString(), 'must be greater than zero'));
  }
  if (s.storageClassName) {
    for (const m of nameIsDNSSubdomain(s.storageClassName, false)) {
      errs.push(invalid(path.child('storageClassName'), s.storageClassName, m));
    }
  }
  if (s.volumeMode !== undefined && s.volumeMode !== 'Block' && s.volumeMode !== 'Filesystem') {
    errs.push(notSupported(path.child('volumeMode'), s.volumeMode, ['Block', 'Filesystem']));
  }
  return errs;
}

/** Upstream ValidatePersistentVolumeClaim (without metadata). */
export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  return validatePersistentVolumeClaimSpec(pvc.spec, newPath('spec'));
}

/**
 * Upstream ValidatePersistentVolumeClaimUpdate (without metadata): the spec is immutable except
 * volumeName (once), and resources.requests.storage / volumeAttributesClassName while bound.
 */
export function validatePersistentVolumeClaimUpdate(
  pvc: PersistentVolumeClaim,
  old: PersistentVolumeClaim,
): FieldError[] {
  const errs = validatePersistentVolumeClaim(pvc);
  const newSpec = structuredClone(pvc.spec ?? {});
  const oldSpec = structuredClone(old.spec ?? {});
  if (!oldSpec.volumeName) {
    if (newSpec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = newSpec.volumeName;
  }
  // Upgrade from nil storage class is allowed once.
  if (oldSpec.storageClassName === undefined && newSpec.storageClassName !== undefined) {
    const ann = old.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
    if (ann === undefined || ann === newSpec.storageClassName)
      oldSpec.storageClassName = newSpec.storageClassName;
  }
  const bound = pvc.status?.phase === 'Bound';
  if (bound && newSpec.resources?.requests) {
    const oldStorage = (old.spec?.resources?.requests as Record<string, unknown> | undefined)
      ?.storage;
    const reqs = newSpec.resources.requests as Record<string, unknown>;
    if (oldStorage === undefined) delete reqs.storage;
    else reqs.storage = oldStorage;
  }
  if (bound && newSpec.volumeAttributesClassName !== undefined) {
    if (oldSpec.volumeAttributesClassName === undefined) delete newSpec.volumeAttributesClassName;
    else newSpec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  }
  if (!semanticEqual(newSpec, oldSpec)) {
    errs.push(
      forbidden(
        newPath('spec'),
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      ),
    );
  }
  const ns = quantity(
    (pvc.spec?.resources?.requests as Record<string, unknown> | undefined)?.storage ?? null,
  );
  const os = quantity(
    (old.spec?.resources?.requests as Record<string, unknown> | undefined)?.storage ?? null,
  );
  if (ns !== undefined && os !== undefined && ns.cmp(os) < 0) {
    errs.push(
      forbidden(
        newPath('spec', 'resources', 'requests', 'storage'),
        'field can not be less than previous value',
      ),
    );
  }
  // Upstream's path really is `volumeMode` without `spec.`.
  errs.push(
    ...validateImmutable(pvc.spec?.volumeMode, old.spec?.volumeMode, newPath('volumeMode')),
  );
  return errs;
}

/** Upstream ValidateEndpoints (without metadata). */
export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const idx = newPath('subsets').index(i);
    if ((ss.addresses ?? []).length === 0 && (ss.notReadyAddresses ?? []).length === 0) {
      errs.push(required(idx, 'must specify `addresses` or `notReadyAddresses`'));
    }
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (ss[key] ?? []).forEach((addr, j) => {
        const p = idx.child(key).index(j);
        errs.push(...isValidIP(p.child('ip'), addr.ip));
        if (addr.hostname) errs.push(...validateDNS1123Label(addr.hostname, p.child('hostname')));
        if (addr.nodeName !== undefined) {
          for (const m of nameIsDNSSubdomain(addr.nodeName, false))
            errs.push(invalid(p.child('nodeName'), addr.nodeName, m));
        }
        errs.push(...validateNonSpecialIP(addr.ip, p.child('ip')));
      });
    }
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => {
      const p = idx.child('ports').index(j);
      const name = port.name ?? '';
      if (ports.length > 1 && name === '') errs.push(required(p.child('name')));
      else if (name !== '') errs.push(...validateDNS1123Label(name, p.child('name')));
      for (const m of isValidPortNum(port.port)) errs.push(invalid(p.child('port'), port.port, m));
      const proto = port.protocol ?? '';
      if (proto === '') errs.push(required(p.child('protocol')));
      else if (!SUPPORTED_PROTOCOLS.includes(proto))
        errs.push(notSupported(p.child('protocol'), proto, SUPPORTED_PROTOCOLS));
      if (port.appProtocol !== undefined)
        errs.push(...validateLabelName(port.appProtocol, p.child('appProtocol')));
    });
  });
  return errs;
}

/** Upstream ValidatePodTemplate (without metadata). */
export function validatePodTemplate(pt: PodTemplate): FieldError[] {
  return validatePodTemplateSpec(pt.template, newPath('template'));
}

/** Upstream ValidateReplicationControllerSpec. */
export function validateReplicationController(rc: ReplicationController): FieldError[] {
  const spec = rc.spec ?? {};
  const path = newPath('spec');
  const errs = validateNonnegative(spec.minReadySeconds ?? 0, path.child('minReadySeconds'));
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(required(path.child('selector')));
  errs.push(...validateNonnegative(spec.replicas ?? 0, path.child('replicas')));
  const tp = path.child('template');
  if (!spec.template) errs.push(required(tp));
  else {
    const sel = selectorFromSet(selector);
    if (!sel.empty() && !sel.matches(spec.template.metadata?.labels ?? {})) {
      errs.push(
        invalid(
          tp.child('metadata', 'labels'),
          spec.template.metadata?.labels ?? {},
          '`selector` does not match template `labels`',
        ),
      );
    }
    errs.push(...validatePodTemplateSpec(spec.template, tp));
    const rp = spec.template.spec?.restartPolicy ?? '';
    if (rp !== 'Always') errs.push(notSupported(tp.child('spec', 'restartPolicy'), rp, ['Always']));
    if (spec.template.spec?.activeDeadlineSeconds !== undefined) {
      errs.push(
        forbidden(
          tp.child('spec', 'activeDeadlineSeconds'),
          'activeDeadlineSeconds in ReplicationController is not Supported',
        ),
      );
    }
  }
  return errs;
}

/** ServiceAccounts have nothing to validate beyond metadata. */
export function validateServiceAccount(): FieldError[] {
  return [];
}
