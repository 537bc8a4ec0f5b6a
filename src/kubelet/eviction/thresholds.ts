/**
 * Eviction thresholds as the kubelet configures them (upstream pkg/kubelet/eviction/api/types.go
 * and helpers.go ParseThresholdConfig): `evictionHard`, `evictionSoft` with
 * `evictionSoftGracePeriod`, and `evictionMinimumReclaim`, with upstream's error texts. A
 * threshold is "hard" when its grace period is 0. Pure.
 */
import { newQuantity, parseQuantity } from '../../api/index.ts';
import type { Quantity } from '../../api/index.ts';

/** The signals this kubelet observes (upstream evictionapi.Signal, without the split-fs ones). */
export type Signal =
  | 'memory.available'
  | 'nodefs.available'
  | 'nodefs.inodesFree'
  | 'imagefs.available'
  | 'imagefs.inodesFree'
  | 'pid.available';

/** Every supported signal. */
export const SIGNALS: readonly Signal[] = [
  'memory.available',
  'nodefs.available',
  'nodefs.inodesFree',
  'imagefs.available',
  'imagefs.inodesFree',
  'pid.available',
];

/** A threshold value: an absolute quantity or a fraction of capacity (float32, as upstream). */
export type ThresholdValue = { readonly quantity: Quantity } | { readonly percentage: number };

/** One threshold `signal < value` (upstream evictionapi.Threshold; the operator is LessThan). */
export interface Threshold {
  readonly signal: Signal;
  readonly value: ThresholdValue;
  /** 0 for a hard threshold; the soft threshold's grace period otherwise (ms). */
  readonly gracePeriodMs: number;
  /** How much beyond the threshold to reclaim once it was met (evictionMinimumReclaim). */
  readonly minReclaim?: ThresholdValue;
}

/** upstream isHardEvictionThreshold. */
export function isHardEvictionThreshold(t: Threshold): boolean {
  return t.gracePeriodMs === 0;
}

/** The threshold value as a quantity of `capacity` (evictionapi.GetThresholdQuantity). */
export function thresholdQuantity(v: ThresholdValue, capacity: Quantity): Quantity {
  if ('quantity' in v) return v.quantity;
  // float64(capacity) × float64(float32 percentage), truncated to int64, as upstream.
  return newQuantity(Math.trunc(capacity.value() * Math.fround(v.percentage)), 'BinarySI');
}

/** Formats a value for messages: the quantity, or the percentage (`10%`). */
export function formatThresholdValue(v: ThresholdValue): string {
  return 'quantity' in v ? v.quantity.toString() : `${Math.round(v.percentage * 10000) / 100}%`;
}

const isSignal = (s: string): s is Signal => (SIGNALS as readonly string[]).includes(s);

function parsePercentage(raw: string): number {
  const n = Number(raw.slice(0, -1));
  if (raw.slice(0, -1).trim() === '' || !Number.isFinite(n)) {
    throw new Error(
      `strconv.ParseFloat: parsing ${JSON.stringify(raw.slice(0, -1))}: invalid syntax`,
    );
  }
  return Math.fround(n / 100);
}

/** parseThresholdStatements: `signal → "100Mi" | "10%"`; "0%" and "100%" disable a signal. */
function parseStatements(
  map: Readonly<Record<string, string>>,
): { signal: Signal; value: ThresholdValue }[] {
  const out: { signal: Signal; value: ThresholdValue }[] = [];
  for (const [signal, raw] of Object.entries(map)) {
    if (!isSignal(signal)) throw new Error(`unsupported eviction signal ${signal}`);
    if (raw.endsWith('%')) {
      if (raw === '0%' || raw === '100%') continue;
      const p = parsePercentage(raw);
      if (p < 0) throw new Error(`eviction percentage threshold ${signal} must be >= 0%: ${raw}`);
      if (p > 1) throw new Error(`eviction percentage threshold ${signal} must be <= 100%: ${raw}`);
      out.push({ signal, value: { percentage: p } });
      continue;
    }
    const q = parseQuantity(raw);
    if (q.sign() < 0)
      throw new Error(`eviction threshold ${signal} must be positive: ${q.toString()}`);
    out.push({ signal, value: { quantity: q } });
  }
  return out;
}

/** Go's time.ParseDuration in milliseconds; throws `time: invalid duration "x"`. */
export function parseDurationMs(s: string): number {
  const units: Readonly<Record<string, number>> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const bad = (): Error => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let total = 0;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (m === null) throw bad();
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/**
 * ParseThresholdConfig: the hard thresholds, then the soft ones (each needs a grace period:
 * `grace period must be specified for the soft eviction threshold <signal>`), with minimum
 * reclaims attached to every threshold of their signal.
 */
export function parseThresholdConfig(cfg: {
  readonly evictionHard?: Readonly<Record<string, string>>;
  readonly evictionSoft?: Readonly<Record<string, string>>;
  readonly evictionSoftGracePeriod?: Readonly<Record<string, string>>;
  readonly evictionMinimumReclaim?: Readonly<Record<string, string>>;
}): Threshold[] {
  const hard = parseStatements(cfg.evictionHard ?? {});
  const soft = parseStatements(cfg.evictionSoft ?? {});
  const grace = new Map<Signal, number>();
  for (const [signal, raw] of Object.entries(cfg.evictionSoftGracePeriod ?? {})) {
    if (!isSignal(signal)) throw new Error(`unsupported eviction signal ${signal}`);
    const ms = parseDurationMs(raw);
    if (ms < 0)
      throw new Error(`invalid eviction grace period specified: ${raw}, must be a positive value`);
    grace.set(signal, ms);
  }
  const minReclaim = new Map<Signal, ThresholdValue>();
  for (const [signal, raw] of Object.entries(cfg.evictionMinimumReclaim ?? {})) {
    if (!isSignal(signal)) throw new Error(`unsupported eviction signal ${signal}`);
    if (raw.endsWith('%')) {
      const p = parsePercentage(raw);
      if (p <= 0)
        throw new Error(`eviction percentage minimum reclaim ${signal} must be positive: ${raw}`);
      minReclaim.set(signal, { percentage: p });
      continue;
    }
    const q = parseQuantity(raw);
    if (q.sign() < 0) throw new Error(`negative eviction minimum reclaim specified for ${signal}`);
    minReclaim.set(signal, { quantity: q });
  }
  const out: Threshold[] = hard.map((h) => ({ ...h, gracePeriodMs: 0 }));
  for (const s of soft) {
    const g = grace.get(s.signal);
    if (g === undefined) {
      throw new Error(`grace period must be specified for the soft eviction threshold ${s.signal}`);
    }
    out.push({ ...s, gracePeriodMs: g });
  }
  return out.map((t) => {
    const mr = minReclaim.get(t.signal);
    return mr === undefined ? t : { ...t, minReclaim: mr };
  });
}

/** The kubelet's default evictionHard (Linux, 1.32). */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = Object.freeze({
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
  'imagefs.inodesFree': '5%',
});

/** The kubelet's default evictionPressureTransitionPeriod (5 minutes). */
export const DEFAULT_PRESSURE_TRANSITION_PERIOD_MS = 300_000;
