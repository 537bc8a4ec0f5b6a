/**
 * The commander declarations of the server flags (for `program.ts`): the same flags, defaults
 * and validation as `server-flags.ts`, with commander's help texts and error messages.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_PORT,
  agentFlags,
  auditRotationFlags,
  bindAddressError,
  componentFlags,
  intFlagError,
  kubeletPortError,
  nodeCountError,
  nodeIpError,
  portError,
  type ServerFlags,
  optional,
} from './server-flags.ts';
import {
  FlagValueError,
  NODE_LIFECYCLE_FLAGS,
  nodeLifecycleFlags,
  parseNodeLifecycleValue,
} from './node-lifecycle-flags.ts';
import type { NodeLifecycleFlagSpec } from './node-lifecycle-flags.ts';
import { KUBELET_CONFIG_FLAGS, kubeletConfigFlags } from './kubelet-config-flags.ts';

function parsePort(value: string): number {
  const err = portError(value);
  if (err !== undefined) throw new InvalidArgumentError(err);
  return Number(value);
}

/** A commander argParser that refuses what `why` finds wrong and keeps the text otherwise. */
function checked(why: (value: string) => string | undefined): (value: string) => string {
  return (value) => {
    const err = why(value);
    if (err !== undefined) throw new InvalidArgumentError(err);
    return value;
  };
}

function parseNodeCount(value: string): number {
  const err = nodeCountError(value);
  if (err !== undefined) throw new InvalidArgumentError(err);
  return Number(value);
}

function parseIntFlag(value: string): number {
  const err = intFlagError(value);
  if (err !== undefined) throw new InvalidArgumentError(err);
  return Number(value);
}

function parseBindAddress(value: string): string {
  const err = bindAddressError(value);
  if (err !== undefined) throw new InvalidArgumentError(err);
  return value;
}

/** commander's parser of a node lifecycle flag: pflag's parse error as the reason. */
function nodeLifecycleParser(spec: NodeLifecycleFlagSpec): (value: string) => number {
  return (value) => {
    try {
      return parseNodeLifecycleValue(spec, value);
    } catch (err) {
      if (err instanceof FlagValueError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

/** Declares the server flags on `cmd` (commander parses and validates them). Returns `cmd`. */
export function addServerOptions(cmd: Command): Command {
  cmd
    .addOption(
      new Option(
        '--data-dir <dir>',
        'data directory: cluster CA and certificates, kubeconfig.yaml, SQLite store (default: ~/.skiff)',
      ).env('SKIFF_DATA_DIR'),
    )
    .addOption(
      new Option('--bind-address <addr>', 'IP address to listen on (127.0.0.1: this host only)')
        .default(DEFAULT_BIND_ADDRESS)
        .argParser(parseBindAddress),
    )
    .addOption(
      new Option('--port <port>', 'HTTPS port of the API server')
        .default(DEFAULT_PORT)
        .argParser(parsePort),
    )
    .addOption(
      new Option(
        '--datastore-endpoint <dsn>',
        'memory://, sqlite://PATH, etcd://HOST:PORT[,...] or https://HOST:PORT[,...] (default: sqlite://DIR/state.db)',
      ).env('SKIFF_DATASTORE_ENDPOINT'),
    )
    .addOption(
      new Option(
        '--token-auth-file <file>',
        'static bearer tokens, one per line: token,user,uid,"group1,group2"',
      ),
    )
    .addOption(
      new Option(
        '--encryption-provider-config <file>',
        'EncryptionConfiguration for data at rest (aesgcm, aescbc, identity providers)',
      ),
    )
    .addOption(new Option('--audit-policy-file <file>', 'audit Policy (audit.k8s.io/v1)'))
    .addOption(
      new Option('--audit-log-path <file>', 'audit log, JSON lines (default: DIR/audit.log)'),
    )
    .addOption(
      new Option(
        '--audit-log-maxsize <MB>',
        'rotate the audit log at this size in megabytes (0: 100)',
      ).argParser(parseIntFlag),
    )
    .addOption(
      new Option('--audit-log-maxbackup <n>', 'rotated audit logs kept (0: all)').argParser(
        parseIntFlag,
      ),
    )
    .addOption(
      new Option(
        '--audit-log-maxage <days>',
        'days rotated audit logs are kept (0: no limit)',
      ).argParser(parseIntFlag),
    )
    .addOption(new Option('--audit-log-compress', 'gzip rotated audit logs'))
    .addOption(
      new Option(
        '--disable-controller-manager',
        'do not run the controller-manager in this process',
      ),
    )
    .addOption(new Option('--disable-scheduler', 'do not run the scheduler in this process'))
    .addOption(
      new Option('--simulated-nodes <n>', 'run N simulated nodes in this process').argParser(
        parseNodeCount,
      ),
    )
    .addOption(new Option('--disable-agent', 'up: do not make this machine a node'))
    .addOption(
      new Option(
        '--node-ip <ip>',
        "up: the node's InternalIP (default: the first non-loopback IPv4 address)",
      ).argParser(checked(nodeIpError)),
    )
    .addOption(
      new Option(
        '--kubelet-port <port>',
        "up: the kubelet's HTTPS port (default: 10250; 0: a free one)",
      ).argParser((v: string) => Number(checked(kubeletPortError)(v))),
    )
    .addOption(
      new Option(
        '--scheduler-config <file>',
        'KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) of the scheduler: profiles, plugins, plugin args',
      ),
    );
  // The kubelet's eviction and container-log flags (the node of `up`).
  for (const spec of KUBELET_CONFIG_FLAGS) {
    cmd.addOption(new Option(`--${spec.flag} ${spec.placeholder}`, `up: ${spec.help}`));
  }
  // kube-controller-manager's node lifecycle flags, after the others in the help.
  for (const spec of NODE_LIFECYCLE_FLAGS) {
    cmd.addOption(
      new Option(
        `--${spec.flag} ${spec.placeholder}`,
        `controller-manager: ${spec.help} (default: ${spec.defaultText})`,
      ).argParser(nodeLifecycleParser(spec)),
    );
  }
  return cmd;
}

/** Turns commander's parsed option bag (untyped) into ServerFlags; throws on a wrong shape. */
export function serverFlagsFrom(opts: Record<string, unknown>): ServerFlags {
  const str = (v: unknown, name: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new TypeError(`${name} must be a string`);
    return v;
  };
  const port = opts['port'];
  if (typeof port !== 'number') throw new TypeError('port must be a number');
  return {
    dataDir: str(opts['dataDir'], 'data-dir'),
    bindAddress: str(opts['bindAddress'], 'bind-address') ?? DEFAULT_BIND_ADDRESS,
    port,
    datastoreEndpoint: str(opts['datastoreEndpoint'], 'datastore-endpoint'),
    ...optional({
      tokenAuthFile: str(opts['tokenAuthFile'], 'token-auth-file'),
      encryptionProviderConfig: str(opts['encryptionProviderConfig'], 'encryption-provider-config'),
      auditPolicyFile: str(opts['auditPolicyFile'], 'audit-policy-file'),
      auditLogPath: str(opts['auditLogPath'], 'audit-log-path'),
    }),
    ...componentFlags(opts),
    ...optional({ schedulerConfig: str(opts['schedulerConfig'], 'scheduler-config') }),
    ...(agentFlags({
      disableAgent: opts['disableAgent'],
      nodeIp: str(opts['nodeIp'], 'node-ip'),
      kubeletPort:
        typeof opts['kubeletPort'] === 'number' ? String(opts['kubeletPort']) : undefined,
    }) ?? {}),
    ...nodeLifecycleOf(opts),
    ...kubeletConfigOf(opts),
    // Commander camel-cases `--audit-log-maxsize` as `auditLogMaxsize`.
    ...auditRotationFlags({
      auditLogMaxSize: opts['auditLogMaxsize'],
      auditLogMaxBackup: opts['auditLogMaxbackup'],
      auditLogMaxAge: opts['auditLogMaxage'],
      auditLogCompress: opts['auditLogCompress'],
    }),
  };
}

/**
 * The kubelet flags commander collected (strings, camel-cased from the flag names), checked:
 * throws KubeletFlagError with the kubelet's message for a value it would refuse.
 */
function kubeletConfigOf(opts: Record<string, unknown>): Pick<ServerFlags, 'kubeletConfig'> {
  const kubeletConfig = kubeletConfigFlags(
    Object.fromEntries(
      KUBELET_CONFIG_FLAGS.map((f) => {
        const v = opts[camelCase(f.flag)];
        return [f.key, typeof v === 'string' ? v : undefined];
      }),
    ),
  );
  return kubeletConfig === undefined ? {} : { kubeletConfig };
}

const camelCase = (flag: string): string =>
  flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The node lifecycle flags commander parsed (numbers, camel-cased from the flag names). */
function nodeLifecycleOf(opts: Record<string, unknown>): Pick<ServerFlags, 'nodeLifecycle'> {
  const camel = (flag: string): string =>
    flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  const nodeLifecycle = nodeLifecycleFlags(
    Object.fromEntries(NODE_LIFECYCLE_FLAGS.map((f) => [f.key, opts[camel(f.flag)]])),
  );
  return nodeLifecycle === undefined ? {} : { nodeLifecycle };
}
