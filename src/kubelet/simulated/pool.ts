/**
 * SimulatedNodePool: thousands of kubelets that exist only as API traffic (kwok's idea, in our
 * own code). Each simulated node registers its Node, heartbeats through its Lease, refreshes its
 * status, and moves the pods bound to it through their lives (Pending → Running → Succeeded, or
 * deleted for real once marked for deletion) exactly as a real kubelet looks from the API.
 *
 * Scale design (5,000 nodes and 50,000 pods in one process on 2 cores):
 * - no timer per node or pod: one heap of due times ({@link TimerHeap}) drained by one tick;
 * - heartbeats are phase-spread over the period, so 5,000 nodes renew evenly, not in bursts;
 * - two bounded lanes of requests (node traffic, pod traffic; `maxInFlight` each), so a burst
 *   of pod writes never delays a heartbeat past the 40 s lease;
 * - per node: a few numbers, the last Lease seen and a 32-byte IP bitmap; per pod: one small
 *   record; pod objects are read from the shared informer's cache, never copied.
 */
import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import {
  formatCidr,
  ipv4ToNumber,
  isAlreadyExists,
  isConflict,
  isNotFound,
  numberToIpv4,
  parseCidr,
} from '../../api/index.ts';
import { BUILTIN_RESOURCES, objectKey, unwrapTombstone } from '../../client/index.ts';
import type {
  Clientset,
  DeletedFinalStateUnknown,
  InformerFactory,
  Lister,
} from '../../client/index.ts';
import { parseGoDurationMs } from './duration.ts';
import { TimerHeap } from './heap.ts';
import { defaultInternalIp, defaultPodCidr, PodIpAllocator } from './ip.ts';
import {
  canonicalResources,
  DEFAULT_CAPACITY,
  defaultNodeLabels,
  EXIT_AFTER_ANNOTATION,
  initialNode,
  newBootID,
  NODE_LEASE_NAMESPACE,
  nodeLease,
  nodeStatus,
  podStatus,
  podStatusMatches,
  renewedLease,
  takeOverNode,
} from './status.ts';
import type { ResolvedNode, SimulatedPodPhase } from './status.ts';
import type { Taint } from 'kubernetes-types/core/v1.js';

/** One simulated node. */
export interface SimulatedNodeSpec {
  name: string;
  /**
   * Resource quantities; missing ones default to 32 CPUs, 256Gi memory, 110 pods, 1Ti
   * ephemeral-storage (hugepages at 0, as a real kubelet reports them).
   */
  capacity?: Partial<Record<'cpu' | 'memory' | 'pods' | 'ephemeral-storage', string>> &
    Record<string, string>;
  /** Defaults to the capacity. */
  allocatable?: Record<string, string>;
  /** Added to the default labels (hostname, os, arch, `node.skiff.dev/simulated: "true"`). */
  labels?: Record<string, string>;
  /** Registered with the Node (only when the pool creates it). */
  taints?: Taint[];
  /**
   * The pod CIDR; by default the n-th node of the pool gets the n-th /24 of 10.244.0.0/16 (at
   * most 256 nodes) or of 10.128.0.0/9 (larger pools). An existing Node's spec.podCIDR wins.
   */
  podCIDR?: string;
  /** The InternalIP; by default 10.0.x.y from the node's position in the pool. */
  internalIP?: string;
}

/** Options of {@link SimulatedNodePool}. */
export interface SimulatedNodePoolOptions {
  clientset: Clientset;
  /** The pods informer comes from here; the caller starts the factory. */
  informers: InformerFactory;
  nodes: SimulatedNodeSpec[];
  /** The clock (default: the system clock). */
  now?: () => Date;
  /** Lease renew period (default 10,000 ms, kubelet's nodeLeaseRenewInterval). */
  heartbeatMs?: number;
  /** Node status refresh period (default 60,000 ms). */
  statusMs?: number;
  /** Delay between a pod's binding and its Running status (default 0; > 0 writes Pending first). */
  podStartMs?: number;
  /**
   * How long pods owned by a Job run before they succeed (default 1,000 ms). Pods with
   * restartPolicy Never/OnFailure and the `skiff.dev/simulated-exit-after` annotation run for
   * that duration instead; other pods run until deleted.
   */
  jobRunMs?: number;
  /** Requests in flight per lane (node traffic, pod traffic); default 50 each. */
  maxInFlight?: number;
  /** How often `run` drains the timer heap (default 100 ms of real time). */
  tickMs?: number;
  /** Told about each failed request (the pool retries on its own). Default: ignored. */
  onError?: (err: unknown, what: string) => void;
}

/** Counters of the traffic a pool generated (for benchmarks and tests). */
export interface SimulatedPoolStats {
  registrations: number;
  leaseRenewals: number;
  nodeStatusUpdates: number;
  podStatusUpdates: number;
  podDeletions: number;
  errors: number;
}

const enum Task {
  Register,
  Lease,
  Status,
}

interface NodeState {
  readonly index: number;
  readonly spec: ResolvedNode;
  /** The node's pod CIDR; replaced by an existing Node's own. */
  ips: PodIpAllocator;
  running: boolean;
  registered: boolean;
  /** Bumped by stop/start; heap entries of an older epoch are dropped. */
  epoch: number;
  uid: string | undefined;
  bootID: string;
  lease: Lease | undefined;
  /** Failed attempts in a row of the current task (backoff). */
  failures: number;
}

interface NodeTimer {
  kind: Task;
  node: number;
  epoch: number;
}

interface PodTimer {
  kind: 'pod';
  key: string;
}

interface PodState {
  uid: string;
  node: number;
  /** Allocated pod IP as a number (0: none). */
  ip: number;
  /** When the pool first saw the pod bound (ms). */
  seen: number;
  /** When the pod started running (ms), once known. */
  runningSince: number | undefined;
  /** The due time of the pending pod timer, to avoid duplicates. */
  timerAt: number;
  /** True once the DELETE was sent. */
  deleteSent: boolean;
  /** The resourceVersion our last status write produced. */
  writtenVersion: string | undefined;
}

/** A FIFO with a head index (shift is O(n) on large arrays). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** The default run time of Job pods. */
const DEFAULT_JOB_RUN_MS = 1000;
/** Backoff after a failed node request: 200 ms doubling to 7 s (kubelet's registration backoff). */
const backoffMs = (failures: number): number => Math.min(200 * 2 ** (failures - 1), 7000);

/** See the module comment. */
export class SimulatedNodePool {
  private readonly clientset: Clientset;
  private readonly podLister: Lister<Pod>;
  private readonly clock: () => number;
  private readonly heartbeatMs: number;
  private readonly statusMs: number;
  private readonly podStartMs: number;
  private readonly jobRunMs: number;
  private readonly maxInFlight: number;
  private readonly tickMs: number;
  private readonly onError: (err: unknown, what: string) => void;

  private readonly nodes: NodeState[] = [];
  private readonly byName = new Map<string, NodeState>();
  private readonly pods = new Map<string, PodState>();
  private readonly timers = new TimerHeap<NodeTimer | PodTimer>();

  private readonly nodeQueue = new Fifo<NodeTimer>();
  private nodeActive = 0;
  private readonly podQueue = new Fifo<string>();
  private readonly podDirty = new Set<string>();
  private readonly podProcessing = new Set<string>();
  private podActive = 0;
  /** Pumping starts with the first tick or run; handlers only enqueue before that. */
  private pumping = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: SimulatedPoolStats = {
    registrations: 0,
    leaseRenewals: 0,
    nodeStatusUpdates: 0,
    podStatusUpdates: 0,
    podDeletions: 0,
    errors: 0,
  };

  /**
   * Prepares the pool: resolves every node spec (throws on a duplicate name or a bad CIDR)
   * and subscribes to the factory's pods informer (so call it before `informers.start`). No
   * request is sent before `run` or `tick`.
   */
  constructor(opts: SimulatedNodePoolOptions) {
    this.clientset = opts.clientset;
    const now = opts.now;
    this.clock = now === undefined ? Date.now : () => now().getTime();
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.statusMs = opts.statusMs ?? 60_000;
    this.podStartMs = opts.podStartMs ?? 0;
    this.jobRunMs = opts.jobRunMs ?? DEFAULT_JOB_RUN_MS;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 50);
    this.tickMs = opts.tickMs ?? 100;
    this.onError = opts.onError ?? (() => undefined);

    const total = opts.nodes.length;
    const t0 = this.clock();
    opts.nodes.forEach((s, index) => {
      if (this.byName.has(s.name)) throw new Error(`duplicate simulated node "${s.name}"`);
      const cidr = s.podCIDR === undefined ? defaultPodCidr(index, total) : parseCidr(s.podCIDR);
      const capacity = canonicalResources({ ...DEFAULT_CAPACITY, ...s.capacity });
      const spec: ResolvedNode = {
        name: s.name,
        labels: { ...defaultNodeLabels(s.name), ...s.labels },
        taints: s.taints ?? [],
        capacity,
        allocatable: s.allocatable === undefined ? capacity : canonicalResources(s.allocatable),
        internalIP: s.internalIP ?? defaultInternalIp(index),
        podCIDR: formatCidr(cidr),
      };
      const state: NodeState = {
        index,
        spec,
        ips: new PodIpAllocator(cidr),
        running: true,
        registered: false,
        epoch: 0,
        uid: undefined,
        bootID: newBootID(s.name, t0),
        lease: undefined,
        failures: 0,
      };
      this.nodes.push(state);
      this.byName.set(s.name, state);
      this.timers.push(t0, { kind: Task.Register, node: index, epoch: 0 });
    });

    const informer = opts.informers.informer<Pod>(BUILTIN_RESOURCES.pods);
    this.podLister = informer.lister;
    informer.addEventHandler({
      onAdd: (pod) => {
        this.observe(pod);
      },
      onUpdate: (_old, pod) => {
        this.observe(pod);
      },
      onDelete: (obj) => {
        this.forget(obj);
      },
    });
  }

  /** The names of the pool's nodes, in order. */
  get nodeNames(): string[] {
    return this.nodes.map((n) => n.spec.name);
  }

  /** Traffic counters so far (a copy). */
  stats(): SimulatedPoolStats {
    return { ...this.counters };
  }

  /** Number of pods bound to the pool's nodes that the pool tracks. */
  get podCount(): number {
    return this.pods.size;
  }

  /**
   * Simulates the kubelet of `nodeName` going away: no more heartbeats, status or pod work for
   * it (requests in flight finish). Throws for a name not in the pool. Idempotent.
   */
  stop(nodeName: string): void {
    const n = this.node(nodeName);
    if (!n.running) return;
    n.running = false;
    n.epoch++;
  }

  /**
   * Brings the kubelet of `nodeName` back (a restart: new boot ID): it heartbeats and posts its
   * status at once, then resumes its pods. Throws for a name not in the pool. Idempotent.
   */
  start(nodeName: string): void {
    const n = this.node(nodeName);
    if (n.running) return;
    n.running = true;
    n.epoch++;
    n.failures = 0;
    n.bootID = newBootID(n.spec.name, this.clock());
    const t = this.clock();
    if (!n.registered) {
      this.timers.push(t, { kind: Task.Register, node: n.index, epoch: n.epoch });
    } else {
      this.timers.push(t, { kind: Task.Lease, node: n.index, epoch: n.epoch });
      this.timers.push(t, { kind: Task.Status, node: n.index, epoch: n.epoch });
      this.resyncPods(n.index);
    }
    this.pump();
  }

  /** True while the kubelet of `nodeName` runs (not stopped). Throws for an unknown name. */
  isRunning(nodeName: string): boolean {
    return this.node(nodeName).running;
  }

  /**
   * Does everything due at the clock's now (registrations, heartbeats, status refreshes,
   * pod transitions) and resolves once every request it caused has finished. Tests drive the
   * pool with it and an injected clock; `run` calls the same steps on a real timer.
   */
  async tick(): Promise<void> {
    this.pumping = true;
    this.dispatchDue();
    this.pump();
    await this.idle();
  }

  /**
   * Runs the pool until `signal` aborts: registers the nodes, then heartbeats, refreshes
   * status and drives pods. Resolves once the requests in flight have finished; never rejects
   * (failures go to `onError` and are retried).
   */
  async run(signal: AbortSignal): Promise<void> {
    this.pumping = true;
    this.closed = false;
    while (!signal.aborted) {
      this.dispatchDue();
      this.pump();
      await sleep(this.tickMs, signal);
    }
    this.closed = true;
    this.nodeQueue.clear();
    this.podQueue.clear();
    this.podDirty.clear();
    await this.idle();
  }

  private node(name: string): NodeState {
    const n = this.byName.get(name);
    if (n === undefined) throw new Error(`unknown simulated node "${name}"`);
    return n;
  }

  // ---- scheduling -------------------------------------------------------------------------

  private dispatchDue(): void {
    const now = this.clock();
    for (;;) {
      const t = this.timers.popDue(now);
      if (t === undefined) break;
      if (t.kind === 'pod') {
        const st = this.pods.get(t.key);
        if (st !== undefined && st.timerAt <= now) st.timerAt = 0;
        this.enqueuePod(t.key);
        continue;
      }
      const n = this.nodes[t.node];
      if (n === undefined || !n.running || n.epoch !== t.epoch) continue;
      this.nodeQueue.push(t);
    }
  }

  private pump(): void {
    if (!this.pumping || this.closed) return;
    while (this.nodeActive < this.maxInFlight && this.nodeQueue.length > 0) {
      const t = this.nodeQueue.shift();
      if (t === undefined) break;
      this.nodeActive++;
      void this.runNodeTask(t).finally(() => {
        this.nodeActive--;
        this.pump();
        this.checkIdle();
      });
    }
    while (this.podActive < this.maxInFlight && this.podQueue.length > 0) {
      const key = this.podQueue.shift();
      if (key === undefined) break;
      this.podDirty.delete(key);
      this.podProcessing.add(key);
      this.podActive++;
      void this.runPodTask(key).finally(() => {
        this.podActive--;
        this.podProcessing.delete(key);
        // Changed while it was being processed: process it again (client-go's workqueue).
        if (this.podDirty.has(key)) this.podQueue.push(key);
        this.pump();
        this.checkIdle();
      });
    }
  }

  private isIdle(): boolean {
    return (
      this.nodeActive === 0 &&
      this.podActive === 0 &&
      (this.closed || (this.nodeQueue.length === 0 && this.podQueue.length === 0))
    );
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueuePod(key: string): void {
    if (this.podDirty.has(key)) return;
    this.podDirty.add(key);
    // One being processed is queued again when it finishes.
    if (!this.podProcessing.has(key)) this.podQueue.push(key);
    this.pump();
  }

  private schedulePod(key: string, st: PodState, due: number): void {
    if (st.timerAt !== 0 && st.timerAt <= due) return;
    st.timerAt = due;
    this.timers.push(due, { kind: 'pod', key });
  }

  private resyncPods(node: number): void {
    for (const [key, st] of this.pods) if (st.node === node) this.enqueuePod(key);
  }

  // ---- nodes ------------------------------------------------------------------------------

  private async runNodeTask(t: NodeTimer): Promise<void> {
    const n = this.nodes[t.node];
    if (n === undefined || !n.running || n.epoch !== t.epoch) return;
    const what = t.kind === Task.Register ? 'register' : t.kind === Task.Lease ? 'lease' : 'status';
    try {
      if (t.kind === Task.Register) await this.register(n);
      else if (t.kind === Task.Lease) await this.renewLease(n);
      else await this.updateStatus(n);
      n.failures = 0;
    } catch (err) {
      this.counters.errors++;
      this.onError(err, `${what} node ${n.spec.name}`);
      n.failures++;
      if (current(n, t)) this.timers.push(this.clock() + backoffMs(n.failures), t);
      return;
    }
    if (!current(n, t)) return;
    const now = this.clock();
    if (t.kind === Task.Register) {
      // Spread each node's period by its position, so renewals are even over time.
      const frac = (n.index + 1) / this.nodes.length;
      this.timers.push(now + this.heartbeatMs * frac, { ...t, kind: Task.Lease });
      this.timers.push(now + this.statusMs * frac, { ...t, kind: Task.Status });
      this.resyncPods(n.index);
    } else if (!n.registered) {
      // The Node disappeared under us: register it again, with fresh heartbeat chains (the
      // new epoch retires the old ones).
      n.epoch++;
      this.timers.push(now, { kind: Task.Register, node: n.index, epoch: n.epoch });
    } else {
      this.timers.push(now + (t.kind === Task.Lease ? this.heartbeatMs : this.statusMs), t);
    }
  }

  /** kubelet's registerWithAPIServer, then the first Lease (the lease controller starts at once). */
  private async register(n: NodeState): Promise<void> {
    const nodes = this.clientset.nodes;
    const now = this.clock();
    let node: Node;
    try {
      node = await nodes.create('', initialNode(n.spec, now, n.bootID));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await nodes.get('', n.spec.name);
      node = await nodes.update('', takeOverNode(existing, n.spec, this.clock(), n.bootID));
      // The API server keeps a Node's status on update (upstream's node strategy): post it.
      node = await nodes.patch(
        '',
        n.spec.name,
        'strategic',
        { status: nodeStatus(n.spec, this.clock(), n.bootID, node.status) },
        { subresource: 'status' },
      );
      this.counters.nodeStatusUpdates++;
    }
    this.counters.registrations++;
    n.uid = node.metadata?.uid;
    const cidr = node.spec?.podCIDR;
    if (
      cidr !== undefined &&
      cidr !== '' &&
      cidr !== formatCidr(n.ips.cidr) &&
      n.ips.allocated === 0
    ) {
      n.ips = new PodIpAllocator(parseCidr(cidr));
    }
    n.registered = true;
    n.lease = undefined;
    await this.renewLease(n);
  }

  /** kubelet's lease controller: update the last lease seen; get or create it when unknown. */
  private async renewLease(n: NodeState): Promise<void> {
    const leases = this.clientset.leases;
    const name = n.spec.name;
    if (n.lease !== undefined) {
      try {
        n.lease = await leases.update(
          NODE_LEASE_NAMESPACE,
          renewedLease(n.lease, name, n.uid, this.clock()),
        );
        this.counters.leaseRenewals++;
        return;
      } catch (err) {
        // Someone else wrote it (or removed it): start over from the server's copy.
        if (!isConflict(err) && !isNotFound(err)) throw err;
        n.lease = undefined;
      }
    }
    let current: Lease | undefined;
    try {
      // From the server's cache, as the kubelet's lease controller reads it: a stale copy only
      // makes the update below conflict and the next renewal start over.
      current = await leases.get(NODE_LEASE_NAMESPACE, name, { resourceVersion: '0' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    n.lease =
      current === undefined
        ? await leases.create(NODE_LEASE_NAMESPACE, nodeLease(name, n.uid, this.clock()))
        : await leases.update(
            NODE_LEASE_NAMESPACE,
            renewedLease(current, name, n.uid, this.clock()),
          );
    this.counters.leaseRenewals++;
  }

  /**
   * kubelet's updateNodeStatus: read the Node, patch its status (conditions keep their
   * lastTransitionTime unless their status flips, e.g. back to Ready after the node lifecycle
   * controller marked it Unknown).
   */
  private async updateStatus(n: NodeState): Promise<void> {
    const nodes = this.clientset.nodes;
    let current: Node;
    try {
      // The kubelet's first try reads from the server's cache (FromApiserverCache): the patch
      // below carries only status, so a slightly stale copy costs nothing.
      current = await nodes.get('', n.spec.name, { resourceVersion: '0' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      n.registered = false;
      return;
    }
    const status = nodeStatus(n.spec, this.clock(), n.bootID, current.status);
    await nodes.patch('', n.spec.name, 'strategic', { status }, { subresource: 'status' });
    this.counters.nodeStatusUpdates++;
  }

  // ---- pods -------------------------------------------------------------------------------

  /** Informer add/update: track pods bound to the pool's nodes. */
  private observe(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (nodeName === undefined || nodeName === '') return;
    const n = this.byName.get(nodeName);
    if (n === undefined) return;
    const key = objectKey(pod);
    const uid = pod.metadata?.uid ?? '';
    let st = this.pods.get(key);
    if (st !== undefined && st.uid !== uid) {
      // Same name, new pod: the old one's IP is free.
      this.release(st);
      st = undefined;
    }
    if (st === undefined) {
      st = {
        uid,
        node: n.index,
        ip: 0,
        seen: this.clock(),
        runningSince: undefined,
        timerAt: 0,
        deleteSent: false,
        writtenVersion: undefined,
      };
      this.pods.set(key, st);
    }
    if (n.running && n.registered) this.enqueuePod(key);
  }

  /** Informer delete: the pod is gone; its IP is free. */
  private forget(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const key = objectKey(pod);
    const st = this.pods.get(key);
    if (st === undefined || st.uid !== (pod.metadata?.uid ?? '')) return;
    this.release(st);
    this.pods.delete(key);
  }

  private release(st: PodState): void {
    if (st.ip === 0) return;
    this.nodes[st.node]?.ips.release(st.ip);
    st.ip = 0;
  }

  /** How long `pod` runs before it succeeds; undefined: until deleted. */
  private runDuration(pod: Pod): number | undefined {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Always') return undefined;
    const annotation = pod.metadata?.annotations?.[EXIT_AFTER_ANNOTATION];
    if (annotation !== undefined) {
      const ms = parseGoDurationMs(annotation);
      if (ms !== undefined) return Math.max(0, ms);
    }
    const ownedByJob = (pod.metadata?.ownerReferences ?? []).some(
      (r) => r.kind === 'Job' && r.apiVersion.startsWith('batch/'),
    );
    return ownedByJob ? this.jobRunMs : undefined;
  }

  private async runPodTask(key: string): Promise<void> {
    try {
      await this.syncPod(key);
    } catch (err) {
      this.counters.errors++;
      this.onError(err, `sync pod ${key}`);
      const st = this.pods.get(key);
      if (st !== undefined) this.schedulePod(key, st, this.clock() + 1000);
    }
  }

  /** Level-triggered: from the cached pod, decide and write what the kubelet would. */
  private async syncPod(key: string): Promise<void> {
    const st = this.pods.get(key);
    if (st === undefined) return;
    const n = this.nodes[st.node];
    if (n === undefined || !n.running || !n.registered) return;
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const pod = this.podLister.get(ns, name);
    if (pod === undefined || pod.metadata?.uid !== st.uid) return;
    const now = this.clock();
    const phase = pod.status?.phase;
    const terminal = phase === 'Succeeded' || phase === 'Failed';

    if (pod.metadata.deletionTimestamp !== undefined) {
      if (st.deleteSent) return;
      // Simulated containers stop at once, so the grace period is over now. A pod that will
      // linger for finalizers gets the terminal status a real kubelet writes first.
      if (!terminal && (pod.metadata.finalizers ?? []).length > 0) {
        await this.writeStatus(pod, n, st, 'Failed', now);
      }
      this.release(st);
      st.deleteSent = true;
      try {
        await this.clientset.pods.delete(ns, name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: st.uid },
        });
        this.counters.podDeletions++;
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) return;
        st.deleteSent = false;
        throw err;
      }
      return;
    }
    if (terminal) {
      // The sandbox is gone; its address may serve another pod.
      this.release(st);
      return;
    }

    if (phase === 'Running' && st.runningSince === undefined) {
      // Adopted (the pool restarted): keep its start time and IP.
      const started = Date.parse(pod.status?.startTime ?? '');
      st.runningSince = Number.isNaN(started) ? now : started;
      this.adoptIp(pod, n, st);
    }
    if (st.runningSince === undefined) {
      const startAt = st.seen + this.podStartMs;
      if (now < startAt) {
        this.schedulePod(key, st, startAt);
        await this.writeStatus(pod, n, st, 'Pending', now);
        return;
      }
      st.runningSince = now;
    }
    const runMs = this.runDuration(pod);
    let target: SimulatedPodPhase = 'Running';
    if (runMs !== undefined) {
      const finishAt = st.runningSince + runMs;
      if (now >= finishAt) target = 'Succeeded';
      else this.schedulePod(key, st, finishAt);
    }
    await this.writeStatus(pod, n, st, target, now);
    if (target === 'Succeeded') this.release(st);
  }

  private adoptIp(pod: Pod, n: NodeState, st: PodState): void {
    const ip = pod.status?.podIP;
    if (st.ip !== 0 || pod.spec?.hostNetwork === true || ip === undefined || ip === '') return;
    try {
      const num = ipv4ToNumber(ip);
      if (n.ips.reserve(num)) st.ip = num;
    } catch {
      // Not an IPv4 address of ours: leave it alone.
    }
  }

  /** Writes the status of `phase` unless the pod already has it; patch, so no conflicts. */
  private async writeStatus(
    pod: Pod,
    n: NodeState,
    st: PodState,
    phase: SimulatedPodPhase,
    now: number,
  ): Promise<void> {
    const hostIP = n.spec.internalIP;
    let podIP: string | undefined;
    if (phase === 'Running') {
      if (pod.spec?.hostNetwork === true) podIP = hostIP;
      else {
        if (st.ip === 0) {
          const ip = n.ips.allocate();
          if (ip === undefined) throw new Error(`node ${n.spec.name}: pod CIDR exhausted`);
          st.ip = ip;
        }
        podIP = numberToIpv4(st.ip);
      }
    } else if (phase !== 'Pending') {
      podIP = pod.status?.podIP;
    }
    const desired = podStatus({ pod, phase, nowMs: now, hostIP, podIP });
    if (podStatusMatches(pod.status, desired)) return;
    // Our own last write, read back: if the server normalised a field differently, do not
    // chase it in a loop; only a phase change is worth another write.
    if (pod.metadata?.resourceVersion === st.writtenVersion && pod.status?.phase === phase) return;
    const meta = pod.metadata ?? {};
    try {
      const written = await this.clientset.pods.patch(
        meta.namespace ?? '',
        meta.name ?? '',
        'strategic',
        // The uid makes the patch fail on a different pod of the same name (kubelet does so).
        { metadata: { uid: meta.uid }, status: asPatch(desired) },
        { subresource: 'status' },
      );
      st.writtenVersion = written.metadata?.resourceVersion;
      this.counters.podStatusUpdates++;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

/**
 * True while the node runs in the epoch `t` was scheduled in (a function, so checks after an
 * await are not narrowed away: stop/start may have run meanwhile).
 */
function current(n: NodeState, t: NodeTimer): boolean {
  return n.running && n.epoch === t.epoch;
}

/**
 * The status as a strategic merge patch: conditions merge by type, so a reason or message
 * the condition no longer has must be deleted explicitly (null), as the two-way merge patch
 * kubelet computes does.
 */
function asPatch(status: PodStatus): Record<string, unknown> {
  return {
    ...status,
    conditions: (status.conditions ?? []).map((c) => ({
      reason: null,
      message: null,
      ...c,
    })),
  };
}

/** Sleeps `ms` of real time unless `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
