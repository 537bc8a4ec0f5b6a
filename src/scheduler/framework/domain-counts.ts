/**
 * Incremental per-topology-domain counts kept by the Snapshot (skiff's replacement for the
 * per-cycle scans of upstream's PodTopologySpread and InterPodAffinity PreFilter/PreScore).
 *
 * Upstream computes these counts from scratch in every scheduling cycle, over every node (spread)
 * or every pod (affinity), spread over 16 goroutines. In one JS thread that scan cost 2-10 ms per
 * pod with 5,000 nodes; here the snapshot keeps the counts current as pods and nodes come and go,
 * so a cycle reads them in O(domains). The results are exactly those of the scan: the tests
 * compare every structure with a from-scratch computation after random changes.
 */
import type { Labels, Selector } from '../../api/index.ts';
import { matchesNothing } from '../../api/index.ts';
import type { AffinityTerm, NodeInfo, PodInfo } from './node-info.ts';

/**
 * What a {@link DomainCounts} counts: the pods for which `matches` holds, summed per value of
 * `topologyKey` over the nodes that have every label in `requiredNodeKeys`.
 */
export interface PodCountSpec {
  /**
   * Identity of the spec: two specs with the same id must have the same fields and `matches`
   * (the snapshot keeps one index per id and reuses it across cycles).
   */
  readonly id: string;
  /** The node label whose value names the domain; nodes without it are the domain ''. */
  readonly topologyKey: string;
  /** Labels a node must all have to count (and for its domain to exist). */
  readonly requiredNodeKeys: readonly string[];
  /**
   * Whether domains without a matching pod are listed (with 0): PodTopologySpread needs them
   * (the minimum over domains); affinity only needs domains with pods, and per-node domains
   * would otherwise cost an entry per node.
   */
  readonly keepEmptyDomains: boolean;
  /**
   * A label (key, value) every counted pod has, if there is one (a necessary condition of
   * `matches`): pod changes then only visit the indexes of their own labels.
   */
  readonly podLabel?: readonly [string, string] | undefined;
  /** Whether a pod counts; must depend on nothing but the pod (no namespace labels, no clock). */
  matches(pod: PodInfo): boolean;
}

/** The counts of one {@link PodCountSpec}; read-only for callers, current until the next change. */
export interface DomainCounts {
  /**
   * Matching pods per domain: every domain with a matching pod, and with `keepEmptyDomains`
   * also every other domain that has an eligible node (with 0).
   */
  readonly pods: ReadonlyMap<string, number>;
}

/**
 * A label every pod the selector matches must have: the first requirement that pins a key to
 * one value (`k=v`, `k==v`, `k in (v)`), for {@link PodCountSpec.podLabel}.
 */
export function exactLabelOf(selector: Selector): readonly [string, string] | undefined {
  const { requirements, selectable } = selector.requirements();
  if (!selectable) return undefined;
  for (const r of requirements) {
    const v = selector.requiresExactMatch(r.key);
    if (v !== undefined) return [r.key, v];
  }
  return undefined;
}

/** One incremental index (internal to the Snapshot). */
export class DomainCountIndex implements DomainCounts {
  readonly pods = new Map<string, number>();
  /**
   * With keepEmptyDomains, eligible nodes per domain minus one, for domains with more than one
   * (a domain exists while it has a node; per-node domains then need no entry here).
   */
  readonly #extraNodes = new Map<string, number>();
  /** Monotonic use stamp for the snapshot's least-recently-used eviction. */
  lastUsed = 0;

  constructor(readonly spec: PodCountSpec) {}

  #domain(labels: Labels): string | undefined {
    for (const k of this.spec.requiredNodeKeys) if (labels[k] === undefined) return undefined;
    return labels[this.spec.topologyKey] ?? '';
  }

  #add(d: string, n: number): void {
    const v = (this.pods.get(d) ?? 0) + n;
    if (v !== 0 || this.spec.keepEmptyDomains) this.pods.set(d, v);
    else this.pods.delete(d);
  }

  /** Adds (sign 1) or removes (sign -1) a node with its pods, as seen with `labels`. */
  node(ni: NodeInfo, labels: Labels, sign: 1 | -1): void {
    const d = this.#domain(labels);
    if (d === undefined) return;
    let n = 0;
    for (const p of ni.pods) if (this.spec.matches(p)) n++;
    if (!this.spec.keepEmptyDomains) {
      if (n > 0) this.#add(d, sign * n);
      return;
    }
    if (sign > 0) {
      if (this.pods.has(d)) this.#extraNodes.set(d, (this.#extraNodes.get(d) ?? 0) + 1);
      this.#add(d, n);
      return;
    }
    const extra = this.#extraNodes.get(d);
    if (extra === undefined) {
      this.pods.delete(d);
      return;
    }
    if (extra > 1) this.#extraNodes.set(d, extra - 1);
    else this.#extraNodes.delete(d);
    this.#add(d, -n);
  }

  /** Adds (sign 1) or removes (sign -1) one pod on a node that has `labels`. */
  pod(pi: PodInfo, labels: Labels, sign: 1 | -1): void {
    const d = this.#domain(labels);
    if (d === undefined || !this.spec.matches(pi)) return;
    this.#add(d, sign);
  }
}

/** Existing pods' required anti-affinity terms that are equal, with their counts per domain. */
export interface AntiAffinityTermGroup {
  /** One of the equal terms (they differ only in identity). */
  readonly term: AffinityTerm;
  /** Per value of `term.topologyKey`: how many such terms sit on nodes with that value (> 0). */
  readonly counts: ReadonlyMap<string, number>;
}

const termKeys = new WeakMap<AffinityTerm, string>();

/**
 * A string equal for terms that match the same pods with the same topology key: the sorted
 * namespaces, both selectors (the nothing selector spelled apart from the empty one) and the key.
 */
export function affinityTermKey(t: AffinityTerm): string {
  let k = termKeys.get(t);
  if (k === undefined) {
    const sel = (s: AffinityTerm['selector']): string =>
      matchesNothing(s) ? '\u0001' : `=${s.toString()}`;
    k = `${[...t.namespaces].sort().join(',')}\0${sel(t.namespaceSelector)}\0${sel(t.selector)}\0${t.topologyKey}`;
    termKeys.set(t, k);
  }
  return k;
}

/** The snapshot's groups of required anti-affinity terms (internal to the Snapshot). */
export class AntiAffinityTermIndex {
  readonly groups = new Map<string, { term: AffinityTerm; counts: Map<string, number> }>();

  /** Adds (sign 1) or removes (sign -1) the pod's required anti-affinity terms. */
  pod(pi: PodInfo, labels: Labels, sign: 1 | -1): void {
    for (const t of pi.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v === undefined) continue;
      const key = affinityTermKey(t);
      let g = this.groups.get(key);
      if (g === undefined) {
        if (sign < 0) continue;
        g = { term: t, counts: new Map() };
        this.groups.set(key, g);
      }
      const n = (g.counts.get(v) ?? 0) + sign;
      if (n > 0) g.counts.set(v, n);
      else {
        g.counts.delete(v);
        if (g.counts.size === 0) this.groups.delete(key);
      }
    }
  }

  /** Adds or removes every pod with required anti-affinity on a node seen with `labels`. */
  node(ni: NodeInfo, labels: Labels, sign: 1 | -1): void {
    for (const pi of ni.podsWithRequiredAntiAffinity) this.pod(pi, labels, sign);
  }
}
