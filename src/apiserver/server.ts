/**
 * The API server process: HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with client-certificate
 * authentication, one generic registry per built-in resource over one Storage, bootstrap
 * namespaces, and graceful shutdown (stop accepting, end watches, finish in-flight requests).
 */
import { setMaxListeners } from 'node:events';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  KUBERNETES_VERSION,
  PatchError,
  applyPatch,
  decodeKubernetesProtobuf,
  invalid,
  newBuiltinScheme,
  newInvalid,
  newPath,
  newTypeResolver,
  prepareJob,
  schemaNodeForKind,
  setDefaults,
  validateCreate,
  validateStatusUpdate,
  validateUpdate,
  setWireZeroValues,
  storageKey,
  type Scheme,
  type TypeResolver,
} from '../api/index.ts';
import { Cacher, type Storage, type StoredObject } from '../storage/index.ts';
import { createHandler, registryKey } from './http/handler.ts';
import { newSecurity } from './auth/index.ts';
import {
  Auditor,
  FileAuditBackend,
  parseAuditPolicy,
  validateRotationOptions,
} from './audit/index.ts';
import type { RotationOptions } from './audit/index.ts';
import { readFile } from 'node:fs/promises';
import { NamespaceDefaults } from './controllers/namespace-defaults.ts';
import { ResourceQuotaController } from './controllers/resource-quota.ts';
import { NamespaceLifecycle } from './namespace-lifecycle.ts';
import {
  buildOpenApiV3,
  generatedSchemas,
  schemaNameOf,
  type OpenApiDocs,
} from './openapi/index.ts';
import { CrdServing } from './crd/serving.ts';
import { versionedStorage } from './crd/versioned-storage.ts';
import { newAdmission, type Admission } from './admission/index.ts';
import { ResourceRegistry, type RegistryHooks } from './registry/registry.ts';
import { ServiceAllocator } from './registry/services.ts';
import { strategyFor } from './registry/strategy.ts';
import {
  KubeletClient,
  KubeletConnect,
  serveUpgrades,
  type KubeletClientConfig,
} from './kubelet/index.ts';
import { MetricsApi, MetricsScraper, MetricsStore, metricsResourceInfos } from './metrics/index.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';

export interface ApiServerOptions {
  storage: Storage;
  /**
   * Run the controller loops inside the API server (default true): deleting a terminating
   * namespace's content, the default ServiceAccount and `kube-root-ca.crt` per namespace, and
   * ResourceQuota usage. False when a controller-manager runs its namespace, serviceaccount,
   * root-ca-cert-publisher and resourcequota controllers instead (as upstream, where the API
   * server does none of these; quota admission stays in the API server either way).
   */
  inProcessControllers?: boolean;
  /** Address to listen on, e.g. '127.0.0.1' or '0.0.0.0'. */
  bindAddress: string;
  /** Port; 0 picks a free one (see the returned url). */
  port: number;
  tls: {
    /** Serving certificate and key (PEM). */
    certPem: string;
    keyPem: string;
    /** CA that signs client certificates (PEM). */
    caPem: string;
  };
  /** Aborting it shuts the server down, like close(). */
  signal?: AbortSignal;
  now?: () => Date;
  /** Service CIDR (default 10.96.0.0/12). */
  serviceCIDR?: string;
  /** Address written into the `kubernetes` Endpoints (default: see defaultAdvertiseAddress). */
  advertiseAddress?: string;
  /** In-flight request limits (default 400 read-only, 200 mutating, as upstream). */
  maxRequestsInFlight?: { readOnly: number; mutating: number };
  /**
   * Directory of the service account signing key (`sa.key`, `sa.pub`, created when missing);
   * absent: a key generated for this process only (tokens die with it).
   */
  serviceAccountKeyDir?: string;
  /** `iss` of service account tokens (default https://kubernetes.default.svc.cluster.local). */
  serviceAccountIssuer?: string;
  /** Static bearer tokens (upstream --token-auth-file: CSV `token,user,uid,"group1,group2"`). */
  tokenAuthFile?: string;
  /**
   * Audit log: a Policy file (upstream --audit-policy-file), the JSON-lines log file and its
   * rotation (--audit-log-maxsize/-maxbackup/-maxage/-compress; negative values are refused).
   */
  audit?: { policyFile: string; logPath: string; rotation?: RotationOptions };
  /**
   * How to reach kubelets (upstream --kubelet-client-certificate/-key,
   * --kubelet-certificate-authority, --kubelet-preferred-address-types). When set, `pods/log`,
   * `pods/exec`, `pods/attach`, `pods/portforward` and `nodes/proxy` are proxied to the pod's
   * kubelet, and metrics.k8s.io/v1beta1 is served from scraping every kubelet's
   * `/metrics/resource` (every `metricsIntervalMs`, default 15 s). Absent: neither.
   */
  kubeletClient?: KubeletClientConfig & { metricsIntervalMs?: number };
}

export interface RunningApiServer {
  /** https://host:port */
  url: string;
  port: number;
  scheme: Scheme;
  /** Stops accepting, ends watches, waits for in-flight requests (up to a few seconds). */
  close(): Promise<void>;
}

/**
 * One watch cache per storage prefix (shared by every version of a resource), started on first
 * use so that resources nobody watches cost nothing.
 */
export class WatchCaches {
  private readonly caches = new Map<string, Cacher>();
  /**
   * `storeServesFrom`: the store's revision when the server started; a cache started later
   * serves watches from revisions since then through the store (see CacherOptions).
   */
  constructor(
    private readonly storage: Storage,
    private readonly storeServesFrom?: number,
  ) {}

  get(storagePrefix: string): Cacher {
    let cacher = this.caches.get(storagePrefix);
    if (cacher === undefined) {
      cacher = new Cacher(this.storage, {
        resourcePrefix: `${storagePrefix}/`,
        ...(this.storeServesFrom === undefined ? {} : { storeServesFrom: this.storeServesFrom }),
      });
      cacher.start();
      this.caches.set(storagePrefix, cacher);
    }
    return cacher;
  }

  async close(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.close()));
    this.caches.clear();
  }
}

/** Namespaces that exist from the start (upstream's system namespaces). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Every PodSpec inside an object (pods and the templates of workloads). */
function podSpecsOf(obj: StoredObject): Record<string, unknown>[] {
  const specs: Record<string, unknown>[] = [];
  const spec = obj['spec'];
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return specs;
  const s = spec as Record<string, unknown>;
  if (obj.kind === 'Pod') specs.push(s);
  const template = s['template'] as { spec?: Record<string, unknown> } | undefined;
  if (template?.spec !== undefined && typeof template.spec === 'object') specs.push(template.spec);
  const jobTemplate = s['jobTemplate'] as
    { spec?: { template?: { spec?: Record<string, unknown> } } } | undefined;
  const jobPod = jobTemplate?.spec?.template?.spec;
  if (jobPod !== undefined && typeof jobPod === 'object') specs.push(jobPod);
  return specs;
}

/**
 * Upstream defaulting plus what upstream's internal-version conversions do on every write:
 * Secret `stringData` merged into base64 `data`, and a PodSpec's deprecated `serviceAccount`
 * kept equal to `serviceAccountName`.
 */
function resourceDefaults(obj: StoredObject): void {
  setDefaults(obj);
  if (obj.kind === 'Secret' && obj.apiVersion === 'v1') {
    const stringData = obj['stringData'];
    if (stringData !== null && typeof stringData === 'object' && !Array.isArray(stringData)) {
      const data = { ...((obj['data'] ?? {}) as Record<string, string>) };
      for (const [k, v] of Object.entries(stringData as Record<string, unknown>)) {
        if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
      }
      obj['data'] = data;
      delete obj['stringData'];
    }
  }
  for (const spec of podSpecsOf(obj)) {
    const name = spec['serviceAccountName'];
    const legacy = spec['serviceAccount'];
    if ((typeof name !== 'string' || name === '') && typeof legacy === 'string' && legacy !== '') {
      spec['serviceAccountName'] = legacy;
    } else if (typeof name === 'string' && name !== '') {
      spec['serviceAccount'] = name;
    }
  }
}

/** Builds the registries of every stored resource in the scheme. */
export function buildRegistries(
  scheme: Scheme,
  storage: Storage,
  now: () => Date,
  onDeleted?: RegistryHooks['afterDelete'],
  services: ServiceAllocator = new ServiceAllocator(storage),
  caches?: WatchCaches,
  admission?: () => Admission | undefined,
): Map<string, ResourceRegistry> {
  const registries = new Map<string, ResourceRegistry>();
  const nsInfo = scheme.byGroupVersionResource({
    group: '',
    version: 'v1',
    resource: 'namespaces',
  });
  const hooks: RegistryHooks = {
    setDefaults: resourceDefaults,
    validateCreate: (obj) => validateCreate(obj),
    validateUpdate: (obj, old) => validateUpdate(obj, old),
    validateStatusUpdate: (obj, old) => validateStatusUpdate(obj, old),
    prepareCreate: (info, obj) => {
      if (info.group === 'batch' && info.resource === 'jobs')
        prepareJob(obj, obj.metadata?.uid ?? '');
    },
    applyPatch: (type, current, patch, meta) => {
      if (type === 'apply') throw new Error('server-side apply is handled elsewhere');
      try {
        return applyPatch(type, current, patch, meta);
      } catch (err) {
        if (!(err instanceof PatchError)) throw err;
        // A patch that cannot be applied is the client's error, never a 500.
        if (err.kind === 'Internal') {
          const group = meta.apiVersion.includes('/') ? (meta.apiVersion.split('/')[0] ?? '') : '';
          throw newInvalid({ group, kind: meta.kind }, current.metadata?.name ?? '', [
            invalid(newPath('patch'), '', err.detail),
          ]);
        }
        throw err.toStatusError();
      }
    },
    namespacePhase: async (namespace) => {
      if (nsInfo === undefined) return 'Active';
      const key = storageKey(nsInfo, undefined, namespace);
      // The watch cache answers for every create in an existing namespace; only a namespace it
      // has not seen yet (just created, or missing) costs a consistent read, as upstream's
      // NamespaceLifecycle does with its informer.
      const source = caches?.get(nsInfo.storagePrefix ?? '') ?? storage;
      const ns =
        (await source.get(key, { resourceVersion: 0, ignoreNotFound: true })) ??
        (await storage.get(key, { ignoreNotFound: true }));
      if (ns === undefined) return undefined;
      const phase = (ns['status'] as { phase?: string } | undefined)?.phase;
      return phase ?? 'Active';
    },
    now,
    normalize: (obj) => {
      setWireZeroValues(obj);
    },
    beforeUpdate: async (info, obj, old, dryRun) =>
      info.group === '' && info.resource === 'services'
        ? services.update(obj, old, dryRun)
        : undefined,
    beforeCreate: async (info, obj, dryRun) =>
      info.group === '' && info.resource === 'services'
        ? services.allocate(obj, dryRun)
        : undefined,
    admitMutating: async (req) => {
      const a = admission?.();
      return a === undefined ? req.object : a.admitMutating(req);
    },
    admitValidating: async (req) => {
      await admission?.()?.admitValidating(req);
    },
    managedFieldsType: ((): RegistryHooks['managedFieldsType'] => {
      // Created on the first write (types compile on first use too), then shared.
      let resolver: TypeResolver | undefined;
      return (info) => {
        resolver ??= newTypeResolver(generatedSchemas().schemas);
        return resolver.typeFor(schemaNameOf(info.group, info.version, info.kind));
      };
    })(),
    afterDelete: (info, result) => {
      if (result.deleted && info.group === '' && info.resource === 'services') {
        services.release(result.object).catch(() => undefined); // a repair pass can reclaim leaks later
      }
      onDeleted?.(info, result);
    },
  };
  for (const info of scheme.all()) {
    const prefix = info.storagePrefix;
    if (prefix === undefined) continue;
    registries.set(
      registryKey(info.group, info.version, info.resource),
      new ResourceRegistry(
        info,
        storage,
        strategyFor(info),
        hooks,
        caches ? () => caches.get(prefix) : undefined,
      ),
    );
  }
  hooksByRegistries.set(registries, hooks);
  return registries;
}

/** The hooks buildRegistries gave its registries (custom resource registries reuse them). */
const hooksByRegistries = new WeakMap<Map<string, ResourceRegistry>, RegistryHooks>();

/**
 * The `kubernetes` Service (first service IP, port 443) and its Endpoints pointing at this
 * server, as kube-apiserver's bootstrap controller keeps them.
 */
async function ensureKubernetesService(
  registries: Map<string, ResourceRegistry>,
  services: ServiceAllocator,
  advertiseAddress: string | undefined,
  port: number,
): Promise<void> {
  const svcRegistry = registries.get(registryKey('', 'v1', 'services'));
  const epRegistry = registries.get(registryKey('', 'v1', 'endpoints'));
  if (svcRegistry === undefined || epRegistry === undefined) return;
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  let exists = true;
  try {
    await svcRegistry.get('default', 'kubernetes');
  } catch (err) {
    if ((err as { status?: { code?: number } }).status?.code !== 404) throw err;
    exists = false;
  }
  if (!exists) {
    await svcRegistry.create(
      'default',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', labels },
        spec: {
          type: 'ClusterIP',
          clusterIP: services.firstIP,
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
          sessionAffinity: 'None',
        },
      },
      { dryRun: false },
    );
  }
  if (advertiseAddress === undefined) return;
  const endpoints: StoredObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
    },
    subsets: [
      { addresses: [{ ip: advertiseAddress }], ports: [{ name: 'https', port, protocol: 'TCP' }] },
    ],
  };
  try {
    const current = await epRegistry.get('default', 'kubernetes');
    // Already current (the usual restart): no write, so no fsync on the way to ready.
    if (
      JSON.stringify(current.subsets) === JSON.stringify(endpoints.subsets) &&
      JSON.stringify(current.metadata?.labels) === JSON.stringify(endpoints.metadata?.labels)
    ) {
      return;
    }
  } catch (err) {
    if ((err as { status?: { code?: number } }).status?.code !== 404) throw err;
  }
  // Endpoints allow create-on-update: PUT makes it exist and current.
  await epRegistry.update('default', 'kubernetes', endpoints, '', { dryRun: false });
}

/**
 * The address other machines reach this server at (upstream's --advertise-address default): a
 * specific, non-loopback bind address, else the host's first external IPv4. Undefined when the
 * host has none (then no Endpoints are written: loopback endpoints are invalid upstream).
 */
export function defaultAdvertiseAddress(bindAddress: string): string | undefined {
  const wildcard = bindAddress === '0.0.0.0' || bindAddress === '::' || bindAddress === '';
  const loopback = bindAddress.startsWith('127.') || bindAddress === '::1';
  if (!wildcard && !loopback) return bindAddress;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return undefined;
}

async function ensureNamespaces(registry: ResourceRegistry | undefined): Promise<void> {
  if (registry === undefined) return;
  // Concurrently: the store commits the four creates in one transaction (one fsync), which
  // matters at start-up, where this is on the path to ready.
  await Promise.all(
    SYSTEM_NAMESPACES.map(async (name) => {
      try {
        // A read first: on a restart they all exist, and a failed create costs a write.
        await registry.get('', name);
        return;
      } catch (err) {
        if ((err as { status?: { code?: number } }).status?.code !== 404) throw err;
      }
      try {
        await registry.create(
          '',
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
          { dryRun: false },
        );
      } catch (err) {
        if ((err as { status?: { code?: number } }).status?.code !== 409) throw err;
      }
    }),
  );
}

/**
 * The kubelet client, the connect handlers and metrics.k8s.io over the registries; the scraper
 * runs until `signal` aborts (`scraping` settles then).
 */
function kubeletServing(
  config: KubeletClientConfig & { metricsIntervalMs?: number },
  registries: Map<string, ResourceRegistry>,
  now: () => Date,
  signal: AbortSignal,
): {
  client: KubeletClient;
  connect: KubeletConnect;
  metrics: MetricsApi;
  scraping: Promise<void>;
} {
  const registry = (resource: string): ResourceRegistry => {
    const r = registries.get(registryKey('', 'v1', resource));
    if (r === undefined) throw new Error(`no registry for ${resource}`);
    return r;
  };
  const pods = registry('pods');
  const nodes = registry('nodes');
  const getPod = async (namespace: string, name: string): Promise<Pod> =>
    (await pods.get(namespace, name)) as unknown as Pod;
  const getNode = async (name: string): Promise<Node> =>
    (await nodes.get('', name)) as unknown as Node;
  // Consistent reads: a watch cache started after the server (on first use) misses objects
  // created in between when listing at resourceVersion "0" (seen in the kubelet integration test).
  const listNodes = async (labelSelector = ''): Promise<Node[]> =>
    (await nodes.list('', { labelSelector })).items as unknown as Node[];
  const client = new KubeletClient(config);
  const store = new MetricsStore();
  const scraper = new MetricsScraper({
    client,
    store,
    // From the watch cache: a round every 15 s must not decode every Node from storage (185 ms
    // of the event loop at 2,000 nodes). A node the cache has not seen yet waits for the next
    // round, as a node registered just after a round does anyway.
    listNodes: async () =>
      (await nodes.list('', { resourceVersion: '0' })).items as unknown as Node[],
    ...(config.metricsIntervalMs === undefined ? {} : { intervalMs: config.metricsIntervalMs }),
  });
  return {
    client,
    connect: new KubeletConnect({ client, getPod, getNode, shutdownSignal: signal }),
    metrics: new MetricsApi({
      store,
      getNode,
      listNodes,
      getPod,
      listPods: async (namespace, labelSelector, fieldSelector) =>
        (await pods.list(namespace, { labelSelector, fieldSelector })).items as unknown as Pod[],
      now,
    }),
    scraping: scraper.run(signal),
  };
}

/** Starts the API server and resolves once it listens. */
export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const now = opts.now ?? (() => new Date());
  const scheme = newBuiltinScheme();
  if (opts.kubeletClient !== undefined) for (const info of metricsResourceInfos()) scheme.add(info);
  let lifecycle: NamespaceLifecycle | undefined;
  let quotaController: ResourceQuotaController | undefined;
  const caches = new WatchCaches(opts.storage, await opts.storage.currentResourceVersion());
  const services = new ServiceAllocator(
    opts.storage,
    opts.serviceCIDR === undefined ? {} : { serviceCIDR: opts.serviceCIDR },
  );
  // The namespaces' watch cache is wanted by nearly every request (NamespaceLifecycle, webhook
  // namespace selectors): start it now rather than on the first request.
  const namespacesInfo = scheme.byGroupResource({ group: '', resource: 'namespaces' });
  const namespaceCache =
    namespacesInfo === undefined ? undefined : caches.get(namespacesInfo.storagePrefix ?? '');
  // Admission needs the registries (Service lookups) and the registries call admission.
  const admissionRef: { current?: Admission } = {};
  const registries = buildRegistries(
    scheme,
    opts.storage,
    now,
    (info, result) => {
      if (info.group === '' && info.resource === 'namespaces') lifecycle?.trigger();
      if (result.deleted) quotaController?.objectDeleted(result.object.metadata?.namespace ?? '');
    },
    services,
    caches,
    () => admissionRef.current,
  );
  const security = await newSecurity({
    storage: opts.storage,
    scheme,
    registry: (group, version, resource) => registries.get(registryKey(group, version, resource)),
    ...(opts.serviceAccountKeyDir === undefined
      ? {}
      : { serviceAccountKeyDir: opts.serviceAccountKeyDir }),
    ...(opts.serviceAccountIssuer === undefined
      ? {}
      : { serviceAccountIssuer: opts.serviceAccountIssuer }),
    ...(opts.tokenAuthFile === undefined ? {} : { tokenAuthFile: opts.tokenAuthFile }),
    now,
  });
  let securityReady = false;

  const admission = newAdmission({
    storage: opts.storage,
    scheme,
    registry: (group, version, resource) => registries.get(registryKey(group, version, resource)),
    setDefaults: resourceDefaults,
    getNamespace: (name) =>
      namespacesInfo === undefined
        ? undefined
        : namespaceCache?.peek(storageKey(namespacesInfo, undefined, name)),
    authorize: (attrs) => security.authorizer.authorize(attrs),
    rules: security.rbac,
  });
  admissionRef.current = admission;

  // Custom resources: served from the CRDs in storage before the server listens.
  const openapiRef: { current: OpenApiDocs } = {
    current: buildOpenApiV3(scheme, KUBERNETES_VERSION.gitVersion),
  };
  const crdRegistry = registries.get(
    registryKey('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'),
  );
  const baseHooks = hooksByRegistries.get(registries);
  const crds =
    crdRegistry === undefined || baseHooks === undefined
      ? undefined
      : new CrdServing({
          storage: opts.storage,
          scheme,
          registries,
          registryKey,
          crds: crdRegistry,
          makeRegistry: (info, hooks) => {
            const prefix = info.storagePrefix ?? '';
            // One storage for all versions; each version reads and writes through its view.
            const served = `${info.group}/${info.version}`;
            const stored = `${info.group}/${info.storageVersion}`;
            let cache: Storage | undefined; // the watch cache starts on first use, as for built-ins
            return new ResourceRegistry(
              info,
              versionedStorage(opts.storage, served, stored),
              { ...strategyFor(info), hasGeneration: true },
              hooks,
              () => (cache ??= versionedStorage(caches.get(prefix), served, stored)),
            );
          },
          baseHooks,
          builtinSchemas: () => generatedSchemas().schemas,
          onChange: () => {
            openapiRef.current = buildOpenApiV3(scheme, KUBERNETES_VERSION.gitVersion, () =>
              crds === undefined ? {} : crds.openapiSchemas(),
            );
          },
          now,
        });
  await crds?.ready();
  const namespaces = registries.get(registryKey('', 'v1', 'namespaces'));
  await ensureNamespaces(namespaces);
  const securityStarted = security.start().then(() => {
    securityReady = true;
  });
  // Awaited before the server reports ready; no unhandled rejection meanwhile.
  securityStarted.catch(() => undefined);
  const ownLoops = opts.inProcessControllers !== false;
  if (namespaces !== undefined && ownLoops) {
    lifecycle = new NamespaceLifecycle({
      namespaces,
      namespaced: [...registries.values()].filter(
        (r) => r.info.namespaced && r.info.version === r.info.storageVersion,
      ),
    });
    lifecycle.trigger(); // namespaces left terminating by an earlier run
  }
  const quotas = registries.get(registryKey('', 'v1', 'resourcequotas'));
  if (quotas !== undefined && ownLoops) {
    quotaController = new ResourceQuotaController({
      storage: opts.storage,
      quotas,
      registryFor: (gr) => {
        for (const r of registries.values()) {
          const i = r.info;
          if (i.group === gr.group && i.resource === gr.resource && i.version === i.storageVersion)
            return r;
        }
        return undefined;
      },
    });
  }
  const serviceAccounts = registries.get(registryKey('', 'v1', 'serviceaccounts'));
  const configMaps = registries.get(registryKey('', 'v1', 'configmaps'));
  const namespaceDefaults =
    !ownLoops ||
    namespaces === undefined ||
    serviceAccounts === undefined ||
    configMaps === undefined
      ? undefined
      : new NamespaceDefaults({
          storage: opts.storage,
          namespaces,
          serviceAccounts,
          configMaps,
          caPem: opts.tls.caPem,
        });

  let auditBackend: FileAuditBackend | undefined;
  let auditor: Auditor | undefined;
  if (opts.audit !== undefined) {
    const policy = parseAuditPolicy(await readFile(opts.audit.policyFile, 'utf8'));
    const rotation = opts.audit.rotation ?? {};
    const rotationErrors = validateRotationOptions(rotation);
    if (rotationErrors.length > 0) throw new Error(rotationErrors.join(', '));
    auditBackend = new FileAuditBackend({ path: opts.audit.logPath, rotation });
    auditor = new Auditor({ policy, sink: auditBackend });
  }

  const shutdown = new AbortController();
  // Every open watch listens for the shutdown: many listeners are expected, not a leak.
  setMaxListeners(0, shutdown.signal);
  const kubelet =
    opts.kubeletClient === undefined
      ? undefined
      : kubeletServing(opts.kubeletClient, registries, now, shutdown.signal);
  let port = opts.port;
  const handler = createHandler(
    {
      scheme,
      registries,
      schemaNode: (info) => {
        const custom = crds?.served(info);
        if (custom !== undefined) return custom.shape;
        return schemaNodeForKind(generatedSchemas().schemas, {
          group: info.group,
          version: info.version,
          kind: info.kind,
        });
      },
      get openapi() {
        return openapiRef.current;
      },
      get serverAddress() {
        return `${opts.bindAddress === '0.0.0.0' ? '127.0.0.1' : opts.bindAddress}:${String(port)}`;
      },
      ...(auditor === undefined ? {} : { auditor }),
      authenticate: (req) => security.authenticator.authenticate(req),
      authorize: (attrs) => security.authorizer.authorize(attrs),
      rulesFor: (user, ns) => security.rbac.rulesFor(user, ns),
      reviewToken: (token, audiences) => security.authenticator.reviewToken(token, audiences),
      tokenRequest: (namespace, name, body) => security.tokenRequest(namespace, name, body),
      openid: () => {
        try {
          const host =
            opts.advertiseAddress ?? defaultAdvertiseAddress(opts.bindAddress) ?? '127.0.0.1';
          return security.openid(`${host.includes(':') ? `[${host}]` : host}:${String(port)}`);
        } catch {
          return undefined;
        }
      },
      ready: async () => {
        if (!securityReady) return false;
        try {
          await opts.storage.currentResourceVersion();
          return true;
        } catch {
          return false;
        }
      },
      decodeProtobuf: (body) => {
        const decoded = decodeKubernetesProtobuf(body);
        return {
          ...decoded.object,
          apiVersion: decoded.apiVersion,
          kind: decoded.kind,
        };
      },
      now,
      shutdownSignal: shutdown.signal,
      ...(kubelet === undefined
        ? {}
        : {
            serveOther: async (info, params, req, res) =>
              (await kubelet.connect.serve(info, params, req, res)) ||
              (await kubelet.metrics.serve(info, params, res)),
          }),
    },
    opts.maxRequestsInFlight,
  );

  let inFlight = 0;
  let idle: (() => void) | undefined;
  const onRequest = (
    req: Parameters<typeof handler>[0],
    res: Parameters<typeof handler>[1],
  ): void => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    handler(req, res);
  };
  const server = http2.createSecureServer(
    {
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ca: opts.tls.caPem,
      requestCert: true,
      rejectUnauthorized: false,
      allowHTTP1: true,
      settings: { maxHeaderListSize: 1 << 20 },
    },
    onRequest,
  );
  // WebSocket and SPDY upgrades (exec, attach, port-forward) go through the same pipeline.
  serveUpgrades(server, onRequest);
  // Upstream (Go) accepts 1 MiB of request headers; Node's HTTP/1 parser defaults to 16 KiB and
  // the HTTP/1 fallback of an HTTP/2 server reads this property (there is no option for it).
  (server as unknown as { maxHeaderSize: number }).maxHeaderSize = 1 << 20;
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<Socket>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that fails the TLS handshake must not take the server down.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : opts.port;
  try {
    await ensureKubernetesService(
      registries,
      services,
      opts.advertiseAddress ?? defaultAdvertiseAddress(opts.bindAddress),
      port,
    );
  } catch (err) {
    server.close();
    throw err;
  }
  try {
    // The default roles and bindings exist, and admission's mirrors are synced, before the
    // server reports ready.
    await Promise.all([securityStarted, admission.ready()]);
  } catch (err) {
    server.close();
    await security.close();
    throw err;
  }
  const host =
    opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? '127.0.0.1' : opts.bindAddress;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      lifecycle?.stop();
      await namespaceDefaults?.close();
      await quotaController?.close();
      await security.close();
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      shutdown.abort(); // ends every watch
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            idle = resolve;
          }),
          new Promise<void>((resolve) => setTimeout(resolve, 5000).unref()),
        ]);
      }
      for (const s of sessions) s.close();
      for (const s of sockets) s.destroy();
      await closed;
      await crds?.close();
      await admission.close();
      await caches.close();
      await auditBackend?.close();
      await kubelet?.scraping;
      kubelet?.client.close();
    })();
    return closing;
  };
  opts.signal?.addEventListener('abort', () => {
    void close();
  });
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${String(port)}`,
    port,
    scheme,
    close,
  };
}
