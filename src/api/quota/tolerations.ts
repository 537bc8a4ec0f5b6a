// DefaultTolerationSeconds admission (upstream plugin/pkg/admission/defaulttolerationseconds):
// every pod tolerates the not-ready and unreachable NoExecute taints for 300 s unless it
// already tolerates them, so a node outage evicts pods after five minutes rather than at once.
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { JsonObject, PluginAttributes } from './attributes.ts';

/** The taint the node lifecycle controller puts on a NotReady node. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** The taint for a node whose status is Unknown. */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Upstream's default for both --default-*-toleration-seconds flags. */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** Options for {@link defaultTolerationSeconds}. */
export interface DefaultTolerationOptions {
  readonly notReadySeconds?: number;
  readonly unreachableSeconds?: number;
}

function tolerates(ts: readonly Toleration[], key: string): boolean {
  return ts.some(
    (t) =>
      ((t.key ?? '') === key || (t.key ?? '') === '') &&
      ((t.effect ?? '') === 'NoExecute' || (t.effect ?? '') === ''),
  );
}

/**
 * The pod with `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable`
 * (Exists, NoExecute, tolerationSeconds 300) appended when it has no toleration covering them
 * (same key or empty key, NoExecute or empty effect). Returns a new pod, or undefined when
 * nothing was added. The input is not modified.
 */
export function defaultTolerationSeconds(
  pod: Pod,
  opts: DefaultTolerationOptions = {},
): Pod | undefined {
  const ts = pod.spec?.tolerations ?? [];
  const add: Toleration[] = [];
  if (!tolerates(ts, TAINT_NODE_NOT_READY)) {
    add.push({
      key: TAINT_NODE_NOT_READY,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: opts.notReadySeconds ?? DEFAULT_TOLERATION_SECONDS,
    });
  }
  if (!tolerates(ts, TAINT_NODE_UNREACHABLE)) {
    add.push({
      key: TAINT_NODE_UNREACHABLE,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: opts.unreachableSeconds ?? DEFAULT_TOLERATION_SECONDS,
    });
  }
  if (add.length === 0) return undefined;
  const out = structuredClone(pod);
  const spec = (out.spec ??= { containers: [] });
  spec.tolerations = [...(spec.tolerations ?? []), ...add];
  return out;
}

/**
 * The admission form (upstream Admit): pods only, main resource, CREATE or UPDATE. Returns the
 * new object or undefined when unchanged.
 */
export function admitDefaultTolerationSeconds(
  attrs: PluginAttributes,
  opts: DefaultTolerationOptions = {},
): JsonObject | undefined {
  if (attrs.resource.group !== '' || attrs.resource.resource !== 'pods') return undefined;
  if (attrs.subresource !== '') return undefined;
  if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return undefined;
  if (attrs.object === undefined) return undefined;
  const out = defaultTolerationSeconds(attrs.object, opts);
  return out === undefined ? undefined : (out as unknown as JsonObject);
}
