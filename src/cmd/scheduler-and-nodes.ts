/**
 * The scheduler (as `system:kube-scheduler`, leader-elected on `kube-system/kube-scheduler`,
 * events from `default-scheduler`) and the simulated node pool (as `skiff:simulated-node-pool`,
 * a user bound at start to a ClusterRole holding only what a kubelet writes: its nodes and their
 * status, the node leases, pod status and deletion, events). Both reach the API server through
 * the client library over HTTPS.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  BUILTIN_RESOURCES,
  InformerFactory,
  stripManagedFields,
  newEventRecorder,
  newRestClientset,
  runLeaderElection,
} from '../client/index.ts';
import type { EventRecorder, RestConfig } from '../client/index.ts';
import { SimulatedNodePool } from '../kubelet/simulated/index.ts';
import { Scheduler } from '../scheduler/index.ts';
import type { SchedulerConfiguration } from '../scheduler/index.ts';
import { restConfigOf } from './component-identity.ts';
import { runInWorker } from './component-worker.ts';
import type { ComponentIdentity } from './component-identity.ts';

/**
 * Runs the scheduler until `signal` aborts (leader-elected, as upstream). With `configFile`
 * (--scheduler-config) it runs that KubeSchedulerConfiguration's profiles, each recording
 * events under its own schedulerName; a file that does not load rejects at once.
 */
export async function runScheduler(
  id: ComponentIdentity,
  signal: AbortSignal,
  onError: (what: string, err: unknown) => void,
  configFile?: string,
): Promise<void> {
  setMaxListeners(0, signal);
  let configuration: SchedulerConfiguration | undefined;
  if (configFile !== undefined) {
    const { loadSchedulerConfigFile } = await import('./scheduler-config.ts');
    configuration = await loadSchedulerConfigFile(configFile);
  }
  const { clientset, transport } = newRestClientset(
    restConfigOf(id, 'kube-scheduler/v1.32.0 (linux/amd64) kubernetes/skiff'),
  );
  try {
    const identity = `${hostname()}_${randomUUID()}`;
    while (!signal.aborted) {
      await runLeaderElection({
        clientset,
        namespace: 'kube-system',
        name: 'kube-scheduler',
        identity,
        signal,
        onStartedLeading: async (leading) => {
          setMaxListeners(0, leading);
          const informers = new InformerFactory(clientset, {
            onError: (err) => {
              onError('scheduler informer', err);
            },
            // As kube-scheduler's informers: managedFields are not cached.
            transform: stripManagedFields,
          });
          const recorders = new Map<string, EventRecorder>();
          const recorderFor = (component: string): EventRecorder => {
            let r = recorders.get(component);
            if (r === undefined) {
              r = newEventRecorder(clientset, { component });
              recorders.set(component, r);
            }
            return r;
          };
          const scheduler = new Scheduler({
            clientset,
            informers,
            recorder: recorderFor('default-scheduler'),
            recorderFor,
            onError,
            ...(configuration === undefined ? {} : { configuration }),
          });
          informers.start(leading);
          await scheduler.run(leading);
          await informers.stopped();
        },
        onStoppedLeading: () => undefined,
      });
    }
  } finally {
    transport.close();
  }
}

/**
 * Annotate a simulated Node with this set to "true" to stop its kubelet (no more lease renewals
 * or status: the node lifecycle controller then marks it unreachable and evicts its pods);
 * remove it to start the kubelet again. kubectl's way to take a simulated node down.
 */
export const SIMULATED_STOPPED_ANNOTATION = 'skiff.dev/simulated-stopped';

/**
 * Runs `count` simulated nodes named `sim-node-<i>` until `signal` aborts, on a worker thread of
 * this process (component-worker.ts): the pool's client work gets its own event loop.
 */
export async function runSimulatedNodes(
  id: ComponentIdentity,
  count: number,
  signal: AbortSignal,
  onError: (what: string, err: unknown) => void,
): Promise<void> {
  await runInWorker(
    {
      kind: 'simulated-node-pool',
      config: restConfigOf(id, SIMULATED_POOL_USER_AGENT),
      nodeNames: Array.from({ length: count }, (_, i) => `sim-node-${String(i)}`),
    },
    signal,
    onError,
  );
}

/** The User-Agent of a simulated node pool (its part before `/` is the field manager). */
export const SIMULATED_POOL_USER_AGENT = 'kubelet/v1.32.0 (linux/amd64) kubernetes/skiff-simulated';

/**
 * Runs a simulated node pool of the nodes `nodeNames` through the API server `config` reaches
 * until `signal` aborts: the one code path of `skiff server --simulated-nodes` (in-process) and
 * `skiff agent --simulated` (remote, with a certificate from the TLS bootstrap). A node annotated
 * {@link SIMULATED_STOPPED_ANNOTATION} stops; removing the annotation starts it again.
 */
export async function runSimulatedNodePool(
  config: RestConfig,
  nodeNames: readonly string[],
  signal: AbortSignal,
  onError: (what: string, err: unknown) => void,
): Promise<void> {
  setMaxListeners(0, signal);
  const { clientset, transport } = newRestClientset(config);
  try {
    const informers = new InformerFactory(clientset, {
      onError: (err) => {
        onError('simulated node informer', err);
      },
      // The pool reads spec and status only; 50,000 cached pods are ~40% smaller without them.
      transform: stripManagedFields,
    });
    const pool = new SimulatedNodePool({
      clientset,
      informers,
      nodes: nodeNames.map((name) => ({ name })),
      onError: (err, what) => {
        onError(what, err);
      },
    });
    const ours = new Set(pool.nodeNames);
    const follow = (node: Node): void => {
      const name = node.metadata?.name ?? '';
      if (!ours.has(name)) return;
      if (node.metadata?.annotations?.[SIMULATED_STOPPED_ANNOTATION] === 'true') pool.stop(name);
      else pool.start(name);
    };
    informers.informer<Node>(BUILTIN_RESOURCES.nodes).addEventHandler({
      onAdd: follow,
      onUpdate: (_old, node) => {
        follow(node);
      },
    });
    informers.start(signal);
    await pool.run(signal);
    await informers.stopped();
  } finally {
    transport.close();
  }
}
