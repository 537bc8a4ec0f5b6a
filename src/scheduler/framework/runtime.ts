/**
 * The framework runtime (upstream framework/runtime/framework.go): instantiates a profile's
 * plugins from a registry and runs them at each extension point.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { everything } from '../../api/index.ts';
import type { Labels, Selector } from '../../api/index.ts';
import { EXTENSION_POINTS } from './config.ts';
import type { PluginSet, Profile } from './config.ts';
import { CycleState } from './cycle-state.ts';
import { podPriority } from './helpers.ts';
import { MAX_NODE_SCORE, MIN_NODE_SCORE, mergePreFilterResults } from './interface.ts';
import type {
  BindPlugin,
  FilterPlugin,
  Handle,
  NodeScore,
  NodeToStatus,
  PermitPlugin,
  Plugin,
  PostBindPlugin,
  PostFilterOutput,
  PostFilterPlugin,
  PostFilterResult,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterOutput,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  QueueSortPlugin,
  QueuedPod,
  Registry,
  ReservePlugin,
  ScorePlugin,
} from './interface.ts';
import type { NodeInfo } from './node-info.ts';
import { newPodInfo } from './node-info.ts';
import type { NodeInfoLister } from './snapshot.ts';
import { Snapshot } from './snapshot.ts';
import { Code, Status, asStatus } from './status.ts';

/** Injected dependencies of a Framework. */
export interface FrameworkOptions {
  /** Random integer in [0, n); default Math.random. Inject a seeded one in tests. */
  readonly randomInt?: (n: number) => number;
  /** Clock in ms; default Date.now. */
  readonly now?: () => number;
  /** Namespace labels for namespaceSelector; default: none known. */
  readonly namespaceLabels?: (namespace: string) => Labels | undefined;
  /** PodTopologySpread's default-constraint selector for a pod (see buildDefaultSelector); default empty. */
  readonly defaultSelector?: (pod: Pod) => Selector;
  /** PodDisruptionBudgets for preemption; default none. */
  readonly podDisruptionBudgets?: () => readonly PodDisruptionBudget[];
  /** Pods nominated to a node by earlier preemption; default none. */
  readonly nominatedPodsForNode?: (nodeName: string) => readonly Pod[];
  /**
   * Silently drop plugins that the registry does not know (e.g. the volume plugins of the default
   * profile) instead of failing. Default false, like upstream.
   */
  readonly skipUnregistered?: boolean;
}

/** Per-plugin score of one node (upstream PluginScore). */
export interface PluginScore {
  readonly name: string;
  readonly score: number;
}

/** All scores of one node (upstream NodePluginScores). */
export interface NodePluginScores {
  readonly name: string;
  readonly scores: PluginScore[];
  totalScore: number;
}

function isFn(o: Plugin, m: string): boolean {
  return typeof (o as unknown as Record<string, unknown>)[m] === 'function';
}

const implementsPoint: Record<string, (p: Plugin) => boolean> = {
  preEnqueue: (p) => isFn(p, 'preEnqueue'),
  queueSort: (p) => isFn(p, 'less'),
  preFilter: (p) => isFn(p, 'preFilter'),
  filter: (p) => isFn(p, 'filter'),
  postFilter: (p) => isFn(p, 'postFilter'),
  preScore: (p) => isFn(p, 'preScore'),
  score: (p) => isFn(p, 'score'),
  reserve: (p) => isFn(p, 'reserve'),
  permit: (p) => isFn(p, 'permit'),
  preBind: (p) => isFn(p, 'preBind'),
  bind: (p) => isFn(p, 'bind'),
  postBind: (p) => isFn(p, 'postBind'),
};

/** Scores every node with one plugin into `buf`; returns the first failure. */
function scoreAll(
  pl: ScorePlugin,
  state: CycleState,
  pod: Pod,
  nodes: readonly NodeInfo[],
  buf: NodeScore[],
): Status | undefined {
  const n = nodes.length;
  for (let i = 0; i < n; i++) {
    const r = pl.score(state, pod, nodes[i] as NodeInfo);
    if (typeof r === 'number') {
      (buf[i] as NodeScore).score = r;
    } else if (r.isSuccess()) {
      (buf[i] as NodeScore).score = 0;
    } else {
      return r;
    }
  }
  return undefined;
}

/** Thrown by {@link Framework} construction for an invalid profile. */
export class FrameworkConfigError extends Error {
  override name = 'FrameworkConfigError';
}

const EMPTY_SNAPSHOT = new Snapshot();

/**
 * A profile's plugins, ready to run. Not re-entrant: one scheduling cycle at a time (the snapshot
 * is set per cycle by `schedulePod`).
 */
export class Framework implements Handle {
  readonly profileName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  readonly queueSortPlugins: QueueSortPlugin[] = [];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: ScorePlugin[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  /** Score weight per plugin name. */
  readonly scoreWeights = new Map<string, number>();
  /** Every instantiated plugin by name. */
  readonly plugins = new Map<string, Plugin>();
  #snapshot: NodeInfoLister = EMPTY_SNAPSHOT;
  readonly #opts: FrameworkOptions;
  #scoreBuf: { name: string; score: number }[][] = [];
  #activeFiltersFor: ReadonlySet<string> | undefined;
  #activeFilters: readonly FilterPlugin[] = [];
  #cheapFilters: readonly FilterPlugin[] = [];
  #otherFilters: readonly FilterPlugin[] = [];

  /**
   * Builds the framework. `profile.plugins` must already be merged with the defaults (see
   * mergePlugins); `pluginConfig` args are passed to each factory as is. Throws
   * FrameworkConfigError for unknown plugins (unless skipUnregistered), double registration or a
   * score plugin with a negative weight.
   */
  constructor(registry: Registry, profile: Profile, opts: FrameworkOptions = {}) {
    this.#opts = opts;
    this.profileName = profile.schedulerName ?? 'default-scheduler';
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    const plugins = profile.plugins ?? {};
    const args = new Map<string, unknown>();
    for (const pc of profile.pluginConfig ?? []) {
      if (args.has(pc.name))
        throw new FrameworkConfigError(`repeated config for plugin ${pc.name}`);
      args.set(pc.name, pc.args);
    }
    // Instantiate every plugin named anywhere.
    const needed = new Set<string>();
    for (const ep of EXTENSION_POINTS)
      for (const p of plugins[ep]?.enabled ?? []) needed.add(p.name);
    for (const name of needed) {
      const factory = registry.get(name);
      if (factory === undefined) {
        if (this.#opts.skipUnregistered === true) continue;
        throw new FrameworkConfigError(`${name} does not exist`);
      }
      this.plugins.set(name, factory(args.get(name), this));
    }
    // Score weights: MultiPoint first, the Score extension point overrides.
    for (const p of plugins.multiPoint?.enabled ?? []) this.#setWeight(p.name, p.weight);
    for (const p of plugins.score?.enabled ?? []) this.#setWeight(p.name, p.weight);

    for (const ep of EXTENSION_POINTS) {
      if (ep === 'multiPoint') continue;
      const names = this.#expand(ep, plugins[ep], plugins.multiPoint);
      const impl = implementsPoint[ep];
      for (const name of names) {
        const pl = this.plugins.get(name);
        if (pl === undefined) continue;
        if (impl !== undefined && !impl(pl)) {
          throw new FrameworkConfigError(`plugin "${name}" does not extend ${ep} plugin`);
        }
        this.#slice(ep).push(pl);
      }
    }
    for (const pl of this.scorePlugins) {
      if (!this.scoreWeights.has(pl.name)) this.scoreWeights.set(pl.name, 1);
    }
    if (this.queueSortPlugins.length > 1) {
      throw new FrameworkConfigError('only one queue sort plugin can be enabled');
    }
  }

  #setWeight(name: string, weight: number | undefined): void {
    if (weight !== undefined && weight < 0) {
      throw new FrameworkConfigError(`score plugin "${name}" has a negative weight`);
    }
    // Upstream: a zero weight means 1.
    this.scoreWeights.set(name, weight === undefined || weight === 0 ? 1 : weight);
  }

  #slice(ep: string): Plugin[] {
    switch (ep) {
      case 'preEnqueue':
        return this.preEnqueuePlugins;
      case 'queueSort':
        return this.queueSortPlugins;
      case 'preFilter':
        return this.preFilterPlugins;
      case 'filter':
        return this.filterPlugins;
      case 'postFilter':
        return this.postFilterPlugins;
      case 'preScore':
        return this.preScorePlugins;
      case 'score':
        return this.scorePlugins;
      case 'reserve':
        return this.reservePlugins;
      case 'permit':
        return this.permitPlugins;
      case 'preBind':
        return this.preBindPlugins;
      case 'bind':
        return this.bindPlugins;
      default:
        return this.postBindPlugins;
    }
  }

  /** Upstream expandMultiPointPlugins ordering: overrides, then MultiPoint, then the rest. */
  #expand(ep: string, set: PluginSet | undefined, multi: PluginSet | undefined): string[] {
    const enabled: string[] = [];
    for (const p of set?.enabled ?? []) {
      if (enabled.includes(p.name)) {
        throw new FrameworkConfigError(`plugin "${p.name}" already registered as "${ep}"`);
      }
      enabled.push(p.name);
    }
    const disabled = new Set((set?.disabled ?? []).map((p) => p.name));
    if (disabled.has('*')) return enabled;
    const impl = implementsPoint[ep];
    const overrides: string[] = [];
    const fromMulti: string[] = [];
    for (const p of multi?.enabled ?? []) {
      const pl = this.plugins.get(p.name);
      if (pl === undefined) continue;
      if (impl !== undefined && !impl(pl)) continue;
      if (disabled.has(p.name)) continue;
      if (enabled.includes(p.name)) {
        overrides.push(p.name);
        continue;
      }
      if (fromMulti.includes(p.name)) {
        throw new FrameworkConfigError(`plugin "${p.name}" already registered as "${ep}"`);
      }
      fromMulti.push(p.name);
    }
    const out = [...overrides];
    for (const n of [...fromMulti, ...enabled]) if (!out.includes(n)) out.push(n);
    return out;
  }

  // ---- Handle ----

  /** The snapshot of the current cycle. */
  snapshot(): NodeInfoLister {
    return this.#snapshot;
  }

  /** Sets the snapshot plugins will see; `schedulePod` calls this at the start of a cycle. */
  setSnapshot(s: NodeInfoLister): void {
    this.#snapshot = s;
  }

  namespaceLabels(namespace: string): Labels | undefined {
    return this.#opts.namespaceLabels?.(namespace);
  }

  defaultSelector(pod: Pod): Selector {
    return this.#opts.defaultSelector?.(pod) ?? everything();
  }

  podDisruptionBudgets(): readonly PodDisruptionBudget[] {
    return this.#opts.podDisruptionBudgets?.() ?? [];
  }

  nominatedPodsForNode(nodeName: string): readonly Pod[] {
    return this.#opts.nominatedPodsForNode?.(nodeName) ?? [];
  }

  randomInt(n: number): number {
    return this.#opts.randomInt !== undefined
      ? this.#opts.randomInt(n)
      : Math.floor(Math.random() * n);
  }

  now(): number {
    return this.#opts.now !== undefined ? this.#opts.now() : Date.now();
  }

  /** Whether any Filter plugin is enabled. */
  hasFilterPlugins(): boolean {
    return this.filterPlugins.length > 0;
  }

  /** Whether any Score plugin is enabled. */
  hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }

  /** Whether any PostFilter plugin is enabled. */
  hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }

  /** QueueSort: true when `a` goes before `b`; without a plugin, by timestamp. */
  queueSortLess(a: QueuedPod, b: QueuedPod): boolean {
    const qs = this.queueSortPlugins[0];
    return qs !== undefined ? qs.less(a, b) : a.timestamp < b.timestamp;
  }

  // ---- extension points ----

  /** Upstream RunPreEnqueuePlugins: the first non-success status, tagged with its plugin. */
  runPreEnqueuePlugins(pod: Pod): Status {
    for (const pl of this.preEnqueuePlugins) {
      const s = pl.preEnqueue(pod);
      if (!s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(pl.name);
        return Status.asStatus(
          new Error(`running PreEnqueue plugin "${pl.name}": ${s.message()}`),
        ).withPlugin(pl.name);
      }
    }
    return Status.SUCCESS;
  }

  /**
   * Upstream RunPreFilterPlugins: Skip marks the plugin's Filter as skipped; Unschedulable is
   * remembered while the others still run (preemption needs their state);
   * UnschedulableAndUnresolvable and errors stop at once; node-name results are intersected.
   * Returns the merged result, the status and the plugins that rejected or narrowed.
   */
  runPreFilterPlugins(
    state: CycleState,
    pod: Pod,
  ): { result: PreFilterResult | undefined; status: Status; unschedulablePlugins: Set<string> } {
    const nodes = this.#snapshot.list();
    let result: PreFilterResult | undefined;
    const skip = new Set<string>();
    const pluginsWithNodes: string[] = [];
    const rejected = new Set<string>();
    let returnStatus: Status = Status.SUCCESS;
    for (const pl of this.preFilterPlugins) {
      let out: PreFilterOutput;
      try {
        out = pl.preFilter(state, pod, nodes);
      } catch (e) {
        out = { status: asStatus(e) };
      }
      const s = out.status;
      if (s.isSkip()) {
        skip.add(pl.name);
        continue;
      }
      if (!s.isSuccess()) {
        s.withPlugin(pl.name);
        if (s.isRejected()) rejected.add(pl.name);
        if (s.code === Code.UnschedulableAndUnresolvable) {
          return { result: undefined, status: s, unschedulablePlugins: rejected };
        }
        if (s.code === Code.Unschedulable) {
          returnStatus = s;
          continue;
        }
        const err = Status.asStatus(
          new Error(`running PreFilter plugin "${pl.name}": ${s.message()}`, { cause: s.err }),
        ).withPlugin(pl.name);
        return { result: undefined, status: err, unschedulablePlugins: rejected };
      }
      if (out.result?.nodeNames !== undefined) pluginsWithNodes.push(pl.name);
      result = mergePreFilterResults(result, out.result);
      if (result?.nodeNames !== undefined && result.nodeNames.size === 0) {
        const msg =
          pluginsWithNodes.length === 1
            ? `node(s) didn't satisfy plugin ${pluginsWithNodes[0] ?? ''}`
            : `node(s) didn't satisfy plugin(s) [${pluginsWithNodes.join(' ')}] simultaneously`;
        for (const n of pluginsWithNodes) rejected.add(n);
        return {
          result,
          status: Status.new(Code.UnschedulableAndUnresolvable, msg),
          unschedulablePlugins: rejected,
        };
      }
    }
    state.skipFilterPlugins = skip;
    return { result, status: returnStatus, unschedulablePlugins: rejected };
  }

  /** Upstream RunFilterPlugins: the first non-success status, tagged with its plugin. */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    return this.#runFilters(
      this.#activeFilterPlugins(state.skipFilterPlugins),
      state,
      pod,
      nodeInfo,
    );
  }

  #runFilters(
    plugins: readonly FilterPlugin[],
    state: CycleState,
    pod: Pod,
    nodeInfo: NodeInfo,
  ): Status {
    for (const pl of plugins) {
      let s: Status;
      try {
        s = pl.filter(state, pod, nodeInfo);
      } catch (e) {
        s = asStatus(e);
      }
      if (s.code !== Code.Success) {
        if (!s.isRejected()) {
          s = Status.asStatus(
            new Error(`running "${pl.name}" filter plugin: ${s.message()}`, { cause: s.err }),
          );
        }
        return s.withPlugin(pl.name);
      }
    }
    return Status.SUCCESS;
  }

  /**
   * The filter plugins not in `skip`, computed once per skip set (one per cycle) rather than
   * checking the set for every plugin on every node.
   */
  #activeFilterPlugins(skip: ReadonlySet<string>): readonly FilterPlugin[] {
    if (skip.size === 0) return this.filterPlugins;
    this.#refreshActive(skip);
    return this.#activeFilters;
  }

  #refreshActive(skip: ReadonlySet<string>): void {
    if (this.#activeFiltersFor === skip) return;
    this.#activeFilters = this.filterPlugins.filter((pl) => !skip.has(pl.name));
    this.#cheapFilters = this.#activeFilters.filter((pl) => pl.cheapFilter === true);
    this.#otherFilters = this.#activeFilters.filter((pl) => pl.cheapFilter !== true);
    this.#activeFiltersFor = skip;
  }

  /**
   * Filter for the node search: like {@link runFilterPluginsWithNominatedPods}, but the
   * {@link FilterPlugin.cheapFilter} plugins run first and `undefined` means one of them rejected
   * the node (infeasible whatever the others say; its status is left to
   * {@link runFilterPluginsWithNominatedPods} when needed). When they pass, the others run in
   * profile order (the cheap ones would return Success again). Nodes with nominated pods take
   * the full path.
   */
  runFilterPluginsForSearch(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    this.#refreshActive(state.skipFilterPlugins);
    const cheap = this.#cheapFilters;
    if (
      cheap.length === 0 ||
      (this.#opts.nominatedPodsForNode !== undefined &&
        this.nominatedPodsForNode(nodeInfo.name).length > 0)
    )
      return this.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    for (const pl of cheap) {
      let s: Status;
      try {
        s = pl.filter(state, pod, nodeInfo);
      } catch {
        s = Status.new(Code.Error);
      }
      if (s.isRejected()) return undefined;
      // An error is reported by the full chain, in order.
      if (s.code !== Code.Success)
        return this.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    }
    return this.#runFilters(this.#otherFilters, state, pod, nodeInfo);
  }

  /**
   * Upstream RunFilterPluginsWithNominatedPods: when pods of equal or higher priority are
   * nominated to the node, the filters must pass both with them added and without them.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const nominated =
      this.#opts.nominatedPodsForNode !== undefined ? this.nominatedPodsForNode(nodeInfo.name) : [];
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    const prio = podPriority(pod);
    let stateOut: CycleState | undefined;
    let nodeOut: NodeInfo | undefined;
    for (const np of nominated) {
      if (
        podPriority(np) < prio ||
        (np.metadata?.uid !== undefined && np.metadata.uid === pod.metadata?.uid)
      )
        continue;
      stateOut ??= state.clone();
      nodeOut ??= nodeInfo.clone();
      nodeOut.addPod(newPodInfo(np));
      const s = this.runPreFilterExtensionAddPod(stateOut, pod, np, nodeOut);
      if (!s.isSuccess()) return s;
    }
    if (stateOut === undefined || nodeOut === undefined)
      return this.runFilterPlugins(state, pod, nodeInfo);
    const first = this.runFilterPlugins(stateOut, pod, nodeOut);
    if (!first.isSuccess()) return first;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  /** Runs every PreFilter extension's AddPod (skipping plugins whose PreFilter was skipped). */
  runPreFilterExtensionAddPod(
    state: CycleState,
    podToSchedule: Pod,
    podToAdd: Pod,
    nodeInfo: NodeInfo,
  ): Status {
    for (const pl of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(pl.name)) continue;
      const ext = pl.preFilterExtensions?.();
      if (ext === undefined) continue;
      const s = ext.addPod(state, podToSchedule, podToAdd, nodeInfo);
      if (!s.isSuccess()) {
        return Status.asStatus(
          new Error(`running AddPod on PreFilter plugin "${pl.name}": ${s.message()}`),
        );
      }
    }
    return Status.SUCCESS;
  }

  /** Runs every PreFilter extension's RemovePod. */
  runPreFilterExtensionRemovePod(
    state: CycleState,
    podToSchedule: Pod,
    podToRemove: Pod,
    nodeInfo: NodeInfo,
  ): Status {
    for (const pl of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(pl.name)) continue;
      const ext = pl.preFilterExtensions?.();
      if (ext === undefined) continue;
      const s = ext.removePod(state, podToSchedule, podToRemove, nodeInfo);
      if (!s.isSuccess()) {
        return Status.asStatus(
          new Error(`running RemovePod on PreFilter plugin "${pl.name}": ${s.message()}`),
        );
      }
    }
    return Status.SUCCESS;
  }

  /**
   * Upstream RunPostFilterPlugins: the first Success or UnschedulableAndUnresolvable wins;
   * otherwise Unschedulable with every plugin's reasons and the last meaningful result.
   */
  runPostFilterPlugins(state: CycleState, pod: Pod, m: NodeToStatus): PostFilterOutput {
    let result: PostFilterResult | undefined;
    const reasons: string[] = [];
    let rejector = '';
    for (const pl of this.postFilterPlugins) {
      let out: PostFilterOutput;
      try {
        out = pl.postFilter(state, pod, m);
      } catch (e) {
        out = { status: asStatus(e) };
      }
      const s = out.status;
      if (s.isSuccess()) return out;
      if (s.code === Code.UnschedulableAndUnresolvable)
        return { result: out.result, status: s.withPlugin(pl.name) };
      if (!s.isRejected())
        return {
          status: Status.asStatus(s.asError() ?? new Error(s.message())).withPlugin(pl.name),
        };
      if (out.result !== undefined) result = out.result;
      reasons.push(...s.reasons);
      if (rejector === '') rejector = pl.name;
    }
    return { result, status: Status.new(Code.Unschedulable, ...reasons).withPlugin(rejector) };
  }

  /** Upstream RunPreScorePlugins: Skip marks the Score plugin as skipped; any failure is an error. */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    const skip = new Set<string>();
    for (const pl of this.preScorePlugins) {
      let s: Status;
      try {
        s = pl.preScore(state, pod, nodes);
      } catch (e) {
        s = asStatus(e);
      }
      if (s.isSkip()) {
        skip.add(pl.name);
        continue;
      }
      if (!s.isSuccess()) {
        return Status.asStatus(
          new Error(`running PreScore plugin "${pl.name}": ${s.message()}`),
        ).withPlugin(pl.name);
      }
    }
    state.skipScorePlugins = skip;
    return Status.SUCCESS;
  }

  /**
   * Upstream RunScorePlugins: scores every node with every non-skipped plugin, normalises,
   * checks the [0, 100] range and applies weights. `totals[i]` is node i's weighted sum; with
   * `detail` the per-plugin scores are returned too. Returns an error Status on failure.
   */
  runScorePlugins(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
    detail = false,
  ): { totals: number[]; detail: NodePluginScores[] | undefined } | Status {
    const n = nodes.length;
    const totals = new Array<number>(n).fill(0);
    const details: NodePluginScores[] | undefined = detail
      ? nodes.map((ni) => ({ name: ni.name, scores: [], totalScore: 0 }))
      : undefined;
    const skip = state.skipScorePlugins;
    let bi = 0;
    for (const pl of this.scorePlugins) {
      if (skip.has(pl.name)) continue;
      const buf = this.#buffer(bi++, nodes);
      let failed: Status | undefined;
      try {
        failed = scoreAll(pl, state, pod, nodes, buf);
      } catch (e) {
        failed = asStatus(e);
      }
      if (failed !== undefined) {
        return Status.asStatus(
          new Error(`plugin "${pl.name}" failed with: ${failed.message()}`),
        ).withPlugin(pl.name);
      }
      const ext = pl.scoreExtensions?.();
      if (ext !== undefined) {
        const s = ext.normalizeScore(state, pod, buf);
        if (!s.isSuccess()) {
          return Status.asStatus(
            new Error(`plugin "${pl.name}" failed with: ${s.message()}`),
          ).withPlugin(pl.name);
        }
      }
      const w = this.scoreWeights.get(pl.name) ?? 1;
      for (let i = 0; i < n; i++) {
        const sc = (buf[i] as NodeScore).score;
        if (sc > MAX_NODE_SCORE || sc < MIN_NODE_SCORE) {
          return Status.asStatus(
            new Error(
              `plugin "${pl.name}" returns an invalid score ${sc}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`,
            ),
          ).withPlugin(pl.name);
        }
        const weighted = sc * w;
        totals[i] = (totals[i] ?? 0) + weighted;
        if (details !== undefined) {
          const d = details[i] as NodePluginScores;
          d.scores.push({ name: pl.name, score: weighted });
          d.totalScore += weighted;
        }
      }
    }
    return { totals, detail: details };
  }

  /** A NodeScore array of exactly nodes.length entries named after the nodes, reused between cycles. */
  #buffer(i: number, nodes: readonly NodeInfo[]): NodeScore[] {
    let b = this.#scoreBuf[i];
    if (b === undefined) {
      b = [];
      this.#scoreBuf[i] = b;
    }
    const n = nodes.length;
    if (b.length > n) b.length = n;
    for (let j = 0; j < n; j++) {
      const name = (nodes[j] as NodeInfo).name;
      const e = b[j];
      // The buffer's own objects are mutable; plugins only see them through NodeScore.
      if (e === undefined) b.push({ name, score: 0 });
      else e.name = name;
    }
    return b;
  }

  /** Upstream RunReservePluginsReserve: stops at the first failure. */
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const pl of this.reservePlugins) {
      let s: Status;
      try {
        s = pl.reserve(state, pod, nodeName);
      } catch (e) {
        s = asStatus(e);
      }
      if (!s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(pl.name);
        return Status.asStatus(
          new Error(`running Reserve plugin "${pl.name}": ${s.message()}`),
        ).withPlugin(pl.name);
      }
    }
    return Status.SUCCESS;
  }

  /** Upstream RunReservePluginsUnreserve: every plugin, in reverse order. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i]?.unreserve(state, pod, nodeName);
      } catch {
        // Unreserve must be idempotent and may not fail; a throwing plugin is ignored like upstream ignores its result.
      }
    }
  }

  /**
   * Upstream RunPermitPlugins: a rejection stops at once; Wait from any plugin makes the result
   * Wait with the shortest timeout (in ms, capped at 15 minutes).
   */
  runPermitPlugins(
    state: CycleState,
    pod: Pod,
    nodeName: string,
  ): { status: Status; timeoutMs: number; waitingOn: string[] } {
    const waitingOn: string[] = [];
    let timeout = Infinity;
    const maxTimeout = 15 * 60 * 1000;
    for (const pl of this.permitPlugins) {
      const out = pl.permit(state, pod, nodeName);
      const s = out.status;
      if (s.isSuccess()) continue;
      if (s.isRejected()) return { status: s.withPlugin(pl.name), timeoutMs: 0, waitingOn: [] };
      if (s.isWait()) {
        waitingOn.push(pl.name);
        timeout = Math.min(timeout, Math.min(out.timeoutMs, maxTimeout));
        continue;
      }
      return {
        status: Status.asStatus(
          new Error(`running Permit plugin "${pl.name}": ${s.message()}`),
        ).withPlugin(pl.name),
        timeoutMs: 0,
        waitingOn: [],
      };
    }
    if (waitingOn.length > 0) {
      return {
        status: Status.new(
          Code.Wait,
          `one or more plugins asked to wait and no plugin rejected pod "${pod.metadata?.name ?? ''}"`,
        ),
        timeoutMs: timeout,
        waitingOn,
      };
    }
    return { status: Status.SUCCESS, timeoutMs: 0, waitingOn };
  }

  /** Upstream RunPreBindPlugins: stops at the first failure (Skip counts as success). */
  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const pl of this.preBindPlugins) {
      let s: Status;
      try {
        s = await pl.preBind(state, pod, nodeName);
      } catch (e) {
        s = asStatus(e);
      }
      if (s.isSuccess() || s.isSkip()) continue;
      if (s.isRejected()) return s.withPlugin(pl.name);
      return Status.asStatus(
        new Error(`running PreBind plugin "${pl.name}": ${s.message()}`),
      ).withPlugin(pl.name);
    }
    return Status.SUCCESS;
  }

  /** Upstream RunBindPlugins: the first plugin that does not Skip decides; all Skip → Skip. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    if (this.bindPlugins.length === 0) return Status.new(Code.Skip);
    let last: Status = Status.new(Code.Skip);
    for (const pl of this.bindPlugins) {
      try {
        last = await pl.bind(state, pod, nodeName);
      } catch (e) {
        last = asStatus(e);
      }
      if (last.isSkip()) continue;
      if (!last.isSuccess()) {
        if (last.isRejected()) return last.withPlugin(pl.name);
        return Status.asStatus(
          new Error(`running Bind plugin "${pl.name}": ${last.message()}`),
        ).withPlugin(pl.name);
      }
      return last;
    }
    return last;
  }

  /** Upstream RunPostBindPlugins. */
  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const pl of this.postBindPlugins) pl.postBind(state, pod, nodeName);
  }
}

/** A fresh CycleState (convenience for callers that do not import cycle-state). */
export function newCycleState(): CycleState {
  return new CycleState();
}
