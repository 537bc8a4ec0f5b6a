/**
 * The components `skiff server` and `skiff up` run beside the API server in the same process:
 * the controller-manager (unless --disable-controller-manager), the scheduler (unless
 * --disable-scheduler) and simulated nodes (--simulated-nodes N). Each authenticates with its
 * own client certificate (DIR/pki/<component>.crt) and talks to the API server over HTTPS
 * through the client library, exactly as it would from another machine.
 */
import type { CertificateAuthority, CertificateKeyPair } from '../apiserver/pki/index.ts';
import { ensureClientCertificate } from './data-dir.ts';
import type { ServerFlags } from './server-flags.ts';

/** Running components; `stop()` aborts them and resolves once they all stopped. */
export interface RunningComponents {
  stop(): Promise<void>;
}

/** Where the components find the API server and the cluster CA. */
export interface ComponentsContext {
  flags: ServerFlags;
  dataDir: string;
  /** The API server's URL as seen from this process. */
  server: string;
  ca: CertificateAuthority;
  /** The admin's client certificate (used once, to create the simulated pool's role). */
  admin: CertificateKeyPair;
  /** Reports a problem a component survives (it retries). */
  warn(message: string): void;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Starts the enabled components in the background. */
export function startComponents(ctx: ComponentsContext): RunningComponents {
  const abort = new AbortController();
  const runs: Promise<void>[] = [];
  const debug = (what: string, err: unknown): void => {
    if (process.env['SKIFF_DEBUG'] === '1') ctx.warn(`${what}: ${errorText(err)}`);
  };
  if (ctx.flags.disableControllerManager !== true) {
    runs.push(
      (async () => {
        const cert = await ensureClientCertificate(ctx.dataDir, ctx.ca, 'controller-manager', {
          commonName: 'system:kube-controller-manager',
        });
        const { runControllerManager } = await import('./controller-manager.ts');
        await runControllerManager({
          server: ctx.server,
          caPem: ctx.ca.certPem,
          certPem: cert.pair.certPem,
          keyPem: cert.pair.keyPem,
          signal: abort.signal,
          onError: (what, err) => {
            if (process.env['SKIFF_DEBUG'] === '1')
              ctx.warn(`controller-manager: ${what}: ${errorText(err)}`);
          },
        });
      })().catch((err: unknown) => {
        ctx.warn(`controller-manager stopped: ${errorText(err)}`);
      }),
    );
  }
  const identity = async (file: string, commonName: string) => {
    const cert = await ensureClientCertificate(ctx.dataDir, ctx.ca, file, { commonName });
    return {
      server: ctx.server,
      caPem: ctx.ca.certPem,
      certPem: cert.pair.certPem,
      keyPem: cert.pair.keyPem,
    };
  };
  if (ctx.flags.disableScheduler !== true) {
    runs.push(
      (async () => {
        const id = await identity('scheduler', 'system:kube-scheduler');
        const { runScheduler } = await import('./scheduler-and-nodes.ts');
        await runScheduler(id, abort.signal, debug);
      })().catch((err: unknown) => {
        ctx.warn(`scheduler stopped: ${errorText(err)}`);
      }),
    );
  }
  const nodes = ctx.flags.simulatedNodes ?? 0;
  if (nodes > 0) {
    runs.push(
      (async () => {
        const { SIMULATED_POOL_USER, runSimulatedNodes } = await import('./scheduler-and-nodes.ts');
        const id = await identity('simulated-nodes', SIMULATED_POOL_USER);
        const admin = {
          server: ctx.server,
          caPem: ctx.ca.certPem,
          certPem: ctx.admin.certPem,
          keyPem: ctx.admin.keyPem,
        };
        await runSimulatedNodes(id, admin, nodes, abort.signal, debug);
      })().catch((err: unknown) => {
        ctx.warn(`simulated nodes stopped: ${errorText(err)}`);
      }),
    );
  }
  return {
    async stop(): Promise<void> {
      abort.abort();
      await Promise.all(runs);
    },
  };
}
