/**
 * Defaulting and validation of apiextensions.k8s.io/v1 CustomResourceDefinitions, ported from
 * Kubernetes 1.32 staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/
 * {v1/defaults.go,validation/validation.go} and pkg/registry/customresourcedefinition/
 * strategy.go. Field paths and messages are upstream's (internal-version names where upstream
 * reports them, e.g. `additionalPrinterColumns[0].JSONPath`).
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { FieldError, FieldPath } from '../validation/index.ts';
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  duplicate,
  forbidden,
  invalid,
  isDNS1035Label,
  isDNS1123Subdomain,
  nameIsDNSSubdomain,
  newPath,
  notSupported,
  required,
  tooMany,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../validation/index.ts';
import { pruneUnknownFields } from './defaulting.ts';
import { jsonEqual, validateValue } from './schema-validate.ts';
import { compileStructural, validateStructural } from './structural.ts';
import type { Structural } from './structural.ts';
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionSpec,
  CustomResourceDefinitionStatus,
  CustomResourceDefinitionVersion,
  CustomResourceSubresources,
  JSONSchemaProps,
} from './types.ts';

/**
 * Applies the v1 scheme defaults in place (upstream SetDefaults_CustomResourceDefinition):
 * `names.singular` = lower-case kind, `names.listKind` = kind + "List", `conversion.strategy`
 * None, a webhook service port of 443, and `status.storedVersions` = [the storage version] when
 * empty. Idempotent.
 */
export function setCrdDefaults(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  const names = (spec.names ??= {});
  if ((names.singular ?? '') === '') names.singular = (names.kind ?? '').toLowerCase();
  if ((names.listKind ?? '') === '' && (names.kind ?? '') !== '') {
    names.listKind = `${names.kind}List`;
  }
  if (spec.conversion === undefined) spec.conversion = { strategy: 'None' };
  const svc = spec.conversion.webhook?.clientConfig?.service;
  if (svc !== undefined && svc.port === undefined) svc.port = 443;
  const status = (crd.status ??= {});
  if ((status.storedVersions ?? []).length === 0) {
    const storage = (spec.versions ?? []).find((v) => v.storage);
    if (storage?.name !== undefined) status.storedVersions = [storage.name];
  }
}

/**
 * The registry's PrepareForCreate: status reset to only `storedVersions: [storage version]`,
 * generation 1. Mutates `crd`.
 */
export function prepareCrdForCreate(crd: CustomResourceDefinition): void {
  const storage = (crd.spec.versions ?? []).find((v) => v.storage);
  crd.status = { storedVersions: storage?.name === undefined ? [] : [storage.name] };
  crd.metadata = { ...(crd.metadata ?? {}), generation: 1 };
}

/**
 * The registry's PrepareForUpdate: status is kept from `old` (it changes only through the
 * status subresource), the storage version is added to `storedVersions`, and `generation` is
 * bumped when the spec changed. Mutates `crd`.
 */
export function prepareCrdForUpdate(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition,
): void {
  crd.status = structuredClone(old.status ?? {});
  const gen = old.metadata?.generation ?? 0;
  crd.metadata = {
    ...(crd.metadata ?? {}),
    generation: jsonEqual(crd.spec, old.spec) ? gen : gen + 1,
  };
  const storage = (crd.spec.versions ?? []).find((v) => v.storage);
  const stored = crd.status.storedVersions ?? [];
  if (storage?.name !== undefined && !stored.includes(storage.name)) {
    crd.status.storedVersions = [...stored, storage.name];
  }
}

/**
 * Optional checks supplied by other modules. `validateRules` is called for every schema node
 * that has `x-kubernetes-validations` (CEL compilation and cost checks), with the node's path
 * (e.g. `spec.versions[0].schema.openAPIV3Schema.properties[spec]`), only when the schema is
 * otherwise valid and structural, as upstream does.
 */
export interface CrdValidationHooks {
  validateRules?: (schema: JSONSchemaProps, fldPath: FieldPath) => FieldError[];
}

/** Ratcheting switches, derived from the old object on update (upstream validationOptions). */
interface Options {
  hooks?: CrdValidationHooks;
  requireOpenAPISchema: boolean;
  requireValidPropertyType: boolean;
  requireRecognizedConversionReviewVersion: boolean;
  requireImmutableNames: boolean;
  requireMapListKeysMapSetValidation: boolean;
  requireAtomicSetType: boolean;
}

const CREATE_OPTIONS: Options = {
  requireOpenAPISchema: true,
  requireValidPropertyType: true,
  requireRecognizedConversionReviewVersion: true,
  requireImmutableNames: false,
  requireMapListKeysMapSetValidation: true,
  requireAtomicSetType: true,
};

/**
 * Validates a CRD on create (upstream ValidateCustomResourceDefinition for a v1 request):
 * metadata (name must be `<plural>.<group>`), spec, status names, stored versions and the API
 * approval annotation of protected groups. Expects `setCrdDefaults` and `prepareCrdForCreate`
 * to have run. Pure.
 */
export function validateCrd(
  crd: CustomResourceDefinition,
  hooks: CrdValidationHooks = {},
): FieldError[] {
  const spec = crd.spec;
  const requiredName = `${spec.names?.plural ?? ''}.${spec.group ?? ''}`;
  const nameFn = (name: string, prefix: boolean): string[] => {
    const ret = nameIsDNSSubdomain(name, prefix);
    if (name !== requiredName) ret.push('must be spec.names.plural+"."+spec.group');
    return ret;
  };
  const errs = validateObjectMeta(crd.metadata ?? {}, false, nameFn, newPath('metadata'));
  errs.push(...validateSpec(spec, { ...CREATE_OPTIONS, hooks }, newPath('spec')));
  errs.push(...validateCrdStatus(crd.status ?? {}, newPath('status')));
  errs.push(...validateStoredVersions(crd));
  errs.push(...validateApiApproval(crd, undefined));
  errs.push(...validatePreserveUnknownFields(crd, undefined));
  return errs;
}

/**
 * Validates a CRD update (upstream ValidateCustomResourceDefinitionUpdate): the spec rules with
 * ratcheting derived from `old` (schemas missing, invalid types, unrecognized conversion review
 * versions and list-map key rules stay allowed if `old` had them), `scope` and `names.kind`
 * immutable once `old` is Established, `group` and `names.plural` always immutable, and the
 * stored versions. Pure.
 */
export function validateCrdUpdate(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition,
  hooks: CrdValidationHooks = {},
): FieldError[] {
  const oldSpec = old.spec;
  const oldVersions = oldSpec.versions ?? [];
  const oldCrv = oldSpec.conversion?.webhook?.conversionReviewVersions;
  const opts: Options = {
    requireOpenAPISchema: oldVersions.every((v) => v.schema?.openAPIV3Schema !== undefined),
    requireValidPropertyType: oldVersions.every(
      (v) =>
        v.schema?.openAPIV3Schema === undefined ||
        !someSchema(v.schema.openAPIV3Schema, (s) => s.type !== undefined && !V3_TYPES.has(s.type)),
    ),
    requireRecognizedConversionReviewVersion:
      oldCrv === undefined ||
      oldCrv.length === 0 ||
      oldCrv.some((v) => SUPPORTED_REVIEW_VERSIONS.includes(v)),
    requireImmutableNames: isCrdConditionTrue(old, 'Established'),
    requireMapListKeysMapSetValidation: true,
    requireAtomicSetType: true,
    hooks,
  };
  const errs = validateObjectMetaUpdate(
    crd.metadata ?? {},
    old.metadata ?? {},
    newPath('metadata'),
  );
  const spec = crd.spec;
  const fldPath = newPath('spec');
  errs.push(...validateSpec(spec, opts, fldPath));
  if (opts.requireImmutableNames) {
    errs.push(...immutable(spec.scope, oldSpec.scope, fldPath.child('scope')));
    errs.push(...immutable(spec.names?.kind, oldSpec.names?.kind, fldPath.child('names', 'kind')));
  }
  errs.push(...immutable(spec.group, oldSpec.group, fldPath.child('group')));
  errs.push(
    ...immutable(spec.names?.plural, oldSpec.names?.plural, fldPath.child('names', 'plural')),
  );
  errs.push(...validateCrdStatus(crd.status ?? {}, newPath('status')));
  errs.push(...validateStoredVersions(crd));
  errs.push(...validateApiApproval(crd, old));
  errs.push(...validatePreserveUnknownFields(crd, old));
  return errs;
}

/**
 * Validates an update through the status subresource (upstream
 * ValidateUpdateCustomResourceDefinitionStatus): metadata update rules, accepted names and
 * stored versions. Pure.
 */
export function validateCrdStatusUpdate(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition,
): FieldError[] {
  const errs = validateObjectMetaUpdate(
    crd.metadata ?? {},
    old.metadata ?? {},
    newPath('metadata'),
  );
  errs.push(...validateCrdStatus(crd.status ?? {}, newPath('status')));
  return errs;
}

/** Validates `status` (upstream ValidateCustomResourceDefinitionStatus: the accepted names). */
export function validateCrdStatus(
  status: CustomResourceDefinitionStatus,
  fldPath: FieldPath = newPath('status'),
): FieldError[] {
  return validateNames(
    status.acceptedNames ?? { kind: '', plural: '' },
    fldPath.child('acceptedNames'),
  );
}

/** True when the CRD has condition `type` with status True. */
export function isCrdConditionTrue(crd: CustomResourceDefinition, type: string): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

function immutable(newVal: unknown, oldVal: unknown, p: FieldPath): FieldError[] {
  return jsonEqual(newVal, oldVal) ? [] : [invalid(p, newVal, FIELD_IMMUTABLE_ERROR_MSG)];
}

function validateStoredVersions(crd: CustomResourceDefinition): FieldError[] {
  const fldPath = newPath('status').child('storedVersions');
  const stored = crd.status?.storedVersions ?? [];
  if (stored.length === 0) {
    return [invalid(fldPath, stored, 'must have at least one stored version')];
  }
  const errs: FieldError[] = [];
  const remaining = new Map<string, number>();
  stored.forEach((v, i) => remaining.set(v, i));
  for (const v of crd.spec.versions ?? []) {
    const name = v.name ?? '';
    const ok = remaining.has(name);
    if (v.storage === true && !ok) {
      errs.push(invalid(fldPath, stored, `must have the storage version ${name}`));
    }
    if (ok) remaining.delete(name);
  }
  for (const [v, i] of remaining) {
    errs.push(
      invalid(
        fldPath.index(i),
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
  }
  return errs;
}

const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

function isProtectedGroup(group: string): boolean {
  return (
    group === 'k8s.io' ||
    group === 'kubernetes.io' ||
    group.endsWith('.k8s.io') ||
    group.endsWith('.kubernetes.io')
  );
}

/** upstream validateAPIApproval for v1: protected groups need the approval annotation. */
function validateApiApproval(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition | undefined,
): FieldError[] {
  if (!isProtectedGroup(crd.spec.group ?? '')) return [];
  const state = (m: ObjectMeta | undefined): 'missing' | 'invalid' | 'ok' => {
    const v = m?.annotations?.[APPROVAL_ANNOTATION];
    if (v === undefined) return 'missing';
    if (v.startsWith('unapproved')) return 'ok';
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:' ? 'ok' : 'invalid';
    } catch {
      return 'invalid';
    }
  };
  if (old !== undefined && state(old.metadata) === state(crd.metadata)) return [];
  const p = newPath('metadata', 'annotations').key(APPROVAL_ANNOTATION);
  switch (state(crd.metadata)) {
    case 'missing':
      return [
        required(
          p,
          `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`,
        ),
      ];
    case 'invalid':
      return [
        invalid(
          p,
          crd.metadata?.annotations?.[APPROVAL_ANNOTATION] ?? '',
          `protected groups must have approval annotation "${APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
        ),
      ];
    default:
      return [];
  }
}

/** upstream validatePreserveUnknownFields: v1 forbids turning it on (old CRDs keep theirs). */
function validatePreserveUnknownFields(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition | undefined,
): FieldError[] {
  if (old?.spec.preserveUnknownFields === true) return [];
  if (crd.spec.preserveUnknownFields !== true) return [];
  return [
    invalid(
      newPath('spec').child('preserveUnknownFields'),
      true,
      'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
    ),
  ];
}

function someVersionSchema(
  spec: CustomResourceDefinitionSpec,
  pred: (s: JSONSchemaProps) => boolean,
): boolean {
  return (spec.versions ?? []).some((v) => {
    const schema = v.schema?.openAPIV3Schema;
    return schema !== undefined && someSchema(schema, pred);
  });
}

function validateEnum(p: FieldPath, value: string | undefined, allowed: readonly string[]) {
  if ((value ?? '') === '') return [required(p, '')];
  if (!allowed.includes(value ?? '')) return [notSupported(p, value, allowed)];
  return [];
}

function someSchema(s: JSONSchemaProps, pred: (s: JSONSchemaProps) => boolean): boolean {
  if (pred(s)) return true;
  const kids: JSONSchemaProps[] = [];
  if (s.properties !== undefined) kids.push(...Object.values(s.properties));
  if (s.items !== undefined) kids.push(...(Array.isArray(s.items) ? s.items : [s.items]));
  if (typeof s.additionalProperties === 'object') kids.push(s.additionalProperties);
  kids.push(...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? []));
  if (s.not !== undefined) kids.push(s.not);
  return kids.some((k) => someSchema(k, pred));
}

function validateSpec(
  spec: CustomResourceDefinitionSpec,
  opts: Options,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const group = spec.group ?? '';
  if (group === '') errs.push(required(fldPath.child('group'), ''));
  else {
    const msgs = isDNS1123Subdomain(group);
    if (msgs.length > 0) errs.push(invalid(fldPath.child('group'), group, msgs.join(',')));
    else if (group.split('.').length < 2) {
      errs.push(invalid(fldPath.child('group'), group, 'should be a domain with at least one dot'));
    }
  }
  errs.push(...validateEnum(fldPath.child('scope'), spec.scope, ['Cluster', 'Namespaced']));
  if (spec.preserveUnknownFields === true) {
    if (someVersionSchema(spec, (x) => x.default !== undefined)) {
      errs.push(
        invalid(
          fldPath.child('preserveUnknownFields'),
          true,
          'must be false in order to use defaults in the schema',
        ),
      );
    }
    if (spec.conversion !== undefined && spec.conversion.strategy !== 'None') {
      errs.push(
        invalid(
          fldPath.child('conversion').child('strategy'),
          spec.conversion.strategy,
          'must be None if spec.preserveUnknownFields is true',
        ),
      );
    }
  }
  const versions = spec.versions ?? [];
  if (opts.requireOpenAPISchema) {
    versions.forEach((v, i) => {
      if (v.schema?.openAPIV3Schema === undefined) {
        errs.push(
          required(
            fldPath.child('versions').index(i).child('schema').child('openAPIV3Schema'),
            'schemas are required',
          ),
        );
      }
    });
  }
  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  for (const [i, v] of versions.entries()) {
    const vp = fldPath.child('versions').index(i);
    if (v.storage === true) storageCount++;
    const name = v.name ?? '';
    if (seen.has(name)) unique = false;
    else seen.add(name);
    const msgs = isDNS1035Label(v.name ?? '');
    if (msgs.length > 0) errs.push(invalid(vp.child('name'), v.name, msgs.join(',')));
    errs.push(...validateVersion(v, vp, opts));
  }
  if (!unique) {
    errs.push(invalid(fldPath.child('versions'), versions, 'must contain unique version names'));
  }
  if (storageCount !== 1) {
    errs.push(
      invalid(
        fldPath.child('versions'),
        versions,
        'must have exactly one version marked as storage version',
      ),
    );
  }
  const names = spec.names ?? { kind: '', plural: '' };
  const np = fldPath.child('names');
  if ((names.plural ?? '') === '') errs.push(required(np.child('plural'), ''));
  if ((names.singular ?? '') === '') errs.push(required(np.child('singular'), ''));
  if ((names.kind ?? '') === '') errs.push(required(np.child('kind'), ''));
  if ((names.listKind ?? '') === '') errs.push(required(np.child('listKind'), ''));
  errs.push(...validateNames(names, np));
  errs.push(...validateConversion(spec, opts, fldPath.child('conversion')));
  return errs;
}

/** upstream ValidateCustomResourceDefinitionNames. */
function validateNames(names: CustomResourceDefinitionNames, fldPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const label = (v: string | undefined, p: FieldPath) => {
    if (v === undefined || v === '') return;
    const msgs = isDNS1035Label(v);
    if (msgs.length > 0) errs.push(invalid(p, v, msgs.join(',')));
  };
  const mixed = (v: string | undefined, p: FieldPath) => {
    if (v === undefined || v === '') return;
    const msgs = isDNS1035Label(v.toLowerCase());
    if (msgs.length > 0) {
      errs.push(
        invalid(p, v, 'may have mixed case, but should otherwise match: ' + msgs.join(',')),
      );
    }
  };
  label(names.plural, fldPath.child('plural'));
  label(names.singular, fldPath.child('singular'));
  mixed(names.kind, fldPath.child('kind'));
  mixed(names.listKind, fldPath.child('listKind'));
  (names.shortNames ?? []).forEach((s, i) => {
    const msgs = isDNS1035Label(s);
    if (msgs.length > 0)
      errs.push(invalid(fldPath.child('shortNames').index(i), s, msgs.join(',')));
  });
  if ((names.kind ?? '') !== '' && names.kind === names.listKind) {
    errs.push(
      invalid(fldPath.child('listKind'), names.listKind, 'kind and listKind may not be the same'),
    );
  }
  (names.categories ?? []).forEach((c, i) => {
    const msgs = isDNS1035Label(c);
    if (msgs.length > 0)
      errs.push(invalid(fldPath.child('categories').index(i), c, msgs.join(',')));
  });
  return errs;
}

const SUPPORTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];

function validateConversion(
  spec: CustomResourceDefinitionSpec,
  opts: Options,
  fldPath: FieldPath,
): FieldError[] {
  const conv = spec.conversion;
  if (conv === undefined) return [];
  const errs = validateEnum(fldPath.child('strategy'), conv.strategy, ['None', 'Webhook']);
  const cc = conv.webhook?.clientConfig;
  const versions = conv.webhook?.conversionReviewVersions;
  if (conv.strategy === 'Webhook') {
    const cp = fldPath.child('webhookClientConfig');
    if (cc === undefined) {
      errs.push(required(cp, 'required when strategy is set to Webhook'));
    } else if ((cc.url === undefined) === (cc.service === undefined)) {
      errs.push(required(cp, 'exactly one of url or service is required'));
    } else if (cc.url !== undefined) {
      errs.push(...validateWebhookUrl(cp.child('url'), cc.url));
    } else if (cc.service !== undefined) {
      const sp = cp.child('service');
      if (cc.service.name === '') errs.push(required(sp.child('name'), 'service name is required'));
      if (cc.service.namespace === '') {
        errs.push(required(sp.child('namespace'), 'service namespace is required'));
      }
      const port = cc.service.port ?? 443;
      if (port < 1 || port > 65535) {
        errs.push(
          invalid(
            sp.child('port'),
            port,
            'port is not valid: must be between 1 and 65535, inclusive',
          ),
        );
      }
      const path = cc.service.path;
      if (path !== undefined && path !== '' && !path.startsWith('/')) {
        errs.push(invalid(sp.child('path'), path, "must start with a '/'"));
      }
    }
    const vp = fldPath.child('conversionReviewVersions');
    const list = versions ?? [];
    if (list.length === 0) errs.push(required(vp, ''));
    else {
      const dup = new Set<string>();
      list.forEach((v, i) => {
        if (dup.has(v)) errs.push(invalid(vp.index(i), v, 'duplicate version'));
        dup.add(v);
        const msgs = isDNS1035Label(v);
        if (msgs.length > 0) errs.push(invalid(vp.index(i), v, msgs.join(',')));
      });
      if (
        opts.requireRecognizedConversionReviewVersion &&
        !list.some((v) => SUPPORTED_REVIEW_VERSIONS.includes(v))
      ) {
        errs.push(
          invalid(vp, list, `must include at least one of ${SUPPORTED_REVIEW_VERSIONS.join(', ')}`),
        );
      }
    }
  } else {
    if (cc !== undefined) {
      errs.push(
        forbidden(
          fldPath.child('webhookClientConfig'),
          'should not be set when strategy is not set to Webhook',
        ),
      );
    }
    if ((versions ?? []).length > 0) {
      errs.push(
        forbidden(
          fldPath.child('conversionReviewVersions'),
          'should not be set when strategy is not set to Webhook',
        ),
      );
    }
  }
  return errs;
}

function validateWebhookUrl(p: FieldPath, raw: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    return [invalid(p, raw, `host must be specified`), ...(e instanceof Error ? [] : [])];
  }
  const errs: FieldError[] = [];
  if (u.protocol !== 'https:') errs.push(invalid(p, raw, "'https' is the only allowed URL scheme"));
  if (u.hostname === '') errs.push(invalid(p, raw, 'host must be specified'));
  if (u.username !== '' || u.password !== '') {
    errs.push(invalid(p, raw, 'user information is not permitted in the URL'));
  }
  if (u.hash !== '' || raw.includes('#'))
    errs.push(invalid(p, raw, 'fragments are not permitted in the URL'));
  if (u.search !== '' || raw.includes('?')) {
    errs.push(invalid(p, raw, 'query parameters are not permitted in the URL'));
  }
  return errs;
}

function validateDeprecationWarning(
  v: CustomResourceDefinitionVersion,
  p: FieldPath,
): FieldError[] {
  const w = v.deprecationWarning;
  if (w === undefined) return [];
  if (v.deprecated !== true) return [invalid(p, w, 'can only be set for deprecated versions')];
  const msgs: string[] = [];
  if (new TextEncoder().encode(w).length > 256) msgs.push('must be <= 256 characters long');
  if (w.length === 0) msgs.push('must not be an empty string');
  let byteIndex = 0;
  for (const ch of w) {
    if (/\p{Cc}/u.test(ch)) {
      msgs.push(
        `must only contain printable UTF-8 characters; control character found at index ${String(byteIndex)}`,
      );
      break;
    }
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) {
      msgs.push(
        `must only contain printable UTF-8 characters; non-printable character found at index ${String(byteIndex)}`,
      );
      break;
    }
    byteIndex += new TextEncoder().encode(ch).length;
  }
  return msgs.length > 0 ? [invalid(p, w, msgs.join('; '))] : [];
}

function validateVersion(
  v: CustomResourceDefinitionVersion,
  fldPath: FieldPath,
  opts: Options,
): FieldError[] {
  const errs = validateDeprecationWarning(v, fldPath.child('deprecationWarning'));
  const schema = v.schema?.openAPIV3Schema;
  if (schema !== undefined) {
    errs.push(
      ...validateSchemaRoot(
        schema,
        v.subresources?.status !== undefined,
        opts,
        fldPath.child('schema'),
      ),
    );
  }
  errs.push(...validateSubresources(v.subresources, fldPath.child('subresources')));
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    errs.push(...validateColumn(c, fldPath.child('additionalPrinterColumns').index(i)));
  });
  const selectable = v.selectableFields ?? [];
  if (selectable.length > 0) {
    const sp = fldPath.child('selectableFields');
    if (schema === undefined) {
      errs.push(
        invalid(
          sp,
          '',
          'selectableFields may only be set when version.schema.openAPIV3Schema is not included',
        ),
      );
    } else {
      errs.push(...validateSelectableFields(selectable, compileStructural(schema), sp));
    }
  }
  return errs;
}

const MAX_SELECTABLE_FIELDS = 8;

/**
 * upstream ValidateCustomResourceSelectableFields. The path check is a simplified
 * cel.ValidFieldPath: dot-separated property names resolved through properties and
 * additionalProperties, no array notation.
 */
function validateSelectableFields(
  fields: readonly { jsonPath?: string }[],
  s: Structural,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const p = fldPath.index(i).child('jsonPath');
    const jp = f.jsonPath ?? '';
    if (jp === '') {
      errs.push(required(p, ''));
      return;
    }
    const resolved = resolveFieldPath(jp, s);
    if (typeof resolved === 'string') {
      errs.push(invalid(p, jp, `is an invalid path: ${resolved}`));
      return;
    }
    if (resolved.root === 'metadata')
      errs.push(invalid(p, jp, 'must not point to fields in metadata'));
    const t = resolved.schema.type;
    if (t !== 'string' && t !== 'boolean' && t !== 'integer') {
      errs.push(
        invalid(
          p,
          jp,
          'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
        ),
      );
    }
    if (unique.has(resolved.path)) errs.push(duplicate(p, jp));
    else unique.add(resolved.path);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS) {
    errs.push(tooMany(fldPath, unique.size, MAX_SELECTABLE_FIELDS));
  }
  return errs;
}

function resolveFieldPath(
  jp: string,
  s: Structural,
): { root: string; path: string; schema: Structural } | string {
  if (!jp.startsWith('.')) return 'expected path to start with a period';
  const parts = jp.slice(1).split('.');
  let cur: Structural = s;
  for (const part of parts) {
    if (part === '' || /[[\]]/.test(part)) return 'does not refer to a valid field';
    const next: Structural | undefined =
      cur.properties?.get(part) ??
      (typeof cur.additionalProperties === 'object' ? cur.additionalProperties : undefined);
    if (next === undefined) return `does not refer to a valid field`;
    cur = next;
  }
  return { root: parts[0] ?? '', path: parts.join('.'), schema: cur };
}

const ALLOWED_AT_ROOT_WITH_STATUS = [
  'Description',
  'Type',
  'Format',
  'Title',
  'Maximum',
  'ExclusiveMaximum',
  'Minimum',
  'ExclusiveMinimum',
  'MaxLength',
  'MinLength',
  'Pattern',
  'MaxItems',
  'MinItems',
  'UniqueItems',
  'MultipleOf',
  'Required',
  'Items',
  'Properties',
  'ExternalDocs',
  'Example',
  'XPreserveUnknownFields',
  'XValidations',
];

/** JSON key → Go field name for the root-with-status check. */
function goFieldName(key: string): string {
  if (key.startsWith('x-kubernetes-')) {
    const rest = key.slice('x-kubernetes-'.length);
    const special: Record<string, string> = {
      'preserve-unknown-fields': 'XPreserveUnknownFields',
      'embedded-resource': 'XEmbeddedResource',
      'int-or-string': 'XIntOrString',
      'list-map-keys': 'XListMapKeys',
      'list-type': 'XListType',
      'map-type': 'XMapType',
      validations: 'XValidations',
    };
    return special[rest] ?? rest;
  }
  if (key === '$ref') return 'Ref';
  if (key === '$schema') return 'Schema';
  if (key === 'id') return 'ID';
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '' || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function validateSchemaRoot(
  schema: JSONSchemaProps,
  statusEnabled: boolean,
  opts: Options,
  fldPath: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (statusEnabled) {
    for (const [k, val] of Object.entries(schema)) {
      if (isZero(val)) continue;
      const name = goFieldName(k);
      if (name === 'Type') {
        if (schema.type !== 'object') {
          errs.push(
            invalid(
              fldPath.child('openAPIV3Schema.type'),
              schema.type,
              'only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
            ),
          );
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.includes(name)) {
        errs.push(
          invalid(
            fldPath.child('openAPIV3Schema'),
            schema,
            `only [${ALLOWED_AT_ROOT_WITH_STATUS.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`,
          ),
        );
        break;
      }
    }
  }
  if (schema.nullable === true) {
    errs.push(
      forbidden(fldPath.child('openAPIV3Schema.nullable'), 'nullable cannot be true at the root'),
    );
  }
  const sp = fldPath.child('openAPIV3Schema');
  // Upstream order: structural checks (then defaults, only for a structural schema) first,
  // then the OpenAPI keyword checks. NewStructural fails on keywords CRDs forbid; that error
  // is only shown when nothing else was reported, and then the structural checks are skipped.
  const unsupported = someSchema(schema, hasUnsupportedKeyword);
  let structuralOk = false;
  if (!unsupported) {
    const structuralErrs = validateStructural(sp, compileStructural(schema));
    if (structuralErrs.length > 0) errs.push(...structuralErrs);
    else {
      const defaultErrs = validateDefaults(schema, sp, true, false);
      errs.push(...defaultErrs);
      structuralOk = defaultErrs.length === 0;
    }
  }
  const before = errs.length;
  validateOpenApiSchema(schema, sp, { insideResourceMeta: false }, true, opts, errs);
  if (errs.length === 0 && unsupported) {
    errs.push(invalid(sp, '', 'OpenAPIV3Schema contains a keyword that is not supported'));
  }
  const validateRules = opts.hooks?.validateRules;
  if (validateRules !== undefined && structuralOk && errs.length === before) {
    forEachSchema(schema, sp, (node, p) => {
      if ((node['x-kubernetes-validations'] ?? []).length > 0) errs.push(...validateRules(node, p));
    });
  }
  return errs;
}

/**
 * upstream structuraldefaulting.ValidateDefaults: every default (outside resource metadata)
 * must survive pruning unchanged and validate against its own schema.
 */
function validateDefaults(
  schema: JSONSchemaProps,
  p: FieldPath,
  isRoot: boolean,
  insideMeta: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  if (embedded) insideMeta = false;
  if (schema.default !== undefined && schema.default !== null && !insideMeta) {
    errs.push(...validateDefault(schema, p));
  }
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    const meta = (isRoot || embedded) && META_FIELDS.has(k);
    errs.push(...validateDefaults(v, p.child('properties').key(k), false, insideMeta || meta));
  }
  if (typeof schema.additionalProperties === 'object') {
    errs.push(
      ...validateDefaults(
        schema.additionalProperties,
        p.child('additionalProperties'),
        false,
        insideMeta,
      ),
    );
  }
  if (schema.items !== undefined && !Array.isArray(schema.items)) {
    errs.push(...validateDefaults(schema.items, p.child('items'), false, insideMeta));
  }
  return errs;
}

function hasUnsupportedKeyword(s: JSONSchemaProps): boolean {
  return (
    (s.id ?? '') !== '' ||
    (s.$schema ?? '') !== '' ||
    s.$ref !== undefined ||
    Object.keys(s.patternProperties ?? {}).length > 0 ||
    Object.keys(s.dependencies ?? {}).length > 0 ||
    s.additionalItems !== undefined ||
    Object.keys(s.definitions ?? {}).length > 0 ||
    (Array.isArray(s.items) && s.items.length > 0)
  );
}

function forEachSchema(
  s: JSONSchemaProps,
  p: FieldPath,
  fn: (s: JSONSchemaProps, p: FieldPath) => void,
): void {
  fn(s, p);
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    forEachSchema(v, p.child('properties').key(k), fn);
  }
  if (s.items !== undefined && !Array.isArray(s.items))
    forEachSchema(s.items, p.child('items'), fn);
  if (typeof s.additionalProperties === 'object') {
    forEachSchema(s.additionalProperties, p.child('additionalProperties'), fn);
  }
  (s.allOf ?? []).forEach((x, i) => {
    forEachSchema(x, p.child('allOf').index(i), fn);
  });
}

interface SchemaContext {
  insideResourceMeta: boolean;
  /** Set when defaults are forbidden here, with upstream's reason. */
  forbidDefaults?: string;
}

const V3_TYPES: ReadonlySet<string> = new Set([
  'array',
  'boolean',
  'integer',
  'number',
  'object',
  'string',
]);
const META_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata']);

/** upstream specStandardValidatorV3.validate. */
function validateStandard(
  schema: JSONSchemaProps,
  fldPath: FieldPath,
  ctx: SchemaContext,
  opts: Options,
  errs: FieldError[],
): void {
  if (
    opts.requireValidPropertyType &&
    schema.type !== undefined &&
    schema.type !== '' &&
    !V3_TYPES.has(schema.type)
  ) {
    errs.push(notSupported(fldPath.child('type'), schema.type, [...V3_TYPES]));
  }
  if (schema.default !== undefined && ctx.forbidDefaults !== undefined) {
    errs.push(forbidden(fldPath.child('default'), `must not be set ${ctx.forbidDefaults}`));
  }
  if ((schema.id ?? '') !== '') errs.push(forbidden(fldPath.child('id'), 'id is not supported'));
  if (schema.additionalItems !== undefined) {
    errs.push(forbidden(fldPath.child('additionalItems'), 'additionalItems is not supported'));
  }
  if (Object.keys(schema.patternProperties ?? {}).length > 0) {
    errs.push(forbidden(fldPath.child('patternProperties'), 'patternProperties is not supported'));
  }
  if (Object.keys(schema.definitions ?? {}).length > 0) {
    errs.push(forbidden(fldPath.child('definitions'), 'definitions is not supported'));
  }
  if (schema.dependencies !== undefined) {
    errs.push(forbidden(fldPath.child('dependencies'), 'dependencies is not supported'));
  }
  if (schema.$ref !== undefined)
    errs.push(forbidden(fldPath.child('$ref'), '$ref is not supported'));
  if (schema.type === 'null') {
    errs.push(
      forbidden(
        fldPath.child('type'),
        'type cannot be set to null, use nullable as an alternative',
      ),
    );
  }
  if (Array.isArray(schema.items) && schema.items.length > 0) {
    errs.push(forbidden(fldPath.child('items'), 'items must be a schema object and not an array'));
  }
  if (ctx.insideResourceMeta && schema['x-kubernetes-embedded-resource'] === true) {
    errs.push(
      forbidden(
        fldPath.child('x-kubernetes-embedded-resource'),
        'must not be used inside of resource meta',
      ),
    );
  }
}

/** A default must survive pruning unchanged and validate against its own schema. */
function validateDefault(schema: JSONSchemaProps, fldPath: FieldPath): FieldError[] {
  const s = compileStructural(schema);
  const clone = structuredClone(schema.default);
  pruneUnknownFields(clone, s, s.embeddedResource);
  if (!jsonEqual(clone, schema.default)) {
    return [invalid(fldPath.child('default'), schema.default, 'must not have unknown fields')];
  }
  return validateValue(schema.default, s, fldPath.child('default'));
}

function validateOpenApiSchema(
  schema: JSONSchemaProps | undefined,
  fldPath: FieldPath,
  ctx: SchemaContext,
  isRoot: boolean,
  opts: Options,
  errs: FieldError[],
): void {
  if (schema === undefined) return;
  validateStandard(schema, fldPath, ctx, opts, errs);
  if (schema.uniqueItems === true) {
    errs.push(
      forbidden(
        fldPath.child('uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  const ap = schema.additionalProperties;
  if (ap !== undefined) {
    if (
      Object.keys(schema.properties ?? {}).length > 0 &&
      (ap === false || typeof ap === 'object')
    ) {
      errs.push(
        forbidden(
          fldPath.child('additionalProperties'),
          'additionalProperties and properties are mutual exclusive',
        ),
      );
    }
    if (typeof ap === 'object') {
      const sub = ctx.insideResourceMeta
        ? { ...ctx, forbidDefaults: 'inside additionalProperties applying to object metadata' }
        : ctx;
      validateOpenApiSchema(ap, fldPath.child('additionalProperties'), sub, false, opts, errs);
    }
  }
  for (const [k, prop] of Object.entries(schema.properties ?? {})) {
    let sub = ctx;
    if ((isRoot || schema['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(k)) {
      sub = { ...ctx, insideResourceMeta: true };
      if (isRoot) sub.forbidDefaults = `in top-level ${k}`;
    }
    validateOpenApiSchema(prop, fldPath.child('properties').key(k), sub, false, opts, errs);
  }
  validateOpenApiSchema(schema.not, fldPath.child('not'), ctx, false, opts, errs);
  const junctors: [string, JSONSchemaProps[] | undefined][] = [
    ['allOf', schema.allOf],
    ['oneOf', schema.oneOf],
    ['anyOf', schema.anyOf],
  ];
  for (const [name, list] of junctors) {
    (list ?? []).forEach((s, i) => {
      validateOpenApiSchema(s, fldPath.child(name).index(i), ctx, false, opts, errs);
    });
  }
  const items = schema.items;
  if (items !== undefined) {
    if (Array.isArray(items)) {
      items.forEach((s, i) => {
        validateOpenApiSchema(s, fldPath.child('items').index(i), ctx, false, opts, errs);
      });
    } else {
      validateOpenApiSchema(items, fldPath.child('items'), ctx, false, opts, errs);
    }
  }
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(
      invalid(
        fldPath.child('x-kubernetes-preserve-unknown-fields'),
        false,
        'must be true or undefined',
      ),
    );
  }
  validateListAndMapExtensions(schema, fldPath, opts, errs);
  validateRuleShapes(schema, fldPath, errs);
}

const SUPPORTED_RULE_REASONS = [
  'FieldValueDuplicate',
  'FieldValueForbidden',
  'FieldValueInvalid',
  'FieldValueRequired',
];

/** The static `x-kubernetes-validations` checks (CEL compilation is the hook's job). */
function validateRuleShapes(schema: JSONSchemaProps, fldPath: FieldPath, errs: FieldError[]): void {
  const newline = /[\n\r]+/;
  (schema['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const rp = fldPath.child('x-kubernetes-validations').index(i);
    const trimmedRule = rule.rule.trim();
    const msg = rule.message ?? '';
    const trimmedMsg = msg.trim();
    if (trimmedRule === '') errs.push(required(rp.child('rule'), 'rule is not specified'));
    else if (msg.length > 0 && trimmedMsg === '') {
      errs.push(invalid(rp.child('message'), msg, 'message must be non-empty if specified'));
    } else if (newline.test(trimmedMsg)) {
      errs.push(invalid(rp.child('message'), msg, 'message must not contain line breaks'));
    } else if (newline.test(trimmedRule) && trimmedMsg === '') {
      errs.push(
        required(rp.child('message'), 'message must be specified if rule contains line breaks'),
      );
    }
    const me = rule.messageExpression ?? '';
    if (me.length > 0 && me.trim() === '') {
      errs.push(
        required(rp.child('messageExpression'), 'messageExpression must be non-empty if specified'),
      );
    }
    if (rule.reason !== undefined && !SUPPORTED_RULE_REASONS.includes(rule.reason)) {
      errs.push(notSupported(rp.child('reason'), rule.reason, SUPPORTED_RULE_REASONS));
    }
    const fp = rule.fieldPath ?? '';
    if (fp.length > 0 && fp.trim() === '') {
      errs.push(invalid(rp.child('fieldPath'), fp, 'fieldPath must be non-empty if specified'));
    }
    if (newline.test(fp)) {
      errs.push(invalid(rp.child('fieldPath'), fp, 'fieldPath must not contain line breaks'));
    }
  });
}

function validateListAndMapExtensions(
  schema: JSONSchemaProps,
  fldPath: FieldPath,
  opts: Options,
  errs: FieldError[],
): void {
  const mapType = schema['x-kubernetes-map-type'];
  const listType = schema['x-kubernetes-list-type'];
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const type = schema.type ?? '';
  if (mapType !== undefined && type !== 'object') {
    const msg = 'must be object if x-kubernetes-map-type is specified';
    errs.push(
      type === ''
        ? required(fldPath.child('type'), msg)
        : invalid(fldPath.child('type'), type, msg),
    );
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') {
    errs.push(
      notSupported(fldPath.child('x-kubernetes-map-type'), mapType, ['atomic', 'granular']),
    );
  }
  const items = Array.isArray(schema.items) ? undefined : schema.items;
  if (listType !== undefined && type !== 'array') {
    const msg = 'must be array if x-kubernetes-list-type is specified';
    errs.push(
      type === ''
        ? required(fldPath.child('type'), msg)
        : invalid(fldPath.child('type'), type, msg),
    );
  } else if (opts.requireAtomicSetType && listType === 'set' && items !== undefined) {
    if (items.type === 'array') {
      const lt = items['x-kubernetes-list-type'];
      if (lt !== undefined && lt !== 'atomic') {
        errs.push(
          invalid(
            fldPath.child('items').child('x-kubernetes-list-type'),
            lt,
            'must be atomic as item of a list with x-kubernetes-list-type=set',
          ),
        );
      }
    } else if (items.type === 'object') {
      if (items['x-kubernetes-map-type'] !== 'atomic') {
        errs.push(
          invalid(
            fldPath.child('items').child('x-kubernetes-map-type'),
            items['x-kubernetes-list-type'] ?? null,
            'must be atomic as item of a list with x-kubernetes-list-type=set',
          ),
        );
      }
    }
  }
  if (listType !== undefined && listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
    errs.push(
      notSupported(fldPath.child('x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']),
    );
  }
  if (keys.length > 0) {
    const msg = 'must be map if x-kubernetes-list-map-keys is non-empty';
    if (listType === undefined) errs.push(required(fldPath.child('x-kubernetes-list-type'), msg));
    else if (listType !== 'map')
      errs.push(invalid(fldPath.child('x-kubernetes-list-type'), listType, msg));
  }
  if (listType === 'map') {
    if (keys.length === 0) {
      errs.push(
        required(
          fldPath.child('x-kubernetes-list-map-keys'),
          'must not be empty if x-kubernetes-list-type is map',
        ),
      );
    }
    if (schema.items === undefined) {
      errs.push(
        required(fldPath.child('items'), 'must have a schema if x-kubernetes-list-type is map'),
      );
    } else if (items === undefined) {
      errs.push(
        invalid(
          fldPath.child('items'),
          schema.items,
          'must only have a single schema if x-kubernetes-list-type is map',
        ),
      );
    } else if (items.type !== 'object') {
      errs.push(
        invalid(
          fldPath.child('items').child('type'),
          items.type ?? '',
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    } else {
      const seen = new Set<string>();
      for (const k of keys) {
        const ks = items.properties?.[k];
        if (ks !== undefined) {
          if (ks.type === 'array' || ks.type === 'object') {
            errs.push(
              invalid(
                fldPath.child('items').child('properties').key(k).child('type'),
                items.type,
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
          }
        } else {
          errs.push(
            invalid(
              fldPath.child('x-kubernetes-list-map-keys'),
              keys,
              'entries must all be names of item properties',
            ),
          );
        }
        if (seen.has(k)) {
          errs.push(
            invalid(
              fldPath.child('x-kubernetes-list-map-keys'),
              keys,
              'must not contain duplicate entries',
            ),
          );
        }
        seen.add(k);
      }
    }
  }
  if (
    opts.requireMapListKeysMapSetValidation &&
    items !== undefined &&
    (listType === 'set' || listType === 'map')
  ) {
    if (items.nullable === true) {
      errs.push(
        forbidden(
          fldPath.child('items').child('nullable'),
          `cannot be nullable when x-kubernetes-list-type is ${listType}`,
        ),
      );
    }
    if (listType === 'map') {
      const req = new Set(items.required ?? []);
      for (const k of keys) {
        const ks = items.properties?.[k];
        if (ks === undefined) continue;
        const kp = fldPath.child('items').child('properties').key(k);
        if (!req.has(k) && ks.default === undefined) {
          errs.push(
            required(
              kp.child('default'),
              'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
            ),
          );
        }
        if (ks.nullable === true) {
          errs.push(
            forbidden(
              kp.child('nullable'),
              'this property is in x-kubernetes-list-map-keys, so it cannot be nullable',
            ),
          );
        }
      }
    }
  }
}

/** upstream validateSimpleJSONPath. */
function validateSimpleJsonPath(s: string, p: FieldPath): FieldError[] {
  if (s.length === 0) return [invalid(p, s, 'must not be empty')];
  if (!s.startsWith('.')) return [invalid(p, s, 'must be a simple json path starting with .')];
  return [];
}

function validateSubresources(sub: CustomResourceSubresources | undefined, fldPath: FieldPath) {
  const errs: FieldError[] = [];
  const scale = sub?.scale;
  if (scale === undefined) return errs;
  const check = (
    value: string | undefined,
    name: string,
    under: '.spec' | '.status',
    req: boolean,
  ) => {
    const p = fldPath.child(`scale.${name}`);
    if (value === undefined || value === '') {
      if (req) errs.push(required(p, ''));
      return;
    }
    const e = validateSimpleJsonPath(value, p);
    if (e.length > 0) errs.push(...e);
    else if (!value.startsWith(`${under}.`)) {
      errs.push(invalid(p, value, `should be a json path under ${under}`));
    }
  };
  check(scale.specReplicasPath, 'specReplicasPath', '.spec', true);
  check(scale.statusReplicasPath, 'statusReplicasPath', '.status', true);
  const lsp = scale.labelSelectorPath;
  if (lsp !== undefined && lsp !== '') {
    const p = fldPath.child('scale.labelSelectorPath');
    const e = validateSimpleJsonPath(lsp, p);
    if (e.length > 0) errs.push(...e);
    else if (!lsp.startsWith('.spec.') && !lsp.startsWith('.status.')) {
      errs.push(invalid(p, lsp, 'should be a json path under either .spec or .status'));
    }
  }
  return errs;
}

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = [
  'byte',
  'date',
  'date-time',
  'double',
  'float',
  'int32',
  'int64',
  'password',
];

/** upstream ValidateCustomResourceColumnDefinition. */
function validateColumn(col: CustomResourceColumnDefinition, fldPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if ((col.name ?? '') === '') errs.push(required(fldPath.child('name'), ''));
  const typeMsg = `must be one of ${COLUMN_TYPES.join(',')}`;
  if ((col.type ?? '') === '') errs.push(required(fldPath.child('type'), typeMsg));
  else if (!COLUMN_TYPES.includes(col.type ?? ''))
    errs.push(invalid(fldPath.child('type'), col.type, typeMsg));
  if ((col.format ?? '') !== '' && !COLUMN_FORMATS.includes(col.format ?? '')) {
    errs.push(
      invalid(fldPath.child('format'), col.format, `must be one of ${COLUMN_FORMATS.join(',')}`),
    );
  }
  if ((col.jsonPath ?? '') === '') errs.push(required(fldPath.child('JSONPath'), ''));
  else errs.push(...validateSimpleJsonPath(col.jsonPath ?? '', fldPath.child('JSONPath')));
  return errs;
}
