/**
 * The kubelet's eviction and container-log flags on `skiff up` and `skiff agent` (upstream
 * cmd/kubelet/app/options): names, help, and a check of each value with the kubelet's own
 * parsing (src/kubelet/eviction's flag syntax, quantities, integers), so a bad value stops the
 * command before anything starts. The values are then handed to the kubelet as given. No
 * dependency on commander: the fast start path uses these too.
 */
import { parseQuantity } from '../api/index.ts';
import { parseEvictionFlags } from '../kubelet/eviction/index.ts';

/** The kubelet settings given on the command line; each present only when given. */
export interface KubeletConfigFlags {
  evictionHard?: string;
  evictionSoft?: string;
  evictionSoftGracePeriod?: string;
  evictionMinimumReclaim?: string;
  evictionPressureTransitionPeriod?: string;
  evictionMaxPodGracePeriod?: number;
  containerLogMaxSize?: string;
  containerLogMaxFiles?: number;
}

/** One kubelet flag. */
export interface KubeletConfigFlagSpec {
  /** The flag without dashes, e.g. `eviction-hard`. */
  readonly flag: string;
  readonly key: keyof KubeletConfigFlags;
  readonly kind: 'string' | 'int';
  /** commander's value placeholder. */
  readonly placeholder: string;
  readonly help: string;
}

/** The flags, in upstream's declaration order. */
export const KUBELET_CONFIG_FLAGS: readonly KubeletConfigFlagSpec[] = [
  {
    flag: 'eviction-hard',
    key: 'evictionHard',
    kind: 'string',
    placeholder: '<signal<value,...>',
    help: "hard eviction thresholds, replacing the defaults (default 'imagefs.available<15%,memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%')",
  },
  {
    flag: 'eviction-soft',
    key: 'evictionSoft',
    kind: 'string',
    placeholder: '<signal<value,...>',
    help: 'soft eviction thresholds (each needs --eviction-soft-grace-period)',
  },
  {
    flag: 'eviction-soft-grace-period',
    key: 'evictionSoftGracePeriod',
    kind: 'string',
    placeholder: '<signal=duration,...>',
    help: 'how long each soft threshold must hold before a pod is evicted',
  },
  {
    flag: 'eviction-max-pod-grace-period',
    key: 'evictionMaxPodGracePeriod',
    kind: 'int',
    placeholder: '<seconds>',
    help: "the longest grace period a pod gets when evicted for a soft threshold (default 0: the pod's own)",
  },
  {
    flag: 'eviction-minimum-reclaim',
    key: 'evictionMinimumReclaim',
    kind: 'string',
    placeholder: '<signal=value,...>',
    help: 'how much beyond a threshold an eviction must free',
  },
  {
    flag: 'eviction-pressure-transition-period',
    key: 'evictionPressureTransitionPeriod',
    kind: 'string',
    placeholder: '<duration>',
    help: 'how long a pressure condition stays after the pressure ends (default 5m0s)',
  },
  {
    flag: 'container-log-max-size',
    key: 'containerLogMaxSize',
    kind: 'string',
    placeholder: '<quantity>',
    help: "a container's log is rotated at this size (default 10Mi)",
  },
  {
    flag: 'container-log-max-files',
    key: 'containerLogMaxFiles',
    kind: 'int',
    placeholder: '<n>',
    help: 'log files kept per container, at least 2 (default 5)',
  },
];

/** A value the kubelet would refuse; the message is the kubelet's. */
export class KubeletFlagError extends Error {
  override readonly name = 'KubeletFlagError';
}

/**
 * Checks the given values (keyed like {@link KubeletConfigFlags}; absent ones skipped) and
 * returns the flags, or undefined when none was given. Throws KubeletFlagError with the
 * kubelet's message for a value it would refuse.
 */
export function kubeletConfigFlags(
  values: Partial<Record<keyof KubeletConfigFlags, string | undefined>>,
): KubeletConfigFlags | undefined {
  const out: KubeletConfigFlags = {};
  let any = false;
  for (const spec of KUBELET_CONFIG_FLAGS) {
    const v = values[spec.key];
    if (v === undefined) continue;
    any = true;
    if (spec.kind === 'int') {
      if (!/^[+-]?\d{1,9}$/.test(v)) {
        throw new KubeletFlagError(
          `invalid argument ${JSON.stringify(v)} for "--${spec.flag}" flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`,
        );
      }
      (out as Record<string, number>)[spec.key] = Number(v);
    } else {
      (out as Record<string, string>)[spec.key] = v;
    }
  }
  if (!any) return undefined;
  try {
    parseEvictionFlags(out);
  } catch (err) {
    throw new KubeletFlagError((err as Error).message);
  }
  if (out.containerLogMaxSize !== undefined) {
    try {
      parseQuantity(out.containerLogMaxSize);
    } catch {
      throw new KubeletFlagError(
        `invalid argument ${JSON.stringify(out.containerLogMaxSize)} for "--container-log-max-size" flag: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      );
    }
  }
  if (out.containerLogMaxFiles !== undefined && out.containerLogMaxFiles < 2) {
    throw new KubeletFlagError(
      `invalid configuration: containerLogMaxFiles (--container-log-max-files) ${String(out.containerLogMaxFiles)} must be >= 2`,
    );
  }
  if (out.evictionMaxPodGracePeriod !== undefined && out.evictionMaxPodGracePeriod < 0) {
    throw new KubeletFlagError(
      `invalid configuration: evictionMaxPodGracePeriod (--eviction-max-pod-grace-period) ${String(out.evictionMaxPodGracePeriod)} must be >= 0`,
    );
  }
  return out;
}
