/**
 * Loading an audit policy file: k8s.io/apiserver/pkg/audit/policy/reader.go
 * (LoadPolicyFromBytes) and pkg/apis/audit/validation (ValidatePolicy), with upstream's
 * messages.
 */
import { ConfigDecodeError, decodeConfigDocument, goTypeError } from '../config-file/index.ts';
import {
  ErrorType,
  FieldError,
  goQuote,
  invalid,
  isDNS1123Subdomain,
  newPath,
  notSupported,
  required,
  toAggregateMessage,
} from '../../api/index.ts';
import type { FieldPath } from '../../api/index.ts';
import { LEVELS, STAGES } from './types.ts';
import type { GroupResources, Level, Policy, PolicyRule, Stage } from './types.ts';

/** The only audit policy group/version Kubernetes 1.32 reads. */
export const AUDIT_API_VERSION = 'audit.k8s.io/v1';

/** A policy that cannot be loaded; `message` is upstream's error text. */
export class AuditPolicyError extends Error {
  override readonly name = 'AuditPolicyError';
  /** The validation errors, when validation (not decoding) failed. */
  readonly fieldErrors: readonly FieldError[];

  constructor(message: string, fieldErrors: readonly FieldError[] = [], options?: ErrorOptions) {
    super(message, options);
    this.fieldErrors = fieldErrors;
  }
}

/** A FieldError whose bad value prints as Go's `%#v` of a []string (`[]string{"a"}`). */
class StringSliceFieldError extends FieldError {
  override errorBody(): string {
    const values = (this.badValue as string[]).map(goQuote).join(', ');
    return `Invalid value: []string{${values}}: ${this.detail}`;
  }
}

function invalidStrings(path: FieldPath, values: string[], detail: string): FieldError {
  return new StringSliceFieldError(ErrorType.Invalid, path.toString(), values, detail);
}

// ---- decoding ----

/** Go's json decoding of a []string field: null is nil, anything else but strings fails. */
function decodeStrings(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw goTypeError(v, field, '[]string');
  for (const s of v) if (typeof s !== 'string') throw goTypeError(s, field, 'string');
  return v as string[];
}

function decodeString(v: unknown, field: string, goType = 'string'): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw goTypeError(v, field, goType);
  return v;
}

function decodeBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw goTypeError(v, field, 'bool');
  return v;
}

function decodeObject(v: unknown, field: string, goType: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw goTypeError(v, field, goType);
  return v as Record<string, unknown>;
}

function decodeStages(v: unknown, field: string): Stage[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw goTypeError(v, field, '[]v1.Stage');
  for (const s of v) if (typeof s !== 'string') throw goTypeError(s, field, 'v1.Stage');
  // Unknown stage names are kept: validation reports them as upstream does.
  return v as Stage[];
}

function decodeGroupResources(v: unknown, field: string): GroupResources[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw goTypeError(v, field, '[]v1.GroupResources');
  return v.map((item) => {
    const o = decodeObject(item, field, 'v1.GroupResources');
    const gr: GroupResources = {};
    const group = decodeString(o.group, `${field}.group`);
    if (group !== undefined) gr.group = group;
    const resources = decodeStrings(o.resources, `${field}.resources`);
    if (resources !== undefined) gr.resources = resources;
    const names = decodeStrings(o.resourceNames, `${field}.resourceNames`);
    if (names !== undefined) gr.resourceNames = names;
    return gr;
  });
}

function decodeRule(v: unknown): PolicyRule {
  const f = 'Policy.rules';
  const o = decodeObject(v, f, 'v1.PolicyRule');
  // A missing level decodes to '' and is reported by validation ("Required value").
  const rule: PolicyRule = {
    level: (decodeString(o.level, `${f}.level`, 'v1.Level') ?? '') as Level,
  };
  const users = decodeStrings(o.users, `${f}.users`);
  if (users !== undefined) rule.users = users;
  const groups = decodeStrings(o.userGroups, `${f}.userGroups`);
  if (groups !== undefined) rule.userGroups = groups;
  const verbs = decodeStrings(o.verbs, `${f}.verbs`);
  if (verbs !== undefined) rule.verbs = verbs;
  const resources = decodeGroupResources(o.resources, `${f}.resources`);
  if (resources !== undefined) rule.resources = resources;
  const namespaces = decodeStrings(o.namespaces, `${f}.namespaces`);
  if (namespaces !== undefined) rule.namespaces = namespaces;
  const urls = decodeStrings(o.nonResourceURLs, `${f}.nonResourceURLs`);
  if (urls !== undefined) rule.nonResourceURLs = urls;
  const omit = decodeStages(o.omitStages, `${f}.omitStages`);
  if (omit !== undefined) rule.omitStages = omit;
  const omf = decodeBool(o.omitManagedFields, `${f}.omitManagedFields`);
  if (omf !== undefined) rule.omitManagedFields = omf;
  return rule;
}

/** Decodes a Policy document as upstream's UniversalDecoder would (unknown fields ignored). */
function decodePolicy(text: string): Policy {
  const o = decodeConfigDocument(text, {
    apiVersion: AUDIT_API_VERSION,
    kind: 'Policy',
    scheme: 'k8s.io/apiserver/pkg/audit/scheme.go:30',
  });
  const apiVersion = AUDIT_API_VERSION;
  const kind = 'Policy';
  const policy: Policy = { apiVersion, kind, rules: [] };
  if (o.metadata !== undefined && o.metadata !== null) {
    policy.metadata = decodeObject(o.metadata, 'Policy.metadata', 'v1.ObjectMeta');
  }
  if (o.rules !== undefined && o.rules !== null) {
    if (!Array.isArray(o.rules)) throw goTypeError(o.rules, 'Policy.rules', '[]v1.PolicyRule');
    policy.rules = o.rules.map(decodeRule);
  }
  const omit = decodeStages(o.omitStages, 'Policy.omitStages');
  if (omit !== undefined) policy.omitStages = omit;
  const omf = decodeBool(o.omitManagedFields, 'Policy.omitManagedFields');
  if (omf !== undefined) policy.omitManagedFields = omf;
  return policy;
}

// ---- validation ----

/** Upstream ValidatePolicy: the field errors of `policy` (empty when valid). */
export function validatePolicy(policy: Policy): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateOmitStages(policy.omitStages, newPath('omitStages')));
  const rulePath = newPath('rules');
  policy.rules.forEach((rule, i) => {
    errs.push(...validatePolicyRule(rule, rulePath.index(i)));
  });
  return errs;
}

function validatePolicyRule(rule: PolicyRule, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLevel(rule.level, path.child('level')));
  errs.push(...validateNonResourceURLs(rule.nonResourceURLs ?? [], path.child('nonResourceURLs')));
  errs.push(...validateResources(rule.resources ?? [], path.child('resources')));
  errs.push(...validateOmitStages(rule.omitStages, path.child('omitStages')));
  const urls = rule.nonResourceURLs ?? [];
  if (
    urls.length > 0 &&
    ((rule.resources?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0)
  ) {
    errs.push(
      invalidStrings(
        path.child('nonResourceURLs'),
        urls,
        'rules cannot apply to both regular resources and non-resource URLs',
      ),
    );
  }
  return errs;
}

function validateLevel(level: string, path: FieldPath): FieldError[] {
  if ((LEVELS as readonly string[]).includes(level)) return [];
  if (level === '') return [required(path, '')];
  return [notSupported(path, level, LEVELS)];
}

function validateNonResourceURLs(urls: string[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  urls.forEach((url, i) => {
    if (url === '*') return;
    if (!url.startsWith('/')) {
      errs.push(
        invalid(path.index(i), url, "non-resource URL rules must begin with a '/' character"),
      );
    }
    if (url !== '' && url.slice(0, -1).includes('*')) {
      errs.push(
        invalid(
          path.index(i),
          url,
          "non-resource URL wildcards '*' must be the final character of the rule",
        ),
      );
    }
  });
  return errs;
}

function validateResources(groupResources: GroupResources[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const gr of groupResources) {
    const group = gr.group ?? '';
    // '' is the core group; others must be DNS subdomains (rejects "rbac.authorization.k8s.io/v1").
    if (group !== '') {
      const msgs = isDNS1123Subdomain(group);
      if (msgs.length > 0) errs.push(invalid(path.child('group'), group, msgs.join(',')));
    }
    if ((gr.resourceNames?.length ?? 0) > 0 && (gr.resources?.length ?? 0) === 0) {
      errs.push(
        invalidStrings(
          path.child('resourceNames'),
          gr.resourceNames ?? [],
          'using resourceNames requires at least one resource',
        ),
      );
    }
  }
  return errs;
}

function validateOmitStages(stages: readonly string[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (stages ?? []).forEach((stage, i) => {
    if (!(STAGES as readonly string[]).includes(stage)) {
      errs.push(invalid(path.index(i), stage, `allowed stages are ${STAGES.join(',')}`));
    }
  });
  return errs;
}

/**
 * Parses and validates an audit policy (YAML or JSON, `audit.k8s.io/v1` `Policy`), as upstream
 * LoadPolicyFromBytes. Throws AuditPolicyError with upstream's message: `failed decoding: ...`
 * for undecodable documents, the aggregated validation errors, or
 * `loaded illegal policy with 0 rules`. The returned policy is a fresh object owned by the
 * caller.
 */
export function parseAuditPolicy(text: string): Policy {
  let policy: Policy;
  try {
    policy = decodePolicy(text);
  } catch (err) {
    if (err instanceof ConfigDecodeError) {
      throw new AuditPolicyError(`failed decoding: ${err.message}`, [], { cause: err });
    }
    throw err;
  }
  const errs = validatePolicy(policy);
  if (errs.length > 0) throw new AuditPolicyError(toAggregateMessage(errs), errs);
  if (policy.rules.length === 0) throw new AuditPolicyError('loaded illegal policy with 0 rules');
  return policy;
}
