/**
 * The API server process: HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with client-certificate
 * authentication, one generic registry per built-in resource over one Storage, bootstrap
 * namespaces, and graceful shutdown (stop accepting, end watches, finish in-flight requests).
 */
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  KUBERNETES_VERSION,
  PatchError,
  applyPatch,
  decodeKubernetesProtobuf,
  newBuiltinScheme,
  setDefaults,
  setWireZeroValues,
  storageKey,
  type Scheme,
} from '../api/index.ts';
import type { Storage, StoredObject } from '../storage/index.ts';
import { createHandler, registryKey, type UserInfo } from './http/handler.ts';
import type { Request } from './http/respond.ts';
import { NamespaceLifecycle } from './namespace-lifecycle.ts';
import { buildOpenApiV3 } from './openapi/index.ts';
import { ResourceRegistry, type RegistryHooks } from './registry/registry.ts';
import { ServiceAllocator } from './registry/services.ts';
import { strategyFor } from './registry/strategy.ts';

export interface ApiServerOptions {
  storage: Storage;
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
}

export interface RunningApiServer {
  /** https://host:port */
  url: string;
  port: number;
  scheme: Scheme;
  /** Stops accepting, ends watches, waits for in-flight requests (up to a few seconds). */
  close(): Promise<void>;
}

/** Namespaces that exist from the start (upstream's system namespaces). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Reads the client certificate identity: user = CN, groups = O (upstream x509 authenticator). */
function authenticateClientCert(req: Request): UserInfo | undefined {
  const socket = (req as unknown as { socket?: TLSSocket }).socket;
  if (socket === undefined || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  const cn = cert.subject.CN;
  if (typeof cn !== 'string' || cn === '') return undefined;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: cn, groups: [...groups, 'system:authenticated'] };
}

function resourceDefaults(obj: StoredObject): void {
  setDefaults(obj);
}

/** Builds the registries of every stored resource in the scheme. */
export function buildRegistries(
  scheme: Scheme,
  storage: Storage,
  now: () => Date,
  onDeleted?: RegistryHooks['afterDelete'],
  services: ServiceAllocator = new ServiceAllocator(storage),
): Map<string, ResourceRegistry> {
  const registries = new Map<string, ResourceRegistry>();
  const nsInfo = scheme.byGroupVersionResource({
    group: '',
    version: 'v1',
    resource: 'namespaces',
  });
  const hooks: RegistryHooks = {
    setDefaults: resourceDefaults,
    validateCreate: () => [],
    validateUpdate: () => [],
    applyPatch: (type, current, patch, meta) => {
      if (type === 'apply') throw new Error('server-side apply is handled elsewhere');
      try {
        return applyPatch(type, current, patch, meta);
      } catch (err) {
        throw err instanceof PatchError ? err.toStatusError() : err;
      }
    },
    namespacePhase: async (namespace) => {
      if (nsInfo === undefined) return 'Active';
      const ns = await storage.get(storageKey(nsInfo, undefined, namespace), {
        ignoreNotFound: true,
      });
      if (ns === undefined) return undefined;
      const phase = (ns['status'] as { phase?: string } | undefined)?.phase;
      return phase ?? 'Active';
    },
    now,
    normalize: (obj) => {
      setWireZeroValues(obj);
    },
    beforeCreate: async (info, obj, dryRun) =>
      info.group === '' && info.resource === 'services'
        ? services.allocate(obj, dryRun)
        : undefined,
    afterDelete: (info, result) => {
      if (result.deleted && info.group === '' && info.resource === 'services') {
        services.release(result.object).catch(() => undefined); // a repair pass can reclaim leaks later
      }
      onDeleted?.(info, result);
    },
  };
  for (const info of scheme.all()) {
    if (info.storagePrefix === undefined) continue;
    registries.set(
      registryKey(info.group, info.version, info.resource),
      new ResourceRegistry(info, storage, strategyFor(info), hooks),
    );
  }
  return registries;
}

/**
 * The `kubernetes` Service (first service IP, port 443) and its Endpoints pointing at this
 * server, as kube-apiserver's bootstrap controller keeps them.
 */
async function ensureKubernetesService(
  registries: Map<string, ResourceRegistry>,
  services: ServiceAllocator,
  advertiseAddress: string,
  port: number,
): Promise<void> {
  const svcRegistry = registries.get(registryKey('', 'v1', 'services'));
  const epRegistry = registries.get(registryKey('', 'v1', 'endpoints'));
  if (svcRegistry === undefined || epRegistry === undefined) return;
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  try {
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
  } catch (err) {
    if ((err as { status?: { code?: number } }).status?.code !== 409) throw err;
  }
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
  // Endpoints allow create-on-update: PUT makes it exist and current.
  await epRegistry.update('default', 'kubernetes', endpoints, '', { dryRun: false });
}

/** The address other machines reach this server at: the bind address, else the first external IPv4. */
export function defaultAdvertiseAddress(bindAddress: string): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::' && bindAddress !== '') return bindAddress;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

async function ensureNamespaces(registry: ResourceRegistry | undefined): Promise<void> {
  if (registry === undefined) return;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await registry.create(
        '',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { dryRun: false },
      );
    } catch (err) {
      if ((err as { status?: { code?: number } }).status?.code !== 409) throw err;
    }
  }
}

/** Starts the API server and resolves once it listens. */
export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const now = opts.now ?? (() => new Date());
  const scheme = newBuiltinScheme();
  let lifecycle: NamespaceLifecycle | undefined;
  const services = new ServiceAllocator(
    opts.storage,
    opts.serviceCIDR === undefined ? {} : { serviceCIDR: opts.serviceCIDR },
  );
  const registries = buildRegistries(
    scheme,
    opts.storage,
    now,
    (info) => {
      if (info.group === '' && info.resource === 'namespaces') lifecycle?.trigger();
    },
    services,
  );
  const namespaces = registries.get(registryKey('', 'v1', 'namespaces'));
  await ensureNamespaces(namespaces);
  if (namespaces !== undefined) {
    lifecycle = new NamespaceLifecycle({
      namespaces,
      namespaced: [...registries.values()].filter(
        (r) => r.info.namespaced && r.info.version === r.info.storageVersion,
      ),
    });
    lifecycle.trigger(); // namespaces left terminating by an earlier run
  }

  const shutdown = new AbortController();
  let port = opts.port;
  const handler = createHandler(
    {
      scheme,
      registries,
      openapi: buildOpenApiV3(scheme, KUBERNETES_VERSION.gitVersion),
      get serverAddress() {
        return `${opts.bindAddress === '0.0.0.0' ? '127.0.0.1' : opts.bindAddress}:${String(port)}`;
      },
      authenticate: authenticateClientCert,
      ready: async () => {
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
    },
    opts.maxRequestsInFlight,
  );

  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server = http2.createSecureServer(
    {
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ca: opts.tls.caPem,
      requestCert: true,
      rejectUnauthorized: false,
      allowHTTP1: true,
    },
    (req, res) => {
      inFlight++;
      res.on('close', () => {
        inFlight--;
        if (inFlight === 0) idle?.();
      });
      handler(req, res);
    },
  );
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
  const host =
    opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? '127.0.0.1' : opts.bindAddress;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      lifecycle?.stop();
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
