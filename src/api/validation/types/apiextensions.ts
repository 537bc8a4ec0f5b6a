/**
 * CustomResourceDefinition validation for the per-kind tables: apiextensions' rules (../../crd)
 * with the `x-kubernetes-validations` rules compiled by ../../cel, and a guard so that a body
 * too malformed for the validators to walk (hostile input) is reported as invalid rather than
 * failing with a server error.
 */
import {
  setCrdDefaults,
  validateCrd,
  validateCrdStatusUpdate,
  validateCrdUpdate,
  type CrdValidationHooks,
  type CustomResourceDefinition,
} from '../../crd/index.ts';
import { compileValidationRules } from '../../cel/index.ts';
import { invalid, newPath, required } from '../field-errors.ts';
import type { FieldError } from '../field-errors.ts';

/** `x-kubernetes-validations` rules must compile. */
const RULE_HOOKS: CrdValidationHooks = {
  // Called for every node that has rules; compiling walks the children too, so keep only the
  // errors of this node's own rules.
  validateRules: (schema, fldPath) => {
    const own = `${fldPath.toString()}.x-kubernetes-validations[`;
    return compileValidationRules(schema, { basePath: fldPath }).errors.filter((e) =>
      e.field.startsWith(own),
    );
  },
};

/** A CRD body whose spec is not an object gets this instead of the full validation. */
function shapeErrors(obj: CustomResourceDefinition): FieldError[] | undefined {
  const spec: unknown = obj.spec;
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) return undefined;
  return spec === undefined
    ? [required(newPath('spec'), '')]
    : [invalid(newPath('spec'), spec, 'must be an object')];
}

function guarded(obj: CustomResourceDefinition, run: () => FieldError[]): FieldError[] {
  const shape = shapeErrors(obj);
  if (shape !== undefined) return shape;
  try {
    return run();
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return [invalid(newPath('spec'), '', 'malformed CustomResourceDefinition')];
  }
}

export function validateCustomResourceDefinition(obj: CustomResourceDefinition): FieldError[] {
  return guarded(obj, () => validateCrd(obj, RULE_HOOKS));
}

export function validateCustomResourceDefinitionUpdate(
  obj: CustomResourceDefinition,
  old: CustomResourceDefinition,
): FieldError[] {
  return guarded(obj, () => validateCrdUpdate(obj, old, RULE_HOOKS));
}

export function validateCustomResourceDefinitionStatusUpdate(
  obj: CustomResourceDefinition,
  old: CustomResourceDefinition,
): FieldError[] {
  return guarded(obj, () => validateCrdStatusUpdate(obj, old));
}

/** apiextensions' defaults; best effort on hostile shapes (validation reports what is wrong). */
export function setCustomResourceDefinitionDefaults(obj: CustomResourceDefinition): void {
  guarded(obj, () => {
    setCrdDefaults(obj);
    return [];
  });
}
