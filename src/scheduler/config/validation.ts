/**
 * Validation of KubeSchedulerConfiguration and of the plugin args, ported from upstream
 * pkg/scheduler/apis/config/validation (validation.go, validation_pluginargs.go) with its
 * messages. Runs on the defaulted configuration, as upstream does (decode, default, validate).
 */
import type {
  NodeAffinity,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  TopologySpreadConstraint,
} from 'kubernetes-types/core/v1.js';
import {
  LabelSelectorError,
  duplicate,
  forbidden,
  invalid,
  isQualifiedName,
  newPath,
  newRequirement,
  notSupported,
  required,
} from '../../api/index.ts';
import type { FieldError, FieldPath } from '../../api/index.ts';
import { EXTENSION_POINTS } from '../framework/index.ts';
import type { PluginSet, Profile } from '../framework/index.ts';
import type { DefaultPreemptionArgs } from '../plugins/default-preemption/index.ts';
import type { InterPodAffinityArgs } from '../plugins/inter-pod-affinity/index.ts';
import type { NodeAffinityArgs } from '../plugins/node-affinity/index.ts';
import type { BalancedAllocationArgs } from '../plugins/node-resources-balanced-allocation/index.ts';
import type { NodeResourcesFitArgs } from '../plugins/node-resources-fit/index.ts';
import type { PodTopologySpreadArgs } from '../plugins/pod-topology-spread/index.ts';

/** The API version this loader reads (upstream v1.SchemeGroupVersion). */
export const SCHEDULER_CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';

/** Upstream MaxCustomPriorityScore: the top score of a RequestedToCapacityRatio shape point. */
const MAX_CUSTOM_PRIORITY_SCORE = 10;

const validateLabelName = (name: string, path: FieldPath): FieldError[] =>
  isQualifiedName(name).map((m) => invalid(path, name, m));

/** Upstream ValidateDefaultPreemptionArgs (args defaulted). */
export function validateDefaultPreemptionArgs(
  path: FieldPath,
  args: Required<DefaultPreemptionArgs>,
): FieldError[] {
  const errs: FieldError[] = [];
  const pct = path.child('minCandidateNodesPercentage');
  const abs = path.child('minCandidateNodesAbsolute');
  if (args.minCandidateNodesPercentage < 0 || args.minCandidateNodesPercentage > 100) {
    errs.push(invalid(pct, args.minCandidateNodesPercentage, 'not in valid range [0, 100]'));
  }
  if (args.minCandidateNodesAbsolute < 0) {
    errs.push(invalid(abs, args.minCandidateNodesAbsolute, 'not in valid range [0, inf)'));
  }
  if (args.minCandidateNodesPercentage === 0 && args.minCandidateNodesAbsolute === 0) {
    errs.push(
      invalid(pct, 0, 'cannot be zero at the same time as minCandidateNodesAbsolute'),
      invalid(abs, 0, 'cannot be zero at the same time as minCandidateNodesPercentage'),
    );
  }
  return errs;
}

/** Upstream ValidateInterPodAffinityArgs. */
export function validateInterPodAffinityArgs(
  path: FieldPath,
  args: InterPodAffinityArgs,
): FieldError[] {
  const w = args.hardPodAffinityWeight ?? 1;
  return w < 0 || w > 100
    ? [invalid(path.child('hardPodAffinityWeight'), w, 'not in valid range [0, 100]')]
    : [];
}

/** Upstream ValidatePodTopologySpreadArgs. */
export function validatePodTopologySpreadArgs(
  path: FieldPath,
  args: PodTopologySpreadArgs,
): FieldError[] {
  const errs: FieldError[] = [];
  const type: string = args.defaultingType ?? 'System';
  const constraints = args.defaultConstraints ?? [];
  const typePath = path.child('defaultingType');
  if (type !== 'System' && type !== 'List') {
    errs.push(notSupported(typePath, type, ['System', 'List']));
  } else if (type === 'System' && constraints.length > 0) {
    errs.push(invalid(typePath, type, 'when .defaultConstraints are not empty'));
  }
  const cPath = path.child('defaultConstraints');
  constraints.forEach((c: TopologySpreadConstraint, i) => {
    const p = cPath.index(i);
    if (c.maxSkew <= 0) {
      errs.push(invalid(p.child('maxSkew'), c.maxSkew, 'not in valid range (0, inf)'));
    }
    if (c.topologyKey === '') errs.push(required(p.child('topologyKey'), 'can not be empty'));
    else errs.push(...validateLabelName(c.topologyKey, p.child('topologyKey')));
    const wu = p.child('whenUnsatisfiable');
    if (c.whenUnsatisfiable === '') errs.push(required(wu, 'can not be empty'));
    else if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') {
      errs.push(notSupported(wu, c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    if (c.labelSelector !== undefined) {
      errs.push(
        forbidden(
          p.child('labelSelector'),
          'constraint must not define a selector, as they deduced for each pod',
        ),
      );
    }
    const prev = constraints
      .slice(0, i)
      .find((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable);
    if (prev !== undefined) {
      errs.push(duplicate(cPath.index(i), `{${c.topologyKey}, ${c.whenUnsatisfiable}}`));
    }
  });
  return errs;
}

/** Upstream ValidateNodeResourcesBalancedAllocationArgs (args defaulted). */
export function validateBalancedAllocationArgs(
  path: FieldPath,
  args: BalancedAllocationArgs,
): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (args.resources ?? []).forEach((r, i) => {
    const p = path.child('resources').index(i);
    if (seen.has(r.name)) errs.push(duplicate(p.child('name'), r.name));
    else seen.add(r.name);
    if (r.weight !== 1) errs.push(invalid(p.child('weight'), r.weight, 'must be 1'));
  });
  return errs;
}

const NODE_SELECTOR_OPERATORS: Readonly<Record<string, string>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Gt: 'gt',
  Lt: 'lt',
};

/** Upstream nodeSelectorRequirementsAsSelector / AsFieldSelector errors for one term. */
function nodeSelectorTermErrors(term: NodeSelectorTerm, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (term.matchExpressions ?? []).forEach((r: NodeSelectorRequirement, i) => {
    const p = path.child('matchExpressions').index(i);
    const op = NODE_SELECTOR_OPERATORS[r.operator];
    if (op === undefined) {
      errs.push(
        notSupported(p.child('operator'), r.operator, Object.keys(NODE_SELECTOR_OPERATORS)),
      );
      return;
    }
    try {
      newRequirement(r.key, op, r.values ?? null, p.toString());
    } catch (err) {
      if (err instanceof LabelSelectorError) errs.push(...err.fieldErrors);
      else throw err;
    }
  });
  (term.matchFields ?? []).forEach((r: NodeSelectorRequirement, i) => {
    const p = path.child('matchFields').index(i);
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if ((r.values ?? []).length !== 1) {
        errs.push(invalid(p.child('values'), r.values ?? null, 'must have one element'));
      }
    } else {
      errs.push(notSupported(p.child('operator'), r.operator, ['In', 'NotIn']));
    }
  });
  return errs;
}

/** Upstream ValidateNodeAffinityArgs (nodeaffinity.NewNodeSelector / NewPreferredSchedulingTerms). */
export function validateNodeAffinityArgs(path: FieldPath, args: NodeAffinityArgs): FieldError[] {
  const a: NodeAffinity | undefined = args.addedAffinity;
  if (a === undefined) return [];
  const errs: FieldError[] = [];
  const added = path.child('addedAffinity');
  const req = a.requiredDuringSchedulingIgnoredDuringExecution;
  if (req !== undefined) {
    const p = added.child('requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms');
    req.nodeSelectorTerms.forEach((t, i) => errs.push(...nodeSelectorTermErrors(t, p.index(i))));
  }
  const pref = a.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const pp = added.child('preferredDuringSchedulingIgnoredDuringExecution');
  pref.forEach((t, i) => {
    const empty =
      (t.preference.matchExpressions ?? []).length === 0 &&
      (t.preference.matchFields ?? []).length === 0;
    if (t.weight === 0 || empty) return;
    errs.push(...nodeSelectorTermErrors(t.preference, pp.index(i)));
  });
  return errs;
}

function validateFunctionShape(
  shape: readonly { utilization: number; score: number }[],
  path: FieldPath,
): FieldError[] {
  if (shape.length === 0) return [required(path, 'at least one point must be specified')];
  const errs: FieldError[] = [];
  for (let i = 1; i < shape.length; i++) {
    const prev = shape[i - 1];
    const cur = shape[i];
    if (prev !== undefined && cur !== undefined && prev.utilization >= cur.utilization) {
      errs.push(
        invalid(
          path.index(i).child('utilization'),
          cur.utilization,
          'values must be sorted in increasing order',
        ),
      );
      break;
    }
  }
  shape.forEach((pt, i) => {
    if (pt.utilization < 0 || pt.utilization > 100) {
      errs.push(
        invalid(path.index(i).child('utilization'), pt.utilization, 'not in valid range [0, 100]'),
      );
    }
    if (pt.score < 0 || pt.score > MAX_CUSTOM_PRIORITY_SCORE) {
      errs.push(
        invalid(
          path.index(i).child('score'),
          pt.score,
          `not in valid range [0, ${String(MAX_CUSTOM_PRIORITY_SCORE)}]`,
        ),
      );
    }
  });
  return errs;
}

/**
 * Upstream ValidateNodeResourcesFitArgs (args defaulted). Upstream runs it when the plugin is
 * built (NewFit, with no path prefix), not in the configuration's validation: pass
 * `undefined` as `path` for that.
 */
export function validateNodeResourcesFitArgs(
  path: FieldPath | undefined,
  args: NodeResourcesFitArgs,
): FieldError[] {
  const at = (name: string): FieldPath => (path === undefined ? newPath(name) : path.child(name));
  const errs: FieldError[] = [];
  (args.ignoredResources ?? []).forEach((r, i) => {
    errs.push(...validateLabelName(r, at('ignoredResources').index(i)));
  });
  (args.ignoredResourceGroups ?? []).forEach((g, i) => {
    const p = at('ignoredResourceGroups').index(i);
    if (g.includes('/')) errs.push(invalid(p, g, "resource group name can't contain '/'"));
    errs.push(...validateLabelName(g, p));
  });
  const sp = at('scoringStrategy');
  const s = args.scoringStrategy;
  if (s === undefined) {
    errs.push(required(sp, 'ScoringStrategy field is required'));
    return errs;
  }
  const type = s.type ?? '';
  if (
    type !== 'LeastAllocated' &&
    type !== 'MostAllocated' &&
    type !== 'RequestedToCapacityRatio'
  ) {
    errs.push(
      notSupported(sp.child('type'), type, [
        'LeastAllocated',
        'MostAllocated',
        'RequestedToCapacityRatio',
      ]),
    );
  }
  (s.resources ?? []).forEach((r, i) => {
    if (r.weight <= 0 || r.weight > 100) {
      errs.push(
        invalid(
          sp.child('resources').index(i).child('weight'),
          r.weight,
          `resource weight of ${r.name} not in valid range (0, 100]`,
        ),
      );
    }
  });
  if (type === 'RequestedToCapacityRatio') {
    if (s.requestedToCapacityRatio === undefined) {
      errs.push(
        required(
          sp.child('requestedToCapacityRatio'),
          'must be specified when type is RequestedToCapacityRatio',
        ),
      );
    } else {
      errs.push(
        ...validateFunctionShape(
          s.requestedToCapacityRatio.shape,
          sp.child('requestedToCapacityRatio', 'shape'),
        ),
      );
    }
  } else if (s.requestedToCapacityRatio !== undefined) {
    errs.push(
      forbidden(
        sp.child('requestedToCapacityRatio'),
        'must be nil when type is not RequestedToCapacityRatio',
      ),
    );
  }
  return errs;
}

/** Plugins removed from the v1 API (upstream invalidPluginsByVersion). */
const INVALID_PLUGINS_V1: ReadonlySet<string> = new Set([
  'AzureDiskLimits',
  'CinderLimits',
  'EBSLimits',
  'GCEPDLimits',
]);

function invalidPluginError(path: FieldPath, name: string): FieldError {
  return invalid(
    path,
    name,
    `was invalid in version "${SCHEDULER_CONFIG_API_VERSION}" (KubeSchedulerConfiguration is version "${SCHEDULER_CONFIG_API_VERSION}")`,
  );
}

/** Extension points in the order upstream's validation lists them (multiPoint is not checked). */
const VALIDATED_POINTS = EXTENSION_POINTS.filter((p) => p !== 'multiPoint');

/** The args validators run by the configuration's validation (upstream validatePluginConfig). */
const ARGS_VALIDATORS: ReadonlyMap<string, (path: FieldPath, args: never) => FieldError[]> =
  new Map<string, (path: FieldPath, args: never) => FieldError[]>([
    ['DefaultPreemption', validateDefaultPreemptionArgs],
    ['InterPodAffinity', validateInterPodAffinityArgs],
    ['NodeAffinity', validateNodeAffinityArgs],
    ['NodeResourcesBalancedAllocation', validateBalancedAllocationArgs],
    ['PodTopologySpread', validatePodTopologySpreadArgs],
  ]);

/** Upstream validateKubeSchedulerProfile + validatePluginConfig for profile `i`. */
export function validateProfile(path: FieldPath, profile: Profile): FieldError[] {
  const errs: FieldError[] = [];
  if ((profile.schedulerName ?? '') === '') errs.push(required(path.child('schedulerName'), ''));
  errs.push(
    ...validatePercentage(path.child('percentageOfNodesToScore'), profile.percentageOfNodesToScore),
  );
  const plugins = profile.plugins ?? {};
  for (const ep of VALIDATED_POINTS) {
    (plugins[ep]?.enabled ?? []).forEach((p, i) => {
      if (INVALID_PLUGINS_V1.has(p.name)) {
        errs.push(
          invalidPluginError(path.child('plugins').child(ep).child('enabled').index(i), p.name),
        );
      }
    });
  }
  const seen = new Set<string>();
  (profile.pluginConfig ?? []).forEach((pc, i) => {
    const p = path.child('pluginConfig').index(i);
    if (seen.has(pc.name)) errs.push(duplicate(p, pc.name));
    else seen.add(pc.name);
    if (INVALID_PLUGINS_V1.has(pc.name)) {
      errs.push(invalidPluginError(p, pc.name));
      return;
    }
    const validate = ARGS_VALIDATORS.get(pc.name);
    if (validate !== undefined) errs.push(...validate(p.child('args'), pc.args as never));
  });
  return errs;
}

/** Upstream validatePercentageOfNodesToScore. */
export function validatePercentage(path: FieldPath, pct: number | undefined): FieldError[] {
  return pct !== undefined && (pct < 0 || pct > 100)
    ? [invalid(path, pct, 'not in valid range [0-100]')]
    : [];
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Upstream validateCommonQueueSort: every profile must sort the queue the same way. */
export function validateCommonQueueSort(
  path: FieldPath,
  profiles: readonly Profile[],
): FieldError[] {
  const errs: FieldError[] = [];
  const first = profiles[0];
  if (first === undefined) return errs;
  const canon: PluginSet = first.plugins?.queueSort ?? {};
  const name = canon.enabled?.[0]?.name ?? '';
  if ((canon.enabled?.length ?? 0) > 1) {
    errs.push(
      invalid(
        path.index(0).child('plugins', 'queueSort', 'Enabled'),
        canon.enabled?.length ?? 0,
        'only one queue sort plugin can be enabled',
      ),
    );
  }
  const args = first.pluginConfig?.find((c) => name !== '' && c.name === name)?.args;
  profiles.forEach((p, i) => {
    if (i === 0) return;
    const cur: PluginSet = p.plugins?.queueSort ?? {};
    if (!sameJson(setOf(canon), setOf(cur))) {
      errs.push(
        invalid(
          path.index(i).child('plugins', 'queueSort'),
          setOf(cur),
          'must be the same for all profiles',
        ),
      );
    }
    for (const c of p.pluginConfig ?? []) {
      if (c.name === name && !sameJson(args, c.args)) {
        errs.push(
          invalid(
            path.index(i).child('pluginConfig', 'args'),
            c.args,
            'queueSort must be the same for all profiles',
          ),
        );
      }
    }
  });
  return errs;
}

/** A PluginSet with empty lists normalised away, for comparison. */
function setOf(s: PluginSet): PluginSet {
  return {
    ...((s.enabled?.length ?? 0) > 0 ? { enabled: s.enabled } : {}),
    ...((s.disabled?.length ?? 0) > 0 ? { disabled: s.disabled } : {}),
  };
}
