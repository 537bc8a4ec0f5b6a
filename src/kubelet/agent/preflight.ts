/**
 * Preflight checks of a real (runc) kubelet: pure decisions over facts a host probe gathered
 * (host-probe.ts), each failure with the exact reason and the fix, so that `skiff up` and
 * `skiff agent` refuse to half-start a node that cannot run containers.
 */

/** What the host probe found. */
export interface HostFacts {
  /** The effective uid of the process. */
  readonly uid: number;
  /** runc's path when found on PATH. */
  readonly runcPath?: string;
  /** conmon's path when found on PATH (each container's monitor, see runtime/conmon.ts). */
  readonly conmonPath?: string;
  /** The cgroup layout, or `none` when no cgroup filesystem is mounted. */
  readonly cgroupMode: 'v1' | 'hybrid' | 'v2' | 'none';
  /** Where the CNI plugins are looked for (default /usr/lib/cni). */
  readonly cniBinDir: string;
  /** Required CNI plugins not found (executable) in {@link HostFacts.cniBinDir}. */
  readonly cniPluginsMissing: readonly string[];
  /** Whether `overlay` is listed in /proc/filesystems (or its module can be loaded). */
  readonly overlayfs: boolean;
  /** Host commands the kubelet runs that are missing from PATH (`ip`, `unshare`, `mount`...). */
  readonly commandsMissing?: readonly string[];
}

/** One failed check. */
export interface PreflightProblem {
  /** `root`, `runc`, `conmon`, `cgroups`, `cni`, `overlayfs`, `command:<name>`. */
  readonly check: string;
  /** Why the node cannot run containers, then how to fix it (one sentence each). */
  readonly message: string;
}

/** The CNI plugins the default network configuration uses. */
export const REQUIRED_CNI_PLUGINS: readonly string[] = Object.freeze([
  'bridge',
  'host-local',
  'loopback',
  'portmap',
]);

/** The Debian package of each host command the kubelet needs. */
export const COMMAND_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  ip: 'iproute2',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  script: 'bsdutils',
  // attach input to conmon's SOCK_SEQPACKET socket, and port-forward.
  socat: 'socat',
  mount: 'mount',
  umount: 'mount',
});

/**
 * The failed checks, most fundamental first (empty: the node can run containers). A non-root
 * process only gets the root problem: the other facts cannot be trusted without privileges.
 */
export function preflight(facts: HostFacts): PreflightProblem[] {
  if (facts.uid !== 0) {
    return [
      {
        check: 'root',
        message: `running real containers needs root (this process runs as uid ${facts.uid}): run it as root, e.g. with \`sudo\``,
      },
    ];
  }
  const out: PreflightProblem[] = [];
  if (facts.runcPath === undefined) {
    out.push({
      check: 'runc',
      message: 'runc not found on PATH: install it with `apt-get install runc`',
    });
  }
  if (facts.conmonPath === undefined) {
    out.push({
      check: 'conmon',
      message:
        'conmon (which keeps each container and its log running across kubelet restarts) not found on PATH: install it with `apt-get install conmon`',
    });
  }
  if (facts.cgroupMode === 'none') {
    out.push({
      check: 'cgroups',
      message:
        'no cgroup hierarchy is mounted at /sys/fs/cgroup: mount one, e.g. `mount -t cgroup2 none /sys/fs/cgroup`',
    });
  }
  if (facts.cniPluginsMissing.length > 0) {
    out.push({
      check: 'cni',
      message: `CNI plugins missing from ${facts.cniBinDir} (${facts.cniPluginsMissing.join(', ')}): install them with \`apt-get install containernetworking-plugins\``,
    });
  }
  if (!facts.overlayfs) {
    out.push({
      check: 'overlayfs',
      message:
        'overlayfs is not available (no "overlay" in /proc/filesystems): load it with `modprobe overlay`',
    });
  }
  for (const cmd of facts.commandsMissing ?? []) {
    const pkg = COMMAND_PACKAGES[cmd];
    out.push({
      check: `command:${cmd}`,
      message:
        pkg === undefined
          ? `${cmd} not found on PATH: install it`
          : `${cmd} not found on PATH: install it with \`apt-get install ${pkg}\``,
    });
  }
  return out;
}

/** An error carrying every preflight problem; its message lists them one per line. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
  constructor(readonly problems: readonly PreflightProblem[]) {
    super(
      `this machine cannot run containers:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    );
  }
}
