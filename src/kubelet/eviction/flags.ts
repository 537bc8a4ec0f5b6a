/**
 * The kubelet's eviction flags in upstream's command-line syntax (cmd/kubelet/app/options):
 * `--eviction-hard` and `--eviction-soft` are `<`-separated maps
 * (`memory.available<100Mi,nodefs.available<10%`), `--eviction-soft-grace-period` and
 * `--eviction-minimum-reclaim` are `=` maps (`memory.available=1m30s`), and
 * `--eviction-pressure-transition-period` a Go duration (`5m0s`). A given `--eviction-hard`
 * replaces the defaults entirely, as upstream (signals it leaves out are not enforced). Pure.
 */
import { DEFAULT_EVICTION_HARD, DEFAULT_PRESSURE_TRANSITION_PERIOD_MS } from './thresholds.ts';
import { parseDurationMs, parseThresholdConfig } from './thresholds.ts';
import type { Threshold } from './thresholds.ts';

/** The eviction flags as strings (each optional; absent = upstream's default). */
export interface EvictionFlags {
  /** `--eviction-hard` (default `memory.available<100Mi,nodefs.available<10%,...`). */
  readonly evictionHard?: string;
  /** `--eviction-soft` (default none). */
  readonly evictionSoft?: string;
  /** `--eviction-soft-grace-period` (`signal=duration,...`; one per soft threshold). */
  readonly evictionSoftGracePeriod?: string;
  /** `--eviction-minimum-reclaim` (`signal=quantity|percentage,...`). */
  readonly evictionMinimumReclaim?: string;
  /** `--eviction-pressure-transition-period` (Go duration, default `5m0s`). */
  readonly evictionPressureTransitionPeriod?: string;
}

/** The parsed flags: what the kubelet's eviction manager and allocatable need. */
export interface EvictionConfig {
  /** Hard then soft thresholds (parseThresholdConfig). */
  readonly thresholds: Threshold[];
  /** The evictionHard map (allocatable subtracts the hard memory threshold). */
  readonly evictionHard: Readonly<Record<string, string>>;
  readonly pressureTransitionPeriodMs: number;
}

/** cliflag.LangleSeparatedMapStringString.Set / MapStringString.Set for one flag value. */
export function parseFlagMap(value: string, sep: '<' | '='): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of value.split(',')) {
    if (s.length === 0) continue;
    const i = s.indexOf(sep);
    if (i < 0) throw new Error(`malformed pair, expect string${sep}string`);
    out[s.slice(0, i).trim()] = s.slice(i + 1).trim();
  }
  return out;
}

/**
 * Parses the flags into thresholds with upstream's error texts (prefixed with the flag name
 * for the map syntax, as pflag reports `invalid argument "x" for "--eviction-hard" flag: ...`).
 */
export function parseEvictionFlags(flags: EvictionFlags): EvictionConfig {
  const map = (name: string, v: string | undefined, sep: '<' | '='): Record<string, string> => {
    if (v === undefined) return {};
    try {
      return parseFlagMap(v, sep);
    } catch (err) {
      throw new Error(
        `invalid argument ${JSON.stringify(v)} for "--${name}" flag: ${(err as Error).message}`,
        { cause: err },
      );
    }
  };
  const evictionHard =
    flags.evictionHard === undefined
      ? DEFAULT_EVICTION_HARD
      : map('eviction-hard', flags.evictionHard, '<');
  const thresholds = parseThresholdConfig({
    evictionHard,
    evictionSoft: map('eviction-soft', flags.evictionSoft, '<'),
    evictionSoftGracePeriod: map('eviction-soft-grace-period', flags.evictionSoftGracePeriod, '='),
    evictionMinimumReclaim: map('eviction-minimum-reclaim', flags.evictionMinimumReclaim, '='),
  });
  const period =
    flags.evictionPressureTransitionPeriod === undefined
      ? DEFAULT_PRESSURE_TRANSITION_PERIOD_MS
      : parseDurationMs(flags.evictionPressureTransitionPeriod);
  if (period < 0) {
    throw new Error(
      `invalid configuration: evictionPressureTransitionPeriod (--eviction-pressure-transition-period) ${flags.evictionPressureTransitionPeriod ?? ''} must be >= 0`,
    );
  }
  return { thresholds, evictionHard, pressureTransitionPeriodMs: period };
}
