/**
 * The controller-manager (upstream kube-controller-manager with
 * `--use-service-account-credentials`): it authenticates as `system:kube-controller-manager`
 * (a client certificate of the cluster CA), elects a leader on the Lease
 * `kube-system/kube-controller-manager`, shares one set of informers under its own identity, and
 * runs each controller with the credentials of its own ServiceAccount in kube-system (bound by
 * the bootstrap policy to its `system:controller:<name>` role): a token from the TokenRequest
 * API, renewed before it expires. Every controller reaches the API server over HTTPS through
 * the client library, also inside one process.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, newBuiltinScheme } from '../api/index.ts';
import {
  InformerFactory,
  stripManagedFields,
  newEventRecorder,
  newRestClientset,
  realClock,
  runLeaderElection,
} from '../client/index.ts';
import type {
  Clientset,
  EventRecorder,
  GroupVersionResource,
  KubeObject,
  RestConfig,
  Transport,
} from '../client/index.ts';
import { EndpointsController } from '../controllers/endpoints/index.ts';
import { newDaemonSetController } from '../controllers/daemonset/index.ts';
import { newDisruptionController } from '../controllers/disruption/index.ts';
import { NodeIpamController } from '../controllers/nodeipam/index.ts';
import { newNodeLifecycleController } from '../controllers/nodelifecycle/index.ts';
import type {
  DisruptionPolicy,
  NodeLifecycleControllerOptions,
} from '../controllers/nodelifecycle/index.ts';
import type { NodeLifecycleFlags } from './node-lifecycle-flags.ts';
import { newStatefulSetController } from '../controllers/statefulset/index.ts';
import { newCronJobController } from '../controllers/cronjob/index.ts';
import { newJobController } from '../controllers/job/index.ts';
import { newPodGCController } from '../controllers/podgc/index.ts';
import {
  newCSRApprovingController,
  newCSRCleanerController,
  newCSRSigningController,
} from '../controllers/certificates/index.ts';
import type { CertificateAuthority } from '../api/index.ts';
import { newResourceQuotaController } from '../controllers/resourcequota/index.ts';
import { newTTLAfterFinishedController } from '../controllers/ttlafterfinished/index.ts';
import { EndpointSliceController } from '../controllers/endpointslice/index.ts';
import { GarbageCollector } from '../controllers/garbagecollector/index.ts';
import { NamespaceController } from '../controllers/namespace/index.ts';
import {
  RootCACertPublisher,
  ServiceAccountsController,
} from '../controllers/serviceaccount/index.ts';
import { restConfigOf } from './component-identity.ts';
import type { ComponentIdentity } from './component-identity.ts';
import { newDeploymentController } from '../controllers/deployment/index.ts';
import {
  newReplicaSetController,
  newReplicationControllerController,
} from '../controllers/replicaset/index.ts';

/** The version the components report in their User-Agent (the server's minor). */
const USER_AGENT_VERSION = 'v1.32.0';

/** What a controller needs: its own clientset and recorder, and the shared informers. */
export interface ControllerContext {
  clientset: Clientset;
  informers: InformerFactory;
  recorder: EventRecorder;
  /** The cluster CA (PEM), published in every namespace. */
  caPem: string;
  /** The CA certificate and key the CSR signing controller signs with (absent: no signing). */
  signingCA?: CertificateAuthority;
  /** Where controllers report failed syncs (they retry them). */
  logger: {
    info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
    error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  };
  onError: (key: string, err: unknown) => void;
  /** The node lifecycle flags (--node-monitor-grace-period ...); absent: upstream's defaults. */
  nodeLifecycle?: NodeLifecycleFlags;
}

/** The node lifecycle controller's options from the controller-manager's flags. */
export function nodeLifecycleOptions(
  flags: NodeLifecycleFlags | undefined,
): Pick<
  NodeLifecycleControllerOptions,
  'nodeMonitorGracePeriodMs' | 'nodeStartupGracePeriodMs' | 'disruption'
> {
  if (flags === undefined) return {};
  const disruption: Partial<DisruptionPolicy> = {
    ...(flags.nodeEvictionRate === undefined ? {} : { nodeEvictionRate: flags.nodeEvictionRate }),
    ...(flags.secondaryNodeEvictionRate === undefined
      ? {}
      : { secondaryNodeEvictionRate: flags.secondaryNodeEvictionRate }),
    ...(flags.largeClusterSizeThreshold === undefined
      ? {}
      : { largeClusterSizeThreshold: flags.largeClusterSizeThreshold }),
    ...(flags.unhealthyZoneThreshold === undefined
      ? {}
      : { unhealthyZoneThreshold: flags.unhealthyZoneThreshold }),
  };
  return {
    ...(flags.nodeMonitorGracePeriodMs === undefined
      ? {}
      : { nodeMonitorGracePeriodMs: flags.nodeMonitorGracePeriodMs }),
    ...(flags.nodeStartupGracePeriodMs === undefined
      ? {}
      : { nodeStartupGracePeriodMs: flags.nodeStartupGracePeriodMs }),
    ...(Object.keys(disruption).length === 0 ? {} : { disruption }),
  };
}

/** The namespaced built-in resources that can be listed and deleted (storage versions). */
function deletableNamespacedResources(): GroupVersionResource[] {
  return newBuiltinScheme()
    .all()
    .filter(
      (i) =>
        i.namespaced &&
        i.version === i.storageVersion &&
        i.storagePrefix !== undefined &&
        i.verbs.includes('deletecollection') &&
        i.verbs.includes('list'),
    )
    .map((i) => ({ group: i.group, version: i.version, resource: i.resource }));
}

/** The namespaced built-ins plus the served version of every namespaced custom resource. */
async function namespacedResources(clientset: Clientset): Promise<GroupVersionResource[]> {
  const out = deletableNamespacedResources();
  const crds = await clientset
    .resource<
      KubeObject & {
        spec?: {
          group?: string;
          scope?: string;
          names?: { plural?: string };
          versions?: { name?: string; served?: boolean; storage?: boolean }[];
        };
      }
    >({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' })
    .list('');
  for (const crd of crds.items) {
    const spec = crd.spec;
    if (spec?.scope !== 'Namespaced') continue;
    const version = spec.versions?.find((v) => v.storage === true) ?? spec.versions?.[0];
    if (spec.group === undefined || spec.names?.plural === undefined || version?.name === undefined)
      continue;
    out.push({ group: spec.group, version: version.name, resource: spec.names.plural });
  }
  return out;
}

/** What the garbage collector watches: the resources that carry ownerReferences in practice. */
const GC_RESOURCES: readonly GroupVersionResource[] = [
  ['', 'v1', 'pods'],
  // Owners of node Leases (and of objects users tie to a node): without them in the cache,
  // every check of such a reference is a live GET.
  ['', 'v1', 'nodes'],
  ['', 'v1', 'replicationcontrollers'],
  ['', 'v1', 'services'],
  ['', 'v1', 'endpoints'],
  ['', 'v1', 'configmaps'],
  ['', 'v1', 'secrets'],
  ['', 'v1', 'serviceaccounts'],
  ['', 'v1', 'persistentvolumeclaims'],
  ['apps', 'v1', 'deployments'],
  ['apps', 'v1', 'replicasets'],
  ['apps', 'v1', 'statefulsets'],
  ['apps', 'v1', 'daemonsets'],
  ['apps', 'v1', 'controllerrevisions'],
  ['batch', 'v1', 'jobs'],
  ['batch', 'v1', 'cronjobs'],
  ['discovery.k8s.io', 'v1', 'endpointslices'],
  ['coordination.k8s.io', 'v1', 'leases'],
  ['policy', 'v1', 'poddisruptionbudgets'],
].map(([group = '', version = '', resource = '']) => ({ group, version, resource }));

/** A controller the manager can run: made before the informers start, then run. */
interface Runnable {
  run(signal: AbortSignal, workers: number): Promise<void>;
}

/** One entry of the controller table: upstream's controller name and service account. */
interface ControllerEntry {
  /** The name in `--controllers` and in events' source component. */
  name: string;
  /** The ServiceAccount in kube-system whose credentials it runs with. */
  serviceAccount: string;
  workers: number;
  make(ctx: ControllerContext): Runnable;
}

const CONTROLLERS: readonly ControllerEntry[] = [
  {
    name: 'replicaset-controller',
    serviceAccount: 'replicaset-controller',
    workers: 5,
    make: (ctx) => newReplicaSetController(ctx),
  },
  {
    name: 'replication-controller',
    serviceAccount: 'replication-controller',
    workers: 5,
    make: (ctx) => newReplicationControllerController(ctx),
  },
  {
    name: 'deployment-controller',
    serviceAccount: 'deployment-controller',
    workers: 5,
    make: (ctx) => newDeploymentController(ctx),
  },
  {
    name: 'endpoint-controller',
    serviceAccount: 'endpoint-controller',
    workers: 5,
    make: (ctx) => new EndpointsController(ctx),
  },
  {
    name: 'endpointslice-controller',
    serviceAccount: 'endpointslice-controller',
    workers: 5,
    make: (ctx) => new EndpointSliceController(ctx),
  },
  {
    name: 'namespace-controller',
    serviceAccount: 'namespace-controller',
    workers: 10,
    make: (ctx) =>
      new NamespaceController({
        clientset: ctx.clientset,
        informers: ctx.informers,
        resources: () => namespacedResources(ctx.clientset),
        finalize: (ns: Namespace) =>
          ctx.clientset.namespaces.replaceSubresource('', ns.metadata?.name ?? '', 'finalize', ns),
      }),
  },
  {
    name: 'serviceaccount-controller',
    serviceAccount: 'service-account-controller',
    workers: 1,
    make: (ctx) => new ServiceAccountsController(ctx),
  },
  {
    name: 'root-ca-cert-publisher',
    serviceAccount: 'root-ca-cert-publisher',
    workers: 1,
    make: (ctx) => new RootCACertPublisher({ ...ctx, rootCA: ctx.caPem }),
  },
  {
    name: 'statefulset-controller',
    serviceAccount: 'statefulset-controller',
    workers: 5,
    make: (ctx) => newStatefulSetController(ctx),
  },
  {
    name: 'daemonset-controller',
    serviceAccount: 'daemon-set-controller',
    workers: 2,
    make: (ctx) => newDaemonSetController(ctx),
  },
  {
    // upstream's node-ipam-controller runs as node-controller too. k3s's defaults: cluster CIDR
    // 10.42.0.0/16, a /24 per node. Simulated nodes bring their own CIDRs (outside that range).
    name: 'node-ipam-controller',
    serviceAccount: 'node-controller',
    workers: 1,
    make: (ctx) => new NodeIpamController(ctx),
  },
  {
    name: 'node-lifecycle-controller',
    serviceAccount: 'node-controller',
    workers: 5,
    make: (ctx) =>
      newNodeLifecycleController({
        ...ctx,
        clock: realClock,
        ...nodeLifecycleOptions(ctx.nodeLifecycle),
      }),
  },
  {
    name: 'disruption-controller',
    serviceAccount: 'disruption-controller',
    workers: 5,
    make: (ctx) => newDisruptionController(ctx),
  },
  {
    name: 'job-controller',
    serviceAccount: 'job-controller',
    workers: 5,
    make: (ctx) => newJobController(ctx),
  },
  {
    name: 'cronjob-controller',
    serviceAccount: 'cronjob-controller',
    workers: 5,
    make: (ctx) => newCronJobController(ctx),
  },
  {
    name: 'ttl-after-finished-controller',
    serviceAccount: 'ttl-after-finished-controller',
    workers: 5,
    make: (ctx) => newTTLAfterFinishedController(ctx),
  },
  {
    name: 'pod-garbage-collector',
    serviceAccount: 'pod-garbage-collector',
    workers: 1,
    make: (ctx) => newPodGCController(ctx),
  },
  {
    // Upstream --concurrent-resource-quota-syncs defaults to 5.
    name: 'resourcequota-controller',
    serviceAccount: 'resourcequota-controller',
    workers: 5,
    make: (ctx) => newResourceQuotaController(ctx),
  },
  {
    name: 'certificatesigningrequest-signing-controller',
    serviceAccount: 'certificate-controller',
    workers: 5,
    make: (ctx) =>
      ctx.signingCA === undefined
        ? { run: () => Promise.resolve() }
        : newCSRSigningController({ ...ctx, ca: ctx.signingCA }),
  },
  {
    name: 'certificatesigningrequest-approving-controller',
    serviceAccount: 'certificate-controller',
    workers: 5,
    make: (ctx) => newCSRApprovingController(ctx),
  },
  {
    name: 'certificatesigningrequest-cleaner-controller',
    serviceAccount: 'certificate-controller',
    workers: 1,
    make: (ctx) => newCSRCleanerController(ctx),
  },
  {
    name: 'garbage-collector-controller',
    serviceAccount: 'generic-garbage-collector',
    workers: 20,
    make: (ctx) => new GarbageCollector({ ...ctx, resources: GC_RESOURCES }),
  },
];

/** The names of the controllers the manager knows. */
export const CONTROLLER_NAMES: readonly string[] = CONTROLLERS.map((c) => c.name);

/** Options of runControllerManager. */
export interface ControllerManagerOptions {
  /** The API server and the `system:kube-controller-manager` client certificate. */
  identity: ComponentIdentity;
  signal: AbortSignal;
  /** Controllers to run (default: all). */
  controllers?: readonly string[];
  /** Elect a leader before running (default true, as upstream). */
  leaderElect?: boolean;
  /** Called with errors the loops survive (logging). */
  onError?: (what: string, err: unknown) => void;
  /** The cluster CA with its key, for the CSR signing controller (absent: CSRs are not signed). */
  signingCA?: CertificateAuthority;
  /** The node lifecycle flags (absent: upstream's defaults). */
  nodeLifecycle?: NodeLifecycleFlags;
}

/**
 * Makes clientsets that authenticate as kube-system ServiceAccounts (upstream's
 * SAControllerClientBuilder): creates the account if needed, requests a one-hour token and
 * renews it at 80% of its life by replacing the token the transport sends.
 */
class ServiceAccountClients {
  private readonly transports: Transport[] = [];
  private readonly timers: ReturnType<typeof setTimeout>[] = [];

  constructor(
    private readonly root: Clientset,
    private readonly base: RestConfig,
    private readonly onError: (what: string, err: unknown) => void,
  ) {}

  async clientset(name: string): Promise<Clientset> {
    try {
      await this.root.serviceAccounts.create('kube-system', {
        metadata: { name, namespace: 'kube-system' },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const config: RestConfig = {
      server: this.base.server,
      ...(this.base.ca === undefined ? {} : { ca: this.base.ca }),
      userAgent: `kube-controller-manager/${USER_AGENT_VERSION} (linux/amd64) kubernetes/skiff/${name}`,
    };
    const renew = async (): Promise<void> => {
      const answer = (await this.root.serviceAccounts.createSubresource(
        'kube-system',
        name,
        'token',
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 3600 },
        },
      )) as { status?: { token?: string; expirationTimestamp?: string } };
      const token = answer.status?.token;
      if (token === undefined) throw new Error(`no token for the service account ${name}`);
      config.token = token;
      const expires = Date.parse(answer.status?.expirationTimestamp ?? '');
      const lifeMs = Number.isFinite(expires) ? expires - Date.now() : 3_600_000;
      const t = setTimeout(
        () => {
          renew().catch((err: unknown) => {
            this.onError(`renewing the token of ${name}`, err);
          });
        },
        Math.max(lifeMs * 0.8, 10_000),
      );
      t.unref();
      this.timers.push(t);
    };
    await renew();
    const { clientset, transport } = newRestClientset(config);
    this.transports.push(transport);
    return clientset;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.transports) t.close();
  }
}

/**
 * Runs the controller-manager until `signal` aborts; resolves once every controller stopped.
 * Loses and regains leadership as the Lease dictates.
 */
export async function runControllerManager(opts: ControllerManagerOptions): Promise<void> {
  const onError = opts.onError ?? (() => undefined);
  const rootConfig = restConfigOf(
    opts.identity,
    `kube-controller-manager/${USER_AGENT_VERSION} (linux/amd64) kubernetes/skiff`,
  );
  const { clientset: root, transport } = newRestClientset(rootConfig);
  const wanted = new Set(opts.controllers ?? CONTROLLER_NAMES);
  const entries = CONTROLLERS.filter((c) => wanted.has(c.name));

  const lead = async (signal: AbortSignal): Promise<void> => {
    // Every informer and worker listens for the end: not a leak.
    setMaxListeners(0, signal);
    const informers = new InformerFactory(root, {
      onError: (err) => {
        onError('informer', err);
      },
      // As kube-controller-manager's informers: managedFields are not cached.
      transform: stripManagedFields,
    });
    const accounts = new ServiceAccountClients(root, rootConfig, onError);
    try {
      const running: { entry: ControllerEntry; controller: Runnable }[] = [];
      for (const entry of entries) {
        // Retried: the API server may still be finishing its start (policy, accounts).
        let clientset: Clientset | undefined;
        for (let delay = 200; clientset === undefined; delay = Math.min(delay * 2, 5000)) {
          if (signal.aborted) return;
          try {
            clientset = await accounts.clientset(entry.serviceAccount);
          } catch (err) {
            onError(`credentials of ${entry.name}`, err);
            await new Promise((r) => setTimeout(r, delay));
          }
        }
        const recorder = newEventRecorder(clientset, { component: entry.name });
        running.push({
          entry,
          controller: entry.make({
            clientset,
            informers,
            recorder,
            caPem: opts.identity.caPem,
            ...(opts.signingCA !== undefined ? { signingCA: opts.signingCA } : {}),
            ...(opts.nodeLifecycle !== undefined ? { nodeLifecycle: opts.nodeLifecycle } : {}),
            logger: {
              info: () => undefined,
              error: (msg, fields) => {
                onError(entry.name, new Error(`${msg} ${JSON.stringify(fields ?? {})}`));
              },
            },
            onError: (key, err) => {
              onError(`${entry.name} ${key}`, err);
            },
          }),
        });
      }
      informers.start(signal);
      await Promise.all(
        running.map(async ({ entry, controller }) => {
          try {
            await controller.run(signal, entry.workers);
          } catch (err) {
            onError(entry.name, err);
          }
        }),
      );
      await informers.stopped();
    } finally {
      accounts.close();
    }
  };

  setMaxListeners(0, opts.signal);
  try {
    if (opts.leaderElect === false) {
      await lead(opts.signal);
      return;
    }
    const identity = `${hostname()}_${randomUUID()}`;
    while (!opts.signal.aborted) {
      await runLeaderElection({
        clientset: root,
        namespace: 'kube-system',
        name: 'kube-controller-manager',
        identity,
        signal: opts.signal,
        onStartedLeading: (signal) => lead(signal),
        onStoppedLeading: () => undefined,
      });
    }
  } finally {
    transport.close();
  }
}
