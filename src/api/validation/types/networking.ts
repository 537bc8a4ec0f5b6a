/**
 * networking.k8s.io/v1 validation (NetworkPolicy, Ingress, IngressClass), ported from
 * Kubernetes 1.32 pkg/apis/networking/validation/validation.go.
 */
import type {
  HTTPIngressPath,
  IngressBackend,
  IngressClass,
  Ingress,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicySpec,
} from 'kubernetes-types/networking/v1.js';
import { forbidden, invalid, newPath, notSupported, required, tooLong } from '../field-errors.ts';
import type { FieldError, FieldPath } from '../field-errors.ts';
import {
  isDNS1123Subdomain,
  isValidPathSegmentName,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
  regexError,
} from '../names.ts';
import {
  isSet,
  cidrContains,
  isValidCIDR,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  parseCIDR,
  parseIP,
  validateImmutable,
  validateLabelSelector,
} from './util.ts';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function validatePort(port: NetworkPolicyPort, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
    errs.push(notSupported(path.child('protocol'), port.protocol, PROTOCOLS));
  }
  const p = port.port;
  if (p !== undefined) {
    if (typeof p === 'number') {
      for (const m of isValidPortNum(p)) errs.push(invalid(path.child('port'), p, m));
      if (port.endPort !== undefined) {
        if (port.endPort < p)
          errs.push(invalid(path.child('endPort'), p, 'must be greater than or equal to `port`'));
        for (const m of isValidPortNum(port.endPort))
          errs.push(invalid(path.child('endPort'), port.endPort, m));
      }
    } else {
      if (port.endPort !== undefined) {
        errs.push(
          invalid(
            path.child('endPort'),
            port.endPort,
            'may not be specified when `port` is non-numeric',
          ),
        );
      }
      for (const m of isValidPortName(p)) errs.push(invalid(path.child('port'), p, m));
    }
  } else if (port.endPort !== undefined) {
    errs.push(
      invalid(
        path.child('endPort'),
        port.endPort,
        'may not be specified when `port` is not specified',
      ),
    );
  }
  return errs;
}

function validatePeer(peer: NetworkPolicyPeer, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (peer.podSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, path.child('podSelector')));
  }
  if (peer.namespaceSelector) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, path.child('namespaceSelector')));
  }
  if (peer.ipBlock) {
    n++;
    const ipb = peer.ipBlock;
    const bp = path.child('ipBlock');
    if (!ipb.cidr) errs.push(required(bp.child('cidr')));
    else {
      errs.push(...isValidCIDR(bp.child('cidr'), ipb.cidr));
      const cidr = parseCIDR(ipb.cidr);
      if (cidr !== undefined) {
        (ipb.except ?? []).forEach((ex, i) => {
          const ep = bp.child('except').index(i);
          errs.push(...isValidCIDR(ep, ex));
          const exc = parseCIDR(ex);
          if (exc === undefined) return;
          if (!cidrContains(cidr, exc.ip) || cidr.bits >= exc.bits) {
            errs.push(invalid(ep, ex, 'must be a strict subset of `cidr`'));
          }
        });
      }
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a peer'));
  else if (n > 1 && peer.ipBlock)
    errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** Upstream ValidateNetworkPolicy (without metadata). */
export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const spec: NetworkPolicySpec = np.spec ?? { podSelector: {} };
  const path = newPath('spec');
  const errs = validateLabelSelector(spec.podSelector, path.child('podSelector'));
  (spec.ingress ?? []).forEach((rule, i) => {
    const rp = path.child('ingress').index(i);
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, rp.child('ports').index(j))));
    (rule.from ?? []).forEach((p, j) => errs.push(...validatePeer(p, rp.child('from').index(j))));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    const rp = path.child('egress').index(i);
    (rule.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, rp.child('ports').index(j))));
    (rule.to ?? []).forEach((p, j) => errs.push(...validatePeer(p, rp.child('to').index(j))));
  });
  const types = spec.policyTypes ?? [];
  if (types.length > 2) {
    errs.push(
      invalid(path.child('policyTypes'), types, 'may not specify more than two policyTypes'),
    );
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') {
      errs.push(notSupported(path.child('policyTypes').index(i), t, ['Ingress', 'Egress']));
    }
  });
  return errs;
}

const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateBackend(backend: IngressBackend, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = backend.resource !== undefined;
  const hasService = backend.service !== undefined;
  if (hasResource && hasService)
    return [invalid(path, '', 'cannot set both resource and service backends')];
  if (backend.resource) {
    const r = backend.resource;
    const rp = path.child('resource');
    if (r.apiGroup !== undefined) {
      for (const m of nameIsDNSSubdomain(r.apiGroup, false))
        errs.push(invalid(rp.child('apiGroup'), r.apiGroup, m));
    }
    if (!r.kind) errs.push(required(rp.child('kind'), 'kind is required'));
    else
      for (const m of isValidPathSegmentName(r.kind))
        errs.push(invalid(rp.child('kind'), r.kind, m));
    if (!r.name) errs.push(required(rp.child('name'), 'name is required'));
    else
      for (const m of isValidPathSegmentName(r.name))
        errs.push(invalid(rp.child('name'), r.name, m));
  } else if (backend.service) {
    const s = backend.service;
    const np = path.child('service', 'name');
    if (!s.name) errs.push(required(np));
    else for (const m of nameIsDNS1035Label(s.name, false)) errs.push(invalid(np, s.name, m));
    const portName = s.port?.name ?? '';
    const portNumber = s.port?.number ?? 0;
    if (portName.length > 0 && portNumber !== 0) {
      errs.push(invalid(path, '', 'cannot set both port name & port number'));
    } else if (portName.length > 0) {
      for (const m of isValidPortName(portName))
        errs.push(invalid(path.child('service', 'port', 'name'), portName, m));
    } else if (portNumber !== 0) {
      for (const m of isValidPortNum(portNumber)) {
        errs.push(invalid(path.child('service', 'port', 'number'), portNumber, m));
      }
    } else errs.push(required(path, 'port name or number is required'));
  } else {
    errs.push(invalid(path, '', 'resource or service backend is required'));
  }
  return errs;
}

function validateHTTPPath(p: HTTPIngressPath, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!isSet(p.pathType)) {
    return [required(path.child('pathType'), 'pathType must be specified')];
  }
  const value = p.path ?? '';
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/'))
        errs.push(invalid(path.child('path'), value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) {
          if (value.includes(seq))
            errs.push(invalid(path.child('path'), value, `must not contain '${seq}'`));
        }
        for (const suf of INVALID_PATH_SUFFIXES) {
          if (value.endsWith(suf))
            errs.push(invalid(path.child('path'), value, `cannot end with '${suf}'`));
        }
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) {
        errs.push(invalid(path.child('path'), value, 'must be an absolute path'));
      }
      break;
    default:
      errs.push(
        notSupported(path.child('pathType'), p.pathType, [
          'Exact',
          'ImplementationSpecific',
          'Prefix',
        ]),
      );
  }
  errs.push(...validateBackend(p.backend, path.child('backend')));
  return errs;
}

/** Upstream ValidateIngressCreate/ValidateIngressSpec (without metadata). */
export function validateIngress(ing: Ingress): FieldError[] {
  const spec = ing.spec ?? {};
  const path = newPath('spec');
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(invalid(path, rules, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend)
    errs.push(...validateBackend(spec.defaultBackend, path.child('defaultBackend')));
  rules.forEach((rule, i) => {
    const rp = path.child('rules').index(i);
    const host = rule.host ?? '';
    if (host.length > 0) {
      if (parseIP(host) !== undefined)
        errs.push(invalid(rp.child('host'), host, 'must be a DNS name, not an IP address'));
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) errs.push(invalid(rp.child('host'), host, m));
    }
    if (rule.http) {
      const hp = rp.child('http');
      if (rule.http.paths.length === 0) errs.push(required(hp.child('paths')));
      rule.http.paths.forEach((p, j) =>
        errs.push(...validateHTTPPath(p, hp.child('paths').index(j))),
      );
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    const tp = path.child('tls').index(i);
    (tls.hosts ?? []).forEach((h, j) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      for (const m of msgs) errs.push(invalid(tp.child('hosts').index(j), h, m));
    });
    if (tls.secretName !== undefined && tls.secretName !== '') {
      for (const m of nameIsDNSSubdomain(tls.secretName, false)) {
        errs.push(invalid(tp.child('secretName'), tls.secretName, m));
      }
    }
  });
  if (spec.ingressClassName !== undefined) {
    for (const m of nameIsDNSSubdomain(spec.ingressClassName, false)) {
      errs.push(invalid(path.child('ingressClassName'), spec.ingressClassName, m));
    }
  }
  return errs;
}

/** Upstream IsDomainPrefixedPath. */
function isDomainPrefixedPath(path: FieldPath, value: string): FieldError[] {
  if (value.length === 0) return [required(path)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host.length === 0 || rest.length === 0) {
    return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((m) => invalid(path, host, m));
  const fmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
  if (!new RegExp(`^${fmt}$`).test(rest))
    errs.push(invalid(path, rest, regexError('Invalid path', fmt)));
  return errs;
}

/** Upstream ValidateIngressClass (without metadata). */
export function validateIngressClass(ic: IngressClass): FieldError[] {
  const spec = ic.spec ?? {};
  const path = newPath('spec');
  const controller = spec.controller ?? '';
  const errs: FieldError[] = [];
  if (controller.length > 250) errs.push(tooLong(path.child('controller'), controller, 250));
  errs.push(...isDomainPrefixedPath(path.child('controller'), controller));
  const params = spec.parameters;
  if (params) {
    const pp = path.child('parameters');
    if (!params.kind) errs.push(required(pp.child('kind'), 'kind is required'));
    if (!params.name) errs.push(required(pp.child('name'), 'name is required'));
    const scope = params.scope;
    if (scope === undefined) errs.push(required(pp.child('scope'), ''));
    else if (scope !== 'Cluster' && scope !== 'Namespace') {
      errs.push(notSupported(pp.child('scope'), scope, ['Cluster', 'Namespace']));
    } else if (scope === 'Namespace' && !params.namespace) {
      errs.push(required(pp.child('namespace'), '`parameters.scope` is set to "Namespace"'));
    } else if (scope === 'Cluster' && params.namespace !== undefined) {
      errs.push(forbidden(pp.child('namespace'), '`parameters.scope` is set to "Cluster"'));
    }
  }
  return errs;
}

/** IngressClass update: spec.controller is immutable. */
export function validateIngressClassUpdate(ic: IngressClass, old: IngressClass): FieldError[] {
  const errs = validateIngressClass(ic);
  errs.push(
    ...validateImmutable(
      ic.spec?.controller ?? '',
      old.spec?.controller ?? '',
      newPath('spec', 'controller'),
    ),
  );
  return errs;
}
