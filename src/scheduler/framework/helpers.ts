/**
 * Shared scheduling helpers (upstream k8s.io/component-helpers/scheduling/corev1 and
 * v1helper): toleration matching and compiled node selectors / node affinity. Pure functions.
 */
import type {
  Node,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PreferredSchedulingTerm,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import { labelSelectorAsSelector, selectorFromSet, toleratesTaint } from '../../api/index.ts';
import type { Labels, Selector } from '../../api/index.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

const EMPTY_LABELS: Labels = Object.freeze({});

/** The node's labels, or a shared empty object. */
export function nodeLabels(node: Node): Labels {
  return node.metadata?.labels ?? EMPTY_LABELS;
}

/** True when some toleration in the list tolerates the taint. */
export function tolerationsTolerateTaint(
  tolerations: readonly Toleration[] | undefined,
  taint: Taint,
): boolean {
  if (tolerations === undefined) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/**
 * The first taint accepted by `inclusion` that no toleration tolerates (upstream
 * FindMatchingUntoleratedTaint), or undefined.
 */
export function findMatchingUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  inclusion: ((t: Taint) => boolean) | undefined,
): Taint | undefined {
  if (taints === undefined) return undefined;
  for (const taint of taints) {
    if (inclusion !== undefined && !inclusion(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** Upstream's taint printing in messages: `{key: value}`. */
export function formatTaint(t: Taint): string {
  return `{${t.key}: ${t.value ?? ''}}`;
}

type Matcher = (labels: Labels) => boolean;

function compileRequirement(r: NodeSelectorRequirement): Matcher | undefined {
  const key = r.key;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      if (values.length === 0) return undefined;
      return (ls) => {
        const v = ls[key];
        return v !== undefined && values.includes(v);
      };
    case 'NotIn':
      if (values.length === 0) return undefined;
      return (ls) => {
        const v = ls[key];
        return v === undefined || !values.includes(v);
      };
    case 'Exists':
      if (values.length !== 0) return undefined;
      return (ls) => ls[key] !== undefined;
    case 'DoesNotExist':
      if (values.length !== 0) return undefined;
      return (ls) => ls[key] === undefined;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || !/^-?\d+$/.test(values[0] ?? '')) return undefined;
      const bound = BigInt(values[0] ?? '0');
      const gt = r.operator === 'Gt';
      return (ls) => {
        const v = ls[key];
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = BigInt(v);
        return gt ? n > bound : n < bound;
      };
    }
    default:
      return undefined;
  }
}

function compileField(r: NodeSelectorRequirement): ((node: Node) => boolean) | undefined {
  // Only metadata.name is a supported node field (upstream nodeFieldSelectorKeys).
  if (r.key !== 'metadata.name') return undefined;
  const values = r.values ?? [];
  if (r.operator === 'In') {
    if (values.length !== 1) return undefined;
    return (n) => values.includes(n.metadata?.name ?? '');
  }
  if (r.operator === 'NotIn') {
    if (values.length !== 1) return undefined;
    return (n) => !values.includes(n.metadata?.name ?? '');
  }
  return undefined;
}

/**
 * A compiled NodeSelectorTerm. A term with no requirements, or with an invalid requirement
 * (which upstream reports as a parse error), matches no node.
 */
export class CompiledNodeSelectorTerm {
  readonly #labels: Matcher[] = [];
  readonly #fields: ((n: Node) => boolean)[] = [];
  readonly #valid: boolean;

  constructor(term: NodeSelectorTerm) {
    let valid = true;
    for (const r of term.matchExpressions ?? []) {
      const m = compileRequirement(r);
      if (m === undefined) valid = false;
      else this.#labels.push(m);
    }
    for (const r of term.matchFields ?? []) {
      const m = compileField(r);
      if (m === undefined) valid = false;
      else this.#fields.push(m);
    }
    this.#valid = valid && this.#labels.length + this.#fields.length > 0;
  }

  /** Whether all the term's requirements match the node. */
  match(node: Node): boolean {
    if (!this.#valid) return false;
    const ls = nodeLabels(node);
    for (const m of this.#labels) if (!m(ls)) return false;
    for (const m of this.#fields) if (!m(node)) return false;
    return true;
  }
}

/** A compiled NodeSelector: its terms are ORed (upstream nodeaffinity.NodeSelector). */
export class CompiledNodeSelector {
  readonly #terms: CompiledNodeSelectorTerm[];

  constructor(ns: NodeSelector) {
    this.#terms = ns.nodeSelectorTerms.map((t) => new CompiledNodeSelectorTerm(t));
  }

  /** Whether any term matches. */
  match(node: Node): boolean {
    for (const t of this.#terms) if (t.match(node)) return true;
    return false;
  }
}

/**
 * The pod's required node constraints: `spec.nodeSelector` ANDed with the required node
 * affinity terms (upstream nodeaffinity.RequiredNodeAffinity).
 */
export class RequiredNodeAffinity {
  readonly #selector: readonly (readonly [string, string])[] | undefined;
  readonly #affinity: CompiledNodeSelector | undefined;

  constructor(pod: Pod) {
    const sel = pod.spec?.nodeSelector;
    this.#selector =
      sel !== undefined && Object.keys(sel).length > 0 ? Object.entries(sel) : undefined;
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.#affinity = req !== undefined ? new CompiledNodeSelector(req) : undefined;
  }

  /** True when the pod has neither a nodeSelector nor required node affinity. */
  isEmpty(): boolean {
    return this.#selector === undefined && this.#affinity === undefined;
  }

  /** Whether the node satisfies both the nodeSelector and the required affinity. */
  match(node: Node): boolean {
    if (this.#selector !== undefined) {
      const ls = nodeLabels(node);
      for (const [k, v] of this.#selector) if (ls[k] !== v) return false;
    }
    return this.#affinity === undefined || this.#affinity.match(node);
  }
}

/** Compiled preferred scheduling terms; terms with weight 0 are dropped like upstream. */
export class PreferredSchedulingTerms {
  readonly #terms: { weight: number; term: CompiledNodeSelectorTerm }[];

  constructor(terms: readonly PreferredSchedulingTerm[]) {
    this.#terms = terms
      .filter((t) => t.weight !== 0)
      .map((t) => ({ weight: t.weight, term: new CompiledNodeSelectorTerm(t.preference) }));
  }

  /** The number of effective terms. */
  get length(): number {
    return this.#terms.length;
  }

  /** The sum of the weights of the terms matching the node. */
  score(node: Node): number {
    let s = 0;
    for (const t of this.#terms) if (t.term.match(node)) s += t.weight;
    return s;
  }
}

/** Pod priority (`spec.priority`, default 0; upstream corev1helpers.PodPriority). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** `namespace/name` of an object. */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/**
 * Upstream helper.DefaultNormalizeScore: scales scores to [0, maxPriority] by the highest score
 * (integer division); with `reverse`, high raw scores become low. All zero → all 0 (or all
 * maxPriority when reversed).
 */
export function defaultNormalizeScore(
  maxPriority: number,
  reverse: boolean,
  scores: { score: number }[],
): void {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((maxPriority * s.score) / maxCount);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}

/** The selector-bearing parts of Services/RCs (map selectors) and ReplicaSets/StatefulSets (LabelSelectors). */
export interface PodOwnerSelectors {
  /** `spec.selector` of Services in the pod's namespace. */
  readonly services?: readonly (Readonly<Record<string, string>> | undefined)[];
  /** `spec.selector` of ReplicationControllers in the pod's namespace. */
  readonly replicationControllers?: readonly (Readonly<Record<string, string>> | undefined)[];
  /** `spec.selector` of ReplicaSets in the pod's namespace. */
  readonly replicaSets?: readonly (LabelSelector | undefined)[];
  /** `spec.selector` of StatefulSets in the pod's namespace. */
  readonly statefulSets?: readonly (LabelSelector | undefined)[];
}

/**
 * Upstream helper.DefaultSelector: the union of the map selectors of Services and RCs that select
 * the pod, plus the requirements of ReplicaSets and StatefulSets that select it. Empty when none
 * selects the pod. Invalid selectors are skipped.
 */
export function buildDefaultSelector(pod: Pod, owners: PodOwnerSelectors): Selector {
  const podLabels = pod.metadata?.labels ?? {};
  const set: Record<string, string> = {};
  for (const sel of [...(owners.services ?? []), ...(owners.replicationControllers ?? [])]) {
    if (sel === undefined || Object.keys(sel).length === 0) continue;
    if (selectorFromSet(sel).matches(podLabels)) Object.assign(set, sel);
  }
  let selector = selectorFromSet(set);
  for (const ls of [...(owners.replicaSets ?? []), ...(owners.statefulSets ?? [])]) {
    if (ls === undefined) continue;
    let s: Selector;
    try {
      s = labelSelectorAsSelector(ls);
    } catch {
      continue;
    }
    if (!s.matches(podLabels)) continue;
    const reqs = s.requirements().requirements;
    if (reqs.length > 0) selector = selector.add(...reqs);
  }
  return selector;
}
