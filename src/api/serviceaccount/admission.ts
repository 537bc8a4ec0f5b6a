// The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount, Kubernetes
// 1.32): defaults a pod's service account, requires it to exist, mounts the projected
// kube-api-access token volume, copies the account's imagePullSecrets and, for accounts
// annotated `kubernetes.io/enforce-mountable-secrets: "true"`, limits the secrets a pod may use.
import type {
  Container,
  Pod,
  ServiceAccount,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import { isForbidden, newNotFound } from '../errors.ts';
import type { StatusError } from '../errors.ts';
import { isMirrorPod, visitPodSecretNames } from '../noderestriction/index.ts';
import { admissionForbidden } from '../quota/index.ts';
import type { PluginAttributes } from '../quota/index.ts';
import { generateName } from '../validation/index.ts';
import type { RandomInt } from '../validation/index.ts';

/** The service account a pod gets when it names none. */
export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
/** ServiceAccount annotation that, when "true", limits pods to the secrets the account lists. */
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';
/** Name prefix (before `-`) of the automounted token volume. */
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
/** Where containers see the token, CA bundle and namespace. */
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/**
 * Lifetime of the automounted token (upstream WarnOnlyBoundTokenExpirationSeconds): one hour
 * plus 7s; the API server may extend it and warns when an extended token is used past 1h.
 */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;

/**
 * Finds a ServiceAccount. Return undefined when it does not exist; throw (ideally a
 * StatusError) for any other failure. Upstream reads its informer cache first, then the API
 * directly (up to 10 times, 100-200ms apart, for `default`, which its controller creates
 * asynchronously); the caller's lookup should do the same.
 */
export type ServiceAccountLookup = (
  namespace: string,
  name: string,
) => ServiceAccount | undefined | Promise<ServiceAccount | undefined>;

/** Options of {@link admitServiceAccount}. */
export interface ServiceAccountAdmitOptions {
  /** Random source for the token volume's name suffix (tests pass a fixed one). */
  randomInt?: RandomInt;
  /** Mount the token volume when automount is on (upstream MountServiceAccountToken); default true. */
  mountServiceAccountToken?: boolean;
  /** Enforce mountable secrets for every account (upstream LimitSecretReferences); default false. */
  limitSecretReferences?: boolean;
}

/** Options of {@link validateServiceAccount}. */
export interface ServiceAccountValidateOptions {
  /** Enforce mountable secrets for every account; default false. */
  limitSecretReferences?: boolean;
}

/** The projected volume source of the automounted token (upstream TokenVolumeSource()). */
export function tokenVolumeSource(): NonNullable<Volume['projected']> {
  return {
    // Set explicitly (the default) so the pod spec does not change on defaulting, see #104464.
    defaultMode: 420,
    sources: [
      {
        serviceAccountToken: {
          expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
          path: 'token',
        },
      },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [
            { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
          ],
        },
      },
    ],
  };
}

function shouldIgnore(a: PluginAttributes): boolean {
  if (a.resource.group !== '' || a.resource.resource !== 'pods') return true;
  if (a.subresource !== '' && a.subresource !== 'ephemeralcontainers') return true;
  return a.object === undefined;
}

function forbid(a: PluginAttributes, err: unknown): StatusError {
  // Upstream admission.NewForbidden does not wrap an error that is already Forbidden.
  if (isForbidden(err)) return err as StatusError;
  return admissionForbidden(a, err instanceof Error ? err.message : String(err));
}

/** Go strconv.ParseBool; anything unparsable is false here (upstream ignores the error). */
function parseBool(v: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

function enforceMountableSecrets(sa: ServiceAccount, limitAll: boolean): boolean {
  if (limitAll) return true;
  const v = sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  return v !== undefined && parseBool(v);
}

function shouldAutomount(sa: ServiceAccount, pod: Pod): boolean {
  // The pod's preference wins, then the account's; on by default.
  const fromPod: unknown = pod.spec?.automountServiceAccountToken;
  if (typeof fromPod === 'boolean') return fromPod;
  const fromSa: unknown = sa.automountServiceAccountToken;
  if (typeof fromSa === 'boolean') return fromSa;
  return true;
}

async function getServiceAccount(
  a: PluginAttributes,
  lookup: ServiceAccountLookup,
  name: string,
): Promise<ServiceAccount> {
  let sa: ServiceAccount | undefined;
  try {
    sa = await lookup(a.namespace, name);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw forbid(a, `error looking up service account ${a.namespace}/${name}: ${msg}`);
  }
  if (sa === undefined) {
    // Upstream: errors.NewNotFound(api.Resource("serviceaccount"), name).
    const nf = newNotFound({ group: '', resource: 'serviceaccount' }, name).message;
    throw forbid(a, `error looking up service account ${a.namespace}/${name}: ${nf}`);
  }
  return sa;
}

/**
 * Mutating phase for pods (upstream Admit). Only pod CREATE (no subresource) is mutated:
 * resolves with a mutated copy of the pod, or undefined when the request is not one this plugin
 * changes (other resources, updates, mirror pods). The input object is never modified. Rejects
 * with a 403 StatusError (upstream's messages) when the account is missing or the pod breaks
 * a rule; the validations of {@link validateServiceAccount} run on the result too.
 */
export async function admitServiceAccount(
  attrs: PluginAttributes,
  lookup: ServiceAccountLookup,
  options: ServiceAccountAdmitOptions = {},
): Promise<Pod | undefined> {
  if (shouldIgnore(attrs) || attrs.operation !== 'CREATE') return undefined;
  const input = attrs.object as unknown as Pod;
  // The kubelet deletes a mirror pod whose spec differs from its static pod: validate only.
  if (isMirrorPod(input)) {
    await validateServiceAccount(attrs, lookup, options);
    return undefined;
  }
  const pod = structuredClone(input);
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  if ((spec.serviceAccountName ?? '') === '')
    spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT_NAME;
  const saName = spec.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT_NAME;
  const sa = await getServiceAccount(attrs, lookup, saName);
  if ((options.mountServiceAccountToken ?? true) && shouldAutomount(sa, pod)) {
    mountServiceAccountToken(pod, options.randomInt);
  }
  if ((spec.imagePullSecrets ?? []).length === 0 && (sa.imagePullSecrets ?? []).length > 0) {
    spec.imagePullSecrets = (sa.imagePullSecrets ?? []).map((s) => ({ name: s.name ?? '' }));
  }
  const mutated = { ...attrs, object: pod as unknown as Record<string, unknown> };
  await validatePod(mutated, pod, sa, options.limitSecretReferences ?? false);
  return pod;
}

/**
 * Validating phase for pods (upstream Validate): on CREATE, mirror pods may not use service
 * accounts, secrets or token projections, other pods need an existing service account and,
 * when it enforces mountable secrets, may only use its secrets; on UPDATE of the
 * `ephemeralcontainers` subresource, ephemeral containers are held to the same secret limits.
 * Resolves when allowed, rejects with a 403 StatusError otherwise.
 */
export async function validateServiceAccount(
  attrs: PluginAttributes,
  lookup: ServiceAccountLookup,
  options: ServiceAccountValidateOptions = {},
): Promise<void> {
  if (shouldIgnore(attrs)) return;
  const pod = attrs.object as unknown as Pod;
  const limitAll = options.limitSecretReferences ?? false;
  if (attrs.operation === 'UPDATE' && attrs.subresource === 'ephemeralcontainers') {
    await limitEphemeralContainerSecretReferences(attrs, pod, lookup, limitAll);
    return;
  }
  if (attrs.operation !== 'CREATE') return;
  await validatePod(attrs, pod, undefined, limitAll, lookup);
}

async function validatePod(
  a: PluginAttributes,
  pod: Pod,
  knownSa: ServiceAccount | undefined,
  limitAll: boolean,
  lookup?: ServiceAccountLookup,
): Promise<void> {
  if (isMirrorPod(pod)) {
    if ((pod.spec?.serviceAccountName ?? '') !== '') {
      throw forbid(a, 'a mirror pod may not reference service accounts');
    }
    if (!visitPodSecretNames(pod, () => false)) {
      throw forbid(a, 'a mirror pod may not reference secrets');
    }
    for (const v of pod.spec?.volumes ?? []) {
      for (const src of v.projected?.sources ?? []) {
        if (src.serviceAccountToken !== undefined) {
          throw forbid(a, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
      }
    }
    return;
  }
  const saName = pod.spec?.serviceAccountName ?? '';
  if (saName === '') {
    throw forbid(
      a,
      `no service account specified for pod ${a.namespace}/${pod.metadata?.name ?? ''}`,
    );
  }
  let sa = knownSa;
  if (sa === undefined) {
    if (lookup === undefined) return;
    sa = await getServiceAccount(a, lookup, saName);
  }
  if (enforceMountableSecrets(sa, limitAll)) {
    const msg = limitSecretReferences(sa, pod);
    if (msg !== undefined) throw forbid(a, msg);
  }
}

function mountableSecrets(sa: ServiceAccount): Set<string> {
  return new Set((sa.secrets ?? []).map((s) => s.name ?? ''));
}

function containerSecretViolation(
  kind: string,
  c: Pick<Container, 'name' | 'env' | 'envFrom'>,
  mountable: Set<string>,
  saName: string,
): string | undefined {
  for (const env of c.env ?? []) {
    const ref = env.valueFrom?.secretKeyRef;
    if (ref !== undefined && !mountable.has(ref.name ?? '')) {
      return `${kind} ${c.name} with envVar ${env.name} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  for (const envFrom of c.envFrom ?? []) {
    const ref = envFrom.secretRef;
    if (ref !== undefined && !mountable.has(ref.name ?? '')) {
      return `${kind} ${c.name} with envFrom referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  return undefined;
}

/** Upstream limitSecretReferences: the first violation's message, or undefined. */
function limitSecretReferences(sa: ServiceAccount, pod: Pod): string | undefined {
  const saName = sa.metadata?.name ?? '';
  const mountable = mountableSecrets(sa);
  for (const v of pod.spec?.volumes ?? []) {
    if (v.secret === undefined) continue;
    const secretName = v.secret.secretName ?? '';
    if (!mountable.has(secretName)) {
      return `volume with secret.secretName="${secretName}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const m = containerSecretViolation('init container', c, mountable, saName);
    if (m !== undefined) return m;
  }
  for (const c of pod.spec?.containers ?? []) {
    const m = containerSecretViolation('container', c, mountable, saName);
    if (m !== undefined) return m;
  }
  const pullSecrets = new Set((sa.imagePullSecrets ?? []).map((s) => s.name ?? ''));
  const refs = pod.spec?.imagePullSecrets ?? [];
  for (let i = 0; i < refs.length; i++) {
    const name = refs[i]?.name ?? '';
    if (!pullSecrets.has(name)) {
      return `imagePullSecrets[${i}].name="${name}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
    }
  }
  return undefined;
}

async function limitEphemeralContainerSecretReferences(
  a: PluginAttributes,
  pod: Pod,
  lookup: ServiceAccountLookup,
  limitAll: boolean,
): Promise<void> {
  const saName = pod.spec?.serviceAccountName ?? '';
  if (saName === '') {
    throw forbid(
      a,
      `no service account specified for pod ${a.namespace}/${pod.metadata?.name ?? ''}`,
    );
  }
  const sa = await getServiceAccount(a, lookup, saName);
  if (!enforceMountableSecrets(sa, limitAll)) return;
  const mountable = mountableSecrets(sa);
  for (const c of pod.spec?.ephemeralContainers ?? []) {
    const m = containerSecretViolation(
      'ephemeral container',
      c,
      mountable,
      sa.metadata?.name ?? '',
    );
    // Upstream returns this one unwrapped (a plain error, i.e. a 500 in the chain); we keep
    // the 403 the other paths use.
    if (m !== undefined) throw forbid(a, m);
  }
}

/**
 * Adds the token volume and its mount to every init container and container that does not
 * already mount something at the token path. An existing `kube-api-access-*` volume is reused.
 */
function mountServiceAccountToken(pod: Pod, randomInt: RandomInt | undefined): void {
  const spec = pod.spec;
  if (spec === undefined) return;
  const prefix = `${SERVICE_ACCOUNT_VOLUME_NAME}-`;
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(prefix));
  const volumeName = existing?.name ?? generateName(prefix, randomInt);
  const mountInto = (containers: Container[] | undefined): boolean => {
    let mounted = false;
    for (const c of containers ?? []) {
      if ((c.volumeMounts ?? []).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) {
        continue;
      }
      const mount: VolumeMount = {
        name: volumeName,
        readOnly: true,
        mountPath: DEFAULT_API_TOKEN_MOUNT_PATH,
      };
      c.volumeMounts = [...(c.volumeMounts ?? []), mount];
      mounted = true;
    }
    return mounted;
  };
  const initMounted = mountInto(spec.initContainers);
  const needsVolume = mountInto(spec.containers) || initMounted;
  if (existing === undefined && needsVolume) {
    spec.volumes = [...(spec.volumes ?? []), { name: volumeName, projected: tokenVolumeSource() }];
  }
}
