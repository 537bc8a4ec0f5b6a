/**
 * The components `skiff server` and `skiff up` run beside the API server in the same process:
 * the controller-manager (unless --disable-controller-manager), the scheduler (unless
 * --disable-scheduler) and simulated nodes (--simulated-nodes N). Each authenticates with its
 * own client certificate (DIR/pki/<component>.crt) and talks to the API server over HTTPS
 * through the client library, exactly as it would from another machine.
 */
import type { CertificateAuthority, CertificateKeyPair } from '../apiserver/pki/index.ts';
import { SIMULATED_NODE_POOL_USER } from '../api/index.ts';
import { ensureClientCertificate } from './data-dir.ts';
import type { ServerFlags } from './server-flags.ts';
import type { ComponentIdentity } from './component-identity.ts';

/** Running components; `stop()` aborts them and resolves once they all stopped. */
export interface RunningComponents {
  stop(): Promise<void>;
}

/** Where the components find the API server and the cluster CA. */
export interface ComponentsContext {
  flags: ServerFlags;
  /** Make this machine a node (`skiff up` without --disable-agent). */
  agent?: boolean;
  dataDir: string;
  /** The API server's URL as seen from this process. */
  server: string;
  ca: CertificateAuthority;
  /** The admin's client certificate (used once, to create the simulated pool's role). */
  admin: CertificateKeyPair;
  /** Reports a problem a component survives (it retries). */
  warn(message: string): void;
  /** Progress lines (default: warn). */
  out?(message: string): void;
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
  const identity = async (file: string, commonName: string): Promise<ComponentIdentity> => {
    const cert = await ensureClientCertificate(ctx.dataDir, ctx.ca, file, { commonName });
    return { server: ctx.server, caPem: ctx.ca.certPem, ...cert.pair };
  };
  /** Runs `body` in the background; its failure is reported once, never thrown. */
  const start = (name: string, body: () => Promise<void>): void => {
    runs.push(
      body().catch((err: unknown) => {
        ctx.warn(`${name} stopped: ${errorText(err)}`);
      }),
    );
  };
  if (ctx.flags.disableControllerManager !== true) {
    start('controller-manager', async () => {
      const id = await identity('controller-manager', 'system:kube-controller-manager');
      const { runControllerManager } = await import('./controller-manager.ts');
      await runControllerManager({
        identity: id,
        signal: abort.signal,
        signingCA: ctx.ca,
        ...(ctx.flags.nodeLifecycle === undefined
          ? {}
          : { nodeLifecycle: ctx.flags.nodeLifecycle }),
        onError: (what, err) => {
          debug(`controller-manager: ${what}`, err);
        },
      });
    });
  }
  if (ctx.flags.disableScheduler !== true) {
    start('scheduler', async () => {
      const id = await identity('scheduler', 'system:kube-scheduler');
      const { runScheduler } = await import('./scheduler-and-nodes.ts');
      await runScheduler(id, abort.signal, debug, ctx.flags.schedulerConfig);
    });
  }
  if (ctx.agent === true) {
    start('node', async () => {
      const { runRealNode } = await import('./node-agent.ts');
      await runRealNode({
        dataDir: ctx.dataDir,
        server: ctx.server,
        ca: ctx.ca,
        admin: ctx.admin,
        nodeIpam: ctx.flags.disableControllerManager !== true,
        ...(ctx.flags.nodeIp !== undefined ? { nodeIp: ctx.flags.nodeIp } : {}),
        ...(ctx.flags.kubeletPort !== undefined ? { kubeletPort: ctx.flags.kubeletPort } : {}),
        ...(ctx.flags.kubeletConfig !== undefined
          ? { kubeletConfig: ctx.flags.kubeletConfig }
          : {}),
        signal: abort.signal,
        out: (m) => {
          if (ctx.out !== undefined) ctx.out(m);
          else ctx.warn(m);
        },
        warn: (m) => {
          ctx.warn(m);
        },
      });
    });
  }
  const nodes = ctx.flags.simulatedNodes ?? 0;
  if (nodes > 0) {
    start('simulated nodes', async () => {
      const { runSimulatedNodes } = await import('./scheduler-and-nodes.ts');
      const id = await identity('simulated-nodes', SIMULATED_NODE_POOL_USER);
      await runSimulatedNodes(id, nodes, abort.signal, debug);
    });
  }
  return {
    async stop(): Promise<void> {
      abort.abort();
      await Promise.all(runs);
    },
  };
}
