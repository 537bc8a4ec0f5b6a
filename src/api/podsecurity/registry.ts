/**
 * The check registry (upstream policy/registry.go): which checks run for a level at a
 * version, in a stable order, plus the aggregation of their results into upstream's messages.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { majorMinorVersion, versionOlder } from './api.ts';
import type { LevelVersion, PolicyVersion } from './api.ts';
import { DEFAULT_CHECKS } from './checks.ts';
import type { Check, CheckOptions, CheckPodFn, CheckResult, VersionedCheck } from './checks.ts';

/** Evaluates pods against a level and version. */
export interface Evaluator {
  /**
   * Runs every check of `lv` (none for privileged) and returns one result per check, in
   * upstream's order: baseline checks by ID, then restricted checks by ID. Versions newer than
   * the newest registered check (and `latest`) use that newest version. The result array is
   * new on each call and owned by the caller; inputs are not modified.
   */
  evaluatePod(
    lv: LevelVersion,
    meta: ObjectMeta | undefined,
    spec: PodSpec | undefined,
  ): CheckResult[];
  /** The newest policy version any check defines (what `latest` means): v1.32 by default. */
  readonly maxVersion: PolicyVersion;
}

const EMPTY_SPEC: PodSpec = Object.freeze({ containers: [] });

/** Options of `newEvaluator`. */
export interface EvaluatorOptions extends Partial<CheckOptions> {
  /** The checks to register; upstream's 1.32 default checks when omitted. */
  checks?: readonly Check[];
}

function validateChecks(checks: readonly Check[]): void {
  const ids = new Set<string>();
  for (const check of checks) {
    if (ids.has(check.id)) throw new Error(`multiple checks registered for ID ${check.id}`);
    ids.add(check.id);
    if (check.versions.length === 0) throw new Error(`check ${check.id}: empty`);
    let max: PolicyVersion = majorMinorVersion(0, 0);
    for (const c of check.versions) {
      if (c.minimumVersion.latest) throw new Error(`check ${check.id}: version cannot be 'latest'`);
      if (!versionOlder(max, c.minimumVersion)) {
        throw new Error(`check ${check.id}: versions must be strictly increasing`);
      }
      max = c.minimumVersion;
    }
  }
}

/**
 * Builds an evaluator (upstream NewEvaluator). Per-version check lists are computed once here,
 * so evaluation is a lookup plus the checks themselves. Throws on an invalid check list.
 */
export function newEvaluator(options: EvaluatorOptions = {}): Evaluator {
  const checks = options.checks ?? DEFAULT_CHECKS;
  validateChecks(checks);
  const opts: CheckOptions = {
    relaxForUserNamespacePods: options.relaxForUserNamespacePods ?? false,
  };

  let maxMinor = 0;
  for (const c of checks) {
    const last = c.versions[c.versions.length - 1]?.minimumVersion;
    if (last !== undefined && !last.latest && last.minor > maxMinor) maxMinor = last.minor;
  }

  // minor -> check ID -> the revision in force at that minor.
  const inflate = (level: Check['level']): Map<string, VersionedCheck>[] => {
    const byMinor: Map<string, VersionedCheck>[] = [];
    for (let m = 0; m <= maxMinor; m++) byMinor.push(new Map());
    for (const c of checks) {
      if (c.level !== level) continue;
      c.versions.forEach((vc, i) => {
        const from = vc.minimumVersion.latest ? 0 : vc.minimumVersion.minor;
        const nextVersion = c.versions[i + 1]?.minimumVersion;
        const to =
          nextVersion === undefined || nextVersion.latest ? maxMinor + 1 : nextVersion.minor;
        for (let m = from; m < to; m++) byMinor[m]?.set(c.id, vc);
      });
    }
    return byMinor;
  };
  const baselineByMinor = inflate('baseline');
  const restrictedByMinor = inflate('restricted');

  // Stable order for consistent messages: baseline IDs sorted, then restricted IDs sorted.
  const byId = (a: Check, b: Check): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const orderedIds = [
    ...checks.filter((c) => c.level === 'baseline').sort(byId),
    ...checks.filter((c) => c.level === 'restricted').sort(byId),
  ].map((c) => c.id);

  const baselineFns: CheckPodFn[][] = [];
  const restrictedFns: CheckPodFn[][] = [];
  for (let m = 0; m <= maxMinor; m++) {
    const baseline = baselineByMinor[m] ?? new Map<string, VersionedCheck>();
    const restricted = new Map(restrictedByMinor[m]);
    const overrides = new Set<string>();
    for (const vc of restricted.values())
      for (const id of vc.overrideCheckIDs ?? []) overrides.add(id);
    for (const [id, vc] of baseline) if (!overrides.has(id)) restricted.set(id, vc);
    const pick = (entries: Map<string, VersionedCheck>): CheckPodFn[] =>
      orderedIds.flatMap((id) => {
        const vc = entries.get(id);
        return vc === undefined ? [] : [vc.checkPod];
      });
    baselineFns.push(pick(baseline));
    restrictedFns.push(pick(restricted));
  }

  const maxVersion = majorMinorVersion(1, maxMinor);
  return {
    maxVersion,
    evaluatePod(lv, meta, spec) {
      if (lv.level === 'privileged') return [];
      const version = lv.version;
      // Only major version 1 exists; anything beyond the newest check uses the newest checks.
      const minor =
        version.latest || versionOlder(maxVersion, version)
          ? maxMinor
          : version.major < 1
            ? -1
            : version.minor;
      const fns = (lv.level === 'baseline' ? baselineFns : restrictedFns)[minor] ?? [];
      const m = meta ?? {};
      const s = spec ?? EMPTY_SPEC;
      return fns.map((fn) => fn(m, s, opts));
    },
  };
}

let defaultEvaluator: Evaluator | undefined;

/**
 * Evaluates a pod's metadata and spec against `lv` with upstream's default checks (user
 * namespace relaxation off, as in 1.32 by default). See `Evaluator.evaluatePod`.
 */
export function evaluatePod(
  lv: LevelVersion,
  meta: ObjectMeta | undefined,
  spec: PodSpec | undefined,
): CheckResult[] {
  defaultEvaluator ??= newEvaluator();
  return defaultEvaluator.evaluatePod(lv, meta, spec);
}

/** Placeholder reason for a check that forbids without saying why. */
export const UNKNOWN_FORBIDDEN_REASON = 'unknown forbidden reason';

/** The forbidden results of several checks (upstream AggregateCheckResult). */
export interface AggregateCheckResult {
  allowed: boolean;
  /** One non-empty reason per forbidding check, in result order. */
  forbiddenReasons: string[];
  /** The matching details ('' when a check gave none). */
  forbiddenDetails: string[];
}

/** AggregateCheckResults: collects the forbidden results, in order. */
export function aggregateCheckResults(results: readonly CheckResult[]): AggregateCheckResult {
  const forbiddenReasons: string[] = [];
  const forbiddenDetails: string[] = [];
  for (const r of results) {
    if (r.allowed) continue;
    forbiddenReasons.push(
      r.forbiddenReason === undefined || r.forbiddenReason === ''
        ? UNKNOWN_FORBIDDEN_REASON
        : r.forbiddenReason,
    );
    forbiddenDetails.push(r.forbiddenDetail ?? '');
  }
  return { allowed: forbiddenReasons.length === 0, forbiddenReasons, forbiddenDetails };
}

/** ForbiddenReason(): `host ports, privileged, ...` (the reasons joined by `, `). */
export function aggregateForbiddenReason(a: AggregateCheckResult): string {
  return a.forbiddenReasons.join(', ');
}

/**
 * ForbiddenDetail(): each reason followed by ` (detail)` when it has one, joined by `, `, e.g.
 * `allowPrivilegeEscalation != false (container "c" must set ...), runAsNonRoot != true (...)`.
 */
export function aggregateForbiddenDetail(a: AggregateCheckResult): string {
  return a.forbiddenReasons
    .map((reason, i) => {
      const detail = a.forbiddenDetails[i] ?? '';
      return detail === '' ? reason : `${reason} (${detail})`;
    })
    .join(', ');
}

/**
 * The detailed message of a list of check results, as it appears after
 * `violates PodSecurity "restricted:latest": `; '' when every check allowed the pod.
 */
export function aggregateMessage(results: readonly CheckResult[]): string {
  return aggregateForbiddenDetail(aggregateCheckResults(results));
}
