/**
 * `skiff agent --server URL --token T [--ca-cert-hash sha256:HEX | --ca-file F |
 * --insecure-skip-ca-verification] [--node-name NAME] [--data-dir DIR] [--node-ip IP]
 * [--kubelet-port P] [--simulated N]`: joins a machine to a running server. The agent trusts the
 * server first (agent-bootstrap.ts), gets its own client certificate through a
 * CertificateSigningRequest filed with the bootstrap token, keeps it in DIR/agent/ (reused on
 * restart, renewed at 70-90% of its lifetime) and runs as a client of the remote API server:
 *
 * - without `--simulated`, this machine is the node `<node-name>` (`system:node:<name>`): the
 *   real kubelet as `skiff up` runs it (node-agent.ts), after the same preflight (root, runc,
 *   CNI plugins...), which refuses before anything is sent; its serving certificate comes from
 *   a kubelet-serving CSR (agent-kubelet.ts);
 * - with `--simulated N`, N simulated nodes `<node-name>-<i>` (the node pool `skiff server
 *   --simulated-nodes` runs in-process) as `skiff:simulated-node-pool:<name>`.
 *
 * program.ts declares the verb with registerAgentCommand; everything heavier loads when it runs.
 */
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { CommandIo } from './server.ts';
import type { AgentCredentials, AgentFiles, AgentTrust } from './agent-bootstrap.ts';
import type { NodeClientRequest } from './agent-csr.ts';
import { KUBELET_CONFIG_FLAGS } from './kubelet-config-flags.ts';
import type { KubeletConfigFlags } from './kubelet-config-flags.ts';

/** The flags of `skiff agent`, validated. */
export interface AgentFlags {
  /** `https://host:port` without a trailing slash. */
  server: string;
  /** The bootstrap token; optional when DIR/agent holds a valid certificate already. */
  token?: string;
  trust: AgentTrust;
  dataDir?: string;
  nodeName: string;
  /** Number of simulated nodes; undefined: the real kubelet. */
  simulated?: number;
  /** The real kubelet's node IP (default: the first non-loopback IPv4 address). */
  nodeIp?: string;
  /** The kubelet's eviction and container-log flags (real kubelet only), as given. */
  kubeletConfig?: KubeletConfigFlags;
  /** The real kubelet's port (default 10250; 0 picks a free one). */
  kubeletPort?: number;
  /** How long to wait for the certificate to be approved and signed. */
  bootstrapTimeoutMs: number;
}

/** A flag error; the message is one line, printed as `skiff agent: error: ...`. */
export class AgentFlagError extends Error {
  override readonly name = 'AgentFlagError';
}

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** kubeadm's default discovery timeout is 5 minutes; approval by a person may take longer. */
const DEFAULT_BOOTSTRAP_TIMEOUT = '15m';
/** The most simulated nodes one agent runs (the pool is measured at 5,000). */
const MAX_SIMULATED = 100_000;

/** The raw option bag commander hands over. */
export interface AgentOptionBag {
  server?: unknown;
  token?: unknown;
  caCertHash?: unknown;
  caFile?: unknown;
  insecureSkipCaVerification?: unknown;
  dataDir?: unknown;
  nodeName?: unknown;
  simulated?: unknown;
  bootstrapTimeout?: unknown;
  nodeIp?: unknown;
  kubeletPort?: unknown;
  /** The kubelet flags, camel-cased as commander stores them (`evictionHard`...). */
  [kubeletFlag: string]: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The default node name: the host name, lowercased (as the kubelet's --hostname-override). */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}

/**
 * Validates commander's option bag into AgentFlags. Throws AgentFlagError: an `--server` that is
 * not an https URL, a malformed token (kubeadm's message), a bad `--ca-cert-hash` (kubeadm's),
 * conflicting or missing trust flags (kubeadm refuses token discovery without a CA pin unless
 * told to skip it), a node name that is not a DNS subdomain, a bad count or timeout.
 */
export async function agentFlagsFrom(
  opts: AgentOptionBag,
  defaults: { nodeName: () => string } = { nodeName: defaultNodeName },
): Promise<AgentFlags> {
  const server = str(opts.server);
  if (server === undefined)
    throw new AgentFlagError("required option '--server <url>' not specified");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new AgentFlagError(`--server ${JSON.stringify(server)} is not a URL (https://HOST:PORT)`);
  }
  if (
    url.protocol !== 'https:' ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== ''
  ) {
    throw new AgentFlagError(
      `--server ${JSON.stringify(server)} must be https://HOST[:PORT] (the API server's address)`,
    );
  }
  const token = str(opts.token);
  if (token !== undefined && !TOKEN_RE.test(token)) {
    throw new AgentFlagError(
      `the bootstrap token ${JSON.stringify(token)} was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`,
    );
  }
  const hashes = Array.isArray(opts.caCertHash)
    ? opts.caCertHash.filter((h): h is string => typeof h === 'string')
    : [];
  const caFile = str(opts.caFile);
  const insecure = opts.insecureSkipCaVerification === true;
  const given = [hashes.length > 0, caFile !== undefined, insecure].filter(Boolean).length;
  if (given > 1) {
    throw new AgentFlagError(
      '--ca-cert-hash, --ca-file and --insecure-skip-ca-verification exclude each other',
    );
  }
  let trust: AgentTrust;
  if (hashes.length > 0) {
    const { parseCaCertHash } = await import('./agent-csr.ts');
    try {
      trust = { kind: 'pin', pins: hashes.map(parseCaCertHash) };
    } catch (err) {
      throw new AgentFlagError(
        `--ca-cert-hash: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  } else if (caFile !== undefined) {
    trust = { kind: 'ca-file', path: caFile };
  } else if (insecure) {
    trust = { kind: 'insecure' };
  } else {
    throw new AgentFlagError(
      'joining without --ca-cert-hash can be unsafe: pass --ca-cert-hash sha256:<hex> ' +
        '(`skiff token create --print-join-command` prints it), --ca-file FILE, or ' +
        '--insecure-skip-ca-verification to continue',
    );
  }
  const nodeName = str(opts.nodeName) ?? defaults.nodeName();
  if (nodeName.length > 200 || !DNS1123_SUBDOMAIN.test(nodeName)) {
    throw new AgentFlagError(
      `--node-name ${JSON.stringify(nodeName)} must be a lowercase DNS subdomain of at most 200 characters (pass --node-name)`,
    );
  }
  let simulated: number | undefined;
  if (opts.simulated !== undefined) {
    const text =
      typeof opts.simulated === 'number' ? String(opts.simulated) : (str(opts.simulated) ?? '');
    const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_SIMULATED) {
      throw new AgentFlagError(
        `--simulated ${JSON.stringify(text)} must be a number of nodes from 1 to ${String(MAX_SIMULATED)}`,
      );
    }
    simulated = n;
  }
  const { kubeletPortError, nodeIpError } = await import('./server-flags.ts');
  const nodeIp = str(opts.nodeIp);
  const nodeIpProblem = nodeIp === undefined ? undefined : nodeIpError(nodeIp);
  if (nodeIpProblem !== undefined) {
    throw new AgentFlagError(`--node-ip ${JSON.stringify(nodeIp)} ${nodeIpProblem}`);
  }
  const portText =
    typeof opts.kubeletPort === 'number' ? String(opts.kubeletPort) : str(opts.kubeletPort);
  const portProblem = portText === undefined ? undefined : kubeletPortError(portText);
  if (portProblem !== undefined) {
    throw new AgentFlagError(`--kubelet-port ${JSON.stringify(portText)} ${portProblem}`);
  }
  const { KubeletFlagError, kubeletConfigFlags } = await import('./kubelet-config-flags.ts');
  let kubeletConfig: KubeletConfigFlags | undefined;
  try {
    kubeletConfig = kubeletConfigFlags(
      Object.fromEntries(
        KUBELET_CONFIG_FLAGS.map((f) => [
          f.key,
          str(opts[f.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())]),
        ]),
      ),
    );
  } catch (err) {
    if (err instanceof KubeletFlagError) throw new AgentFlagError(err.message);
    throw err;
  }
  if (
    simulated !== undefined &&
    (nodeIp !== undefined || portText !== undefined || kubeletConfig !== undefined)
  ) {
    throw new AgentFlagError(
      '--node-ip, --kubelet-port and the eviction and container-log flags are for the real kubelet, not --simulated',
    );
  }
  const { DurationError, parseGoDuration } = await import('./token.ts');
  const timeoutText = str(opts.bootstrapTimeout) ?? DEFAULT_BOOTSTRAP_TIMEOUT;
  let ns: bigint;
  try {
    ns = parseGoDuration(timeoutText);
  } catch (err) {
    if (err instanceof DurationError)
      throw new AgentFlagError(`--bootstrap-timeout: ${err.message}`);
    throw err;
  }
  if (ns <= 0n) throw new AgentFlagError('--bootstrap-timeout must be positive');
  const flags: AgentFlags = {
    server: `${url.protocol}//${url.host}`,
    trust,
    nodeName,
    bootstrapTimeoutMs: Number(ns / 1_000_000n),
  };
  if (token !== undefined) flags.token = token;
  const dataDir = str(opts.dataDir);
  if (dataDir !== undefined) flags.dataDir = dataDir;
  if (simulated !== undefined) flags.simulated = simulated;
  if (nodeIp !== undefined) flags.nodeIp = nodeIp;
  if (portText !== undefined) flags.kubeletPort = Number(portText);
  if (kubeletConfig !== undefined) flags.kubeletConfig = kubeletConfig;
  return flags;
}

const processIo: CommandIo = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
};

/** Test seams of {@link runAgent}. */
export interface RunAgentOptions {
  io?: CommandIo;
  /** Stops the agent like SIGTERM does (tests); signals are handled either way. */
  signal?: AbortSignal;
  now?: () => Date;
  /**
   * The real kubelet's preflight: the problems (each with its fix) that keep this machine from
   * running containers; default: the kubelet's own checks of this host.
   */
  preflight?: () => Promise<readonly string[]>;
}

const SIMULATED_IDENTITY = 'simulated-nodes';
const KUBELET_IDENTITY = 'kubelet';
/** The User-Agent of the bootstrap requests (the pool's own requests carry the pool's). */
const AGENT_USER_AGENT = 'kubelet/v1.32.0 (linux/amd64) kubernetes/skiff-simulated';
/** The real kubelet's User-Agent (its field manager is `kubelet`, as upstream's). */
const KUBELET_USER_AGENT = 'kubelet/v1.32.0 (linux/amd64) kubernetes/skiff';

async function hostPreflight(): Promise<readonly string[]> {
  const { preflight, probeHost } = await import('../kubelet/agent/index.ts');
  return preflight(await probeHost()).map((p) => p.message);
}

/**
 * Runs the agent until SIGINT/SIGTERM (or `opts.signal`). Resolves to the exit code: 0 after a
 * clean stop; 1 after the reasons on stderr when it cannot join (the real kubelet's preflight
 * fails, untrusted server, refused token, denied or timed-out certificate request, a kubelet
 * that cannot start).
 */
export async function runAgent(flags: AgentFlags, opts: RunAgentOptions = {}): Promise<number> {
  const io = opts.io ?? processIo;
  const now = opts.now ?? ((): Date => new Date());
  const kubelet = flags.simulated === undefined;
  if (kubelet) {
    // Before anything is sent: a node that cannot run containers must not join half-way.
    const problems = await (opts.preflight ?? hostPreflight)();
    if (problems.length > 0) {
      io.err(
        `skiff agent: error: this machine cannot be a node:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
      io.err('Fix the above, or pass --simulated N to join N simulated nodes instead.');
      return 1;
    }
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      io.err(`skiff agent: ${signal} again, exiting now`);
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
  // The client's HTTP/2 sessions do not hold the event loop (in `skiff server` the listening
  // socket does); the agent holds it itself until it stops.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    const { resolveDataDir, prepareDataDir } = await import('./data-dir.ts');
    const boot = await import('./agent-bootstrap.ts');
    const { nodeClientRequest, rotationDeadline } = await import('./agent-csr.ts');
    const dataDir = resolveDataDir(flags.dataDir);
    await prepareDataDir(dataDir);
    await mkdir(join(dataDir, 'agent'), { recursive: true, mode: 0o700 });
    const files = boot.agentFiles(dataDir, kubelet ? KUBELET_IDENTITY : SIMULATED_IDENTITY);
    const request = nodeClientRequest(kubelet ? 'kubelet' : 'simulated', flags.nodeName);
    const pins = flags.trust.kind === 'pin' ? flags.trust.pins : [];
    const log = { info: io.out };

    let creds = await boot.loadStoredCredentials(files, flags.server, request, now(), pins);
    if (creds !== undefined) {
      io.out(`Using the client certificate in ${files.kubeconfig}`);
    } else {
      if (flags.token === undefined) {
        throw new boot.AgentError(
          `no valid client certificate in ${files.kubeconfig}: pass --token to join (skiff token create --print-join-command on the server)`,
        );
      }
      const trusted = await boot.establishTrust(flags.server, flags.trust);
      if (trusted.how === 'unverified') {
        io.err(
          `skiff agent: warning: trusting the server's CA ${trusted.hash} without verification (--insecure-skip-ca-verification)`,
        );
      } else {
        io.out(`Trusting the cluster CA ${trusted.hash} (${trusted.how})`);
      }
      const issued = await boot.requestClientCertificate({
        config: {
          server: flags.server,
          ca: Buffer.from(trusted.caPem),
          token: flags.token,
          userAgent: AGENT_USER_AGENT,
        },
        request,
        files,
        signal: stop.signal,
        timeoutMs: flags.bootstrapTimeoutMs,
        log,
      });
      creds = { server: flags.server, caPem: trusted.caPem, ...issued };
      await boot.storeCredentials(files, creds);
      await boot.forgetPendingKey(files);
      io.out(`Client certificate issued; kubeconfig written to ${files.kubeconfig}`);
    }

    if (flags.simulated === undefined) {
      await runKubelet(creds, flags, dataDir, files, stop.signal, io, now);
      return 0;
    }
    const { runSimulatedNodePool, SIMULATED_POOL_USER_AGENT } =
      await import('./scheduler-and-nodes.ts');
    const count = flags.simulated;
    const names = Array.from({ length: count }, (_, i) => `${flags.nodeName}-${String(i)}`);
    io.out(
      `Running ${String(count)} simulated node${count === 1 ? '' : 's'} (${names[0] ?? ''}${count > 1 ? ` … ${names[count - 1] ?? ''}` : ''}) against ${flags.server}`,
    );
    const debug = (what: string, err: unknown): void => {
      if (process.env['SKIFF_DEBUG'] === '1') {
        io.err(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    // The pool runs with the current certificate; at the rotation deadline a new one is
    // requested (with the current certificate, else the bootstrap token) and the pool restarts
    // on it, as the kubelet's certificate manager rotates its client certificate.
    while (!stop.signal.aborted) {
      const current: typeof creds = creds;
      const cert = new X509Certificate(current.certPem);
      const deadline = rotationDeadline(
        new Date(cert.validFrom),
        new Date(cert.validTo),
        Math.random(),
      );
      const run = new AbortController();
      const runSignal = AbortSignal.any([stop.signal, run.signal]);
      const renewal = new AbortController();
      const renewed = boot.renewAt(
        deadline,
        now,
        AbortSignal.any([stop.signal, renewal.signal]),
        async () => {
          const fresh = await renewCredentials(current, flags, request, files, stop.signal, log);
          await boot.storeCredentials(files, fresh);
          await boot.forgetPendingKey(files);
          io.out(`Client certificate renewed; kubeconfig written to ${files.kubeconfig}`);
          run.abort();
          return fresh;
        },
        (err) => {
          io.err(
            `skiff agent: warning: renewing the client certificate failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      );
      await runSimulatedNodePool(
        boot.restConfigOfCredentials(current, SIMULATED_POOL_USER_AGENT),
        names,
        runSignal,
        debug,
      );
      renewal.abort();
      const fresh = await renewed;
      if (fresh !== undefined) creds = fresh;
    }
    return 0;
  } catch (err) {
    const expected =
      err instanceof Error &&
      (err.name === 'AgentError' || err.name === 'DataDirError' || err.name === 'PreflightError');
    io.err(`skiff agent: error: ${err instanceof Error ? err.message : String(err)}`);
    if (!expected && err instanceof Error && process.env['SKIFF_DEBUG'] === '1') {
      io.err(err.stack ?? err.message);
    }
    return 1;
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * This machine as the node `flags.nodeName` with the client credentials `initial`, until
 * `signal` aborts: startRealNode (node-agent.ts) over a transport that moves to each renewed
 * client certificate, with the serving certificate from kubelet-serving CSRs. Rejects when the
 * node cannot start.
 */
async function runKubelet(
  initial: AgentCredentials,
  flags: AgentFlags,
  dataDir: string,
  files: AgentFiles,
  signal: AbortSignal,
  io: CommandIo,
  now: () => Date,
): Promise<void> {
  const boot = await import('./agent-bootstrap.ts');
  const { nodeClientRequest, rotationDeadline } = await import('./agent-csr.ts');
  const { RotatingTransport, csrServingSource, rotatingNodeClient } =
    await import('./agent-kubelet.ts');
  const { startRealNode } = await import('./node-agent.ts');
  const request = nodeClientRequest('kubelet', flags.nodeName);
  const log = { info: io.out };
  let creds = initial;
  const transport = new RotatingTransport(boot.restConfigOfCredentials(creds, KUBELET_USER_AGENT));
  const renewing = new AbortController();
  const renewSignal = AbortSignal.any([signal, renewing.signal]);
  // The client certificate is renewed in the background; the node's requests move to it at once.
  const renewal = (async (): Promise<void> => {
    while (!renewSignal.aborted) {
      const current = creds;
      const cert = new X509Certificate(current.certPem);
      const deadline = rotationDeadline(
        new Date(cert.validFrom),
        new Date(cert.validTo),
        Math.random(),
      );
      const fresh = await boot.renewAt(
        deadline,
        now,
        renewSignal,
        async () => {
          const next = await renewCredentials(current, flags, request, files, renewSignal, log);
          await boot.storeCredentials(files, next);
          await boot.forgetPendingKey(files);
          return next;
        },
        (err) => {
          io.err(
            `skiff agent: warning: renewing the client certificate failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      );
      if (fresh === undefined) return;
      creds = fresh;
      transport.rotate(boot.restConfigOfCredentials(fresh, KUBELET_USER_AGENT));
      io.out(`Client certificate renewed; kubeconfig written to ${files.kubeconfig}`);
    }
  })();
  try {
    await startRealNode({
      nodeName: flags.nodeName,
      dataDir,
      ...(flags.nodeIp !== undefined ? { nodeIp: flags.nodeIp } : {}),
      ...(flags.kubeletPort !== undefined ? { kubeletPort: flags.kubeletPort } : {}),
      ...(flags.kubeletConfig !== undefined ? { kubeletConfig: flags.kubeletConfig } : {}),
      // The server's controller-manager gives the Node its pod CIDR.
      nodeIpam: true,
      client: () => rotatingNodeClient(transport),
      clientCaPem: creds.caPem,
      serving: csrServingSource({
        dataDir,
        caPem: creds.caPem,
        restConfig: () => boot.restConfigOfCredentials(creds, KUBELET_USER_AGENT),
        timeoutMs: flags.bootstrapTimeoutMs,
        now,
      }),
      signal,
      out: io.out,
      warn: (m) => {
        io.err(`skiff agent: ${m}`);
      },
    });
  } finally {
    renewing.abort();
    await renewal;
    transport.close();
  }
}

/**
 * A new certificate for `request`: filed with the current certificate (the kubelet renews so),
 * else with the bootstrap token when the server refuses the certificate's identity.
 */
async function renewCredentials(
  current: AgentCredentials,
  flags: AgentFlags,
  request: NodeClientRequest,
  files: AgentFiles,
  signal: AbortSignal,
  log: { info(line: string): void },
): Promise<AgentCredentials> {
  const boot = await import('./agent-bootstrap.ts');
  const base = {
    request,
    files,
    signal,
    timeoutMs: flags.bootstrapTimeoutMs,
    log,
  };
  try {
    const issued = await boot.requestClientCertificate({
      ...base,
      config: boot.restConfigOfCredentials(current, AGENT_USER_AGENT),
    });
    return { ...current, ...issued };
  } catch (err) {
    if (flags.token === undefined) throw err;
    const issued = await boot.requestClientCertificate({
      ...base,
      config: {
        server: current.server,
        ca: Buffer.from(current.caPem),
        token: flags.token,
        userAgent: AGENT_USER_AGENT,
      },
    });
    return { ...current, ...issued };
  }
}

/**
 * Declares `skiff agent` on `program`. The action sets the exit code through `finish`; flag
 * errors print one line and exit 1.
 */
export function registerAgentCommand(program: Command): Command {
  const cmd = program
    .command('agent')
    .summary('join this machine to a server as a node (or as simulated nodes)')
    .description(
      'Join this machine to a running `skiff server` as a node, like `kubeadm join` or `k3s agent`: ' +
        'check the server against the CA pin, file a CertificateSigningRequest with the bootstrap ' +
        'token, keep the issued client certificate in DIR/agent/ (reused on restart, renewed ' +
        'before it expires) and run the node against the server: the real kubelet (runc ' +
        'containers, as `skiff up` runs it; its serving certificate through a kubelet-serving ' +
        'CSR), or with --simulated N, N simulated nodes.\n\n' +
        'On the server, `skiff token create --print-join-command` prints the command line.',
    )
    .addOption(new Option('--server <url>', 'the API server to join, https://HOST:PORT'))
    .addOption(
      new Option('--token <token>', 'bootstrap token "[a-z0-9]{6}.[a-z0-9]{16}"').env(
        'SKIFF_TOKEN',
      ),
    )
    .addOption(
      new Option(
        '--ca-cert-hash <sha256:hex>',
        "pin of the cluster CA's public key (kubeadm's --discovery-token-ca-cert-hash); repeatable",
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(new Option('--ca-file <file>', 'trust the cluster CA in this PEM file'))
    .addOption(
      new Option(
        '--insecure-skip-ca-verification',
        'trust the CA the server presents without checking it (unsafe; warns)',
      ),
    )
    .addOption(
      new Option(
        '--data-dir <dir>',
        "the agent's data directory; its credentials go to DIR/agent/ (default: ~/.skiff)",
      ).env('SKIFF_DATA_DIR'),
    )
    .addOption(
      new Option(
        '--node-name <name>',
        'node name (with --simulated, the prefix of NAME-0, NAME-1, ...)',
      ).default(undefined, 'the host name'),
    )
    .addOption(
      new Option('--simulated <n>', 'run N simulated nodes instead of the real kubelet').argParser(
        (value: string) => {
          if (!/^[0-9]+$/.test(value) || Number(value) < 1) {
            throw new InvalidArgumentError('must be a positive number of nodes');
          }
          return value;
        },
      ),
    )
    .addOption(
      new Option(
        '--node-ip <ip>',
        "the node's IP address (default: the first non-loopback IPv4 address)",
      ),
    )
    .addOption(
      new Option(
        '--kubelet-port <port>',
        "the kubelet's HTTPS port (default 10250; 0: a free one)",
      ),
    )
    .addOption(
      new Option(
        '--bootstrap-timeout <duration>',
        'how long to wait for the certificate to be approved and signed',
      ).default(DEFAULT_BOOTSTRAP_TIMEOUT),
    )
    .action(async (opts: AgentOptionBag) => {
      const { finish } = await import('./finish.ts');
      let flags: AgentFlags;
      try {
        flags = await agentFlagsFrom(opts);
      } catch (err) {
        if (!(err instanceof AgentFlagError)) throw err;
        process.stderr.write(`skiff agent: error: ${err.message}\n`);
        finish(1);
        return;
      }
      finish(await runAgent(flags));
    });
  // The kubelet's eviction and container-log flags (upstream's names), checked in agentFlagsFrom.
  for (const spec of KUBELET_CONFIG_FLAGS) {
    cmd.addOption(new Option(`--${spec.flag} ${spec.placeholder}`, spec.help));
  }
  return cmd;
}
