/**
 * The scheduler component (upstream pkg/scheduler scheduler.go, schedule_one.go,
 * eventhandlers.go): informers keep a snapshot of nodes and assigned pods (the scheduler
 * cache) and feed pending pods of this scheduler's name to the PriorityQueue; one loop pops a
 * pod, runs the framework (schedulePod), assumes the pod on the chosen node at once, and binds
 * it through `pods/binding` in the background. A pod that does not fit gets PostFilter
 * (preemption), a `FailedScheduling` event and a `PodScheduled=False` condition with the
 * upstream message, and waits in the queue for a cluster event.
 */
import type {
  Namespace,
  Node,
  Pod,
  ReplicationController,
  Service,
} from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isNotFound } from '../api/index.ts';
import { BUILTIN_RESOURCES, unwrapTombstone } from '../client/index.ts';
import type { Clientset, EventRecorder, InformerFactory, SharedInformer } from '../client/index.ts';
import {
  CycleState,
  Framework,
  Snapshot,
  buildDefaultSelector,
  runPostFilter,
  schedulePod,
} from './framework/index.ts';
import type { FrameworkOptions, SchedulerState } from './framework/index.ts';
import { inTreeRegistry, newDefaultFramework } from './plugins/index.ts';
import type { SchedulerConfiguration } from './config/index.ts';
import { PriorityQueue } from './queue/index.ts';
import type { QueuedPodInfo } from './queue/index.ts';

/** The default scheduler name (pod.spec.schedulerName's default). */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Options of the scheduler. */
export interface SchedulerOptions {
  clientset: Clientset;
  informers: InformerFactory;
  recorder: EventRecorder;
  /**
   * The pods whose spec.schedulerName is this are ours (default `default-scheduler`). Ignored
   * when `configuration` is given: then its profiles name the schedulers.
   */
  schedulerName?: string;
  /**
   * A loaded KubeSchedulerConfiguration (see parseSchedulerConfiguration): one framework per
   * profile, pods pick theirs by spec.schedulerName and pods of no profile are left alone, as
   * upstream; its percentageOfNodesToScore and pod backoff apply. Absent: the default profile.
   */
  configuration?: SchedulerConfiguration;
  /**
   * The event recorder of a profile (upstream records each profile's events under its
   * schedulerName as the reporting controller). Default: `recorder` for every profile.
   */
  recorderFor?: (schedulerName: string) => EventRecorder;
  now?: () => number;
  /** Told of errors the loop survives (failed bindings, status writes). */
  onError?: (what: string, err: unknown) => void;
}

/** Pods-informer index: pending pods by the node preemption nominated them to. */
const NOMINATED_INDEX = 'skiff.dev/nominatedNodeName';

const nameOf = (p: Pod): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
const assigned = (p: Pod): boolean => (p.spec?.nodeName ?? '') !== '';
const terminal = (p: Pod): boolean =>
  p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** The scheduler; see the module comment. */
export class Scheduler {
  readonly queue: PriorityQueue;
  private readonly snapshot = Snapshot.from([]);
  /** One framework per profile, by schedulerName. */
  private readonly frameworks = new Map<string, Framework>();
  private readonly recorders = new Map<string, EventRecorder>();
  /** Shared by every profile, as upstream's Scheduler fields. */
  private readonly schedState: SchedulerState;
  /** Pods assumed on a node while their binding is in flight: uid → the assumed copy. */
  private readonly assumed = new Map<string, Pod>();
  private readonly pods: SharedInformer<Pod>;
  private readonly nodes: SharedInformer<Node>;
  private readonly onError: (what: string, err: unknown) => void;
  private readonly informerList: SharedInformer<never>[] = [];

  constructor(private readonly opts: SchedulerOptions) {
    const config = opts.configuration;
    this.onError = opts.onError ?? (() => undefined);
    this.schedState = {
      nextStartNodeIndex: 0,
      percentageOfNodesToScore: config?.percentageOfNodesToScore ?? 0,
    };
    this.queue = new PriorityQueue({
      ...(opts.now === undefined ? {} : { now: opts.now }),
      ...(config === undefined
        ? {}
        : {
            initialBackoffMs: config.podInitialBackoffSeconds * 1000,
            maxBackoffMs: config.podMaxBackoffSeconds * 1000,
          }),
    });
    const inf = opts.informers;
    this.pods = inf.informer<Pod>(BUILTIN_RESOURCES.pods);
    this.pods.addIndexers({
      [NOMINATED_INDEX]: (p) => {
        const node = p.status?.nominatedNodeName ?? '';
        return assigned(p) || node === '' ? [] : [node];
      },
    });
    this.nodes = inf.informer<Node>(BUILTIN_RESOURCES.nodes);
    const services = inf.informer<Service>(BUILTIN_RESOURCES.services);
    const rcs = inf.informer<ReplicationController>(BUILTIN_RESOURCES.replicationControllers);
    const rss = inf.informer<ReplicaSet>(BUILTIN_RESOURCES.replicaSets);
    const sts = inf.informer<StatefulSet>(BUILTIN_RESOURCES.statefulSets);
    const pdbs = inf.informer<PodDisruptionBudget>(BUILTIN_RESOURCES.podDisruptionBudgets);
    const namespaces = inf.informer<Namespace>(BUILTIN_RESOURCES.namespaces);
    for (const i of [this.pods, this.nodes, services, rcs, rss, sts, pdbs, namespaces]) {
      this.informerList.push(i as unknown as SharedInformer<never>);
    }
    const frameworkOptions: FrameworkOptions = {
      ...(opts.now === undefined ? {} : { now: opts.now }),
      namespaceLabels: (ns) => namespaces.lister.get('', ns)?.metadata?.labels,
      defaultSelector: (pod) => {
        const ns = pod.metadata?.namespace ?? '';
        return buildDefaultSelector(pod, {
          services: services.lister.list(ns).map((s) => s.spec?.selector),
          replicationControllers: rcs.lister.list(ns).map((r) => r.spec?.selector),
          replicaSets: rss.lister.list(ns).map((r) => r.spec?.selector),
          statefulSets: sts.lister.list(ns).map((s) => s.spec?.selector),
        });
      },
      podDisruptionBudgets: () => pdbs.lister.list(),
      // Asked for every node of every scheduling cycle: an index, not a scan of all pods.
      nominatedPodsForNode: (node) => this.pods.lister.byIndex(NOMINATED_INDEX, node),
    };
    if (config === undefined) {
      const name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
      this.frameworks.set(name, newDefaultFramework({ schedulerName: name }, frameworkOptions));
    } else {
      // The profiles are defaulted already (plugins merged): no second defaulting here.
      const registry = inTreeRegistry();
      for (const profile of config.profiles) {
        const name = profile.schedulerName ?? DEFAULT_SCHEDULER_NAME;
        this.frameworks.set(
          name,
          new Framework(registry, profile, { skipUnregistered: true, ...frameworkOptions }),
        );
      }
    }
    for (const name of this.frameworks.keys()) {
      this.recorders.set(name, opts.recorderFor?.(name) ?? opts.recorder);
    }

    this.nodes.addEventHandler({
      onAdd: (n) => {
        this.snapshot.setNode(n);
        this.queue.moveAllToActiveOrBackoffQueue();
      },
      onUpdate: (o, n) => {
        this.snapshot.setNode(n);
        // Heartbeats (status times, images) cannot make a pod fit: only what upstream's
        // nodeSchedulingPropertiesChange looks at moves the unschedulable pods.
        if (nodeSchedulingPropertiesChanged(o, n)) this.queue.moveAllToActiveOrBackoffQueue();
      },
      onDelete: (o) => {
        this.snapshot.removeNode(unwrapTombstone(o).metadata?.name ?? '');
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => {
        this.podAdded(p);
      },
      onUpdate: (old, p) => {
        if (assigned(old)) this.snapshot.removePod(old);
        this.podAdded(p);
      },
      onDelete: (o) => {
        const p = unwrapTombstone(o);
        if (assigned(p)) {
          this.snapshot.removePod(p);
          // Freed resources may let pending pods fit.
          this.queue.moveAllToActiveOrBackoffQueue();
        } else this.queue.delete(p);
      },
    });
  }

  private responsible(p: Pod): boolean {
    return this.frameworks.has(p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME);
  }

  /** The recorder of the pod's profile. */
  private recorderOf(p: Pod): EventRecorder {
    return (
      this.recorders.get(p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) ?? this.opts.recorder
    );
  }

  private podAdded(p: Pod): void {
    if (assigned(p)) {
      this.queue.delete(p);
      const uid = p.metadata?.uid ?? '';
      const assumedCopy = this.assumed.get(uid);
      if (assumedCopy !== undefined) {
        this.snapshot.removePod(assumedCopy);
        this.assumed.delete(uid);
      }
      if (!terminal(p)) this.snapshot.addPod(p);
      return;
    }
    if (!this.responsible(p) || p.metadata?.deletionTimestamp !== undefined || terminal(p)) {
      this.queue.delete(p);
      return;
    }
    this.queue.update(p);
  }

  /** Schedules until `signal` aborts; resolves once the loop stopped. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.informerList.map((i) => i.waitForSync(signal)));
    if (signal.aborted) return;
    const flush = setInterval(() => {
      this.queue.flush();
    }, 1000);
    flush.unref();
    const stop = (): void => {
      this.queue.close();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        const info = await this.queue.pop();
        if (info === undefined) break;
        try {
          this.scheduleOne(info);
        } catch (err) {
          this.onError(`scheduling ${nameOf(info.pod)}`, err);
          this.queue.addUnschedulableIfNotPresent(
            { ...info, unschedulablePlugins: new Set() },
            this.queue.cycle,
          );
        }
        // Let informer events and bindings in between pods.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      clearInterval(flush);
      signal.removeEventListener('abort', stop);
    }
  }

  /** One scheduling cycle (synchronous), then the binding cycle in the background. */
  private scheduleOne(info: QueuedPodInfo): void {
    const cycle = this.queue.cycle;
    const current = this.pods.lister.get(
      info.pod.metadata?.namespace ?? '',
      info.pod.metadata?.name ?? '',
    );
    if (
      current === undefined ||
      assigned(current) ||
      current.metadata?.deletionTimestamp !== undefined
    ) {
      this.queue.done(info.pod);
      return;
    }
    const pod = current;
    const framework = this.frameworks.get(pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME);
    if (framework === undefined) {
      // Upstream: "unable to find profile for pod"; the pod is not ours.
      this.queue.done(info.pod);
      return;
    }
    const state = new CycleState();
    const outcome = schedulePod(framework, state, pod, this.snapshot, this.schedState);
    if (outcome.kind === 'scheduled') {
      const host = outcome.suggestedHost;
      const assumedPod: Pod = {
        ...pod,
        spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName: host },
      };
      this.snapshot.addPod(assumedPod);
      this.assumed.set(pod.metadata?.uid ?? '', assumedPod);
      void this.bind(info, assumedPod, host);
      return;
    }
    let message: string;
    let reason = 'Unschedulable';
    // The plugins that rejected it (the queue retries an idle scheduler's rejected pods early);
    // none after an error.
    let rejectedBy = new Set<string>();
    if (outcome.kind === 'unschedulable') {
      rejectedBy = new Set(outcome.fitError.diagnosis.unschedulablePlugins);
      const post = runPostFilter(framework, state, pod, outcome.fitError);
      message = outcome.fitError.error();
      const nominated = post.result?.nominatedNodeName ?? '';
      if (nominated !== '') void this.preempt(pod, nominated, post.result?.victims ?? []);
    } else {
      message = outcome.error.message;
      reason = 'SchedulerError';
    }
    this.recorderOf(pod).event(pod, 'Warning', 'FailedScheduling', message);
    void this.setUnschedulable(pod, reason, message);
    this.queue.addUnschedulableIfNotPresent(
      { ...info, pod, unschedulablePlugins: rejectedBy },
      cycle,
    );
  }

  private async bind(info: QueuedPodInfo, pod: Pod, host: string): Promise<void> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      await this.opts.clientset.pods.createSubresource(ns, name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: {
          name,
          namespace: ns,
          ...(pod.metadata?.uid === undefined ? {} : { uid: pod.metadata.uid }),
        },
        target: { apiVersion: 'v1', kind: 'Node', name: host },
      });
      this.recorderOf(pod).event(
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${ns}/${name} to ${host}`,
      );
      this.queue.done(pod);
    } catch (err) {
      // Forget the assumption; the pod goes back to the queue (after its backoff).
      const uid = pod.metadata?.uid ?? '';
      const assumedCopy = this.assumed.get(uid);
      if (assumedCopy !== undefined) {
        this.snapshot.removePod(assumedCopy);
        this.assumed.delete(uid);
      }
      if (isNotFound(err)) {
        this.queue.done(pod);
        return;
      }
      this.onError(`binding ${ns}/${name} to ${host}`, err);
      const message = `Binding rejected: ${err instanceof Error ? err.message : String(err)}`;
      this.recorderOf(pod).event(pod, 'Warning', 'FailedScheduling', message);
      this.queue.addUnschedulableIfNotPresent(
        { ...info, pod, unschedulablePlugins: new Set() },
        -1,
      );
      this.queue.moveAllToActiveOrBackoffQueue();
    }
  }

  /** Upstream's updatePod: the PodScheduled=False condition (only when it changes). */
  private async setUnschedulable(pod: Pod, reason: string, message: string): Promise<void> {
    const old = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (old?.status === 'False' && old.reason === reason && old.message === message) return;
    try {
      await this.opts.clientset.pods.patch(
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        'strategic',
        {
          status: {
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason,
                message,
                lastProbeTime: null,
                lastTransitionTime: new Date(this.opts.now?.() ?? Date.now())
                  .toISOString()
                  .replace(/\.\d+Z$/, 'Z'),
              },
            ],
          },
        },
        { subresource: 'status' },
      );
    } catch (err) {
      if (!isNotFound(err)) this.onError(`updating the status of ${nameOf(pod)}`, err);
    }
  }

  /** Preemption: nominate the node, then delete the victims (upstream PrepareCandidate). */
  private async preempt(pod: Pod, node: string, victims: readonly Pod[]): Promise<void> {
    try {
      await this.opts.clientset.pods.patch(
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        'merge',
        { status: { nominatedNodeName: node } },
        { subresource: 'status' },
      );
      for (const v of victims) {
        this.recorderOf(pod).event(
          v,
          'Normal',
          'Preempted',
          `Preempted by pod ${pod.metadata?.uid ?? ''} on node ${node}`,
        );
        await this.opts.clientset.pods
          .delete(v.metadata?.namespace ?? '', v.metadata?.name ?? '', {
            ...(v.metadata?.uid === undefined ? {} : { preconditions: { uid: v.metadata.uid } }),
          })
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
      }
    } catch (err) {
      this.onError(`preempting for ${nameOf(pod)}`, err);
    }
  }
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The status of each condition type (upstream nodeConditionsChanged ignores times and messages). */
function conditionStatuses(n: Node): string {
  return (n.status?.conditions ?? [])
    .map((c) => `${c.type}=${c.status}`)
    .sort()
    .join(',');
}

/**
 * Upstream nodeSchedulingPropertiesChange (pkg/scheduler/eventhandlers.go): whether a node
 * update changed spec.unschedulable, allocatable, labels, taints, condition statuses or
 * annotations, the only node changes that can make an unschedulable pod fit.
 */
export function nodeSchedulingPropertiesChanged(old: Node, cur: Node): boolean {
  return (
    (old.spec?.unschedulable ?? false) !== (cur.spec?.unschedulable ?? false) ||
    !sameJson(old.status?.allocatable ?? {}, cur.status?.allocatable ?? {}) ||
    !sameJson(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {}) ||
    !sameJson(old.spec?.taints ?? [], cur.spec?.taints ?? []) ||
    conditionStatuses(old) !== conditionStatuses(cur) ||
    !sameJson(old.metadata?.annotations ?? {}, cur.metadata?.annotations ?? {})
  );
}
