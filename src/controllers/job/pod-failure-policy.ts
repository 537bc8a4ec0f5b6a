/**
 * Matching a failed pod against a Job's podFailurePolicy (upstream
 * pkg/controller/job/pod_failure_policy.go, 1.32 with JobBackoffLimitPerIndex on). Pure.
 */
import type {
  PodFailurePolicy,
  PodFailurePolicyOnExitCodesRequirement,
} from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';

/** The actions of a pod failure policy rule. */
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

/** What a failed pod matched. */
export interface PodFailurePolicyMatch {
  /** Set when a FailJob rule matched: the Job's failure message. */
  readonly failJobMessage?: string;
  /** False when an Ignore rule matched: the failure does not count towards backoffLimit. */
  readonly countFailed: boolean;
  /** The action of the matched rule, if any. */
  readonly action?: PodFailurePolicyAction;
}

function exitCodeMatches(code: number, req: PodFailurePolicyOnExitCodesRequirement): boolean {
  switch (req.operator) {
    case 'In':
      return req.values.includes(code);
    case 'NotIn':
      return !req.values.includes(code);
    default:
      return false;
  }
}

function matchingContainer(
  statuses: readonly ContainerStatus[] | undefined,
  req: PodFailurePolicyOnExitCodesRequirement,
): ContainerStatus | undefined {
  for (const cs of statuses ?? []) {
    const t = cs.state?.terminated;
    // A container still terminating has no exit code to match.
    if (t === undefined) continue;
    if (req.containerName !== undefined && req.containerName !== cs.name) continue;
    if (t.exitCode !== 0 && exitCodeMatches(t.exitCode, req)) return cs;
  }
  return undefined;
}

function matchOnExitCodes(
  status: PodStatus | undefined,
  req: PodFailurePolicyOnExitCodesRequirement,
): ContainerStatus | undefined {
  return (
    matchingContainer(status?.containerStatuses, req) ??
    matchingContainer(status?.initContainerStatuses, req)
  );
}

function matchOnPodConditions(
  status: PodStatus | undefined,
  patterns: readonly { type: string; status: string }[],
): PodCondition | undefined {
  for (const c of status?.conditions ?? []) {
    for (const p of patterns) if (c.type === p.type && c.status === p.status) return c;
  }
  return undefined;
}

/**
 * Matches `pod` (assumed failed) against `policy` (upstream matchPodFailurePolicy): the first
 * rule that matches decides; no policy or no match counts the failure with no action.
 */
export function matchPodFailurePolicy(
  policy: PodFailurePolicy | undefined,
  pod: Pod,
): PodFailurePolicyMatch {
  if (policy === undefined) return { countFailed: true };
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (const [index, rule] of policy.rules.entries()) {
    const action = rule.action as PodFailurePolicyAction;
    if (rule.onExitCodes !== undefined) {
      const cs = matchOnExitCodes(pod.status, rule.onExitCodes);
      if (cs === undefined) continue;
      switch (action) {
        case 'Ignore':
          return { countFailed: false, action };
        case 'Count':
        case 'FailIndex':
          return { countFailed: true, action };
        case 'FailJob':
          return {
            failJobMessage: `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${cs.state?.terminated?.exitCode ?? 0} matching ${action} rule at index ${index}`,
            countFailed: true,
            action,
          };
        default:
          continue;
      }
    } else if (rule.onPodConditions !== undefined) {
      const c = matchOnPodConditions(pod.status, rule.onPodConditions);
      if (c === undefined) continue;
      switch (action) {
        case 'Ignore':
          return { countFailed: false, action };
        case 'Count':
        case 'FailIndex':
          return { countFailed: true, action };
        case 'FailJob':
          return {
            failJobMessage: `Pod ${ns}/${name} has condition ${c.type} matching ${action} rule at index ${index}`,
            countFailed: true,
            action,
          };
        default:
          continue;
      }
    }
  }
  return { countFailed: true };
}
