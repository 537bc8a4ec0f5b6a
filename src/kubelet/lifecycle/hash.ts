/**
 * Container spec hashing (upstream kubecontainer.HashContainer): a short stable digest of a
 * container's spec, stored with each container instance so that a changed definition restarts it.
 */
import { createHash } from 'node:crypto';
import type { Container } from 'kubernetes-types/core/v1.js';

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The hash of a container spec: 8 hex digits of SHA-256 over its canonical JSON (keys sorted).
 * Like upstream, resources are left out so that an in-place resize does not restart it.
 */
export function containerHash(container: Container): string {
  const { resources: _resources, resizePolicy: _resizePolicy, ...rest } = container;
  return createHash('sha256').update(stable(rest)).digest('hex').slice(0, 8);
}
