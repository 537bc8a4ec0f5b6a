/**
 * Printers for apps/v1, batch/v1, autoscaling and policy/v1 resources, ported from Kubernetes
 * 1.32 pkg/printers/internalversion/printers.go.
 */
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  ReplicaSet,
  StatefulSet,
} from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler as HPAv1, Scale } from 'kubernetes-types/autoscaling/v1.js';
import type {
  HorizontalPodAutoscaler as HPAv2,
  MetricSpec,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2.js';
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { DESCRIPTIONS as D } from './descriptions.ts';
import { humanDuration } from './duration.ts';
import {
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  NAME_COLUMN,
  WIDE,
  age,
  boolPtr,
  column,
  deploymentSelector,
  formatLabelSelector,
  formatLabels,
  layoutContainerCells,
  parseTime,
  quantityString,
  since,
} from './format.ts';
import { printer, type AnyPrinter } from './printer.ts';

const SELECTOR_WIDE = (description: string) => column('Selector', 'string', description, WIDE);

const replicaSetPrinter = printer<ReplicaSet>(
  [
    NAME_COLUMN,
    column('Desired', 'integer', D['ReplicaSetSpec.replicas']),
    column('Current', 'integer', D['ReplicaSetStatus.replicas']),
    column('Ready', 'integer', D['ReplicaSetStatus.readyReplicas']),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_WIDE(D['ReplicaSetSpec.selector']),
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
      cells.push(names, images, formatLabelSelector(obj.spec?.selector));
    }
    return { cells };
  },
);

const deploymentPrinter = printer<Deployment>(
  [
    NAME_COLUMN,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', D['DeploymentStatus.updatedReplicas']),
    column('Available', 'string', D['DeploymentStatus.availableReplicas']),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_WIDE(D['DeploymentSpec.selector']),
  ],
  (obj, ctx) => {
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      `${String(obj.status?.readyReplicas ?? 0)}/${String(obj.spec?.replicas ?? 0)}`,
      obj.status?.updatedReplicas ?? 0,
      obj.status?.availableReplicas ?? 0,
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) {
      const [names, images] = layoutContainerCells(obj.spec?.template.spec?.containers);
      cells.push(names, images, deploymentSelector(obj.spec?.selector));
    }
    return { cells };
  },
);

const statefulSetPrinter = printer<StatefulSet>(
  [
    NAME_COLUMN,
    column('Ready', 'string', 'Number of the pod with ready state'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
  ],
  (obj, ctx) => {
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      `${String(obj.status?.readyReplicas ?? 0)}/${String(obj.spec?.replicas ?? 0)}`,
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) cells.push(...layoutContainerCells(obj.spec?.template.spec?.containers));
    return { cells };
  },
);

const daemonSetPrinter = printer<DaemonSet>(
  [
    NAME_COLUMN,
    column('Desired', 'integer', D['DaemonSetStatus.desiredNumberScheduled']),
    column('Current', 'integer', D['DaemonSetStatus.currentNumberScheduled']),
    column('Ready', 'integer', D['DaemonSetStatus.numberReady']),
    column('Up-to-date', 'integer', D['DaemonSetStatus.updatedNumberScheduled']),
    column('Available', 'integer', D['DaemonSetStatus.numberAvailable']),
    column('Node Selector', 'string', D['PodSpec.nodeSelector']),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_WIDE(D['DaemonSetSpec.selector']),
  ],
  (obj, ctx) => {
    const s = obj.status;
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      s?.desiredNumberScheduled ?? 0,
      s?.currentNumberScheduled ?? 0,
      s?.numberReady ?? 0,
      s?.updatedNumberScheduled ?? 0,
      s?.numberAvailable ?? 0,
      formatLabels(obj.spec?.template.spec?.nodeSelector),
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) {
      const [names, images] = layoutContainerCells(obj.spec?.template.spec?.containers);
      cells.push(names, images, formatLabelSelector(obj.spec?.selector));
    }
    return { cells };
  },
);

/** `GroupKind.String()` lower-cased plus the name, as the controller revision printer shows it. */
function formatResourceName(group: string, kind: string, name: string): string {
  if (group === '' && kind === '') return name;
  const gk = group === '' ? kind : `${kind}.${group}`;
  return `${gk.toLowerCase()}/${name}`;
}

const controllerRevisionPrinter = printer<ControllerRevision>(
  [
    NAME_COLUMN,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', D['ControllerRevision.revision']),
    AGE_COLUMN,
  ],
  (obj, ctx) => {
    const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
    let controllerName = '<none>';
    if (ref) {
      const slash = ref.apiVersion.indexOf('/');
      const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
      controllerName = formatResourceName(group, ref.kind, ref.name);
    }
    return {
      cells: [obj.metadata?.name ?? '', controllerName, obj.revision, age(obj.metadata, ctx.now)],
    };
  },
);

function hasJobCondition(conditions: readonly JobCondition[] | undefined, type: string): boolean {
  const condition = (conditions ?? []).find((c) => c.type === type);
  return condition?.status === 'True';
}

/** The STATUS column of a Job (1.31+): Complete, Failed, Terminating, Suspended, FailureTarget or Running. */
export function jobStatus(obj: Job): string {
  const conditions = obj.status?.conditions;
  if (hasJobCondition(conditions, 'Complete')) return 'Complete';
  if (hasJobCondition(conditions, 'Failed')) return 'Failed';
  if (obj.metadata?.deletionTimestamp !== undefined) return 'Terminating';
  if (hasJobCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasJobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const jobPrinter = printer<Job>(
  [
    NAME_COLUMN,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', D['JobStatus.succeeded']),
    column('Duration', 'string', 'Time required to complete the job.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_WIDE(D['JobSpec.selector']),
  ],
  (obj, ctx) => {
    const succeeded = obj.status?.succeeded ?? 0;
    let completions: string;
    const specCompletions = obj.spec?.completions;
    if (typeof specCompletions === 'number') {
      completions = `${String(succeeded)}/${String(specCompletions)}`;
    } else {
      const parallelism = obj.spec?.parallelism ?? 0;
      completions =
        parallelism > 1
          ? `${String(succeeded)}/1 of ${String(parallelism)}`
          : `${String(succeeded)}/1`;
    }
    let jobDuration = '';
    const start = parseTime(obj.status?.startTime);
    if (start !== undefined) {
      const completion = parseTime(obj.status?.completionTime);
      jobDuration = humanDuration((completion ?? ctx.now.getTime()) - start);
    }
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      jobStatus(obj),
      completions,
      jobDuration,
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) {
      const [names, images] = layoutContainerCells(obj.spec?.template.spec?.containers);
      cells.push(names, images, formatLabelSelector(obj.spec?.selector));
    }
    return { cells };
  },
);

const cronJobPrinter = printer<CronJob>(
  [
    NAME_COLUMN,
    column('Schedule', 'string', D['CronJobSpec.schedule']),
    column('Timezone', 'string', D['CronJobSpec.timeZone']),
    column('Suspend', 'boolean', D['CronJobSpec.suspend']),
    column('Active', 'integer', D['CronJobStatus.active']),
    column('Last Schedule', 'string', D['CronJobStatus.lastScheduleTime']),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_WIDE(D['JobSpec.selector']),
  ],
  (obj, ctx) => {
    const lastSchedule = obj.status?.lastScheduleTime;
    const cells: unknown[] = [
      obj.metadata?.name ?? '',
      obj.spec?.schedule ?? '',
      obj.spec?.timeZone ?? '<none>',
      boolPtr(obj.spec?.suspend),
      obj.status?.active?.length ?? 0,
      lastSchedule !== undefined ? since(lastSchedule, ctx.now) : '<none>',
      age(obj.metadata, ctx.now),
    ];
    if (ctx.wide) {
      const jobSpec = obj.spec?.jobTemplate.spec;
      const [names, images] = layoutContainerCells(jobSpec?.template.spec?.containers);
      cells.push(names, images, formatLabelSelector(jobSpec?.selector));
    }
    return { cells };
  },
);

/**
 * `formatHPAMetrics`: up to two `current/target` entries, then ` + N more...`; `<none>`
 * without metrics.
 */
export function formatHPAMetrics(
  specs: readonly MetricSpec[] | undefined,
  statuses: readonly MetricStatus[] | undefined,
): string {
  const list: string[] = [];
  const all = specs ?? [];
  if (all.length === 0) return '<none>';
  const st = statuses ?? [];
  const max = 2;
  all.forEach((spec, i) => {
    const status = st[i];
    switch (spec.type) {
      case 'External': {
        const target = spec.external?.target;
        if (target?.averageValue !== undefined) {
          const cur = status?.external?.current.averageValue;
          const current = cur !== undefined ? quantityString(cur) : '<unknown>';
          list.push(`${current}/${quantityString(target.averageValue)} (avg)`);
        } else {
          const current = status?.external
            ? quantityString(status.external.current.value)
            : '<unknown>';
          list.push(`${current}/${quantityString(target?.value)}`);
        }
        break;
      }
      case 'Pods': {
        const current = status?.pods
          ? quantityString(status.pods.current.averageValue)
          : '<unknown>';
        list.push(`${current}/${quantityString(spec.pods?.target.averageValue)}`);
        break;
      }
      case 'Object': {
        const target = spec.object?.target;
        if (target?.averageValue !== undefined) {
          const cur = status?.object?.current.averageValue;
          const current = cur !== undefined ? quantityString(cur) : '<unknown>';
          list.push(`${current}/${quantityString(target.averageValue)} (avg)`);
        } else {
          const current = status?.object
            ? quantityString(status.object.current.value)
            : '<unknown>';
          list.push(`${current}/${quantityString(target?.value)}`);
        }
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const cur = spec.type === 'Resource' ? status?.resource : status?.containerResource;
        const name = source?.name ?? '';
        const target = source?.target;
        if (target?.averageValue !== undefined) {
          const current = cur ? quantityString(cur.current.averageValue) : '<unknown>';
          list.push(`${name}: ${current}/${quantityString(target.averageValue)}`);
        } else {
          const util = cur?.current.averageUtilization;
          const current = util !== undefined ? `${String(util)}%` : '<unknown>';
          const t =
            target?.averageUtilization !== undefined
              ? `${String(target.averageUtilization)}%`
              : '<auto>';
          list.push(`${name}: ${current}/${t}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const count = list.length;
  if (count > max) return `${list.slice(0, max).join(', ')} + ${String(count - max)} more...`;
  return list.join(', ');
}

/** The autoscaling/v1 → internal conversion of the CPU target and its status. */
function hpaV1Metrics(obj: HPAv1): { specs: MetricSpec[]; statuses: MetricStatus[] } {
  const target = obj.spec?.targetCPUUtilizationPercentage;
  if (target === undefined) return { specs: [], statuses: [] };
  const specs: MetricSpec[] = [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } },
    },
  ];
  const current = obj.status?.currentCPUUtilizationPercentage;
  const statuses: MetricStatus[] =
    current !== undefined
      ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }]
      : [];
  return { specs, statuses };
}

const HPA_COLUMNS = [
  NAME_COLUMN,
  column('Reference', 'string', D['HorizontalPodAutoscalerSpec.scaleTargetRef']),
  column('Targets', 'string', D['HorizontalPodAutoscalerSpec.metrics']),
  column('MinPods', 'string', D['HorizontalPodAutoscalerSpec.minReplicas']),
  column('MaxPods', 'string', D['HorizontalPodAutoscalerSpec.maxReplicas']),
  column('Replicas', 'string', D['HorizontalPodAutoscalerStatus.currentReplicas']),
  AGE_COLUMN,
];

function hpaCells(
  obj: HPAv1 | HPAv2,
  specs: readonly MetricSpec[],
  statuses: readonly MetricStatus[],
  now: Date,
): unknown[] {
  const ref = obj.spec?.scaleTargetRef;
  const min = obj.spec?.minReplicas;
  return [
    obj.metadata?.name ?? '',
    `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
    formatHPAMetrics(specs, statuses),
    min !== undefined ? String(min) : '<unset>',
    obj.spec?.maxReplicas ?? 0,
    obj.status?.currentReplicas ?? 0,
    age(obj.metadata, now),
  ];
}

const hpaV2Printer = printer<HPAv2>(HPA_COLUMNS, (obj, ctx) => ({
  cells: hpaCells(obj, obj.spec?.metrics ?? [], obj.status?.currentMetrics ?? [], ctx.now),
}));

const hpaV1Printer = printer<HPAv1>(HPA_COLUMNS, (obj, ctx) => {
  const { specs, statuses } = hpaV1Metrics(obj);
  return { cells: hpaCells(obj, specs, statuses, ctx.now) };
});

const scalePrinter = printer<Scale>(
  [
    column('Name', 'string', D['ObjectMeta.name']),
    column('Desired', 'integer', D['ScaleSpec.replicas']),
    column('Available', 'integer', D['ScaleStatus.replicas']),
    AGE_COLUMN,
  ],
  (obj, ctx) => ({
    cells: [
      obj.metadata?.name ?? '',
      obj.spec?.replicas ?? 0,
      obj.status?.replicas ?? 0,
      age(obj.metadata, ctx.now),
    ],
  }),
);

const podDisruptionBudgetPrinter = printer<PodDisruptionBudget>(
  [
    NAME_COLUMN,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column(
      'Allowed Disruptions',
      'integer',
      'Calculated number of pods that may be disrupted at this time.',
    ),
    AGE_COLUMN,
  ],
  (obj, ctx) => {
    const min = obj.spec?.minAvailable;
    const max = obj.spec?.maxUnavailable;
    return {
      cells: [
        obj.metadata?.name ?? '',
        min !== undefined ? String(min) : 'N/A',
        max !== undefined ? String(max) : 'N/A',
        obj.status?.disruptionsAllowed ?? 0,
        age(obj.metadata, ctx.now),
      ],
    };
  },
);

/** Printers of apps/v1, by kind. */
export const APPS_PRINTERS: Readonly<Record<string, AnyPrinter>> = {
  ReplicaSet: replicaSetPrinter,
  Deployment: deploymentPrinter,
  StatefulSet: statefulSetPrinter,
  DaemonSet: daemonSetPrinter,
  ControllerRevision: controllerRevisionPrinter,
};

/** Printers of batch/v1, by kind. */
export const BATCH_PRINTERS: Readonly<Record<string, AnyPrinter>> = {
  Job: jobPrinter,
  CronJob: cronJobPrinter,
};

/** Printers of autoscaling, by version then kind (v1 and v2 HPAs differ on the wire). */
export const AUTOSCALING_PRINTERS: Readonly<Record<string, Readonly<Record<string, AnyPrinter>>>> =
  {
    v1: { HorizontalPodAutoscaler: hpaV1Printer, Scale: scalePrinter },
    v2: { HorizontalPodAutoscaler: hpaV2Printer },
  };

/** Printers of policy/v1, by kind. */
export const POLICY_PRINTERS: Readonly<Record<string, AnyPrinter>> = {
  PodDisruptionBudget: podDisruptionBudgetPrinter,
};
