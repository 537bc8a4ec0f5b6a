/**
 * Node-label deprecations and the warnings built on them (pkg/api/node/util.go, Kubernetes
 * 1.32), plus the Node and RuntimeClass object warnings (pkg/registry/core/node/strategy.go,
 * pkg/api/node).
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { Node, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import { newPath } from '../validation/index.ts';
import type { FieldPath } from '../validation/index.ts';

const DEPRECATED_NODE_LABELS: ReadonlyMap<string, string> = new Map([
  ['beta.kubernetes.io/arch', 'deprecated since v1.14; use "kubernetes.io/arch" instead'],
  ['beta.kubernetes.io/os', 'deprecated since v1.14; use "kubernetes.io/os" instead'],
  [
    'failure-domain.beta.kubernetes.io/region',
    'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  ],
  [
    'failure-domain.beta.kubernetes.io/zone',
    'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  ],
  [
    'beta.kubernetes.io/instance-type',
    'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
  ],
  ['app.kubernetes.io/created-by', 'deprecated since v1.9'],
  [
    'scheduler.alpha.kubernetes.io/preferAvoidPods',
    'deprecated since v1.22; use Taints and Tolerations instead',
  ],
  ['node-role.kubernetes.io/master', 'use "node-role.kubernetes.io/control-plane" instead'],
]);

/** The deprecation message of a node label key, or undefined when it is not deprecated. */
export function nodeLabelDeprecatedMessage(key: string): string | undefined {
  return DEPRECATED_NODE_LABELS.get(key);
}

/**
 * Deprecated keys in a node selector term's match expressions:
 * `<path>.matchExpressions[i].key: <key> is <message>`.
 */
export function warningsForNodeSelectorTerm(
  term: NodeSelectorTerm | undefined,
  path: FieldPath,
): string[] {
  const out: string[] = [];
  (term?.matchExpressions ?? []).forEach((e, i) => {
    const msg = nodeLabelDeprecatedMessage(e.key);
    if (msg !== undefined) {
      out.push(
        `${path.child('matchExpressions').index(i).child('key').toString()}: ${e.key} is ${msg}`,
      );
    }
  });
  return out;
}

/** Deprecated keys in a metav1.LabelSelector over node labels (GetWarningsForNodeSelector). */
export function warningsForNodeLabelSelector(
  selector: LabelSelector | undefined,
  path: FieldPath,
): string[] {
  if (selector === undefined) return [];
  const out: string[] = [];
  (selector.matchExpressions ?? []).forEach((e, i) => {
    const msg = nodeLabelDeprecatedMessage(e.key);
    if (msg !== undefined) {
      out.push(
        `${path.child('matchExpressions').index(i).child('key').toString()}: ${e.key} is ${msg}`,
      );
    }
  });
  for (const label of Object.keys(selector.matchLabels ?? {})) {
    const msg = nodeLabelDeprecatedMessage(label);
    if (msg !== undefined) out.push(`${path.child('matchLabels').child(label).toString()}: ${msg}`);
  }
  return out;
}

/** RuntimeClass: deprecated labels in `scheduling.nodeSelector` (the path has no key, as upstream). */
export function warningsForRuntimeClass(rc: RuntimeClass | undefined): string[] {
  const out: string[] = [];
  for (const key of Object.keys(rc?.scheduling?.nodeSelector ?? {})) {
    const msg = nodeLabelDeprecatedMessage(key);
    if (msg !== undefined) out.push(`${newPath('scheduling', 'nodeSelector').toString()}: ${msg}`);
  }
  return out;
}

/** Node create and update: fields that are deprecated or no longer used. */
export function warningsForNode(node: Node | undefined): string[] {
  const out: string[] = [];
  if (node?.spec?.configSource != null) out.push('spec.configSource: the feature is removed');
  if ((node?.spec?.externalID ?? '').length > 0) {
    out.push('spec.externalID: this field is deprecated, and is unused by Kubernetes');
  }
  return out;
}
