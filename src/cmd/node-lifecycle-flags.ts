/**
 * kube-controller-manager's node lifecycle flags on `skiff server` and `skiff up`
 * (upstream cmd/kube-controller-manager/app/options/nodelifecyclecontroller.go): their names,
 * defaults, help and value parsing with pflag's messages (`time: invalid duration "x"`,
 * `strconv.ParseFloat: parsing "x": invalid syntax`). Upstream validates nothing beyond the
 * parse, so neither do we. No dependency on commander: the fast start path uses these too.
 */

/** The node lifecycle settings given on the command line; each present only when given. */
export interface NodeLifecycleFlags {
  nodeMonitorGracePeriodMs?: number;
  nodeStartupGracePeriodMs?: number;
  nodeEvictionRate?: number;
  secondaryNodeEvictionRate?: number;
  largeClusterSizeThreshold?: number;
  unhealthyZoneThreshold?: number;
}

/** How a flag's value parses (the pflag type upstream declares it with). */
type FlagKind = 'duration' | 'float32' | 'int32';

/** One node lifecycle flag. */
export interface NodeLifecycleFlagSpec {
  /** The flag without dashes, e.g. `node-eviction-rate`. */
  readonly flag: string;
  readonly key: keyof NodeLifecycleFlags;
  readonly kind: FlagKind;
  /** commander's value placeholder. */
  readonly placeholder: string;
  /** Upstream's default, as the flag's help shows it. */
  readonly defaultText: string;
  readonly help: string;
}

/** The six flags, in upstream's declaration order. */
export const NODE_LIFECYCLE_FLAGS: readonly NodeLifecycleFlagSpec[] = [
  {
    flag: 'node-startup-grace-period',
    key: 'nodeStartupGracePeriodMs',
    kind: 'duration',
    placeholder: '<duration>',
    defaultText: '1m0s',
    help: 'time a starting node may be unresponsive before it is marked unhealthy',
  },
  {
    flag: 'node-monitor-grace-period',
    key: 'nodeMonitorGracePeriodMs',
    kind: 'duration',
    placeholder: '<duration>',
    defaultText: '50s',
    help: 'time a running node may be unresponsive before it is marked unhealthy',
  },
  {
    flag: 'node-eviction-rate',
    key: 'nodeEvictionRate',
    kind: 'float32',
    placeholder: '<rate>',
    defaultText: '0.1',
    help: 'nodes per second whose pods are evicted after a node failure in a healthy zone',
  },
  {
    flag: 'secondary-node-eviction-rate',
    key: 'secondaryNodeEvictionRate',
    kind: 'float32',
    placeholder: '<rate>',
    defaultText: '0.01',
    help: 'nodes per second whose pods are evicted in an unhealthy zone (0 in small clusters)',
  },
  {
    flag: 'large-cluster-size-threshold',
    key: 'largeClusterSizeThreshold',
    kind: 'int32',
    placeholder: '<nodes>',
    defaultText: '50',
    help: 'zones with more nodes than this use the secondary eviction rate when unhealthy',
  },
  {
    flag: 'unhealthy-zone-threshold',
    key: 'unhealthyZoneThreshold',
    kind: 'float32',
    placeholder: '<fraction>',
    defaultText: '0.55',
    help: 'fraction of not-Ready nodes (at least 3) that makes a zone unhealthy',
  },
];

/** A flag value pflag would refuse; `message` is the parse error (Go's words). */
export class FlagValueError extends Error {
  override readonly name = 'FlagValueError';
}

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's time.ParseDuration in milliseconds (`40s`, `1m30s`, `1.5h`, `-2s`, `0`). Throws
 * FlagValueError with Go's message: `time: invalid duration "x"`, `time: missing unit in
 * duration "1"`, `time: unknown unit "d" in duration "1d"`.
 */
export function parseDurationMs(text: string): number {
  const quoted = JSON.stringify(text);
  const invalid = (): FlagValueError => new FlagValueError(`time: invalid duration ${quoted}`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const number = /^\d*(?:\.\d*)?/.exec(s)?.[0] ?? '';
    if (number === '' || number === '.') throw invalid();
    s = s.slice(number.length);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    s = s.slice(unit.length);
    if (unit === '') throw new FlagValueError(`time: missing unit in duration ${quoted}`);
    const factor = MS_PER_UNIT[unit];
    if (factor === undefined) {
      throw new FlagValueError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    }
    total += Number(number) * factor;
  }
  // Go's int64 nanoseconds hold about 292 years.
  if (total > 9_223_372_036_854) throw invalid();
  return sign * total;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** Go's strconv.ParseFloat(s, 32) for decimal input; Go's messages. */
export function parseFloat32(text: string): number {
  const fail = (why: string): FlagValueError =>
    new FlagValueError(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: ${why}`);
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw fail('invalid syntax');
  const n = Number(text);
  if (!Number.isFinite(n) || Math.abs(n) > FLOAT32_MAX) throw fail('value out of range');
  // float32 precision, as pflag stores it (0.1 → 0.10000000149011612), printed back as Go does.
  return Number(Math.fround(n).toPrecision(7));
}

/** Go's strconv.ParseInt(s, 0, 32) for decimal input; Go's messages. */
export function parseInt32(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) {
    throw new FlagValueError(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  const n = Number(text);
  if (n > 2147483647 || n < -2147483648) {
    throw new FlagValueError(
      `strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`,
    );
  }
  return n;
}

/** Parses one flag's value as its kind; throws FlagValueError. */
export function parseNodeLifecycleValue(spec: NodeLifecycleFlagSpec, value: string): number {
  switch (spec.kind) {
    case 'duration':
      return parseDurationMs(value);
    case 'float32':
      return parseFloat32(value);
    case 'int32':
      return parseInt32(value);
  }
}

/**
 * The node lifecycle settings from raw flag values keyed by NodeLifecycleFlags key (already
 * parsed numbers, or strings to parse; anything else counts as not given). Undefined when none
 * was given, so that callers' flag
 * objects stay free of the field. Throws FlagValueError for a bad string.
 */
export function nodeLifecycleFlags(
  values: Partial<Record<keyof NodeLifecycleFlags, unknown>>,
): NodeLifecycleFlags | undefined {
  const out: NodeLifecycleFlags = {};
  let any = false;
  for (const spec of NODE_LIFECYCLE_FLAGS) {
    const v = values[spec.key];
    if (typeof v === 'number') out[spec.key] = v;
    else if (typeof v === 'string') out[spec.key] = parseNodeLifecycleValue(spec, v);
    else continue;
    any = true;
  }
  return any ? out : undefined;
}

/** The pflag error line of a bad value (for messages outside commander). */
export function flagValueMessage(flag: string, value: string, err: FlagValueError): string {
  return `invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${err.message}`;
}
