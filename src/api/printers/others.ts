/**
 * Printers for the remaining built-in groups (networking, RBAC, storage, scheduling,
 * coordination, certificates, node, admission registration, discovery, events.k8s.io), ported
 * from Kubernetes 1.32 pkg/printers/internalversion/printers.go.
 */
import type {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { EndpointPort, EndpointSlice, Endpoint } from 'kubernetes-types/discovery/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import type {
  Ingress,
  IngressClass,
  IngressRule,
  IngressTLS,
  NetworkPolicy,
} from 'kubernetes-types/networking/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import type { ClusterRoleBinding, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type {
  CSIDriver,
  CSINode,
  CSIStorageCapacity,
  StorageClass,
  VolumeAttachment,
} from 'kubernetes-types/storage/v1.js';
import { EVENT_COLUMNS, loadBalancerStatusString, printInternalEvent } from './core.ts';
import { DESCRIPTIONS as D } from './descriptions.ts';
import { humanDuration } from './duration.ts';
import {
  AGE_COLUMN,
  NAME_COLUMN,
  WIDE,
  age,
  column,
  formatLabelSelector,
  listWithMoreString,
  quantityString,
} from './format.ts';
import { printer, type AnyPrinter } from './printer.ts';

/** `formatHosts`: up to three rule hosts, `*` when none has a host. */
function formatHosts(rules: readonly IngressRule[] | undefined): string {
  const all = rules ?? [];
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of all) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${String(all.length - max)} more...` : ret;
}

function formatIngressPorts(tls: readonly IngressTLS[] | undefined): string {
  return tls && tls.length > 0 ? '80, 443' : '80';
}

const ingressPrinter = printer<Ingress>(
  [
    NAME_COLUMN,
    column(
      'Class',
      'string',
      'The name of the IngressClass resource that should be used for additional configuration',
    ),
    column(
      'Hosts',
      'string',
      'Hosts that incoming requests are matched against before the ingress rule',
    ),
    column(
      'Address',
      'string',
      'Address is a list containing ingress points for the load-balancer',
    ),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  (obj, ctx) => ({
    cells: [
      obj.metadata?.name ?? '',
      obj.spec?.ingressClassName ?? '<none>',
      formatHosts(obj.spec?.rules),
      loadBalancerStatusString(obj.status?.loadBalancer?.ingress, ctx.wide),
      formatIngressPorts(obj.spec?.tls),
      age(obj.metadata, ctx.now),
    ],
  }),
);

const ingressClassPrinter = printer<IngressClass>(
  [
    NAME_COLUMN,
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE_COLUMN,
  ],
  (obj, ctx) => {
    let parameters = '<none>';
    const p = obj.spec?.parameters;
    if (p) {
      parameters = p.kind;
      if (p.apiGroup !== undefined) parameters = `${parameters}.${p.apiGroup}`;
      parameters = `${parameters}/${p.name}`;
    }
    return {
      cells: [
        obj.metadata?.name ?? '',
        obj.spec?.controller ?? '',
        parameters,
        age(obj.metadata, ctx.now),
      ],
    };
  },
);

const networkPolicyPrinter = printer<NetworkPolicy>(
  [NAME_COLUMN, column('Pod-Selector', 'string', D['NetworkPolicySpec.podSelector']), AGE_COLUMN],
  (obj, ctx) => ({
    cells: [
      obj.metadata?.name ?? '',
      formatLabelSelector(obj.spec?.podSelector ?? {}),
      age(obj.metadata, ctx.now),
    ],
  }),
);

/** `rbac.SubjectsStrings`: users, groups and `namespace/name` service accounts. */
export function subjectsStrings(
  subjects: readonly Subject[] | undefined,
): [string[], string[], string[]] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
    else if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
  }
  return [users, groups, sas];
}

function bindingPrinter(kindLabel: string, roleRefDescription: string): AnyPrinter {
  return printer<RoleBinding | ClusterRoleBinding>(
    [
      NAME_COLUMN,
      column('Role', 'string', roleRefDescription),
      AGE_COLUMN,
      column('Users', 'string', `Users in the ${kindLabel}`, WIDE),
      column('Groups', 'string', `Groups in the ${kindLabel}`, WIDE),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${kindLabel}`, WIDE),
    ],
    (obj, ctx) => {
      const cells: unknown[] = [
        obj.metadata?.name ?? '',
        `${obj.roleRef.kind}/${obj.roleRef.name}`,
        age(obj.metadata, ctx.now),
      ];
      if (ctx.wide) {
        const [users, groups, sas] = subjectsStrings(obj.subjects);
        cells.push(users.join(', '), groups.join(', '), sas.join(', '));
      }
      return { cells };
    },
  );
}

const STORAGE_CLASS_DEFAULT_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

const storageClassPrinter = printer<StorageClass>(
  [
    NAME_COLUMN,
    column('Provisioner', 'string', D['StorageClass.provisioner']),
    column('ReclaimPolicy', 'string', D['StorageClass.reclaimPolicy']),
    column('VolumeBindingMode', 'string', D['StorageClass.volumeBindingMode']),
    column('AllowVolumeExpansion', 'string', D['StorageClass.allowVolumeExpansion']),
    AGE_COLUMN,
  ],
  (obj, ctx) => {
    let name = obj.metadata?.name ?? '';
    const annotations = obj.metadata?.annotations ?? {};
    if (STORAGE_CLASS_DEFAULT_ANNOTATIONS.some((a) => annotations[a] === 'true'))
      name += ' (default)';
    return {
      cells: [
        name,
        obj.provisioner,
        obj.reclaimPolicy ?? 'Delete',
        obj.volumeBindingMode ?? 'Immediate',
        obj.allowVolumeExpansion ?? false,
        age(obj.metadata, ctx.now),
      ],
    };
  },
);

const volumeAttachmentPrinter = printer<VolumeAttachment>(
  [
    NAME_COLUMN,
    column('Attacher', 'string', D['VolumeAttachmentSpec.attacher'], { format: 'name' }),
    column('PV', 'string', D['VolumeAttachmentSource.persistentVolumeName']),
    column('Node', 'string', D['VolumeAttachmentSpec.nodeName']),
    column('Attached', 'boolean', D['VolumeAttachmentStatus.attached']),
    AGE_COLUMN,
  ],
  (obj, ctx) => ({
    cells: [
      obj.metadata?.name ?? '',
      obj.spec.attacher,
      obj.spec.source.persistentVolumeName ?? '',
      obj.spec.nodeName,
      obj.status?.attached ?? false,
      age(obj.metadata, ctx.now),
    ],
  }),
);

const csiNodePrinter = printer<CSINode>(
  [
    NAME_COLUMN,
    column(
      'Drivers',
      'integer',
      'Drivers indicates the number of CSI drivers registered on the node',
    ),
    AGE_COLUMN,
  ],
  (obj, ctx) => ({
    cells: [obj.metadata?.name ?? '', obj.spec.drivers.length, age(obj.metadata, ctx.now)],
  }),
);

const csiDriverPrinter = printer<CSIDriver>(
  [
    NAME_COLUMN,
    column('AttachRequired', 'boolean', D['CSIDriverSpec.attachRequired']),
    column('PodInfoOnMount', 'boolean', D['CSIDriverSpec.podInfoOnMount']),
    column('StorageCapacity', 'boolean', D['CSIDriverSpec.storageCapacity']),
    column('TokenRequests', 'string', D['CSIDriverSpec.tokenRequests']),
    column('RequiresRepublish', 'boolean', D['CSIDriverSpec.requiresRepublish']),
    column('Modes', 'string', D['CSIDriverSpec.volumeLifecycleModes']),
    AGE_COLUMN,
  ],
  (obj, ctx) => {
    const spec = obj.spec;
    const modes = (spec.volumeLifecycleModes ?? []).join(',') || '<none>';
    const tokenRequests = spec.tokenRequests
      ? spec.tokenRequests.map((t) => t.audience).join(',')
      : '<unset>';
    return {
      cells: [
        obj.metadata?.name ?? '',
        spec.attachRequired ?? true,
        spec.podInfoOnMount ?? false,
        spec.storageCapacity ?? false,
        tokenRequests,
        spec.requiresRepublish ?? false,
        modes,
        age(obj.metadata, ctx.now),
      ],
    };
  },
);

const csiStorageCapacityPrinter = printer<CSIStorageCapacity>(
  [
    NAME_COLUMN,
    column('StorageClassName', 'string', D['CSIStorageCapacity.storageClassName']),
    column('Capacity', 'string', D['CSIStorageCapacity.capacity']),
  ],
  (obj) => ({
    cells: [
      obj.metadata?.name ?? '',
      obj.storageClassName,
      obj.capacity !== undefined ? quantityString(obj.capacity) : '<unset>',
    ],
  }),
);

const priorityClassPrinter = printer<PriorityClass>(
  [
    NAME_COLUMN,
    column('Value', 'integer', D['PriorityClass.value']),
    column('Global-Default', 'boolean', D['PriorityClass.globalDefault']),
    AGE_COLUMN,
    // Upstream declares this column without Priority but only fills it for wide output.
    column('PreemptionPolicy', 'string', D['PriorityClass.preemptionPolicy']),
  ],
  (obj, ctx) => {
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      obj.value,
      obj.globalDefault ?? false,
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) cells.push(obj.preemptionPolicy ?? '');
    return { cells };
  },
);

const leasePrinter = printer<Lease>(
  [NAME_COLUMN, column('Holder', 'string', D['LeaseSpec.holderIdentity']), AGE_COLUMN],
  (obj, ctx) => ({
    cells: [obj.metadata?.name ?? '', obj.spec?.holderIdentity ?? '', age(obj.metadata, ctx.now)],
  }),
);

/** `extractCSRStatus`: Denied/Approved/Pending, then `,Failed` and `,Issued`. */
export function csrStatus(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if ((csr.status?.certificate ?? '').length > 0) status += ',Issued';
  return status;
}

const csrPrinter = printer<CertificateSigningRequest>(
  [
    NAME_COLUMN,
    AGE_COLUMN,
    column('SignerName', 'string', D['CertificateSigningRequestSpec.signerName']),
    column('Requestor', 'string', D['CertificateSigningRequestSpec.request']),
    column('RequestedDuration', 'string', D['CertificateSigningRequestSpec.expirationSeconds']),
    column('Condition', 'string', D['CertificateSigningRequestStatus.conditions']),
  ],
  (obj, ctx) => {
    const seconds = obj.spec.expirationSeconds;
    return {
      cells: [
        obj.metadata?.name ?? '',
        age(obj.metadata, ctx.now),
        obj.spec.signerName || '<none>',
        obj.spec.username ?? '',
        seconds !== undefined ? humanDuration(seconds * 1000) : '<none>',
        csrStatus(obj),
      ],
    };
  },
);

const runtimeClassPrinter = printer<RuntimeClass>(
  // Upstream looks the Handler description up in ObjectMeta's docs, where it is absent.
  [NAME_COLUMN, column('Handler', 'string', ''), AGE_COLUMN],
  (obj, ctx) => ({ cells: [obj.metadata?.name ?? '', obj.handler, age(obj.metadata, ctx.now)] }),
);

const WEBHOOK_COLUMNS = [
  NAME_COLUMN,
  column(
    'Webhooks',
    'integer',
    'Webhooks indicates the number of webhooks registered in this configuration',
  ),
  AGE_COLUMN,
];

const mutatingWebhookPrinter = printer<MutatingWebhookConfiguration>(
  WEBHOOK_COLUMNS,
  (obj, ctx) => ({
    cells: [obj.metadata?.name ?? '', obj.webhooks?.length ?? 0, age(obj.metadata, ctx.now)],
  }),
);

const validatingWebhookPrinter = printer<ValidatingWebhookConfiguration>(
  WEBHOOK_COLUMNS,
  (obj, ctx) => ({
    cells: [obj.metadata?.name ?? '', obj.webhooks?.length ?? 0, age(obj.metadata, ctx.now)],
  }),
);

/** `formatDiscoveryPorts`: up to three port numbers (or names, or `*`). */
function formatDiscoveryPorts(ports: readonly EndpointPort[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const port of ports ?? []) {
    if (list.length < max) {
      list.push(port.port !== undefined ? String(port.port) : (port.name ?? '*'));
    } else if (list.length === max) {
      more = true;
    }
    count++;
  }
  return listWithMoreString(list, more, count, max);
}

/** `formatDiscoveryEndpoints`: up to three addresses. */
function formatDiscoveryEndpoints(endpoints: readonly Endpoint[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const endpoint of endpoints ?? []) {
    for (const address of endpoint.addresses) {
      if (list.length < max) list.push(address);
      else if (list.length === max) more = true;
      count++;
    }
  }
  return listWithMoreString(list, more, count, max);
}

const endpointSlicePrinter = printer<EndpointSlice>(
  [
    NAME_COLUMN,
    column('AddressType', 'string', D['EndpointSlice.addressType']),
    column('Ports', 'string', D['EndpointSlice.ports']),
    column('Endpoints', 'string', D['EndpointSlice.endpoints']),
    AGE_COLUMN,
  ],
  (obj, ctx) => ({
    cells: [
      obj.metadata?.name ?? '',
      obj.addressType,
      formatDiscoveryPorts(obj.ports),
      formatDiscoveryEndpoints(obj.endpoints),
      age(obj.metadata, ctx.now),
    ],
  }),
);

/** events.k8s.io/v1 Events print through their conversion to the internal core Event. */
const eventsV1Printer = printer<EventsV1Event>(EVENT_COLUMNS, (e, ctx) =>
  printInternalEvent(
    {
      name: e.metadata?.name ?? '',
      involvedObject: e.regarding ?? {},
      reason: e.reason ?? '',
      message: e.note ?? '',
      type: e.type ?? '',
      source: e.deprecatedSource ?? {},
      firstTimestamp: e.deprecatedFirstTimestamp,
      lastTimestamp: e.deprecatedLastTimestamp,
      count: e.deprecatedCount ?? 0,
      eventTime: e.eventTime,
      series: e.series,
      reportingController: e.reportingController ?? '',
      reportingInstance: e.reportingInstance ?? '',
    },
    ctx,
  ),
);

/** Printers by API group, then kind, for the groups of this file. */
export const OTHER_PRINTERS: Readonly<Record<string, Readonly<Record<string, AnyPrinter>>>> = {
  'networking.k8s.io': {
    Ingress: ingressPrinter,
    IngressClass: ingressClassPrinter,
    NetworkPolicy: networkPolicyPrinter,
  },
  'rbac.authorization.k8s.io': {
    RoleBinding: bindingPrinter('roleBinding', D['RoleBinding.roleRef']),
    ClusterRoleBinding: bindingPrinter('clusterRoleBinding', D['ClusterRoleBinding.roleRef']),
  },
  'storage.k8s.io': {
    StorageClass: storageClassPrinter,
    VolumeAttachment: volumeAttachmentPrinter,
    CSINode: csiNodePrinter,
    CSIDriver: csiDriverPrinter,
    CSIStorageCapacity: csiStorageCapacityPrinter,
  },
  'scheduling.k8s.io': { PriorityClass: priorityClassPrinter },
  'coordination.k8s.io': { Lease: leasePrinter },
  'certificates.k8s.io': { CertificateSigningRequest: csrPrinter },
  'node.k8s.io': { RuntimeClass: runtimeClassPrinter },
  'admissionregistration.k8s.io': {
    MutatingWebhookConfiguration: mutatingWebhookPrinter,
    ValidatingWebhookConfiguration: validatingWebhookPrinter,
  },
  'discovery.k8s.io': { EndpointSlice: endpointSlicePrinter },
  'events.k8s.io': { Event: eventsV1Printer },
};
