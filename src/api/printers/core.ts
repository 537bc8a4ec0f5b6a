/**
 * Printers for core/v1 resources, ported from Kubernetes 1.32
 * pkg/printers/internalversion/printers.go (column definitions of AddHandlers and the print
 * functions). Upstream prints the internal types; we print the v1 wire objects, applying the
 * v1→internal conversions the printers rely on (pod IPs from `podIP`, secret `stringData`).
 */
import type {
  ComponentStatus,
  ConfigMap,
  Container,
  ContainerStatus,
  Endpoints,
  Event,
  EventSource,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodCondition,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
  ServicePort,
} from 'kubernetes-types/core/v1.js';
import { DESCRIPTIONS as D } from './descriptions.ts';
import {
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  NAME_COLUMN,
  WIDE,
  age,
  column,
  compareStrings,
  formatLabels,
  joinHostPort,
  layoutContainerCells,
  parseTime,
  quantityString,
  since,
} from './format.ts';
import { humanDuration } from './duration.ts';
import { printer, type AnyPrinter } from './printer.ts';
import type { PrintContext, TableRow, TableRowCondition } from './types.ts';

/** Row conditions of finished pods (upstream podSuccessConditions / podFailedConditions). */
export const POD_SUCCESS_CONDITIONS: readonly TableRowCondition[] = [
  {
    type: 'Completed',
    status: 'True',
    reason: 'Succeeded',
    message: 'The pod has completed successfully.',
  },
];
/** See {@link POD_SUCCESS_CONDITIONS}. */
export const POD_FAILED_CONDITIONS: readonly TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** The reason the node lifecycle controller gives pods on a lost node (util/node). */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

function isRestartableInitContainer(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function hasPodReadyCondition(conditions: readonly PodCondition[] | undefined): boolean {
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isPodInitializedConditionTrue(conditions: readonly PodCondition[] | undefined): boolean {
  for (const c of conditions ?? []) {
    if (c.type !== 'Initialized') continue;
    return c.status === 'True';
  }
  return false;
}

/** Tracks the latest `lastTerminationState.terminated.finishedAt` (Go's zero time: none yet). */
function laterFinish(current: number | undefined, cs: ContainerStatus): number | undefined {
  const finished = cs.lastState?.terminated
    ? parseTime(cs.lastState.terminated.finishedAt)
    : undefined;
  if (finished === undefined) return current;
  return current === undefined || current < finished ? finished : current;
}

function printPod(pod: Pod, ctx: PrintContext): TableRow {
  const spec = pod.spec;
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitContainerRestarts = 0;
  let totalContainers = spec?.containers.length ?? 0;
  let readyContainers = 0;
  let lastRestartDate: number | undefined;
  let lastRestartableInitContainerRestartDate: number | undefined;

  const podPhase = status.phase ?? '';
  let reason = podPhase;
  if (status.reason) reason = status.reason;

  // A pod held back by scheduling gates says so instead of Pending.
  for (const condition of status.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') {
      reason = 'SchedulingGated';
    }
  }

  let conditions: readonly TableRowCondition[] | undefined;
  if (podPhase === 'Succeeded') conditions = POD_SUCCESS_CONDITIONS;
  else if (podPhase === 'Failed') conditions = POD_FAILED_CONDITIONS;

  const initContainers = new Map<string, Container>();
  for (const c of spec?.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartableInitContainer(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  const initCount = spec?.initContainers?.length ?? 0;
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i];
    if (!container) continue;
    restarts += container.restartCount;
    lastRestartDate = laterFinish(lastRestartDate, container);
    const restartable = isRestartableInitContainer(initContainers.get(container.name));
    if (restartable) {
      restartableInitContainerRestarts += container.restartCount;
      lastRestartableInitContainerRestartDate = laterFinish(
        lastRestartableInitContainerRestartDate,
        container,
      );
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      // initialization failed
      if (!terminated.reason) {
        reason =
          terminated.signal !== undefined && terminated.signal !== 0
            ? `Init:Signal:${String(terminated.signal)}`
            : `Init:ExitCode:${String(terminated.exitCode)}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${String(i)}/${String(initCount)}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isPodInitializedConditionTrue(status.conditions)) {
    restarts = restartableInitContainerRestarts;
    lastRestartDate = lastRestartableInitContainerRestartDate;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Upstream walks backwards so the first container's state wins the reason.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i];
      if (!container) continue;
      restarts += container.restartCount;
      lastRestartDate = laterFinish(lastRestartDate, container);
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason =
          terminated.signal !== undefined && terminated.signal !== 0
            ? `Signal:${String(terminated.signal)}`
            : `ExitCode:${String(terminated.exitCode)}`;
      } else if (container.ready && container.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed while another still runs is not Completed.
    if (reason === 'Completed' && hasRunning) {
      reason = hasPodReadyCondition(status.conditions) ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata?.deletionTimestamp !== undefined;
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (deleting && podPhase !== 'Succeeded' && podPhase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestartDate !== undefined) {
    restartsStr = `${String(restarts)} (${humanDuration(ctx.now.getTime() - lastRestartDate)} ago)`;
  }

  const cells: unknown[] = [
    pod.metadata?.name ?? '',
    `${String(readyContainers)}/${String(totalContainers)}`,
    reason,
    restartsStr,
    age(pod.metadata, ctx.now),
  ];
  if (ctx.wide) {
    let podIP = status.podIPs?.[0]?.ip ?? status.podIP ?? '';
    if (podIP === '') podIP = '<none>';
    const nodeName = spec?.nodeName || '<none>';
    const nominatedNodeName = status.nominatedNodeName || '<none>';
    let readinessGates = '<none>';
    const gates = spec?.readinessGates ?? [];
    if (gates.length > 0) {
      let trueConditions = 0;
      for (const gate of gates) {
        const condition = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
        if (condition?.status === 'True') trueConditions++;
      }
      readinessGates = `${String(trueConditions)}/${String(gates.length)}`;
    }
    cells.push(podIP, nodeName, nominatedNodeName, readinessGates);
  }
  return conditions ? { cells, conditions } : { cells };
}

const podPrinter = printer<Pod>(
  [
    NAME_COLUMN,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE_COLUMN,
    column('IP', 'string', D['PodStatus.podIP'], WIDE),
    column('Node', 'string', D['PodSpec.nodeName'], WIDE),
    column('Nominated Node', 'string', D['PodStatus.nominatedNodeName'], WIDE),
    column('Readiness Gates', 'string', D['PodSpec.readinessGates'], WIDE),
  ],
  printPod,
);

const podTemplatePrinter = printer<PodTemplate>(
  [
    NAME_COLUMN,
    column('Containers', 'string', 'Names of each container in the template.'),
    column('Images', 'string', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  (obj) => {
    const [names, images] = layoutContainerCells(obj.template?.spec?.containers);
    return {
      cells: [
        obj.metadata?.name ?? '',
        names,
        images,
        formatLabels(obj.template?.metadata?.labels),
      ],
    };
  },
);

const replicationControllerPrinter = printer<ReplicationController>(
  [
    NAME_COLUMN,
    column('Desired', 'integer', D['ReplicationControllerSpec.replicas']),
    column('Current', 'integer', D['ReplicationControllerStatus.replicas']),
    column('Ready', 'integer', D['ReplicationControllerStatus.readyReplicas']),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'string', D['ReplicationControllerSpec.selector'], WIDE),
  ],
  (obj, ctx) => {
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      obj.spec?.replicas ?? 0,
      obj.status?.replicas ?? 0,
      obj.status?.readyReplicas ?? 0,
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) {
      const [names, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
      cells.push(names, images, formatLabels(obj.spec?.selector));
    }
    return { cells };
  },
);

/** `loadBalancerStatusStringer`: sorted unique IPs (else hostnames), clipped unless wide. */
export function loadBalancerStatusString(
  ingress: readonly { ip?: string; hostname?: string }[] | undefined,
  wide: boolean,
): string {
  const result = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) result.add(i.ip);
    else if (i.hostname) result.add(i.hostname);
  }
  let r = [...result].sort(compareStrings).join(',');
  const loadBalancerWidth = 16;
  if (!wide && r.length > loadBalancerWidth) r = `${r.slice(0, loadBalancerWidth - 3)}...`;
  return r;
}

function serviceExternalIP(svc: Service, wide: boolean): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lbIps = loadBalancerStatusString(svc.status?.loadBalancer?.ingress, wide);
      if (externalIPs.length > 0) {
        const results: string[] = [];
        if (lbIps.length > 0) results.push(...lbIps.split(','));
        results.push(...externalIPs);
        return results.join(',');
      }
      return lbIps.length > 0 ? lbIps : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function makePortString(ports: readonly ServicePort[] | undefined): string {
  return (ports ?? [])
    .map((p) => {
      const protocol = p.protocol ?? '';
      return p.nodePort !== undefined && p.nodePort > 0
        ? `${String(p.port)}:${String(p.nodePort)}/${protocol}`
        : `${String(p.port)}/${protocol}`;
    })
    .join(',');
}

const servicePrinter = printer<Service>(
  [
    NAME_COLUMN,
    column('Type', 'string', D['ServiceSpec.type']),
    column('Cluster-IP', 'string', D['ServiceSpec.clusterIP']),
    column('External-IP', 'string', D['ServiceSpec.externalIPs']),
    column('Port(s)', 'string', D['ServiceSpec.ports']),
    AGE_COLUMN,
    column('Selector', 'string', D['ServiceSpec.selector'], WIDE),
  ],
  (obj, ctx) => {
    // clusterIPs is what upstream prints; older objects only carry clusterIP.
    const internalIP = obj.spec?.clusterIPs?.[0] ?? (obj.spec?.clusterIP || '<none>');
    const svcPorts = makePortString(obj.spec?.ports) || '<none>';
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      obj.spec?.type ?? '',
      internalIP,
      serviceExternalIP(obj, ctx.wide),
      svcPorts,
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) cells.push(formatLabels(obj.spec?.selector));
    return { cells };
  },
);

/** `formatEndpoints` with all ports: up to three `ip:port` entries then ` + N more...`. */
export function formatEndpoints(endpoints: Endpoints): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // headless services may have no ports
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(addr.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(addr.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${String(count - max)} more...` : ret;
}

const endpointsPrinter = printer<Endpoints>(
  [NAME_COLUMN, column('Endpoints', 'string', D['Endpoints.subsets']), AGE_COLUMN],
  (obj, ctx) => ({
    cells: [obj.metadata?.name ?? '', formatEndpoints(obj), age(obj.metadata, ctx.now)],
  }),
);

const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_LABEL_ROLE = 'kubernetes.io/role';

/** `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values, sorted. */
export function findNodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = k.slice(LABEL_NODE_ROLE_PREFIX.length);
      if (role.length > 0) roles.add(role);
    } else if (k === NODE_LABEL_ROLE && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort(compareStrings);
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

function printNode(obj: Node, ctx: PrintContext): TableRow {
  // Later duplicates of a condition type win, as in upstream's map.
  let ready: string | undefined;
  for (const cond of obj.status?.conditions ?? []) {
    if (cond.type === 'Ready') ready = cond.status;
  }
  const status: string[] = [];
  if (ready !== undefined) status.push(ready === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (obj.spec?.unschedulable) status.push('SchedulingDisabled');
  const roles = findNodeRoles(obj).join(',') || '<none>';
  const info = obj.status?.nodeInfo;
  const cells: unknown[] = [
    obj.metadata?.name ?? '',
    status.join(','),
    roles,
    age(obj.metadata, ctx.now),
    info?.kubeletVersion ?? '',
  ];
  if (ctx.wide) {
    cells.push(
      nodeAddress(obj, 'InternalIP'),
      nodeAddress(obj, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    );
  }
  return { cells };
}

const nodePrinter = printer<Node>(
  [
    NAME_COLUMN,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'string', D['NodeSystemInfo.kubeletVersion']),
    column('Internal-IP', 'string', D['NodeStatus.addresses'], WIDE),
    column('External-IP', 'string', D['NodeStatus.addresses'], WIDE),
    column('OS-Image', 'string', D['NodeSystemInfo.osImage'], WIDE),
    column('Kernel-Version', 'string', D['NodeSystemInfo.kernelVersion'], WIDE),
    column('Container-Runtime', 'string', D['NodeSystemInfo.containerRuntimeVersion'], WIDE),
  ],
  printNode,
);

/**
 * The fields of the internal core Event the printer reads; both core/v1 and events.k8s.io/v1
 * Events convert to it.
 */
export interface InternalEvent {
  name: string;
  involvedObject: { kind?: string; name?: string; fieldPath?: string };
  reason: string;
  message: string;
  type: string;
  source: EventSource;
  firstTimestamp?: string;
  lastTimestamp?: string;
  count: number;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  reportingController: string;
  reportingInstance: string;
}

/** The internal form of a core/v1 Event. */
export function coreEventToInternal(e: Event): InternalEvent {
  return {
    name: e.metadata.name ?? '',
    involvedObject: e.involvedObject,
    reason: e.reason ?? '',
    message: e.message ?? '',
    type: e.type ?? '',
    source: e.source ?? {},
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    count: e.count ?? 0,
    eventTime: e.eventTime,
    series: e.series,
    reportingController: e.reportingComponent ?? '',
    reportingInstance: e.reportingInstance ?? '',
  };
}

function formatEventSource(
  es: EventSource,
  reportingController: string,
  reportingInstance: string,
): string {
  const component = es.component || reportingController;
  const instance = es.host || reportingInstance;
  return instance.length === 0 ? component : `${component}, ${instance}`;
}

/** `printEvent` over the internal Event shape. */
export function printInternalEvent(obj: InternalEvent, ctx: PrintContext): TableRow {
  let firstTimestamp = since(obj.firstTimestamp, ctx.now);
  if (parseTime(obj.firstTimestamp) === undefined) firstTimestamp = since(obj.eventTime, ctx.now);
  let lastTimestamp = since(obj.lastTimestamp, ctx.now);
  if (parseTime(obj.lastTimestamp) === undefined) lastTimestamp = firstTimestamp;
  let count = obj.count;
  if (obj.series) {
    lastTimestamp = since(obj.series.lastObservedTime, ctx.now);
    count = obj.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events don't have a count set in the new API.
    count = 1;
  }
  const kind = (obj.involvedObject.kind ?? '').toLowerCase();
  const target = obj.involvedObject.name ? `${kind}/${obj.involvedObject.name}` : kind;
  const message = obj.message.trim();
  if (ctx.wide) {
    return {
      cells: [
        lastTimestamp,
        obj.type,
        obj.reason,
        target,
        obj.involvedObject.fieldPath ?? '',
        formatEventSource(obj.source, obj.reportingController, obj.reportingInstance),
        message,
        firstTimestamp,
        count,
        obj.name,
      ],
    };
  }
  return { cells: [lastTimestamp, obj.type, obj.reason, target, message] };
}

/** The columns of the event printer (shared by core/v1 and events.k8s.io/v1). */
export const EVENT_COLUMNS = [
  column('Last Seen', 'string', D['Event.lastTimestamp']),
  column('Type', 'string', D['Event.type']),
  column('Reason', 'string', D['Event.reason']),
  column('Object', 'string', D['Event.involvedObject']),
  column('Subobject', 'string', D['ObjectReference.fieldPath'], WIDE),
  column('Source', 'string', D['Event.source'], WIDE),
  column('Message', 'string', D['Event.message']),
  column('First Seen', 'string', D['Event.firstTimestamp'], WIDE),
  column('Count', 'string', D['Event.count'], WIDE),
  column('Name', 'string', D['ObjectMeta.name'], { priority: 1, format: 'name' }),
];

const eventPrinter = printer<Event>(EVENT_COLUMNS, (obj, ctx) =>
  printInternalEvent(coreEventToInternal(obj), ctx),
);

const namespacePrinter = printer<Namespace>(
  [NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
  (obj, ctx) => ({
    cells: [obj.metadata?.name ?? '', obj.status?.phase ?? '', age(obj.metadata, ctx.now)],
  }),
);

const secretPrinter = printer<Secret>(
  [
    NAME_COLUMN,
    column('Type', 'string', D['Secret.type']),
    column('Data', 'string', D['Secret.data']),
    AGE_COLUMN,
  ],
  (obj, ctx) => {
    // The v1→internal conversion merges stringData into data.
    const keys = new Set([...Object.keys(obj.data ?? {}), ...Object.keys(obj.stringData ?? {})]);
    return {
      cells: [obj.metadata?.name ?? '', obj.type ?? '', keys.size, age(obj.metadata, ctx.now)],
    };
  },
);

const serviceAccountPrinter = printer<ServiceAccount>(
  [NAME_COLUMN, column('Secrets', 'string', D['ServiceAccount.secrets']), AGE_COLUMN],
  (obj, ctx) => ({
    cells: [obj.metadata?.name ?? '', obj.secrets?.length ?? 0, age(obj.metadata, ctx.now)],
  }),
);

/** `helper.GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, de-duplicated. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

const persistentVolumePrinter = printer<PersistentVolume>(
  [
    NAME_COLUMN,
    column('Capacity', 'string', D['PersistentVolumeSpec.capacity']),
    column('Access Modes', 'string', D['PersistentVolumeSpec.accessModes']),
    column('Reclaim Policy', 'string', D['PersistentVolumeSpec.persistentVolumeReclaimPolicy']),
    column('Status', 'string', D['PersistentVolumeStatus.phase']),
    column('Claim', 'string', D['PersistentVolumeSpec.claimRef']),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', D['PersistentVolumeStatus.reason']),
    AGE_COLUMN,
    column('VolumeMode', 'string', D['PersistentVolumeSpec.volumeMode'], WIDE),
  ],
  (obj, ctx) => {
    const spec = obj.spec ?? {};
    const claimRef = spec.claimRef
      ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}`
      : '';
    const phase =
      obj.metadata?.deletionTimestamp !== undefined ? 'Terminating' : (obj.status?.phase ?? '');
    const annotations = obj.metadata?.annotations ?? {};
    const storageClass =
      BETA_STORAGE_CLASS_ANNOTATION in annotations
        ? (annotations[BETA_STORAGE_CLASS_ANNOTATION] ?? '')
        : (spec.storageClassName ?? '');
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      quantityString(spec.capacity?.storage),
      accessModesString(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? '',
      phase,
      claimRef,
      storageClass,
      spec.volumeAttributesClassName ?? '<unset>',
      obj.status?.reason ?? '',
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) cells.push(spec.volumeMode ?? '<unset>');
    return { cells };
  },
);

const persistentVolumeClaimPrinter = printer<PersistentVolumeClaim>(
  [
    NAME_COLUMN,
    column('Status', 'string', D['PersistentVolumeClaimStatus.phase']),
    column('Volume', 'string', D['PersistentVolumeClaimSpec.volumeName']),
    column('Capacity', 'string', D['PersistentVolumeClaimStatus.capacity']),
    column('Access Modes', 'string', D['PersistentVolumeClaimStatus.accessModes']),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE_COLUMN,
    column('VolumeMode', 'string', D['PersistentVolumeClaimSpec.volumeMode'], WIDE),
  ],
  (obj, ctx) => {
    const spec = obj.spec ?? {};
    const phase =
      obj.metadata?.deletionTimestamp !== undefined ? 'Terminating' : (obj.status?.phase ?? '');
    let capacity = '';
    let accessModes = '';
    const volumeName = spec.volumeName ?? '';
    if (volumeName !== '') {
      accessModes = accessModesString(obj.status?.accessModes);
      capacity = quantityString(obj.status?.capacity?.storage);
    }
    const annotations = obj.metadata?.annotations ?? {};
    const storageClass =
      BETA_STORAGE_CLASS_ANNOTATION in annotations
        ? (annotations[BETA_STORAGE_CLASS_ANNOTATION] ?? '')
        : (spec.storageClassName ?? '');
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      phase,
      volumeName,
      capacity,
      accessModes,
      storageClass,
      spec.volumeAttributesClassName ?? '<unset>',
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) cells.push(spec.volumeMode ?? '<unset>');
    return { cells };
  },
);

const componentStatusPrinter = printer<ComponentStatus>(
  [
    NAME_COLUMN,
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  (obj) => {
    let status = 'Unknown';
    let message = '';
    let error = '';
    const healthy = (obj.conditions ?? []).find((c) => c.type === 'Healthy');
    if (healthy) {
      status = healthy.status === 'True' ? 'Healthy' : 'Unhealthy';
      message = healthy.message ?? '';
      error = healthy.error ?? '';
    }
    return { cells: [obj.metadata?.name ?? '', status, message, error] };
  },
);

const configMapPrinter = printer<ConfigMap>(
  [NAME_COLUMN, column('Data', 'string', D['ConfigMap.data']), AGE_COLUMN],
  (obj, ctx) => ({
    cells: [
      obj.metadata?.name ?? '',
      Object.keys(obj.data ?? {}).length + Object.keys(obj.binaryData ?? {}).length,
      age(obj.metadata, ctx.now),
    ],
  }),
);

const resourceQuotaPrinter = printer<ResourceQuota>(
  [
    NAME_COLUMN,
    column(
      'Request',
      'string',
      'Request represents a minimum amount of cpu/memory that a container may consume.',
    ),
    column(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
    AGE_COLUMN,
  ],
  (obj, ctx) => {
    const hard = obj.status?.hard ?? {};
    const used = obj.status?.used ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort(compareStrings)) {
      const entry = `${resource}: ${quantityString(used[resource])}/${quantityString(hard[resource])}`;
      // resources named limits.* go to the Limit column
      const pieces = resource.split('.');
      if (pieces.length > 1 && pieces[0] === 'limits') limits.push(entry);
      else requests.push(entry);
    }
    return {
      cells: [
        obj.metadata?.name ?? '',
        requests.join(', '),
        limits.join(', '),
        age(obj.metadata, ctx.now),
      ],
    };
  },
);

/** Printers of the core group, by kind. */
export const CORE_PRINTERS: Readonly<Record<string, AnyPrinter>> = {
  Pod: podPrinter,
  PodTemplate: podTemplatePrinter,
  ReplicationController: replicationControllerPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Node: nodePrinter,
  Event: eventPrinter,
  Namespace: namespacePrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  ComponentStatus: componentStatusPrinter,
  ConfigMap: configMapPrinter,
  ResourceQuota: resourceQuotaPrinter,
};
