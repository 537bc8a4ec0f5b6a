/**
 * Flags shared by `skiff server` and `skiff up`: their type, defaults and validation, with no
 * dependency on commander. `main.ts` parses a plain `server`/`up` command line with these alone
 * (node:util parseArgs), so the most common start does not load commander (~20 ms); everything
 * else (help, errors, other verbs) goes through commander in `program.ts`, which declares the
 * same flags from `server-options.ts`.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { NODE_LIFECYCLE_FLAGS, nodeLifecycleFlags } from './node-lifecycle-flags.ts';
import { KUBELET_CONFIG_FLAGS, kubeletConfigFlags } from './kubelet-config-flags.ts';
import type { KubeletConfigFlags } from './kubelet-config-flags.ts';
import type { NodeLifecycleFlags } from './node-lifecycle-flags.ts';

/** Validated flags of `skiff server` / `skiff up`. */
export interface ServerFlags {
  /** Unset: SKIFF_DATA_DIR, else ~/.skiff (see resolveDataDir). */
  dataDir: string | undefined;
  bindAddress: string;
  /** 0 picks a free port. */
  port: number;
  /** Unset: sqlite://DIR/state.db. */
  datastoreEndpoint: string | undefined;
  /** Static bearer tokens, CSV `token,user,uid,"group1,group2"` (upstream --token-auth-file). */
  tokenAuthFile?: string | undefined;
  /** EncryptionConfiguration file for data at rest (upstream --encryption-provider-config). */
  encryptionProviderConfig?: string | undefined;
  /** Audit policy file and log file (upstream --audit-policy-file, --audit-log-path). */
  auditPolicyFile?: string | undefined;
  auditLogPath?: string | undefined;
  /**
   * Audit log rotation (upstream --audit-log-maxsize MB, --audit-log-maxbackup,
   * --audit-log-maxage days, --audit-log-compress); present only when given. Negative values
   * are refused when the server starts, with upstream's messages.
   */
  auditLogMaxSize?: number;
  auditLogMaxBackup?: number;
  auditLogMaxAge?: number;
  auditLogCompress?: boolean;
  /** Do not run the controller-manager in this process (present only when set). */
  disableControllerManager?: boolean;
  /** Do not run the scheduler in this process (present only when set). */
  disableScheduler?: boolean;
  /** Simulated nodes to run in this process (`--simulated-nodes N`; absent: none). */
  simulatedNodes?: number;
  /** `up` only: do not make this machine a node (k3s's --disable-agent; present when set). */
  disableAgent?: boolean;
  /** `up` only: the node's InternalIP (default: the first non-loopback IPv4 address). */
  nodeIp?: string;
  /** `up` only: the kubelet's HTTPS port (default 10250; 0 picks a free one). */
  kubeletPort?: number;
  /**
   * KubeSchedulerConfiguration file of the scheduler (kube-scheduler's --config), present
   * only when given; loaded and checked before anything starts (see scheduler-config.ts).
   */
  schedulerConfig?: string;
  /** kube-controller-manager's node lifecycle flags, present only when one is given. */
  nodeLifecycle?: NodeLifecycleFlags;
  /** `up` only: the kubelet's eviction and container-log flags, present only when one is given. */
  kubeletConfig?: KubeletConfigFlags;
}

/** Why `value` is not a node count, or undefined when it is one (0-50000). */
export function nodeCountError(value: string): string | undefined {
  return !/^\d+$/.test(value) || Number(value) > 50_000
    ? 'must be a number of nodes from 0 to 50000.'
    : undefined;
}

/** The boolean and numeric component flags, present only when given. */
export function componentFlags(values: {
  disableControllerManager?: unknown;
  disableScheduler?: unknown;
  simulatedNodes?: unknown;
}): Pick<ServerFlags, 'disableControllerManager' | 'disableScheduler' | 'simulatedNodes'> {
  return {
    ...(values.disableControllerManager === true ? { disableControllerManager: true } : {}),
    ...(values.disableScheduler === true ? { disableScheduler: true } : {}),
    ...(values.simulatedNodes === undefined
      ? {}
      : { simulatedNodes: Number(values.simulatedNodes) }),
  };
}

/** Why `value` is not a node IP (an IPv4 or IPv6 address), or undefined when it is one. */
export function nodeIpError(value: string): string | undefined {
  return isIP(value) === 0 ? 'must be an IPv4 or IPv6 address.' : undefined;
}

/** Why `value` is not a kubelet port (0-65535; 0 picks a free one), or undefined. */
export function kubeletPortError(value: string): string | undefined {
  return /^\d{1,5}$/.test(value) && Number(value) <= 65535
    ? undefined
    : 'must be a port number from 0 to 65535.';
}

/** The agent flags of `up`, present only when given; undefined when a value is invalid. */
export function agentFlags(values: {
  disableAgent?: unknown;
  nodeIp?: string | undefined;
  kubeletPort?: string | undefined;
}): Pick<ServerFlags, 'disableAgent' | 'nodeIp' | 'kubeletPort'> | undefined {
  const { nodeIp, kubeletPort } = values;
  if (nodeIp !== undefined && nodeIpError(nodeIp) !== undefined) return undefined;
  if (kubeletPort !== undefined && kubeletPortError(kubeletPort) !== undefined) return undefined;
  return {
    ...(values.disableAgent === true ? { disableAgent: true } : {}),
    ...(nodeIp === undefined ? {} : { nodeIp }),
    ...(kubeletPort === undefined ? {} : { kubeletPort: Number(kubeletPort) }),
  };
}

/** Why `value` is not an integer (Go's strconv.ParseInt), or undefined when it is one. */
export function intFlagError(value: string): string | undefined {
  return /^[+-]?\d{1,15}$/.test(value) ? undefined : 'must be an integer.';
}

/** The audit log rotation flags, present only when given (values already checked as integers). */
export function auditRotationFlags(values: {
  auditLogMaxSize?: unknown;
  auditLogMaxBackup?: unknown;
  auditLogMaxAge?: unknown;
  auditLogCompress?: unknown;
}): Pick<
  ServerFlags,
  'auditLogMaxSize' | 'auditLogMaxBackup' | 'auditLogMaxAge' | 'auditLogCompress'
> {
  const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
  const size = num(values.auditLogMaxSize);
  const backup = num(values.auditLogMaxBackup);
  const age = num(values.auditLogMaxAge);
  return {
    ...(size === undefined ? {} : { auditLogMaxSize: size }),
    ...(backup === undefined ? {} : { auditLogMaxBackup: backup }),
    ...(age === undefined ? {} : { auditLogMaxAge: age }),
    ...(values.auditLogCompress === true ? { auditLogCompress: true } : {}),
  };
}

/** The entries of `flags` that are set (optional flags stay absent, not undefined). */
export function optional(flags: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) out[k] = v;
  return out;
}

/** The API server's default port, as kube-apiserver's --secure-port and k3s. */
export const DEFAULT_PORT = 6443;

/**
 * Listen on every interface by default, as kube-apiserver and k3s do, so that agents on other
 * machines can join; every request still needs a client certificate signed by the cluster CA
 * (only the health and version endpoints answer anonymously). Use --bind-address 127.0.0.1 to
 * keep the server local.
 */
export const DEFAULT_BIND_ADDRESS = '0.0.0.0';

/** Why `value` is not a port, or undefined when it is one (0-65535). */
export function portError(value: string): string | undefined {
  return !/^\d+$/.test(value) || Number(value) > 65535
    ? 'must be a port number from 0 to 65535 (0 picks a free port).'
    : undefined;
}

/** Why `value` is not an IP address, or undefined when it is one. */
export function bindAddressError(value: string): string | undefined {
  return isIP(value) === 0 ? 'must be an IPv4 or IPv6 address.' : undefined;
}

/**
 * Parses `[server|up] --flag value ...` without commander. Returns undefined for anything it
 * does not fully understand (help, unknown or malformed flags, invalid values, other verbs), so
 * that commander handles it with its usual messages. Environment defaults as commander's
 * `.env()`: SKIFF_DATA_DIR and SKIFF_DATASTORE_ENDPOINT, overridden by the flags.
 */
export function parseServerCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { verb: 'server' | 'up'; flags: ServerFlags } | undefined {
  const [verb, ...rest] = argv;
  if (verb !== 'server' && verb !== 'up') return undefined;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'data-dir': { type: 'string' },
        'bind-address': { type: 'string' },
        port: { type: 'string' },
        'datastore-endpoint': { type: 'string' },
        'token-auth-file': { type: 'string' },
        'encryption-provider-config': { type: 'string' },
        'audit-policy-file': { type: 'string' },
        'audit-log-path': { type: 'string' },
        'audit-log-maxsize': { type: 'string' },
        'audit-log-maxbackup': { type: 'string' },
        'audit-log-maxage': { type: 'string' },
        'audit-log-compress': { type: 'boolean' },
        'disable-controller-manager': { type: 'boolean' },
        'disable-scheduler': { type: 'boolean' },
        'simulated-nodes': { type: 'string' },
        'scheduler-config': { type: 'string' },
        'disable-agent': { type: 'boolean' },
        'node-ip': { type: 'string' },
        'kubelet-port': { type: 'string' },
        ...Object.fromEntries(
          [...NODE_LIFECYCLE_FLAGS, ...KUBELET_CONFIG_FLAGS].map((f) => [
            f.flag,
            { type: 'string' as const },
          ]),
        ),
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch {
    return undefined;
  }
  const str = (v: string | boolean | undefined): string | undefined =>
    typeof v === 'string' ? v : undefined;
  const port = str(values['port']) ?? String(DEFAULT_PORT);
  const bindAddress = str(values['bind-address']) ?? DEFAULT_BIND_ADDRESS;
  const nodes = str(values['simulated-nodes']);
  const rotation = {
    auditLogMaxSize: str(values['audit-log-maxsize']),
    auditLogMaxBackup: str(values['audit-log-maxbackup']),
    auditLogMaxAge: str(values['audit-log-maxage']),
  };
  let nodeLifecycle: NodeLifecycleFlags | undefined;
  try {
    nodeLifecycle = nodeLifecycleFlags(
      Object.fromEntries(NODE_LIFECYCLE_FLAGS.map((f) => [f.key, str(values[f.flag])])),
    );
  } catch {
    // A bad value: commander reports it.
    return undefined;
  }
  let kubeletConfig: KubeletConfigFlags | undefined;
  try {
    kubeletConfig = kubeletConfigFlags(
      Object.fromEntries(KUBELET_CONFIG_FLAGS.map((f) => [f.key, str(values[f.flag])])),
    );
  } catch {
    // A bad value: commander's path reports it.
    return undefined;
  }
  const schedulerConfig = str(values['scheduler-config']);
  const agent = agentFlags({
    disableAgent: values['disable-agent'],
    nodeIp: str(values['node-ip']),
    kubeletPort: str(values['kubelet-port']),
  });
  if (
    agent === undefined ||
    Object.values(rotation).some((v) => v !== undefined && intFlagError(v) !== undefined) ||
    portError(port) !== undefined ||
    bindAddressError(bindAddress) !== undefined ||
    (nodes !== undefined && nodeCountError(nodes) !== undefined)
  )
    return undefined;
  return {
    verb,
    flags: {
      dataDir: str(values['data-dir']) ?? env['SKIFF_DATA_DIR'],
      bindAddress,
      port: Number(port),
      datastoreEndpoint: str(values['datastore-endpoint']) ?? env['SKIFF_DATASTORE_ENDPOINT'],
      ...optional({
        tokenAuthFile: str(values['token-auth-file']),
        encryptionProviderConfig: str(values['encryption-provider-config']),
        auditPolicyFile: str(values['audit-policy-file']),
        auditLogPath: str(values['audit-log-path']),
      }),
      ...componentFlags({
        disableControllerManager: values['disable-controller-manager'],
        disableScheduler: values['disable-scheduler'],
        simulatedNodes: nodes,
      }),
      ...auditRotationFlags({ ...rotation, auditLogCompress: values['audit-log-compress'] }),
      ...(schedulerConfig === undefined ? {} : { schedulerConfig }),
      ...(nodeLifecycle === undefined ? {} : { nodeLifecycle }),
      ...(kubeletConfig === undefined ? {} : { kubeletConfig }),
      ...agent,
    },
  };
}
