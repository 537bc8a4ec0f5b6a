/** Small statistics helpers for benchmarks. */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Summarises latencies given in milliseconds. */
export function summarize(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    count: s.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: s[s.length - 1] ?? 0,
    mean: s.length === 0 ? 0 : sum / s.length,
  };
}

/** Milliseconds since an arbitrary origin, high resolution. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const fmt = (n: number, digits = 2): string =>
  n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(digits);
