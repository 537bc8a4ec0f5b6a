/**
 * DaemonSet node selection and pod-template helpers (upstream
 * pkg/controller/daemon/daemon_controller.go NodeShouldRunDaemonPod, pkg/controller/daemon/util,
 * component-helpers nodeaffinity and core/v1 helper tolerations).
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type {
  Affinity,
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import { getScaledValueFromIntOrPercent, toleratesTaint } from '../../api/index.ts';
import { parseTime } from '../shared/index.ts';

/** The label of a pod's template hash (upstream apps.DefaultDaemonSetUniqueLabelKey). */
export const DAEMON_SET_HASH_LABEL = 'controller-revision-hash';
/** The deprecated template generation label (upstream extensions.DaemonSetTemplateGenerationKey). */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** The annotation holding the template generation (upstream). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** Node taint keys the controller tolerates on daemon pods (upstream v1.TaintNode*). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/**
 * The first taint passing `filter` that no toleration tolerates (upstream
 * FindMatchingUntoleratedTaint), or undefined.
 */
export function findMatchingUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  filter: (t: Taint) => boolean,
): Taint | undefined {
  return taints.find(
    (taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)),
  );
}

/** Same key, operator, value and effect (upstream Toleration.MatchToleration). */
function matchToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? '') === (b.operator ?? '') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '')
  );
}

/** Adds the toleration, or replaces a matching one (upstream AddOrUpdateTolerationInPodSpec). */
export function addOrUpdateToleration(spec: PodSpec, tol: Toleration): void {
  const list = spec.tolerations ?? [];
  const i = list.findIndex((t) => matchToleration(t, tol));
  spec.tolerations = i < 0 ? [...list, tol] : list.map((t, j) => (j === i ? tol : t));
}

/**
 * Adds the tolerations every daemon pod gets (upstream AddOrUpdateDaemonPodTolerations):
 * not-ready and unreachable NoExecute (no tolerationSeconds: never evicted), disk-, memory-
 * and pid-pressure and unschedulable NoSchedule, and network-unavailable NoSchedule for
 * host-network pods. Changes `spec`.
 */
export function addOrUpdateDaemonPodTolerations(spec: PodSpec): void {
  const add = (key: string, effect: string): void => {
    addOrUpdateToleration(spec, { key, operator: 'Exists', effect });
  };
  add(TAINT_NODE_NOT_READY, 'NoExecute');
  add(TAINT_NODE_UNREACHABLE, 'NoExecute');
  add(TAINT_NODE_DISK_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_MEMORY_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_PID_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_UNSCHEDULABLE, 'NoSchedule');
  if (spec.hostNetwork === true) add(TAINT_NODE_NETWORK_UNAVAILABLE, 'NoSchedule');
}

function parseGoInt(v: string): number | undefined {
  return /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

/** True when the node selector requirement matches `value` (absent: `present` false). */
function requirementMatches(r: NodeSelectorRequirement, present: boolean, value: string): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return present && values.includes(value);
    case 'NotIn':
      return !present || !values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'Gt':
    case 'Lt': {
      if (!present || values.length !== 1) return false;
      const have = parseGoInt(value);
      const want = parseGoInt(values[0] ?? '');
      if (have === undefined || want === undefined) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/**
 * True when the node matches the term (upstream nodeaffinity): every matchExpressions entry on
 * labels and every matchFields entry (only `metadata.name`) holds; an empty term matches
 * nothing.
 */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of exprs) {
    if (!requirementMatches(r, Object.hasOwn(labels, r.key), labels[r.key] ?? '')) return false;
  }
  for (const r of fields) {
    if (r.key !== 'metadata.name') return false;
    if (r.operator !== 'In' && r.operator !== 'NotIn') return false;
    if (!requirementMatches(r, true, node.metadata?.name ?? '')) return false;
  }
  return true;
}

/**
 * True when the node satisfies the pod's nodeSelector and required node affinity (upstream
 * GetRequiredNodeAffinity(pod).Match(node)): terms are ORed.
 */
export function podMatchesNodeSelectorAndAffinity(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[k] !== v) return false;
  }
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, node));
}

/** The pod the DaemonSet would run on `nodeName`, with the daemon tolerations (upstream NewPod). */
export function newDaemonPod(ds: DaemonSet, nodeName: string): Pod {
  const spec = structuredClone(ds.spec?.template.spec ?? { containers: [] });
  spec.nodeName = nodeName;
  addOrUpdateDaemonPodTolerations(spec);
  return {
    metadata: { ...ds.spec?.template.metadata, namespace: ds.metadata?.namespace ?? '' },
    spec,
  };
}

/**
 * Whether the DaemonSet should run a pod on the node, and whether an existing pod may keep
 * running (upstream NodeShouldRunDaemonPod): the template's nodeName, nodeSelector and required
 * node affinity must match; an untolerated NoSchedule/NoExecute taint stops new pods, and only
 * an untolerated NoExecute taint stops existing ones.
 */
export function nodeShouldRunDaemonPod(
  node: Node,
  ds: DaemonSet,
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const nodeName = node.metadata?.name ?? '';
  const templateNode = ds.spec?.template.spec?.nodeName ?? '';
  if (templateNode !== '' && templateNode !== nodeName) {
    return { shouldRun: false, shouldContinueRunning: false };
  }
  const pod = newDaemonPod(ds, nodeName);
  const spec = pod.spec ?? { containers: [] };
  if (!podMatchesNodeSelectorAndAffinity(spec, node)) {
    return { shouldRun: false, shouldContinueRunning: false };
  }
  const taints = node.spec?.taints ?? [];
  const tolerations = spec.tolerations ?? [];
  const untolerated = findMatchingUntoleratedTaint(
    taints,
    tolerations,
    (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule',
  );
  if (untolerated !== undefined) {
    const noExecute = findMatchingUntoleratedTaint(
      taints,
      tolerations,
      (t) => t.effect === 'NoExecute',
    );
    return { shouldRun: false, shouldContinueRunning: noExecute === undefined };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * Replaces the required node affinity with one term selecting `metadata.name In [nodeName]`
 * (upstream ReplaceDaemonSetPodNodeNameNodeAffinity), so the scheduler places the pod on its
 * node. Returns the new affinity; does not change `affinity`.
 */
export function replaceDaemonSetPodNodeNameNodeAffinity(
  affinity: Affinity | undefined,
  nodeName: string,
): Affinity {
  const terms: NodeSelectorTerm[] = [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] },
  ];
  const a = structuredClone(affinity ?? {});
  const na = (a.nodeAffinity ??= {});
  na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: terms };
  return a;
}

/**
 * The node a daemon pod is for (upstream GetTargetNodeName): spec.nodeName, else the single
 * `metadata.name In [node]` of its required node affinity; undefined when neither.
 */
export function getTargetNodeName(pod: Pod): string | undefined {
  const n = pod.spec?.nodeName ?? '';
  if (n !== '') return n;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) {
        return f.values[0];
      }
    }
  }
  return undefined;
}

/** The template generation annotation, undefined when absent or invalid. */
export function getTemplateGeneration(ds: DaemonSet): number | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v === undefined ? undefined : parseGoInt(v);
}

/**
 * The template of new daemon pods (upstream CreatePodTemplate): the daemon tolerations, the
 * template generation label (when known) and the hash label. The caller owns the result.
 */
export function createPodTemplate(
  template: PodTemplateSpec | undefined,
  generation: number | undefined,
  hash: string,
): PodTemplateSpec {
  const t = structuredClone(template ?? {});
  addOrUpdateDaemonPodTolerations((t.spec ??= { containers: [] }));
  const meta = (t.metadata ??= {});
  const labels = { ...meta.labels };
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash !== '') labels[DAEMON_SET_HASH_LABEL] = hash;
  meta.labels = labels;
  return t;
}

/** True when the pod is of the current template (upstream IsPodUpdated). */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches =
    generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash !== '' && labels[DAEMON_SET_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

/** maxUnavailable of the rolling update resolved against `n` nodes, rounding up (upstream). */
export function unavailableCount(ds: DaemonSet, n: number): number {
  const s = ds.spec?.updateStrategy;
  if ((s?.type ?? 'RollingUpdate') !== 'RollingUpdate' || s?.rollingUpdate === undefined) return 0;
  const v = s.rollingUpdate.maxUnavailable;
  return v === undefined ? 0 : getScaledValueFromIntOrPercent(v, n, true);
}

/** maxSurge of the rolling update resolved against `n` nodes, rounding up (upstream). */
export function surgeCount(ds: DaemonSet, n: number): number {
  const s = ds.spec?.updateStrategy;
  if ((s?.type ?? 'RollingUpdate') !== 'RollingUpdate' || s?.rollingUpdate === undefined) return 0;
  const v = s.rollingUpdate.maxSurge;
  return v === undefined ? 0 : getScaledValueFromIntOrPercent(v, n, true);
}

/** True when the DaemonSet may run two pods on a node during an update (upstream AllowsSurge). */
export function allowsSurge(ds: DaemonSet): boolean {
  try {
    return surgeCount(ds, 1) !== 0;
  } catch {
    return false;
  }
}

/** Scheduled pods first, then oldest, then by name (upstream podByCreationTimestampAndPhase). */
export function comparePodsByCreationAndPhase(a: Pod, b: Pod): number {
  const sa = (a.spec?.nodeName ?? '') !== '';
  const sb = (b.spec?.nodeName ?? '') !== '';
  if (sa !== sb) return sa ? -1 : 1;
  const ca = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const cb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ca !== cb) return ca - cb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
