/**
 * Step timing of pod start-up, for diagnosing latency (bench/kubelet/pods.ts, docs/benchmarks.md):
 * when the environment variable `SKIFF_KUBELET_TRACE` names a file, each traced step appends one
 * JSON line `{"t": <ms since process start>, "pod": ..., "step": ..., "ms": <duration>}`; without
 * it tracing costs one boolean check. Debug aid only: synchronous appends, no rotation.
 */
import { appendFileSync } from 'node:fs';

const file = process.env['SKIFF_KUBELET_TRACE'];

/** Whether steps are being traced. */
export const traceEnabled = file !== undefined && file !== '';

/** Records a step of `pod` that began at `startedAt` (performance.now()) and ends now. */
export function traceStep(
  pod: string,
  step: string,
  startedAt: number,
  extra?: Record<string, unknown>,
): void {
  if (!traceEnabled || file === undefined) return;
  const now = performance.now();
  const line = { t: Math.round(startedAt), pod, step, ms: Math.round(now - startedAt), ...extra };
  try {
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  } catch {
    // A debug aid must never fail the kubelet.
  }
}

/** Runs `fn` and traces it as one step of `pod` (also when it rejects). */
export async function traced<T>(pod: string, step: string, fn: () => Promise<T>): Promise<T> {
  if (!traceEnabled) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    traceStep(pod, step, t0);
  }
}
