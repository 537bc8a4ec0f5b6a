/**
 * Two per-namespace controllers of upstream's controller-manager:
 * - ServiceAccountsController (pkg/controller/serviceaccount/serviceaccounts_controller.go): the
 *   `default` ServiceAccount in every active namespace, recreated if deleted.
 * - RootCACertPublisher (pkg/controller/certificates/rootcacertpublisher): the
 *   `kube-root-ca.crt` ConfigMap with the cluster CA in every namespace, restored if deleted or
 *   changed.
 */
import { isAlreadyExists, isNotFound, statusCause } from '../../api/index.ts';
import { BUILTIN_RESOURCES, unwrapTombstone } from '../../client/index.ts';
import type { Clientset, InformerFactory, SharedInformer } from '../../client/index.ts';
import { newRateLimitingQueue, runWorkers } from '../../client/workqueue/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import type { ConfigMap, Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';

const terminatingCause = (err: unknown): boolean =>
  statusCause(err, 'NamespaceTerminating') !== undefined;

/** Options of the ServiceAccounts controller. */
export interface ServiceAccountsControllerOptions {
  clientset: Clientset;
  informers: InformerFactory;
  /** The ServiceAccounts every namespace gets (default: `default`). */
  serviceAccounts?: readonly string[];
  /** Told of each failed sync (the key is retried with backoff). */
  onError?: (key: string, err: unknown) => void;
}

/** Ensures the `default` ServiceAccount in every active namespace; see the module comment. */
export class ServiceAccountsController {
  /** The controller's name (its registry key in the controller-manager). */
  static readonly controllerName = 'serviceaccount-controller';
  /** The queue of namespace names; exposed for tests. */
  readonly queue: RateLimitingQueue<string>;
  private readonly clientset: Clientset;
  private readonly names: readonly string[];
  private readonly onError: ((key: string, err: unknown) => void) | undefined;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly serviceAccounts: SharedInformer<ServiceAccount>;

  constructor(opts: ServiceAccountsControllerOptions) {
    this.clientset = opts.clientset;
    this.names = opts.serviceAccounts ?? ['default'];
    this.onError = opts.onError;
    this.queue = newRateLimitingQueue({ name: 'serviceaccount' });
    this.namespaces = opts.informers.informer<Namespace>(BUILTIN_RESOURCES.namespaces);
    this.serviceAccounts = opts.informers.informer<ServiceAccount>(
      BUILTIN_RESOURCES.serviceAccounts,
    );
    this.namespaces.addEventHandler({
      onAdd: (ns) => {
        this.queue.add(ns.metadata?.name ?? '');
      },
      onUpdate: (_old, ns) => {
        this.queue.add(ns.metadata?.name ?? '');
      },
    });
    this.serviceAccounts.addEventHandler({
      onDelete: (obj) => {
        const sa = unwrapTombstone(obj);
        if (this.names.includes(sa.metadata?.name ?? '')) {
          this.queue.add(sa.metadata?.namespace ?? '');
        }
      },
    });
  }

  /** Waits for the caches, then runs `workers` workers until `signal` aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await Promise.all([
      this.namespaces.waitForSync(signal),
      this.serviceAccounts.waitForSync(signal),
    ]);
    if (signal.aborted) {
      this.queue.shutDown();
      return;
    }
    await runWorkers(this.queue, workers, (key) => this.sync(key), {
      signal,
      ...(this.onError === undefined ? {} : { onError: this.onError }),
    });
  }

  /**
   * Creates the missing ServiceAccounts of namespace `name` if it is Active (upstream
   * syncNamespace). Idempotent; AlreadyExists and a terminating namespace are not errors.
   */
  async sync(name: string): Promise<void> {
    const ns = this.namespaces.lister.get('', name);
    if (ns === undefined || ns.status?.phase !== 'Active') return;
    const failures: unknown[] = [];
    for (const sa of this.names) {
      if (this.serviceAccounts.lister.get(name, sa) !== undefined) continue;
      try {
        await this.clientset.serviceAccounts.create(name, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: sa, namespace: name },
        });
      } catch (err) {
        if (isAlreadyExists(err) || terminatingCause(err)) continue;
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new AggregateError(failures, failures.map((e) => String(e)).join(', '));
    }
  }
}

/** The ConfigMap the root CA is published in. */
export const ROOT_CA_CONFIGMAP_NAME = 'kube-root-ca.crt';
/** The annotation describing the ConfigMap's use (upstream DescriptionAnnotation). */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** Upstream's description of the root CA ConfigMap. */
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** Options of the root CA publisher. */
export interface RootCACertPublisherOptions {
  clientset: Clientset;
  informers: InformerFactory;
  /** The cluster CA bundle (PEM) published as `ca.crt`. */
  rootCA: string;
  /** Told of each failed sync (the key is retried with backoff). */
  onError?: (key: string, err: unknown) => void;
}

/** Publishes `kube-root-ca.crt` in every namespace; see the module comment. */
export class RootCACertPublisher {
  /** The controller's name (its registry key in the controller-manager). */
  static readonly controllerName = 'root-ca-cert-publisher';
  /** The queue of namespace names; exposed for tests. */
  readonly queue: RateLimitingQueue<string>;
  private readonly clientset: Clientset;
  private readonly rootCA: string;
  private readonly onError: ((key: string, err: unknown) => void) | undefined;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly configMaps: SharedInformer<ConfigMap>;

  constructor(opts: RootCACertPublisherOptions) {
    this.clientset = opts.clientset;
    this.rootCA = opts.rootCA;
    this.onError = opts.onError;
    this.queue = newRateLimitingQueue({ name: 'root_ca_cert_publisher' });
    this.namespaces = opts.informers.informer<Namespace>(BUILTIN_RESOURCES.namespaces);
    this.configMaps = opts.informers.informer<ConfigMap>(BUILTIN_RESOURCES.configMaps);
    this.namespaces.addEventHandler({
      onAdd: (ns) => {
        this.queue.add(ns.metadata?.name ?? '');
      },
      onUpdate: (_old, ns) => {
        if (ns.status?.phase === 'Active') this.queue.add(ns.metadata?.name ?? '');
      },
    });
    const cmChanged = (cm: ConfigMap): void => {
      if (cm.metadata?.name === ROOT_CA_CONFIGMAP_NAME) {
        this.queue.add(cm.metadata.namespace ?? '');
      }
    };
    this.configMaps.addEventHandler({
      onUpdate: (_old, cm) => {
        cmChanged(cm);
      },
      onDelete: (obj) => {
        cmChanged(unwrapTombstone(obj));
      },
    });
  }

  /** Waits for the caches, then runs `workers` workers until `signal` aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await Promise.all([this.namespaces.waitForSync(signal), this.configMaps.waitForSync(signal)]);
    if (signal.aborted) {
      this.queue.shutDown();
      return;
    }
    await runWorkers(this.queue, workers, (key) => this.sync(key), {
      signal,
      ...(this.onError === undefined ? {} : { onError: this.onError }),
    });
  }

  /**
   * Creates `kube-root-ca.crt` in namespace `name`, or restores its data and description
   * (upstream syncNamespace). A missing or terminating namespace is not an error. Idempotent.
   */
  async sync(name: string): Promise<void> {
    const cm = this.configMaps.lister.get(name, ROOT_CA_CONFIGMAP_NAME);
    const data = { 'ca.crt': this.rootCA };
    if (cm === undefined) {
      try {
        await this.clientset.configMaps.create(name, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: ROOT_CA_CONFIGMAP_NAME,
            namespace: name,
            annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION },
          },
          data,
        });
      } catch (err) {
        if (isNotFound(err) || terminatingCause(err)) return;
        throw err;
      }
      return;
    }
    const sameData = Object.keys(cm.data ?? {}).length === 1 && cm.data?.['ca.crt'] === this.rootCA;
    if (sameData && (cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '') return;
    const next = structuredClone(cm);
    next.data = data;
    const meta = (next.metadata ??= {});
    meta.annotations = {
      ...(meta.annotations ?? {}),
      [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION,
    };
    await this.clientset.configMaps.update(name, next);
  }
}
