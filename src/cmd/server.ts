/**
 * `skiff server`: the API server over the chosen datastore, with the cluster PKI and the admin
 * kubeconfig in the data dir. Wiring only: the data dir and PKI come from data-dir.ts, the
 * kubeconfig from kubeconfig.ts, the store from src/storage, the server from src/apiserver.
 *
 * Start order: data dir → datastore (its lock guards the data dir against a second server) →
 * PKI → listen → kubeconfig (written once the server is listening, so its appearance means the
 * address in it answers). Shutdown on SIGINT/SIGTERM: the server (stop accepting, end watches,
 * finish in-flight requests), then the store. A second signal exits at once.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DsnError, isStorageError, openStorage } from '../storage/index.ts';
import type { Storage, StoreTransformer } from '../storage/index.ts';
import type { ApiServerOptions, RunningApiServer } from '../apiserver/index.ts';
import { saveCodeCacheSoon } from './code-cache.ts';
import { APISERVER_KUBELET_CLIENT_USER } from '../api/user.ts';
import {
  DataDirError,
  ensureClientCertificate,
  ensurePki,
  prepareDataDir,
  resolveDataDir,
} from './data-dir.ts';
import { serverUrlFor, writeAdminKubeconfig } from './kubeconfig.ts';
import type { ServerFlags } from './server-flags.ts';
import type { RunningComponents } from './components.ts';

/** Where the command writes: stdout for what the user needs, stderr for errors. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const processIo: CommandIo = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
};

/** The default datastore: SQLite in the data dir. */
export function defaultDatastore(dataDir: string): string {
  return `sqlite://${join(dataDir, 'state.db')}`;
}

/**
 * A one-line explanation of a start-up failure the user can act on, or undefined for an
 * unexpected error (printed with its stack).
 */
export function describeStartError(err: unknown, flags: ServerFlags): string | undefined {
  if (err instanceof DsnError || err instanceof DataDirError) return err.message;
  if (isStorageError(err, 'Locked')) return err.message;
  if (isStorageError(err)) return `cannot open the datastore: ${err.message}`;
  const code = (err as { code?: unknown }).code;
  const where = `${flags.bindAddress}:${String(flags.port)}`;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the address is already in use (another Skiff or API server?); choose another --port`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${flags.bindAddress} is not an address of this host`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (ports below 1024 need root)`;
    default:
      return undefined;
  }
}

/** Options for runServer beyond the flags. */
export interface RunServerOptions {
  /** The verb, for messages: 'server' or 'up'. */
  verb: string;
  io?: CommandIo;
  /** Stops the server like SIGTERM does (tests); signals are handled either way. */
  signal?: AbortSignal;
  /** Replaces the real API server (tests of the wiring); loaded lazily by default. */
  startApiServer?: StartApiServer;
}

/** Starts the API server (the real one, or a test's stand-in). */
type StartApiServer = (opts: ApiServerOptions) => Promise<Pick<RunningApiServer, 'port' | 'close'>>;

/**
 * Runs the server until SIGINT/SIGTERM (or `opts.signal`), then shuts it down. Resolves to the
 * process exit code: 0 after a clean shutdown, 1 when it could not start (after one line on
 * stderr saying why; the stack only for unexpected errors or with SKIFF_DEBUG=1).
 */
export async function runServer(flags: ServerFlags, opts: RunServerOptions): Promise<number> {
  const io = opts.io ?? processIo;
  const stop = new AbortController();
  // A function, not a property read, so the checks after each await are not narrowed away.
  const stopped = (): boolean => stop.signal.aborted;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopped()) {
      // A second signal: the user does not want to wait for a graceful shutdown.
      io.err(`skiff ${opts.verb}: ${signal} again, exiting now`);
      process.exit(130);
    }
    io.out(`Received ${signal}, shutting down`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onAbort = (): void => {
    stop.abort();
  };
  opts.signal?.addEventListener('abort', onAbort);

  let storage: Storage | undefined;
  let server: { close(): Promise<void> } | undefined;
  let components: RunningComponents | undefined;
  try {
    if (runsAgent(opts.verb, flags)) {
      // Before anything starts: a node that cannot run containers must not half-start.
      const problems = await agentPreflight();
      if (problems !== undefined) {
        io.err(`skiff ${opts.verb}: error: this machine cannot be a node:\n${problems}`);
        io.err(
          `Fix the above, or run \`skiff ${opts.verb} --disable-agent\` for a cluster without this machine as a node.`,
        );
        return 1;
      }
    }
    const dataDir = resolveDataDir(flags.dataDir);
    await prepareDataDir(dataDir);
    const dsn = flags.datastoreEndpoint ?? defaultDatastore(dataDir);
    // Open the store first (etcd answers, SQLite's writes wait on the disk) and overlap the
    // rest: loading the API server's code and reading the PKI.
    const storageOpening = openStorage(
      dsn,
      flags.encryptionProviderConfig === undefined
        ? undefined
        : { transformer: await encryptionTransformer(flags.encryptionProviderConfig) },
    );
    storageOpening.catch(() => undefined);
    const startApiServerLoaded: Promise<StartApiServer> =
      opts.startApiServer !== undefined
        ? Promise.resolve(opts.startApiServer)
        : import('../apiserver/index.ts').then((m) => m.startApiServer);
    startApiServerLoaded.catch(() => undefined);
    const extraIps =
      flags.bindAddress === '0.0.0.0' || flags.bindAddress === '::' ? [] : [flags.bindAddress];
    const pkiReading = ensurePki(dataDir, { ips: extraIps });
    pkiReading.catch(() => undefined);
    storage = await storageOpening;
    const pki = await pkiReading;
    if (pki.generated.includes('ca')) {
      io.out(`Generated the cluster CA in ${join(dataDir, 'pki')}`);
    }
    const startApiServer = await startApiServerLoaded;
    if (stopped()) return 0;
    // The API server's identity towards kubelets (logs, exec, port-forward, metrics).
    const kubeletClientCert = await ensureClientCertificate(
      dataDir,
      pki.ca,
      'apiserver-kubelet-client',
      { commonName: APISERVER_KUBELET_CLIENT_USER },
    );
    const running = await startApiServer({
      storage,
      bindAddress: flags.bindAddress,
      port: flags.port,
      tls: { certPem: pki.serving.certPem, keyPem: pki.serving.keyPem, caPem: pki.ca.certPem },
      serviceAccountKeyDir: join(dataDir, 'pki'),
      kubeletClient: {
        ...kubeletClientCert.pair,
        caPem: pki.ca.certPem,
        preferredAddressTypes: ['InternalIP', 'ExternalIP', 'Hostname'],
      },
      // The controller-manager's namespace, serviceaccount and resourcequota controllers
      // replace the API server's own loops.
      inProcessControllers: flags.disableControllerManager === true,
      ...(flags.tokenAuthFile === undefined ? {} : { tokenAuthFile: flags.tokenAuthFile }),
      ...(flags.auditPolicyFile === undefined
        ? {}
        : {
            audit: {
              policyFile: flags.auditPolicyFile,
              logPath: flags.auditLogPath ?? join(dataDir, 'audit.log'),
              rotation: {
                ...(flags.auditLogMaxSize === undefined
                  ? {}
                  : { maxSizeMB: flags.auditLogMaxSize }),
                ...(flags.auditLogMaxBackup === undefined
                  ? {}
                  : { maxBackups: flags.auditLogMaxBackup }),
                ...(flags.auditLogMaxAge === undefined ? {} : { maxAgeDays: flags.auditLogMaxAge }),
                ...(flags.auditLogCompress === true ? { compress: true } : {}),
              },
            },
          }),
    });
    server = running;
    const url = serverUrlFor(flags.bindAddress, running.port);
    const kubeconfig = await writeAdminKubeconfig(dataDir, url, {
      caPem: pki.ca.certPem,
      clientCertPem: pki.admin.certPem,
      clientKeyPem: pki.admin.keyPem,
    });
    io.out(
      `Skiff API server listening on ${url} (bound to ${flags.bindAddress}, datastore ${dsn}), ready in ${String(Math.round(performance.now()))} ms`,
    );
    io.out(`Kubeconfig written to ${kubeconfig}`);
    io.out(`  export KUBECONFIG=${kubeconfig}`);
    saveCodeCacheSoon();
    const { startComponents } = await import('./components.ts');
    components = startComponents({
      flags,
      agent: runsAgent(opts.verb, flags),
      out: (message) => {
        io.out(message);
      },
      dataDir,
      server: url,
      ca: pki.ca,
      admin: pki.admin,
      warn: (message) => {
        io.err(`skiff ${opts.verb}: ${message}`);
      },
    });
    const started = [
      ...(flags.disableControllerManager === true ? [] : ['controller-manager']),
      ...(flags.disableScheduler === true ? [] : ['scheduler']),
      ...((flags.simulatedNodes ?? 0) > 0
        ? [
            `${String(flags.simulatedNodes)} simulated nodes (sim-node-0..${String((flags.simulatedNodes ?? 1) - 1)})`,
          ]
        : []),
    ];
    if (started.length > 0) io.out(`Starting ${started.join(', ')}`);

    if (!stopped()) await once(stop.signal, 'abort');
    return 0;
  } catch (err) {
    const line = describeStartError(err, flags);
    io.err(`skiff ${opts.verb}: error: ${line ?? errorMessage(err)}`);
    if (line === undefined || process.env['SKIFF_DEBUG'] === '1') {
      io.err(err instanceof Error && err.stack !== undefined ? err.stack : String(err));
    }
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    opts.signal?.removeEventListener('abort', onAbort);
    // Components first: they are the API server's clients.
    await components?.stop();
    await shutdown(server, storage, io, opts.verb);
  }
}

/**
 * The Store's value transformer for an EncryptionConfiguration file (upstream
 * --encryption-provider-config): every built-in resource's storage prefix is registered, so the
 * configuration's resource names (`secrets`, `*.apps`, `widgets.example.com`, `*.*`) select
 * what is encrypted.
 */
async function encryptionTransformer(path: string): Promise<StoreTransformer> {
  const { KeyPrefixTransformer, loadEncryptionConfigFile } =
    await import('../apiserver/encryption/index.ts');
  const { newBuiltinScheme } = await import('../api/index.ts');
  const { transformers } = await loadEncryptionConfigFile(path);
  const transformer = new KeyPrefixTransformer(transformers);
  // Custom resources (`/registry/<group>/<plural>`) are resolved from their keys.
  transformer.registerAll(newBuiltinScheme().all());
  return transformer;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Closes the server, then the store; reports (does not throw) what fails to close. */
async function shutdown(
  server: { close(): Promise<void> } | undefined,
  storage: Storage | undefined,
  io: CommandIo,
  verb: string,
): Promise<void> {
  try {
    await server?.close();
  } catch (err) {
    io.err(`skiff ${verb}: closing the API server: ${errorMessage(err)}`);
  }
  try {
    await storage?.close();
  } catch (err) {
    io.err(`skiff ${verb}: closing the datastore: ${errorMessage(err)}`);
  }
}

/** Whether this command makes the machine a node: `up` unless --disable-agent. */
function runsAgent(verb: string, flags: ServerFlags): boolean {
  return verb === 'up' && flags.disableAgent !== true;
}

/** The node preflight's problems (one per line, each with its fix), or undefined when fine. */
async function agentPreflight(): Promise<string | undefined> {
  const { preflight, probeHost } = await import('../kubelet/agent/index.ts');
  const problems = preflight(await probeHost());
  return problems.length === 0 ? undefined : problems.map((p) => `  - ${p.message}`).join('\n');
}
