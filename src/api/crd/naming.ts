/**
 * CRD status conditions computed by apiextensions-apiserver's controllers (Kubernetes 1.32
 * pkg/controller/status/naming_controller.go, establish/establishing_controller.go and
 * nonstructuralschema/nonstructuralschema_controller.go), as pure functions the caller applies
 * to the CRD's status.
 */
import { invalid, newPath, toAggregateMessage } from '../validation/index.ts';
import type { FieldError } from '../validation/index.ts';
import { compileStructural, validateStructural } from './structural.ts';
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionCondition,
  CustomResourceDefinitionNames,
} from './types.ts';

/** What the naming controller decides for one CRD. */
export interface NamesStatus {
  /** The names to write to `status.acceptedNames`. */
  readonly acceptedNames: CustomResourceDefinitionNames;
  /** The `NamesAccepted` condition (without lastTransitionTime). */
  readonly namesAccepted: CustomResourceDefinitionCondition;
  /** The `Established` condition as the naming controller leaves it. */
  readonly established: CustomResourceDefinitionCondition;
}

function equalToAcceptedOrFresh(
  requested: string,
  accepted: string,
  used: ReadonlySet<string>,
): string | undefined {
  if (requested === accepted) return undefined;
  if (!used.has(requested)) return undefined;
  return `"${requested}" is already in use`;
}

/**
 * Upstream calculateNamesAndConditions: compares the requested names with the names already
 * accepted by the CRDs of the same group (`all` may include `crd` itself, as upstream's lister
 * does) and keeps each requested name that is either already ours or unused. A conflict sets
 * `NamesAccepted` False with reason `PluralConflict`, `SingularConflict`, `ShortNamesConflict`,
 * `KindConflict` or `ListKindConflict` and message `"foos" is already in use`; otherwise True,
 * `NoConflicts`, `no conflicts found`. `Established` is the CRD's existing condition, or False
 * `NotAccepted`; it becomes False `Installing` "the initial names have been accepted" once the
 * names are accepted and the CRD is not yet established (see `establishedCondition`). Pure.
 */
export function computeNamesAccepted(
  crd: CustomResourceDefinition,
  all: readonly CustomResourceDefinition[],
): NamesStatus {
  const group = crd.spec.group ?? '';
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const c of all) {
    if ((c.spec.group ?? '') !== group) continue;
    const n = c.status?.acceptedNames ?? {};
    resources.add(n.plural ?? '');
    resources.add(n.singular ?? '');
    for (const s of n.shortNames ?? []) resources.add(s);
    kinds.add(n.kind ?? '');
    kinds.add(n.listKind ?? '');
  }
  const requested = crd.spec.names ?? {};
  const accepted = crd.status?.acceptedNames ?? {};
  const newNames: CustomResourceDefinitionNames = structuredClone(accepted);
  let status = 'Unknown';
  let reason = '';
  let message = '';
  const fail = (r: string, m: string) => {
    status = 'False';
    reason = r;
    message = m;
  };
  let e = equalToAcceptedOrFresh(requested.plural ?? '', accepted.plural ?? '', resources);
  if (e !== undefined) fail('PluralConflict', e);
  else newNames.plural = requested.plural ?? '';
  e = equalToAcceptedOrFresh(requested.singular ?? '', accepted.singular ?? '', resources);
  if (e !== undefined) fail('SingularConflict', e);
  else newNames.singular = requested.singular ?? '';
  const reqShort = requested.shortNames ?? [];
  const accShort = accepted.shortNames ?? [];
  if (JSON.stringify(reqShort) !== JSON.stringify(accShort)) {
    const existing = new Set(accShort);
    const errs: string[] = [];
    for (const s of reqShort) {
      if (existing.has(s)) continue;
      const se = equalToAcceptedOrFresh(s, '', resources);
      if (se !== undefined) errs.push(se);
    }
    if (errs.length > 0) {
      // utilerrors.NewAggregate: one message alone, several as `[a, b]`.
      fail('ShortNamesConflict', errs.length === 1 ? (errs[0] ?? '') : `[${errs.join(', ')}]`);
    } else if (requested.shortNames === undefined) {
      delete newNames.shortNames;
    } else {
      newNames.shortNames = [...reqShort];
    }
  }
  e = equalToAcceptedOrFresh(requested.kind ?? '', accepted.kind ?? '', kinds);
  if (e !== undefined) fail('KindConflict', e);
  else newNames.kind = requested.kind ?? '';
  e = equalToAcceptedOrFresh(requested.listKind ?? '', accepted.listKind ?? '', kinds);
  if (e !== undefined) fail('ListKindConflict', e);
  else newNames.listKind = requested.listKind ?? '';
  if (requested.categories === undefined) delete newNames.categories;
  else newNames.categories = [...requested.categories];

  if (status === 'Unknown') {
    status = 'True';
    reason = 'NoConflicts';
    message = 'no conflicts found';
  }
  const namesAccepted = { type: 'NamesAccepted', status, reason, message };
  let established: CustomResourceDefinitionCondition = {
    type: 'Established',
    status: 'False',
    reason: 'NotAccepted',
    message: 'not all names are accepted',
  };
  const old = crd.status?.conditions?.find((c) => c.type === 'Established');
  if (old !== undefined) established = { ...old };
  if (established.status !== 'True' && status === 'True') {
    established = {
      type: 'Established',
      status: 'False',
      reason: 'Installing',
      message: 'the initial names have been accepted',
    };
  }
  return { acceptedNames: newNames, namesAccepted, established };
}

/**
 * The `Established` condition the establishing controller writes once NamesAccepted is True
 * (status True, reason `InitialNamesAccepted`, message `the initial names have been
 * accepted`). Upstream waits up to 5s for other API servers in HA; a single server may
 * establish at once.
 */
export function establishedCondition(): CustomResourceDefinitionCondition {
  return {
    type: 'Established',
    status: 'True',
    reason: 'InitialNamesAccepted',
    message: 'the initial names have been accepted',
  };
}

/**
 * The `NonStructuralSchema` condition (status True, reason `Violations`, message the
 * aggregated structural errors of all versions, e.g.
 * `spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be
 * empty for specified object fields`), or undefined when every schema is structural (the
 * caller then removes the condition). Pure.
 */
export function nonStructuralSchemaCondition(
  crd: CustomResourceDefinition,
): CustomResourceDefinitionCondition | undefined {
  const errs: FieldError[] = [];
  if (crd.spec.preserveUnknownFields === true) {
    errs.push(invalid(newPath('spec', 'preserveUnknownFields'), true, 'must be false'));
  }
  (crd.spec.versions ?? []).forEach((v, i) => {
    const schema = v.schema?.openAPIV3Schema;
    if (schema === undefined) return;
    const p = newPath('spec', 'versions').index(i).child('schema', 'openAPIV3Schema');
    errs.push(...validateStructural(p, compileStructural(schema)));
  });
  if (errs.length === 0) return undefined;
  return {
    type: 'NonStructuralSchema',
    status: 'True',
    reason: 'Violations',
    message: toAggregateMessage(errs),
  };
}

/**
 * Sets `cond` on `crd.status.conditions` as upstream SetCRDCondition does: an existing
 * condition of the same type keeps its lastTransitionTime unless the status changes;
 * reason and message are always updated. `now` is RFC 3339. Mutates `crd`.
 */
export function setCrdCondition(
  crd: CustomResourceDefinition,
  cond: CustomResourceDefinitionCondition,
  now: string,
): void {
  const status = (crd.status ??= {});
  const conds = (status.conditions ??= []);
  const i = conds.findIndex((c) => c.type === cond.type);
  const existing = conds[i];
  if (existing === undefined) {
    conds.push({ ...cond, lastTransitionTime: cond.lastTransitionTime ?? now });
    return;
  }
  const lastTransitionTime =
    existing.status !== cond.status
      ? (cond.lastTransitionTime ?? now)
      : (existing.lastTransitionTime ?? now);
  conds[i] = { ...cond, lastTransitionTime };
}

/** Removes the condition of `type` (upstream RemoveCRDCondition). Mutates `crd`. */
export function removeCrdCondition(crd: CustomResourceDefinition, type: string): void {
  const conds = crd.status?.conditions;
  if (conds === undefined || crd.status === undefined) return;
  crd.status.conditions = conds.filter((c) => c.type !== type);
}
