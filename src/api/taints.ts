/**
 * Taints and tolerations (upstream k8s.io/api/core/v1 toleration.go), shared by the scheduler,
 * the DaemonSet controller and the node lifecycle controller.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/**
 * Whether `t` tolerates `taint` (upstream Toleration.ToleratesTaint): an empty effect matches
 * every effect, an empty key with Exists matches every key, `Equal` (or empty) compares values.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if ((t.effect ?? '') !== '' && t.effect !== taint.effect) return false;
  if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
  const op = t.operator ?? '';
  if (op === '' || op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return op === 'Exists';
}
