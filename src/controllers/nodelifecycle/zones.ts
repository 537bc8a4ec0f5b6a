/**
 * Zones and disruption handling of the node lifecycle controller (upstream
 * node_lifecycle_controller.go handleDisruption, ComputeZoneState, setLimiterInZone and the
 * per-zone NoExecute tainter's token bucket). Pure: the controller passes the nodes and the time.
 *
 * NoExecute taints (not-ready, unreachable) evict pods, so adding them is rate-limited per zone:
 * a token bucket of `nodeEvictionRate` nodes per second (burst 1) in a Normal zone; in a zone
 * where at least `unhealthyZoneThreshold` of the nodes (and more than two) are not Ready
 * (PartialDisruption) the rate falls to `secondaryNodeEvictionRate` in zones larger than
 * `largeClusterSizeThreshold` nodes and to zero in smaller ones; a zone with no Ready node
 * (FullDisruption) is tainted at the normal rate while other zones are healthy. When every zone
 * is fully disrupted the controller assumes its own connectivity is at fault (upstream's
 * "master disruption mode"): no NoExecute taints at all, and the ones present are removed.
 */
import type { Node } from 'kubernetes-types/core/v1.js';

/** upstream --node-eviction-rate default: nodes tainted per second per healthy zone. */
export const NODE_EVICTION_RATE = 0.1;
/** upstream --secondary-node-eviction-rate default (large, partially disrupted zones). */
export const SECONDARY_NODE_EVICTION_RATE = 0.01;
/** upstream --unhealthy-zone-threshold default. */
export const UNHEALTHY_ZONE_THRESHOLD = 0.55;
/** upstream --large-cluster-size-threshold default. */
export const LARGE_CLUSTER_SIZE_THRESHOLD = 50;

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** The rates and thresholds of disruption handling (the controller-manager's flags). */
export interface DisruptionPolicy {
  nodeEvictionRate: number;
  secondaryNodeEvictionRate: number;
  unhealthyZoneThreshold: number;
  largeClusterSizeThreshold: number;
}

export const DEFAULT_DISRUPTION_POLICY: DisruptionPolicy = Object.freeze({
  nodeEvictionRate: NODE_EVICTION_RATE,
  secondaryNodeEvictionRate: SECONDARY_NODE_EVICTION_RATE,
  unhealthyZoneThreshold: UNHEALTHY_ZONE_THRESHOLD,
  largeClusterSizeThreshold: LARGE_CLUSTER_SIZE_THRESHOLD,
});

/**
 * A node's zone key (upstream nodetopology.GetZoneKey): region and zone from the beta
 * failure-domain labels, else the topology ones, joined with `:\0:`; '' without either.
 */
export function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const zone =
    labels['failure-domain.beta.kubernetes.io/zone'] ?? labels['topology.kubernetes.io/zone'] ?? '';
  const region =
    labels['failure-domain.beta.kubernetes.io/region'] ??
    labels['topology.kubernetes.io/region'] ??
    '';
  if (region === '' && zone === '') return '';
  return `${region}:\0:${zone}`;
}

/** Whether a node's Ready condition is True (anything else counts as not ready, as upstream). */
export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** upstream ComputeZoneState over the Ready flags of a zone's nodes. */
export function computeZoneState(
  ready: readonly boolean[],
  unhealthyZoneThreshold: number,
): ZoneState {
  const readyNodes = ready.filter(Boolean).length;
  const notReadyNodes = ready.length - readyNodes;
  if (readyNodes === 0 && notReadyNodes > 0) return 'FullDisruption';
  if (notReadyNodes > 2 && notReadyNodes / (notReadyNodes + readyNodes) >= unhealthyZoneThreshold) {
    return 'PartialDisruption';
  }
  return 'Normal';
}

/** upstream setLimiterInZone: the tainting rate of a zone in `state` with `size` nodes. */
export function zoneEvictionRate(state: ZoneState, size: number, policy: DisruptionPolicy): number {
  switch (state) {
    case 'Normal':
    case 'FullDisruption':
      return policy.nodeEvictionRate;
    case 'PartialDisruption':
      return size > policy.largeClusterSizeThreshold ? policy.secondaryNodeEvictionRate : 0;
  }
}

/**
 * A token bucket with burst 1 (client-go's NewTokenBucketRateLimiter as the tainter uses it);
 * a new bucket starts full, as after upstream's SwapLimiter. Rate 0 never accepts.
 */
export class TokenBucket {
  private tokens = 1;
  private last: number;

  constructor(
    readonly qps: number,
    now: number,
  ) {
    this.last = now;
  }

  private refill(now: number): void {
    if (this.qps > 0 && now > this.last) {
      this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.qps);
    }
    this.last = Math.max(this.last, now);
  }

  /** Takes a token if one is there. */
  tryAccept(now: number): boolean {
    if (this.qps <= 0) return false;
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (Infinity at rate 0). */
  nextTokenInMs(now: number): number {
    if (this.qps <= 0) return Infinity;
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }
}

/** What handleDisruption concluded. */
export interface DisruptionView {
  states: Map<string, ZoneState>;
  /** Every zone fully disrupted: add no NoExecute taints and remove the present ones. */
  allFullyDisrupted: boolean;
  /** True on the pass that leaves the all-disrupted mode (node health restarts from now). */
  leftFullDisruption: boolean;
}

/**
 * Zone states and limiters, recomputed from all nodes (upstream handleDisruption). Limiters are
 * replaced (full again) when their zone's state changes, and all of them when the controller
 * enters or leaves the all-disrupted mode.
 */
export class ZoneTracker {
  private readonly states = new Map<string, ZoneState>();
  private readonly limiters = new Map<string, TokenBucket>();
  private allFullyDisrupted = false;

  constructor(private readonly policy: DisruptionPolicy) {}

  /** Recomputes the zones from `nodes` at `now`. */
  update(nodes: readonly Node[], now: number): DisruptionView {
    const byZone = new Map<string, boolean[]>();
    for (const n of nodes) {
      const key = zoneKey(n);
      let list = byZone.get(key);
      if (list === undefined) byZone.set(key, (list = []));
      list.push(isNodeReady(n));
    }
    const next = new Map<string, ZoneState>();
    for (const [zone, ready] of byZone) {
      next.set(zone, computeZoneState(ready, this.policy.unhealthyZoneThreshold));
    }
    const allNow = next.size > 0 && [...next.values()].every((s) => s === 'FullDisruption');
    const allBefore = this.allFullyDisrupted;
    this.allFullyDisrupted = allNow;
    for (const zone of [...this.states.keys()]) {
      if (!next.has(zone)) {
        this.states.delete(zone);
        this.limiters.delete(zone);
      }
    }
    for (const [zone, state] of next) {
      const changed = this.states.get(zone) !== state || allNow !== allBefore;
      this.states.set(zone, state);
      if (changed || !this.limiters.has(zone)) {
        const rate = allNow
          ? 0
          : zoneEvictionRate(state, byZone.get(zone)?.length ?? 0, this.policy);
        this.limiters.set(zone, new TokenBucket(rate, now));
      }
    }
    return {
      states: new Map(this.states),
      allFullyDisrupted: allNow,
      leftFullDisruption: allBefore && !allNow,
    };
  }

  /** Whether a node of `zone` may get a NoExecute taint now (takes the zone's token). */
  tryTaint(zone: string, now: number): boolean {
    return this.limiters.get(zone)?.tryAccept(now) ?? false;
  }

  /** Milliseconds until `zone` may taint again (Infinity while its rate is 0). */
  nextTaintInMs(zone: string, now: number): number {
    return this.limiters.get(zone)?.nextTokenInMs(now) ?? Infinity;
  }
}
