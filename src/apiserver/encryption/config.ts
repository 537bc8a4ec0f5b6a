/**
 * EncryptionConfiguration (apiserver.config.k8s.io/v1): decoding, upstream's validation
 * (pkg/apis/apiserver/validation/validation_encryption.go) and building the per-resource
 * transformers (pkg/server/options/encryptionconfig/config.go), with upstream's messages.
 */
import { readFile } from 'node:fs/promises';
import { ConfigDecodeError, decodeConfigDocument, goTypeError } from '../config-file/index.ts';
import {
  ErrorType,
  FieldError,
  goQuote,
  invalid,
  newPath,
  required,
  toAggregateMessage,
} from '../../api/index.ts';
import type { FieldPath } from '../../api/index.ts';
import {
  AesCbcTransformer,
  AesGcmTransformer,
  PrefixTransformers,
  identityTransformer,
} from './transformer.ts';
import type { PrefixTransformer, ValueTransformer } from './transformer.ts';

/** The group/version of the configuration file. */
export const ENCRYPTION_CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1';

/** The on-disk prefixes of the providers (config.go). */
export const AESCBC_PREFIX = 'k8s:enc:aescbc:v1:';
export const AESGCM_PREFIX = 'k8s:enc:aesgcm:v1:';
export const SECRETBOX_PREFIX = 'k8s:enc:secretbox:v1:';

/** A named key; `secret` is base64 (standard encoding). */
export interface EncryptionKey {
  name: string;
  secret: string;
}

/** Keys of an AES or secretbox provider; the first encrypts, all decrypt. */
export interface KeysConfiguration {
  keys: EncryptionKey[];
}

/** A KMS provider; parsed and validated but refused (no KMS plugin support). */
export interface KMSConfiguration {
  apiVersion: string;
  name: string;
  cachesize?: number;
  endpoint: string;
  /** Go duration text, e.g. `3s`. */
  timeout?: string;
}

/** Exactly one provider per element (upstream ProviderConfiguration). */
export interface ProviderConfiguration {
  aesgcm?: KeysConfiguration;
  aescbc?: KeysConfiguration;
  secretbox?: KeysConfiguration;
  identity?: Record<string, never>;
  kms?: KMSConfiguration;
}

/** Resources (`secrets`, `deployments.apps`, `*.apps`, `*.`, `*.*`) and their providers. */
export interface ResourceConfiguration {
  resources: string[];
  providers: ProviderConfiguration[];
}

/** The whole file (apiserver.config.k8s.io/v1 EncryptionConfiguration). */
export interface EncryptionConfiguration {
  apiVersion?: string;
  kind?: string;
  resources: ResourceConfiguration[];
}

/** A group and resource, as in `schema.GroupResource`; `*` is a wildcard in configurations. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A configuration that cannot be used; `message` is upstream's error text where it has one. */
export class EncryptionConfigError extends Error {
  override readonly name = 'EncryptionConfigError';
  /** The validation errors, when validation failed. */
  readonly fieldErrors: readonly FieldError[];

  constructor(message: string, fieldErrors: readonly FieldError[] = [], options?: ErrorOptions) {
    super(message, options);
    this.fieldErrors = fieldErrors;
  }
}

/** Upstream schema.ParseGroupResource: `res.group` (the group may contain dots). */
export function parseGroupResource(s: string): GroupResource {
  const i = s.indexOf('.');
  return i >= 0 ? { group: s.slice(i + 1), resource: s.slice(0, i) } : { group: '', resource: s };
}

function grKey(gr: GroupResource): string {
  return `${gr.group}/${gr.resource}`;
}

/** Upstream grYAMLString: `*.` for all core resources, else GroupResource.String(). */
function grYAMLString(gr: GroupResource): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

// ---- decoding ----

function asObject(v: unknown, field: string, goType: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw goTypeError(v, field, goType);
  return v as Record<string, unknown>;
}

function asList(v: unknown, field: string, goType: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw goTypeError(v, field, goType);
  return v;
}

function asString(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw goTypeError(v, field, 'string');
  return v;
}

/** A provider field: absent or null is "not set" (a Go nil pointer), as upstream. */
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function decodeKeys(v: unknown, field: string): KeysConfiguration {
  const o = asObject(v, field, 'v1.AESConfiguration');
  return {
    keys: asList(o.keys, `${field}.keys`, '[]v1.Key').map((k) => {
      const ko = asObject(k, `${field}.keys`, 'v1.Key');
      return {
        name: asString(ko.name, `${field}.keys.name`),
        secret: asString(ko.secret, `${field}.keys.secret`),
      };
    }),
  };
}

function decodeKMS(v: unknown, field: string): KMSConfiguration {
  const o = asObject(v, field, 'v1.KMSConfiguration');
  // Upstream defaults: apiVersion v1, timeout 3s, and a cache of 1000 for v1 only.
  const apiVersion = asString(o.apiVersion, `${field}.apiVersion`) || 'v1';
  const kms: KMSConfiguration = {
    apiVersion,
    name: asString(o.name, `${field}.name`),
    endpoint: asString(o.endpoint, `${field}.endpoint`),
    timeout: present(o.timeout) ? asString(o.timeout, `${field}.timeout`) : '3s',
  };
  if (present(o.cachesize)) {
    if (typeof o.cachesize !== 'number' || !Number.isInteger(o.cachesize)) {
      throw goTypeError(o.cachesize, `${field}.cachesize`, 'int32');
    }
    kms.cachesize = o.cachesize;
  } else if (apiVersion === 'v1') {
    kms.cachesize = 1000;
  }
  return kms;
}

function decodeProvider(v: unknown): ProviderConfiguration {
  const f = 'EncryptionConfiguration.resources.providers';
  const o = asObject(v, f, 'v1.ProviderConfiguration');
  const p: ProviderConfiguration = {};
  if (present(o.aesgcm)) p.aesgcm = decodeKeys(o.aesgcm, `${f}.aesgcm`);
  if (present(o.aescbc)) p.aescbc = decodeKeys(o.aescbc, `${f}.aescbc`);
  if (present(o.secretbox)) p.secretbox = decodeKeys(o.secretbox, `${f}.secretbox`);
  if (present(o.identity)) {
    asObject(o.identity, `${f}.identity`, 'v1.IdentityConfiguration');
    p.identity = {};
  }
  if (present(o.kms)) p.kms = decodeKMS(o.kms, `${f}.kms`);
  return p;
}

function decodeConfig(text: string): EncryptionConfiguration {
  const o = decodeConfigDocument(text, {
    apiVersion: ENCRYPTION_CONFIG_API_VERSION,
    kind: 'EncryptionConfiguration',
    scheme: 'k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go:69',
  });
  const apiVersion = ENCRYPTION_CONFIG_API_VERSION;
  const kind = 'EncryptionConfiguration';
  const f = 'EncryptionConfiguration.resources';
  return {
    apiVersion,
    kind,
    resources: asList(o.resources, f, '[]v1.ResourceConfiguration').map((r) => {
      const ro = asObject(r, f, 'v1.ResourceConfiguration');
      const resources = asList(ro.resources, `${f}.resources`, '[]string').map((s) =>
        asString(s, `${f}.resources`),
      );
      const providers = asList(ro.providers, `${f}.providers`, '[]v1.ProviderConfiguration').map(
        decodeProvider,
      );
      return { resources, providers };
    }),
  };
}

// ---- validation ----

const MORE_THAN_ONE_ELEMENT_ERR =
  'more than one provider specified in a single element, should split into different list elements';
const NO_PROVIDER_ERR =
  'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity';
const BASE64_ERR = 'secrets must be base64 encoded';
const EVENTS_GROUP_ERR =
  "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file";
const EXTENSIONS_GROUP_ERR =
  "'extensions' group has been removed and cannot be used for encryption";
const STAR_RESOURCE_ERR =
  "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources";
const OVERLAP_ERR =
  "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked";
const NON_REST_API_RESOURCE_ERR = 'resources which do not have REST API/s cannot be encrypted';
const RESOURCE_NAME_ERR = 'resource name should not contain capital letters';
const RESOURCE_ACROSS_GROUP_ERR = 'encrypting the same resource across groups is not supported';
const DUPLICATE_RESOURCE_ERR = 'the same resource cannot be specified multiple times';

const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];

/** A FieldError whose bad value is printed verbatim (Go's `%#v` of a non-string value). */
class GoValueFieldError extends FieldError {
  constructor(
    path: FieldPath,
    private readonly goValue: string,
    detail: string,
  ) {
    super(ErrorType.Invalid, path.toString(), goValue, detail);
  }
  override errorBody(): string {
    return `Invalid value: ${this.goValue}: ${this.detail}`;
  }
}

function goStrings(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** Go's `%#v` of a ProviderConfiguration; set pointers cannot show their address here. */
function goProvider(p: ProviderConfiguration): string {
  const ptr = (set: boolean, type: string): string =>
    set ? `(*apiserver.${type})(0x0)` : `(*apiserver.${type})(nil)`;
  return (
    `apiserver.ProviderConfiguration{AESGCM:${ptr(p.aesgcm !== undefined, 'AESConfiguration')}, ` +
    `AESCBC:${ptr(p.aescbc !== undefined, 'AESConfiguration')}, ` +
    `Secretbox:${ptr(p.secretbox !== undefined, 'SecretboxConfiguration')}, ` +
    `Identity:${ptr(p.identity !== undefined, 'IdentityConfiguration')}, ` +
    `KMS:${ptr(p.kms !== undefined, 'KMSConfiguration')}}`
  );
}

/**
 * Decodes standard base64 strictly, as Go's base64.StdEncoding (padding required, no stray
 * characters); undefined when invalid.
 */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const buf = Buffer.from(s, 'base64');
  // Non-canonical trailing bits would make Go fail too; re-encoding detects them.
  if (buf.toString('base64') !== s) return undefined;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Upstream ValidateEncryptionConfiguration (reload=false): the field errors of `c`.
 */
export function validateEncryptionConfiguration(c: EncryptionConfiguration): FieldError[] {
  const root = newPath('resources');
  if (c.resources.length === 0) {
    return [required(root, `at least one ${root.toString()} is required`)];
  }
  const errs: FieldError[] = [];
  const kmsNames = new Set<string>();
  c.resources.forEach((conf, i) => {
    const r = root.index(i).child('resources');
    const p = root.index(i).child('providers');
    if (conf.resources.length === 0) {
      errs.push(required(r, `at least one ${r.toString()} is required`));
    }
    errs.push(...validateResourceOverlap(conf.resources, r));
    errs.push(...validateResourceNames(conf.resources, r));
    if (conf.providers.length === 0) {
      errs.push(required(p, `at least one ${p.toString()} is required`));
    }
    conf.providers.forEach((provider, j) => {
      const path = p.index(j);
      errs.push(...validateSingleProvider(provider, path));
      if (provider.kms !== undefined) {
        errs.push(...validateKMS(provider.kms, path.child('kms'), kmsNames));
        kmsNames.add(provider.kms.name);
      } else if (provider.aesgcm !== undefined) {
        errs.push(
          ...validateKeys(provider.aesgcm.keys, path.child('aesgcm', 'keys'), AES_KEY_SIZES),
        );
      } else if (provider.aescbc !== undefined) {
        errs.push(
          ...validateKeys(provider.aescbc.keys, path.child('aescbc', 'keys'), AES_KEY_SIZES),
        );
      } else if (provider.secretbox !== undefined) {
        errs.push(
          ...validateKeys(
            provider.secretbox.keys,
            path.child('secretbox', 'keys'),
            SECRETBOX_KEY_SIZES,
          ),
        );
      }
    });
  });
  return errs;
}

function validateResourceOverlap(resources: string[], path: FieldPath): FieldError[] {
  if (resources.length < 2) return [];
  const grs = resources.map(parseGroupResource);
  let hasOverlap = false;
  let hasDuplicate = false;
  for (let i = 0; i < grs.length; i++) {
    const r1 = grs[i];
    if (r1 === undefined) continue;
    for (let j = 0; j < grs.length; j++) {
      const r2 = grs[j];
      if (i === j || r2 === undefined) continue;
      if (r1.group === r2.group && r1.resource === r2.resource && !hasDuplicate) {
        hasDuplicate = true;
        continue;
      }
      if (hasOverlap) continue;
      if (r1.group === '*' && r1.resource === '*') {
        hasOverlap = true;
        continue;
      }
      if (r1.group !== r2.group) continue;
      if (r1.resource === '*' || r2.resource === '*') hasOverlap = true;
    }
  }
  const errs: FieldError[] = [];
  if (hasDuplicate)
    errs.push(new GoValueFieldError(path, goStrings(resources), DUPLICATE_RESOURCE_ERR));
  if (hasOverlap) errs.push(new GoValueFieldError(path, goStrings(resources), OVERLAP_ERR));
  return errs;
}

function validateResourceNames(resources: string[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  resources.forEach((res, j) => {
    const p = path.index(j);
    if (res.toLowerCase() !== res) {
      errs.push(invalid(p, res, RESOURCE_NAME_ERR));
      return;
    }
    if (res === '*') {
      errs.push(invalid(p, res, STAR_RESOURCE_ERR));
      return;
    }
    if (
      res === 'apiserveripinfo' ||
      res === 'serviceipallocations' ||
      res === 'servicenodeportallocations'
    ) {
      errs.push(invalid(p, res, NON_REST_API_RESOURCE_ERR));
      return;
    }
    const gr = parseGroupResource(res);
    if (gr.group === 'events.k8s.io') {
      errs.push(invalid(p, res, EVENTS_GROUP_ERR));
      return;
    }
    if (gr.group === 'extensions') {
      errs.push(invalid(p, res, EXTENSIONS_GROUP_ERR));
      return;
    }
    if (gr.group === '*' && gr.resource !== '*')
      errs.push(invalid(p, res, RESOURCE_ACROSS_GROUP_ERR));
  });
  return errs;
}

function validateSingleProvider(p: ProviderConfiguration, path: FieldPath): FieldError[] {
  let found = 0;
  if (p.kms !== undefined) found++;
  if (p.aesgcm !== undefined) found++;
  if (p.aescbc !== undefined) found++;
  if (p.secretbox !== undefined) found++;
  if (p.identity !== undefined) found++;
  if (found === 0) return [new GoValueFieldError(path, goProvider(p), NO_PROVIDER_ERR)];
  if (found > 1) return [new GoValueFieldError(path, goProvider(p), MORE_THAN_ONE_ELEMENT_ERR)];
  return [];
}

function validateKeys(keys: EncryptionKey[], path: FieldPath, sizes: number[]): FieldError[] {
  if (keys.length === 0) return [required(path, 'at least one keys is required')];
  const errs: FieldError[] = [];
  keys.forEach((key, i) => {
    const p = path.index(i);
    if (key.name === '')
      errs.push(required(p.child('name'), 'name is a mandatory field for a key'));
    if (key.secret === '') {
      errs.push(required(p.child('secret'), 'secret is a mandatory field for a key'));
      return;
    }
    const secret = decodeBase64Strict(key.secret);
    if (secret === undefined) {
      errs.push(invalid(p.child('secret'), 'REDACTED', BASE64_ERR));
      return;
    }
    if (!sizes.includes(secret.byteLength)) {
      errs.push(
        invalid(
          p.child('secret'),
          'REDACTED',
          `secret is not of the expected length, got ${secret.byteLength}, expected one of [${sizes.join(' ')}]`,
        ),
      );
    }
  });
  return errs;
}

/** Go time.ParseDuration for the common forms; NaN when unparsable. */
function parseGoDurationMs(s: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return NaN;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(rest)) !== null) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? NaN);
    consumed = re.lastIndex;
  }
  return consumed === rest.length ? sign * total : NaN;
}

function validateKMS(c: KMSConfiguration, path: FieldPath, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const namePath = path.child('name');
  if (c.name === '') errs.push(required(namePath, 'name is a mandatory field for a provider'));
  if (c.apiVersion !== 'v1' && c.name.includes(':')) {
    errs.push(
      invalid(namePath, c.name, `invalid KMS provider name ${c.name}, must not contain ':'`),
    );
  }
  if (c.apiVersion !== 'v1' && names.has(c.name)) {
    errs.push(
      invalid(namePath, c.name, `duplicate KMS provider name ${c.name}, names must be unique`),
    );
  }
  const timeout = parseGoDurationMs(c.timeout ?? '3s');
  if (!(timeout > 0)) {
    errs.push(
      invalid(path.child('timeout'), c.timeout ?? '', 'timeout should be a positive value'),
    );
  }
  if (c.endpoint === '') {
    errs.push(invalid(path.child('endpoint'), '', 'endpoint is a mandatory field for a kms'));
  } else {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(c.endpoint)?.[1]?.toLowerCase() ?? '';
    if (scheme !== 'unix') {
      errs.push(
        invalid(
          path.child('endpoint'),
          c.endpoint,
          `unsupported scheme ${goQuote(scheme)} for KMS provider, only unix is supported`,
        ),
      );
    }
  }
  if (c.apiVersion !== 'v1' && c.cachesize !== undefined) {
    errs.push(invalid(path.child('cachesize'), c.cachesize, 'cachesize is not supported in v2'));
  }
  if (c.apiVersion === 'v1' && c.cachesize === 0) {
    errs.push(
      invalid(
        path.child('cachesize'),
        0,
        'cachesize should be a positive value, or negative to disable',
      ),
    );
  }
  if (c.apiVersion !== 'v1' && c.apiVersion !== 'v2') {
    errs.push(
      invalid(
        path.child('apiVersion'),
        c.apiVersion,
        'unsupported apiVersion apiVersion for KMS provider, only v1 and v2 are supported',
      ),
    );
  }
  return errs;
}

// ---- transformers ----

const textEncoder = new TextEncoder();

function keyedTransformers(
  keys: EncryptionKey[],
  noMatch: string,
  make: (secret: Uint8Array) => ValueTransformer,
): ValueTransformer {
  return new PrefixTransformers(
    noMatch,
    keys.map((k) => {
      const secret = decodeBase64Strict(k.secret);
      if (secret === undefined) {
        throw new EncryptionConfigError(
          `could not obtain secret for named key ${k.name}: illegal base64 data`,
        );
      }
      return { prefix: textEncoder.encode(`${k.name}:`), transformer: make(secret) };
    }),
  );
}

/** The prefix transformers of one resource entry's providers, in order. */
function providerTransformers(conf: ResourceConfiguration): PrefixTransformer[] {
  return conf.providers.map((p): PrefixTransformer => {
    if (p.aesgcm !== undefined) {
      return {
        prefix: textEncoder.encode(AESGCM_PREFIX),
        transformer: keyedTransformers(
          p.aesgcm.keys,
          'no matching key was found for the provided AES transformer',
          (s) => new AesGcmTransformer(s),
        ),
      };
    }
    if (p.aescbc !== undefined) {
      return {
        prefix: textEncoder.encode(AESCBC_PREFIX),
        transformer: keyedTransformers(
          p.aescbc.keys,
          'no matching key was found for the provided AES transformer',
          (s) => new AesCbcTransformer(s),
        ),
      };
    }
    if (p.secretbox !== undefined) {
      throw new EncryptionConfigError(
        'secretbox provider is not supported by this server: XSalsa20-Poly1305 is not ' +
          'available in node:crypto; use aesgcm or aescbc',
      );
    }
    if (p.kms !== undefined) {
      throw new EncryptionConfigError(
        `could not configure KMS plugin ${goQuote(p.kms.name)}: KMS providers are not supported ` +
          'by this server; use aesgcm or aescbc',
      );
    }
    if (p.identity !== undefined)
      return { prefix: new Uint8Array(0), transformer: identityTransformer };
    throw new EncryptionConfigError(NO_PROVIDER_ERR);
  });
}

/**
 * The transformers of a configuration, per group-resource, resolved like upstream's
 * transformerFromOverrides: the exact resource, then `*.<group>`, then `*.*`, else identity.
 * Immutable once built; safe to share.
 */
export class EncryptionTransformers {
  private readonly byResource: ReadonlyMap<string, ValueTransformer>;

  /** @internal Use parseEncryptionConfig / buildEncryptionTransformers. */
  constructor(byResource: ReadonlyMap<string, ValueTransformer>) {
    this.byResource = byResource;
  }

  /** True when no resource is configured (everything is stored as plaintext). */
  get empty(): boolean {
    return this.byResource.size === 0;
  }

  /**
   * The transformer for a resource (group '' for core, plural resource name). Identity when no
   * rule covers it. The same object is returned for the same rule; cheap enough per request,
   * but callers on hot paths should keep the result.
   */
  transformerFor(resource: GroupResource): ValueTransformer {
    return (
      this.byResource.get(grKey(resource)) ??
      this.byResource.get(grKey({ group: resource.group, resource: '*' })) ??
      this.byResource.get(grKey({ group: '*', resource: '*' })) ??
      identityTransformer
    );
  }

  /** True when a rule (exact or wildcard) covers the resource. */
  covers(resource: GroupResource): boolean {
    return this.transformerFor(resource) !== identityTransformer;
  }
}

/**
 * Builds the transformers of a validated configuration (upstream
 * getTransformerOverridesAndKMSPluginProbes). Throws EncryptionConfigError for a rule masked by
 * an earlier wildcard (`resource "secrets" is masked by earlier rule "*."`) and for providers
 * this server does not implement (secretbox, kms).
 */
export function buildEncryptionTransformers(
  config: EncryptionConfiguration,
): EncryptionTransformers {
  const lists = new Map<string, PrefixTransformer[]>();
  const anyAny: GroupResource = { group: '*', resource: '*' };
  for (const conf of config.resources) {
    const transformers = providerTransformers(conf);
    for (const res of conf.resources) {
      const gr = parseGroupResource(res);
      const anyInGroup: GroupResource = { group: gr.group, resource: '*' };
      if (lists.has(grKey(anyInGroup))) {
        throw new EncryptionConfigError(
          `resource ${goQuote(grYAMLString(gr))} is masked by earlier rule ${goQuote(grYAMLString(anyInGroup))}`,
        );
      }
      if (lists.has(grKey(anyAny))) {
        throw new EncryptionConfigError(
          `resource ${goQuote(grYAMLString(gr))} is masked by earlier rule ${goQuote(grYAMLString(anyAny))}`,
        );
      }
      const key = grKey(gr);
      lists.set(key, [...(lists.get(key) ?? []), ...transformers]);
    }
  }
  const byResource = new Map<string, ValueTransformer>();
  for (const [key, list] of lists) {
    byResource.set(key, new PrefixTransformers('no matching prefix found', list));
  }
  return new EncryptionTransformers(byResource);
}

/** Decodes and validates; throws EncryptionConfigError with upstream's loadConfig messages. */
function decodeAndValidate(text: string): EncryptionConfiguration {
  let config: EncryptionConfiguration;
  try {
    config = decodeConfig(text);
  } catch (err) {
    if (err instanceof ConfigDecodeError)
      throw new EncryptionConfigError(err.message, [], { cause: err });
    throw err;
  }
  const errs = validateEncryptionConfiguration(config);
  if (errs.length > 0) throw new EncryptionConfigError(toAggregateMessage(errs), errs);
  return config;
}

/**
 * Parses, validates and builds an EncryptionConfiguration (YAML or JSON). Throws
 * EncryptionConfigError: decoding errors (`Object 'Kind' is missing in ...`, Go-style type
 * errors), upstream's aggregated validation message (e.g.
 * `resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secret is not of
 * the expected length, got 8, expected one of [16 24 32]`), masking errors, and the refusal of
 * secretbox and kms providers.
 */
export function parseEncryptionConfig(text: string): {
  config: EncryptionConfiguration;
  transformers: EncryptionTransformers;
} {
  const config = decodeAndValidate(text);
  return { config, transformers: buildEncryptionTransformers(config) };
}

/**
 * Reads and parses the file of `--encryption-provider-config` (upstream LoadEncryptionConfig),
 * with upstream's wrapping: `error while parsing file: ...` for reading, decoding and
 * validation, `error while building transformers: ...` for masking and unsupported providers.
 */
export async function loadEncryptionConfigFile(path: string): Promise<{
  config: EncryptionConfiguration;
  transformers: EncryptionTransformers;
}> {
  const parsing = 'error while parsing file: error while loading file: ';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new EncryptionConfigError(
      `${parsing}error opening encryption provider configuration file ${goQuote(path)}: ${msg}`,
      [],
      { cause: err },
    );
  }
  if (text.length === 0) {
    throw new EncryptionConfigError(
      `${parsing}encryption provider configuration file ${goQuote(path)} is empty`,
    );
  }
  let config: EncryptionConfiguration;
  try {
    config = decodeAndValidate(text);
  } catch (err) {
    if (!(err instanceof EncryptionConfigError)) throw err;
    const msg =
      err.fieldErrors.length === 0
        ? `error decoding encryption provider configuration file ${goQuote(path)}: ${err.message}`
        : err.message;
    throw new EncryptionConfigError(`error while parsing file: ${msg}`, err.fieldErrors, {
      cause: err,
    });
  }
  try {
    return { config, transformers: buildEncryptionTransformers(config) };
  } catch (err) {
    if (!(err instanceof EncryptionConfigError)) throw err;
    throw new EncryptionConfigError(`error while building transformers: ${err.message}`, [], {
      cause: err,
    });
  }
}
