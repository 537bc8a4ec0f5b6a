/**
 * Downward API `resourceFieldRef` values (pkg/api/v1/resource helpers:
 * ExtractResourceValueByContainerNameAndNodeAllocatable, MergeContainerResourceLimits,
 * ExtractContainerResourceValue). Pure.
 */
import type { Container, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';
import type { Quantity } from '../../api/index.ts';

/** A resource list as on the wire (`{cpu: '2', memory: '1Gi'}`). */
export type ResourceList = Readonly<Record<string, string>>;

function findContainerInPod(pod: Pod, containerName: string | undefined): Container {
  const name = containerName ?? '';
  const found =
    pod.spec?.containers.find((c) => c.name === name) ??
    pod.spec?.initContainers?.find((c) => c.name === name);
  if (found === undefined) throw new Error(`container ${name} not found`);
  return found;
}

/**
 * The container's limits with node allocatable filled in for cpu, memory and
 * ephemeral-storage when a limit is absent or zero (MergeContainerResourceLimits); hugepages
 * are never defaulted. Returns a new object.
 */
export function mergeContainerResourceLimits(
  container: Container,
  allocatable: ResourceList,
): Record<string, string> {
  const limits: Record<string, string> = { ...(container.resources?.limits ?? {}) };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const q = limits[r];
    if (q === undefined || parseQuantity(q).isZero()) {
      const cap = allocatable[r];
      if (cap !== undefined) limits[r] = cap;
    }
  }
  return limits;
}

function ceilDiv(n: number, d: number): string {
  // Upstream divides float64s and takes math.Ceil; division by a zero divisor is +Inf in Go
  // and int64(+Inf) is undefined behaviour there, so we refuse instead.
  if (d === 0) throw new Error('divisor must be greater than zero');
  return Math.ceil(n / d).toFixed(0);
}

function quantityOf(list: Readonly<Record<string, string>> | undefined, name: string): Quantity {
  return parseQuantity(list?.[name] ?? '0');
}

/**
 * The value of a resource selector for a container whose limits are already merged
 * (ExtractContainerResourceValue): cpu in units of the divisor (default 1) computed from
 * milli-values, memory, ephemeral-storage and hugepages from values, each rounded up
 * (`math.Ceil`). Throws `unsupported container resource : x` otherwise.
 */
export function extractContainerResourceValue(
  fs: ResourceFieldSelector,
  resources: {
    limits?: Readonly<Record<string, string>>;
    requests?: Readonly<Record<string, string>>;
  },
): string {
  const divisorQ =
    fs.divisor === undefined || parseQuantity(fs.divisor).isZero()
      ? parseQuantity('1')
      : parseQuantity(fs.divisor);
  const dot = fs.resource.indexOf('.');
  const kind = fs.resource.slice(0, dot);
  const name = fs.resource.slice(dot + 1);
  if (dot > 0 && (kind === 'limits' || kind === 'requests')) {
    const list = kind === 'limits' ? resources.limits : resources.requests;
    if (name === 'cpu') return ceilDiv(quantityOf(list, 'cpu').milliValue(), divisorQ.milliValue());
    if (name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-'))
      return ceilDiv(quantityOf(list, name).value(), divisorQ.value());
  }
  throw new Error(`unsupported container resource : ${fs.resource}`);
}

/**
 * The value of a `resourceFieldRef` for a pod (ExtractResourceValueByContainerNameAndNodeAllocatable):
 * finds the container (app containers, then init containers; `container X not found`),
 * defaults its limits from node allocatable, and formats the value.
 */
export function extractResourceValueByContainerName(
  fs: ResourceFieldSelector,
  pod: Pod,
  containerName: string | undefined,
  nodeAllocatable: ResourceList,
): string {
  const container = findContainerInPod(pod, containerName);
  const limits = mergeContainerResourceLimits(container, nodeAllocatable);
  return extractContainerResourceValue(fs, {
    limits,
    ...(container.resources?.requests !== undefined
      ? { requests: container.resources.requests }
      : {}),
  });
}
