/**
 * ObjectMeta validation, ported from Kubernetes 1.32
 * staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go and
 * .../apis/meta/v1/validation (labels). Errors come in upstream's order; map entries are
 * visited in object order (Go's order is random, so upstream gives no order to rely on).
 * managedFields are not validated yet.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { forbidden, invalid, required, tooLong } from './field-errors.ts';
import type { FieldError, FieldPath } from './field-errors.ts';
import { isQualifiedName, isValidLabelValue, validateNamespaceName } from './names.ts';
import type { ValidateNameFunc } from './names.ts';
import { goQuote } from './quote.ts';

/** Upstream FieldImmutableErrorMsg. */
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
/** Upstream IsNegativeErrorMsg. */
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
/** Total size limit of all annotation keys and values, in bytes (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Label keys must be qualified names and values valid label values. */
export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(fldPath, k, msg));
    for (const msg of isValidLabelValue(v)) errs.push(invalid(fldPath, v, msg));
  }
  return errs;
}

/**
 * Annotation keys must be qualified names (case-insensitively), and keys plus values may not
 * exceed 262144 bytes in total.
 */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(fldPath, k, msg));
    total += utf8Length(k) + utf8Length(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) {
    errs.push(tooLong(fldPath, '', TOTAL_ANNOTATION_SIZE_LIMIT_B));
  }
  return errs;
}

/** schema.FromAPIVersionAndKind: an unparsable apiVersion gives an empty group and version. */
function splitApiVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return { group: '', version: '' };
}

/**
 * Owner references need apiVersion (with a version), kind, name and uid; core v1 Events may not
 * own anything; at most one may be the controller. Paths are not indexed, as upstream.
 */
export function validateOwnerReferences(
  refs: readonly OwnerReference[] | undefined,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const gv = splitApiVersion(ref.apiVersion);
    if (gv.version === '') {
      errs.push(invalid(fldPath.child('apiVersion'), ref.apiVersion, 'version must not be empty'));
    }
    if (ref.kind === '') errs.push(invalid(fldPath.child('kind'), ref.kind, 'must not be empty'));
    if (ref.name === '') errs.push(invalid(fldPath.child('name'), ref.name, 'must not be empty'));
    if (ref.uid === '') errs.push(invalid(fldPath.child('uid'), ref.uid, 'must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && ref.kind === 'Event') {
      errs.push(invalid(fldPath, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        errs.push(
          invalid(
            fldPath,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

/** Finalizers must be qualified names, and `orphan` excludes `foregroundDeletion`. */
export function validateFinalizers(
  finalizers: readonly string[] | undefined,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) {
    for (const msg of isQualifiedName(f)) errs.push(invalid(fldPath, f, msg));
  }
  if (list.includes(FINALIZER_ORPHAN_DEPENDENTS) && list.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(
      invalid(
        fldPath,
        list,
        `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`,
      ),
    );
  }
  return errs;
}

function validateCommon(meta: ObjectMeta, namespaced: boolean, fldPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const ns = meta.namespace ?? '';
  if (namespaced) {
    if (ns === '') {
      errs.push(required(fldPath.child('namespace')));
    } else {
      for (const msg of validateNamespaceName(ns, false)) {
        errs.push(invalid(fldPath.child('namespace'), ns, msg));
      }
    }
  } else if (ns !== '') {
    errs.push(forbidden(fldPath.child('namespace'), 'not allowed on this type'));
  }
  const generation = meta.generation ?? 0;
  if (generation < 0) {
    errs.push(invalid(fldPath.child('generation'), generation, IS_NEGATIVE_ERROR_MSG));
  }
  errs.push(...validateLabels(meta.labels, fldPath.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, fldPath.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, fldPath.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, fldPath.child('finalizers')));
  return errs;
}

/**
 * Validates metadata on create (upstream ValidateObjectMeta): generateName and name through
 * `nameFn`, then namespace, generation, labels, annotations, owner references and finalizers.
 * Expects name generation to have happened already.
 */
export function validateObjectMeta(
  meta: ObjectMeta,
  namespaced: boolean,
  nameFn: ValidateNameFunc,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = meta.generateName ?? '';
  if (generateName !== '') {
    for (const msg of nameFn(generateName, true)) {
      errs.push(invalid(fldPath.child('generateName'), generateName, msg));
    }
  }
  const name = meta.name ?? '';
  if (name === '') {
    errs.push(required(fldPath.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) {
      errs.push(invalid(fldPath.child('name'), name, msg));
    }
  }
  errs.push(...validateCommon(meta, namespaced, fldPath));
  return errs;
}

/** Go's %#v of a []string, e.g. `[]string{"a", "b"}`. */
function goStringSlice(list: readonly string[]): string {
  return `[]string{${list.map(goQuote).join(', ')}}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Validates metadata on update (upstream ValidateObjectMetaUpdate): no new finalizers while
 * deleting, resourceVersion required, generation not decremented, identity and timestamps
 * immutable, then labels, annotations and owner references of the new object.
 */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta,
  oldMeta: ObjectMeta,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp !== undefined) {
    const old = new Set(oldMeta.finalizers ?? []);
    const extra = [...new Set((newMeta.finalizers ?? []).filter((f) => !old.has(f)))].sort();
    if (extra.length > 0) {
      errs.push(
        forbidden(
          fldPath.child('finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`,
        ),
      );
    }
  }
  if ((newMeta.resourceVersion ?? '') === '') {
    errs.push(
      invalid(
        fldPath.child('resourceVersion'),
        newMeta.resourceVersion ?? '',
        'must be specified for an update',
      ),
    );
  }
  if ((newMeta.generation ?? 0) < (oldMeta.generation ?? 0)) {
    errs.push(
      invalid(fldPath.child('generation'), newMeta.generation ?? 0, 'must not be decremented'),
    );
  }
  const immutable: [keyof ObjectMeta, unknown, unknown][] = [
    ['name', newMeta.name ?? '', oldMeta.name ?? ''],
    ['namespace', newMeta.namespace ?? '', oldMeta.namespace ?? ''],
    ['uid', newMeta.uid ?? '', oldMeta.uid ?? ''],
    ['creationTimestamp', newMeta.creationTimestamp, oldMeta.creationTimestamp],
    ['deletionTimestamp', newMeta.deletionTimestamp, oldMeta.deletionTimestamp],
    [
      'deletionGracePeriodSeconds',
      newMeta.deletionGracePeriodSeconds,
      oldMeta.deletionGracePeriodSeconds,
    ],
  ];
  for (const [field, newVal, oldVal] of immutable) {
    if (!sameJson(newVal, oldVal)) {
      errs.push(invalid(fldPath.child(field), newVal, FIELD_IMMUTABLE_ERROR_MSG));
    }
  }
  errs.push(...validateLabels(newMeta.labels, fldPath.child('labels')));
  errs.push(...validateAnnotations(newMeta.annotations, fldPath.child('annotations')));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, fldPath.child('ownerReferences')));
  return errs;
}
