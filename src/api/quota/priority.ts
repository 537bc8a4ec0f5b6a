// Priority admission as pure functions (upstream plugin/pkg/admission/priority): resolves a new
// pod's spec.priorityClassName to spec.priority and spec.preemptionPolicy, applies the global
// default class, and keeps a second globalDefault class from being created.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { admissionForbidden } from './attributes.ts';
import type { JsonObject, PluginAttributes } from './attributes.ts';

/** Upstream scheduling.SystemClusterCritical. */
export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';
/** Upstream scheduling.SystemNodeCritical. */
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';
/** Upstream scheduling.SystemCriticalPriority (2 billion). */
export const SYSTEM_CRITICAL_PRIORITY = 2000000000;
/** Upstream scheduling.HighestUserDefinablePriority (1 billion). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
/** Priority of pods when no class is named and no global default exists. */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0;

/**
 * The built-in classes the API server creates at startup (upstream
 * scheduling.SystemPriorityClasses), for the lead's bootstrap. Fresh objects on every call.
 */
export function systemPriorityClasses(): PriorityClass[] {
  const mk = (name: string, value: number, description: string): PriorityClass => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    description,
    preemptionPolicy: 'PreemptLowerPriority',
  });
  return [
    mk(
      SYSTEM_NODE_CRITICAL,
      SYSTEM_CRITICAL_PRIORITY + 1000,
      'Used for system critical pods that must not be moved from their current node.',
    ),
    mk(
      SYSTEM_CLUSTER_CRITICAL,
      SYSTEM_CRITICAL_PRIORITY,
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    ),
  ];
}

function isPods(attrs: PluginAttributes): boolean {
  return attrs.resource.group === '' && attrs.resource.resource === 'pods';
}

/**
 * The global default class: among classes with globalDefault, the lowest value (upstream picks
 * that one if a race left several).
 */
export function defaultPriorityClass(classes: readonly PriorityClass[]): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const pc of classes) {
    if (pc.globalDefault === true && (best === undefined || best.value > pc.value)) best = pc;
  }
  return best;
}

/** Whether Priority's mutating half looks at this request: pod create/update, main resource. */
export function priorityApplies(attrs: PluginAttributes): boolean {
  return (
    attrs.subresource === '' &&
    isPods(attrs) &&
    (attrs.operation === 'CREATE' || attrs.operation === 'UPDATE') &&
    attrs.object !== undefined
  );
}

/**
 * The mutating half for pods (upstream admitPod). On CREATE: an empty priorityClassName takes
 * the global default class's name, value and preemptionPolicy (else priority 0 and
 * PreemptLowerPriority); a named class must exist in `classes` (which should include the
 * system classes; they are also resolved when missing). A priority or preemptionPolicy already
 * in the spec must equal the computed one. On UPDATE: priority and preemptionPolicy dropped by
 * the client are restored from the old pod. Returns a new pod, or undefined when unchanged.
 * Throws 403 Forbidden (`no PriorityClass with name x was found`, `the integer value of
 * priority (5) must not be provided in pod spec; ...`).
 */
export function admitPriority(
  classes: readonly PriorityClass[],
  attrs: PluginAttributes,
): JsonObject | undefined {
  if (!priorityApplies(attrs)) return undefined;
  const pod = attrs.object as Pod;
  if (attrs.operation === 'UPDATE') {
    const oldSpec = (attrs.oldObject as Pod | undefined)?.spec;
    const oldPriority = oldSpec?.priority;
    const oldPolicy = oldSpec?.preemptionPolicy;
    const restorePriority = pod.spec?.priority === undefined && oldPriority !== undefined;
    const restorePolicy = pod.spec?.preemptionPolicy === undefined && oldPolicy !== undefined;
    if (!restorePriority && !restorePolicy) return undefined;
    const out = structuredClone(pod);
    const spec = (out.spec ??= { containers: [] });
    if (restorePriority) spec.priority = oldPriority;
    if (restorePolicy) spec.preemptionPolicy = oldPolicy;
    return out as unknown as JsonObject;
  }

  let priority: number;
  let policy: string | undefined;
  let className = pod.spec?.priorityClassName ?? '';
  if (className === '') {
    const dpc = defaultPriorityClass(classes);
    if (dpc !== undefined) {
      className = dpc.metadata?.name ?? '';
      priority = dpc.value;
      policy = dpc.preemptionPolicy;
    } else {
      priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS;
      policy = 'PreemptLowerPriority';
    }
  } else {
    const pc =
      classes.find((c) => c.metadata?.name === className) ??
      systemPriorityClasses().find((c) => c.metadata?.name === className);
    if (pc === undefined) {
      throw admissionForbidden(attrs, `no PriorityClass with name ${className} was found`);
    }
    priority = pc.value;
    policy = pc.preemptionPolicy;
  }
  const given = pod.spec?.priority;
  if (given !== undefined && given !== priority) {
    throw admissionForbidden(
      attrs,
      `the integer value of priority (${String(given)}) must not be provided in pod spec; priority admission controller computed ${String(priority)} from the given PriorityClass name`,
    );
  }
  const givenPolicy = pod.spec?.preemptionPolicy;
  if (policy !== undefined && givenPolicy !== undefined && givenPolicy !== policy) {
    throw admissionForbidden(
      attrs,
      `the string value of PreemptionPolicy (${givenPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
    );
  }
  const out = structuredClone(pod);
  const spec = (out.spec ??= { containers: [] });
  // Upstream always assigns the name (possibly '', which JSON omits).
  if (className === '') delete spec.priorityClassName;
  else spec.priorityClassName = className;
  spec.priority = priority;
  if (policy !== undefined) spec.preemptionPolicy = policy;
  return out as unknown as JsonObject;
}

/**
 * The validating half for PriorityClasses (upstream validatePriorityClass): a class with
 * globalDefault may not be created, or another class switched to default, while a default
 * exists. `classes` are the stored ones. Throws 403 Forbidden (`PriorityClass x is already
 * marked as default. Only one default can exist`).
 */
export function validatePriorityClassAdmission(
  classes: readonly PriorityClass[],
  attrs: PluginAttributes,
): void {
  if (attrs.subresource !== '') return;
  if (
    attrs.resource.group !== 'scheduling.k8s.io' ||
    attrs.resource.resource !== 'priorityclasses'
  ) {
    return;
  }
  if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return;
  const pc = attrs.object as PriorityClass | undefined;
  if (pc?.globalDefault !== true) return;
  const dpc = defaultPriorityClass(classes);
  if (dpc === undefined) return;
  const dname = dpc.metadata?.name ?? '';
  if (attrs.operation === 'CREATE' || dname !== (pc.metadata?.name ?? '')) {
    throw admissionForbidden(
      attrs,
      `PriorityClass ${dname} is already marked as default. Only one default can exist`,
    );
  }
}
