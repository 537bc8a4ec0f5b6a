/**
 * Validation for the smaller groups, ported from Kubernetes 1.32: policy (PodDisruptionBudget),
 * scheduling (PriorityClass), coordination (Lease), discovery (EndpointSlice), storage
 * (StorageClass) and events (core/v1 and events.k8s.io/v1 Event, pkg/apis/core/validation/events.go).
 */
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as HpaV2 } from 'kubernetes-types/autoscaling/v2.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import {
  duplicate,
  forbidden,
  invalid,
  newPath,
  notSupported,
  required,
  tooMany,
} from '../field-errors.ts';
import type { FieldError } from '../field-errors.ts';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPathSegmentName,
  nameIsDNSSubdomain,
} from '../names.ts';
import {
  asArr,
  isSet,
  quantity,
  str,
  isIPv4,
  isValidPercent,
  parseIP,
  semanticEqual,
  validateDNS1123Label,
  validateImmutable,
  validateLabelName,
  validateLabelSelector,
  validateNonSpecialIP,
  validateNonnegative,
} from './util.ts';

function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return Number(v.slice(0, -1));
}

/** Upstream ValidatePodDisruptionBudgetSpec. */
export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const path = newPath('spec');
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalid(path, spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    const v = spec[f];
    if (v === undefined) continue;
    const p = path.child(f);
    if (typeof v === 'string') for (const m of isValidPercent(v)) errs.push(invalid(p, v, m));
    else errs.push(...validateNonnegative(v, p));
    const pct = percentValue(v);
    if (pct !== undefined && pct > 100) errs.push(invalid(p, v, 'must not be greater than 100%'));
  }
  errs.push(...validateLabelSelector(spec.selector, path.child('selector')));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== 'AlwaysAllow' && policy !== 'IfHealthyBudget') {
    errs.push(
      notSupported(path.child('unhealthyPodEvictionPolicy'), policy, [
        'AlwaysAllow',
        'IfHealthyBudget',
      ]),
    );
  }
  return errs;
}

/** Upstream ValidatePodDisruptionBudgetStatusUpdate (counts non-negative). */
export function validatePodDisruptionBudgetStatus(pdb: PodDisruptionBudget): FieldError[] {
  const errs: FieldError[] = [];
  const s = pdb.status;
  if (!s) return errs;
  const p = newPath('status');
  errs.push(...validateNonnegative(s.disruptionsAllowed, p.child('disruptionsAllowed')));
  errs.push(...validateNonnegative(s.currentHealthy, p.child('currentHealthy')));
  errs.push(...validateNonnegative(s.desiredHealthy, p.child('desiredHealthy')));
  errs.push(...validateNonnegative(s.expectedPods, p.child('expectedPods')));
  return errs;
}

const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};
const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;

/** Upstream ValidatePriorityClass (without metadata). */
export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? '';
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES[name];
    let problem = '';
    if (known === undefined) problem = `${name} is not a known system priority class`;
    else if (known !== pc.value) problem = `value of ${name} PriorityClass must be ${known}`;
    else if (pc.globalDefault === true)
      problem = `globalDefault of ${name} PriorityClass must be false`;
    if (problem !== '') {
      errs.push(
        forbidden(
          newPath('metadata', 'name'),
          `priority class names with 'system-' prefix are reserved for system use only. error: ${problem}`,
        ),
      );
    }
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbidden(
        newPath('value'),
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    );
  }
  if (pc.preemptionPolicy !== undefined) {
    const valid = ['PreemptLowerPriority', 'Never'];
    if (pc.preemptionPolicy === '') errs.push(required(newPath('preemptionPolicy')));
    else if (!valid.includes(pc.preemptionPolicy))
      errs.push(notSupported(newPath('preemptionPolicy'), pc.preemptionPolicy, valid));
  }
  return errs;
}

/** Upstream ValidatePriorityClassUpdate (without metadata): value and preemptionPolicy immutable. */
export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if (pc.value !== old.value)
    errs.push(forbidden(newPath('value'), 'may not be changed in an update.'));
  errs.push(
    ...validateImmutable(pc.preemptionPolicy, old.preemptionPolicy, newPath('preemptionPolicy')),
  );
  return errs;
}

/** Upstream ValidateLeaseSpec. */
export function validateLease(lease: Lease): FieldError[] {
  const spec = lease.spec ?? {};
  const path = newPath('spec');
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.push(
      invalid(
        path.child('leaseDurationSeconds'),
        spec.leaseDurationSeconds,
        'must be greater than 0',
      ),
    );
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    errs.push(
      invalid(
        path.child('leaseTransitions'),
        spec.leaseTransitions,
        'must be greater than or equal to 0',
      ),
    );
  }
  return errs;
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

/** Upstream validateEndpointSlice (without metadata). */
export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const addrType = str(slice.addressType);
  const eps = asArr(slice.endpoints) as EndpointSlice['endpoints'];
  const epPath = newPath('endpoints');
  if (eps.length > 1000) errs.push(tooMany(epPath, eps.length, 1000));
  eps.forEach((ep, i) => {
    const idx = epPath.index(i);
    const ap = idx.child('addresses');
    const addrs = asArr(ep.addresses) as string[];
    if (addrs.length === 0) errs.push(required(ap, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(tooMany(ap, addrs.length, 100));
    addrs.forEach((a, j) => {
      const p = ap.index(j);
      if (addrType === 'IPv4' || addrType === 'IPv6') {
        const ip = parseIP(a);
        const ok = ip !== undefined && (addrType === 'IPv4' ? ip.v4 : !isIPv4(ip));
        if (!ok) errs.push(invalid(p, a, `must be a valid ${addrType} address`));
        else errs.push(...validateNonSpecialIP(a, p));
      } else if (addrType === 'FQDN') {
        const name = a.replace(/\.$/, '');
        const msgs = isDNS1123Subdomain(name);
        if (a.length === 0) errs.push(required(p));
        else if (msgs.length > 0) errs.push(invalid(p, name, msgs.join(',')));
        else if (name.split('.').length < 2) {
          errs.push(
            invalid(p, name, 'should be a domain with at least two segments separated by dots'),
          );
        } else {
          for (const label of name.split('.')) {
            const lm = isDNS1123Label(label);
            if (lm.length > 0) {
              errs.push(invalid(p, label, lm.join(',')));
              break;
            }
          }
        }
      }
    });
    if (ep.nodeName !== undefined) {
      for (const m of nameIsDNSSubdomain(ep.nodeName, false))
        errs.push(invalid(idx.child('nodeName'), ep.nodeName, m));
    }
    if (ep.hostname !== undefined)
      errs.push(...validateDNS1123Label(ep.hostname, idx.child('hostname')));
  });
  const ports = slice.ports ?? [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const idx = newPath('ports').index(i);
    const name = port.name ?? '';
    if (name.length > 0) errs.push(...validateDNS1123Label(name, idx.child('name')));
    if (names.has(name)) errs.push(duplicate(idx.child('name'), name));
    else names.add(name);
    if (port.protocol === undefined) errs.push(required(idx.child('protocol')));
    else if (!['SCTP', 'TCP', 'UDP'].includes(port.protocol)) {
      errs.push(notSupported(idx.child('protocol'), port.protocol, ['SCTP', 'TCP', 'UDP']));
    }
    if (port.appProtocol !== undefined)
      errs.push(...validateLabelName(port.appProtocol, idx.child('appProtocol')));
  });
  if (addrType === '') errs.push(required(newPath('addressType')));
  else if (!ADDRESS_TYPES.includes(addrType))
    errs.push(notSupported(newPath('addressType'), addrType, ADDRESS_TYPES));
  return errs;
}

/** EndpointSlice update: addressType is immutable. */
export function validateEndpointSliceUpdate(
  slice: EndpointSlice,
  old: EndpointSlice,
): FieldError[] {
  const errs = validateEndpointSlice(slice);
  errs.push(...validateImmutable(slice.addressType, old.addressType, newPath('addressType')));
  return errs;
}

/** Upstream ValidateStorageClass (without metadata). */
export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = sc.provisioner;
  if (provisioner.length === 0) errs.push(required(newPath('provisioner'), provisioner));
  else {
    for (const m of isQualifiedName(provisioner.toLowerCase()))
      errs.push(invalid(newPath('provisioner'), provisioner, m));
  }
  if (
    sc.reclaimPolicy !== undefined &&
    sc.reclaimPolicy !== 'Delete' &&
    sc.reclaimPolicy !== 'Retain'
  ) {
    errs.push(notSupported(newPath('reclaimPolicy'), sc.reclaimPolicy, ['Delete', 'Retain']));
  }
  const mode = sc.volumeBindingMode;
  if (mode === undefined) errs.push(required(newPath('volumeBindingMode')));
  else if (mode !== 'Immediate' && mode !== 'WaitForFirstConsumer') {
    errs.push(
      notSupported(newPath('volumeBindingMode'), mode, ['Immediate', 'WaitForFirstConsumer']),
    );
  }
  (sc.allowedTopologies ?? []).forEach((term, i) => {
    (term.matchLabelExpressions ?? []).forEach((req, j) => {
      const p = newPath('allowedTopologies').index(i).child('matchLabelExpressions').index(j);
      if (req.values.length === 0) errs.push(required(p.child('values')));
      errs.push(...validateLabelName(req.key, p.child('key')));
    });
  });
  return errs;
}

/** Upstream ValidateStorageClassUpdate (without metadata). */
export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!semanticEqual(sc.parameters, old.parameters)) {
    errs.push(forbidden(newPath('parameters'), 'updates to parameters are forbidden.'));
  }
  if (sc.provisioner !== old.provisioner) {
    errs.push(forbidden(newPath('provisioner'), 'updates to provisioner are forbidden.'));
  }
  if ((sc.reclaimPolicy ?? 'Delete') !== (old.reclaimPolicy ?? 'Delete')) {
    errs.push(forbidden(newPath('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
  }
  errs.push(
    ...validateImmutable(sc.volumeBindingMode, old.volumeBindingMode, newPath('volumeBindingMode')),
  );
  return errs;
}

/** The internal (core) event fields the upstream validators read. */
interface EventFields {
  namespace: string;
  involvedNamespace: string;
  eventTimeSet: boolean;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  message: string;
  type: string;
  firstTimestampSet: boolean;
  lastTimestampSet: boolean;
  count: number;
  sourceSet: boolean;
}

function fromCore(ev: CoreEvent): EventFields {
  return {
    namespace: ev.metadata.namespace ?? '',
    involvedNamespace: ev.involvedObject.namespace ?? '',
    eventTimeSet: isSet(ev.eventTime),
    reportingController: ev.reportingComponent ?? '',
    reportingInstance: ev.reportingInstance ?? '',
    action: ev.action ?? '',
    reason: ev.reason ?? '',
    message: ev.message ?? '',
    type: ev.type ?? '',
    firstTimestampSet: isSet(ev.firstTimestamp),
    lastTimestampSet: isSet(ev.lastTimestamp),
    count: ev.count ?? 0,
    sourceSet: (ev.source?.component ?? '') !== '' || (ev.source?.host ?? '') !== '',
  };
}

function fromEventsV1(ev: EventsV1Event): EventFields {
  return {
    namespace: ev.metadata?.namespace ?? '',
    involvedNamespace: ev.regarding?.namespace ?? '',
    eventTimeSet: isSet(ev.eventTime),
    reportingController: ev.reportingController ?? '',
    reportingInstance: ev.reportingInstance ?? '',
    action: ev.action ?? '',
    reason: ev.reason ?? '',
    message: ev.note ?? '',
    type: ev.type ?? '',
    firstTimestampSet: isSet(ev.deprecatedFirstTimestamp),
    lastTimestampSet: isSet(ev.deprecatedLastTimestamp),
    count: ev.deprecatedCount ?? 0,
    sourceSet:
      (ev.deprecatedSource?.component ?? '') !== '' || (ev.deprecatedSource?.host ?? '') !== '',
  };
}

/** Upstream legacyValidateEvent; `coreV1` selects the `reportingComponent` field name. */
function legacyValidateEvent(e: EventFields, coreV1: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const rcName = coreV1 ? 'reportingComponent' : 'reportingController';
  const nsPath = newPath('involvedObject', 'namespace');
  if (!e.eventTimeSet) {
    if (e.involvedNamespace === '') {
      if (e.namespace !== '' && e.namespace !== 'default') {
        errs.push(invalid(nsPath, e.involvedNamespace, 'does not match event.namespace'));
      }
    } else if (e.namespace !== e.involvedNamespace) {
      errs.push(invalid(nsPath, e.involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (e.involvedNamespace === '' && e.namespace !== 'default' && e.namespace !== 'kube-system') {
      errs.push(invalid(nsPath, e.involvedNamespace, 'does not match event.namespace'));
    }
    if (e.reportingController === '') errs.push(required(newPath(rcName)));
    for (const m of isQualifiedName(e.reportingController)) {
      errs.push(invalid(newPath(rcName), e.reportingController, m));
    }
    if (e.reportingInstance === '') errs.push(required(newPath('reportingInstance')));
    if (e.reportingInstance.length > 128) {
      errs.push(invalid(newPath('reportingInstance'), '', 'can have at most 128 characters'));
    }
    if (e.action === '') errs.push(required(newPath('action')));
    if (e.action.length > 128)
      errs.push(invalid(newPath('action'), '', 'can have at most 128 characters'));
    if (e.reason === '') errs.push(required(newPath('reason')));
    if (e.reason.length > 128)
      errs.push(invalid(newPath('reason'), '', 'can have at most 128 characters'));
    if (e.message.length > 1024)
      errs.push(invalid(newPath('message'), '', 'can have at most 1024 characters'));
  }
  for (const m of isDNS1123Subdomain(e.namespace))
    errs.push(invalid(newPath('namespace'), e.namespace, m));
  return errs;
}

/** core/v1 Event validation (create and update: upstream applies only the legacy rules). */
export function validateCoreEvent(ev: CoreEvent): FieldError[] {
  return legacyValidateEvent(fromCore(ev), true);
}

/** events.k8s.io/v1 Event create validation (legacy rules plus the strict v1 ones). */
export function validateEventsV1Event(ev: EventsV1Event): FieldError[] {
  const e = fromEventsV1(ev);
  const errs = legacyValidateEvent(e, false);
  if (!e.eventTimeSet) errs.push(required(newPath('eventTime')));
  if (e.type !== 'Normal' && e.type !== 'Warning') {
    errs.push(invalid(newPath('type'), '', `has invalid value: ${e.type}`));
  }
  if (e.firstTimestampSet) errs.push(invalid(newPath('firstTimestamp'), '', 'needs to be unset'));
  if (e.lastTimestampSet) errs.push(invalid(newPath('lastTimestamp'), '', 'needs to be unset'));
  if (e.count !== 0) errs.push(invalid(newPath('count'), '', 'needs to be unset'));
  if (e.sourceSet) errs.push(invalid(newPath('source'), '', 'needs to be unset'));
  return errs;
}

/** events.k8s.io/v1 Event update validation: most fields are immutable. */
export function validateEventsV1EventUpdate(ev: EventsV1Event, old: EventsV1Event): FieldError[] {
  const errs = legacyValidateEvent(fromEventsV1(ev), false);
  const pairs: [string, unknown, unknown][] = [
    ['involvedObject', ev.regarding, old.regarding],
    ['reason', ev.reason, old.reason],
    ['message', ev.note, old.note],
    ['source', ev.deprecatedSource, old.deprecatedSource],
    ['firstTimestamp', ev.deprecatedFirstTimestamp, old.deprecatedFirstTimestamp],
    ['lastTimestamp', ev.deprecatedLastTimestamp, old.deprecatedLastTimestamp],
    ['count', ev.deprecatedCount, old.deprecatedCount],
    ['type', ev.type, old.type],
    ['eventTime', ev.eventTime, old.eventTime],
    ['action', ev.action, old.action],
    ['related', ev.related, old.related],
    ['reportingController', ev.reportingController, old.reportingController],
    ['reportingInstance', ev.reportingInstance, old.reportingInstance],
  ];
  for (const [f, n, o] of pairs) errs.push(...validateImmutable(n, o, newPath(f)));
  return errs;
}

interface HpaSpecLike {
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  readonly scaleTargetRef: { readonly kind: string; readonly name: string };
}

function validateHpaCommon(spec: HpaSpecLike): FieldError[] {
  const path = newPath('spec');
  const errs: FieldError[] = [];
  // The HPAScaleToZero gate is off by default, so the lower bound is 1.
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) {
    errs.push(
      invalid(path.child('minReplicas'), spec.minReplicas, 'must be greater than or equal to 1'),
    );
  }
  if (spec.maxReplicas < 1) {
    errs.push(invalid(path.child('maxReplicas'), spec.maxReplicas, 'must be greater than 0'));
  }
  if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas) {
    errs.push(
      invalid(
        path.child('maxReplicas'),
        spec.maxReplicas,
        'must be greater than or equal to `minReplicas`',
      ),
    );
  }
  const ref = path.child('scaleTargetRef');
  for (const f of ['kind', 'name'] as const) {
    const v = str(spec.scaleTargetRef[f]);
    if (v === '') errs.push(required(ref.child(f)));
    else for (const m of isValidPathSegmentName(v)) errs.push(invalid(ref.child(f), v, m));
  }
  return errs;
}

/** autoscaling/v1 HorizontalPodAutoscaler (validated, as upstream, in internal field paths). */
export function validateHorizontalPodAutoscalerV1(hpa: HpaV1): FieldError[] {
  const spec: HpaV1['spec'] = hpa.spec ?? {
    maxReplicas: 0,
    scaleTargetRef: { kind: '', name: '' },
  };
  const errs = validateHpaCommon(spec);
  const cpu = spec.targetCPUUtilizationPercentage;
  if (cpu !== undefined && cpu < 1) {
    errs.push(
      invalid(
        newPath('spec', 'metrics').index(0).child('resource', 'target', 'averageUtilization'),
        cpu,
        'must be greater than 0',
      ),
    );
  }
  return errs;
}

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

/** autoscaling/v2 HorizontalPodAutoscaler: replicas, target reference and metric types. */
export function validateHorizontalPodAutoscalerV2(hpa: HpaV2): FieldError[] {
  const spec: HpaV2['spec'] = hpa.spec ?? {
    maxReplicas: 0,
    scaleTargetRef: { kind: '', name: '' },
  };
  const errs = validateHpaCommon(spec);
  (spec.metrics ?? []).forEach((m, i) => {
    const p = newPath('spec', 'metrics').index(i);
    const type = str(m.type);
    if (type === '') errs.push(required(p.child('type'), 'must specify a metric source type'));
    if (!METRIC_TYPES.includes(type)) errs.push(notSupported(p.child('type'), type, METRIC_TYPES));
    const res = m.resource;
    if (type === 'Resource') {
      if (res === undefined) {
        errs.push(
          required(p.child('resource'), 'must populate information for the given metric source'),
        );
        return;
      }
      const rp = p.child('resource');
      if (str(res.name) === '')
        errs.push(required(rp.child('name'), 'must specify a resource name'));
      const t = res.target;
      const tp = rp.child('target');
      if (t.averageUtilization !== undefined && t.averageUtilization < 1) {
        errs.push(
          invalid(tp.child('averageUtilization'), t.averageUtilization, 'must be greater than 0'),
        );
      }
      for (const f of ['averageValue', 'value'] as const) {
        const q = t[f] === undefined ? undefined : quantity(t[f]);
        if (q !== undefined && q.sign() <= 0)
          errs.push(invalid(tp.child(f), q.toString(), 'must be positive'));
      }
    }
  });
  return errs;
}
