/**
 * The contents of configMap, secret, downwardAPI and projected volumes as a payload of
 * relative path → {data, mode} (upstream's MakePayload / CollectData / projected
 * collectData), with upstream's error texts. Pure: the objects, the service account token
 * and node allocatable are inputs; the caller fetches them (informers, TokenRequest).
 */
import type {
  ConfigMap,
  ConfigMapVolumeSource,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  ProjectedVolumeSource,
  Secret,
  SecretVolumeSource,
  ServiceAccountTokenProjection,
} from 'kubernetes-types/core/v1.js';
import { goQuote } from '../../api/index.ts';
import { cleanPath } from './layout.ts';
import { extractFieldPathAsString } from './fieldpath.ts';
import { extractResourceValueByContainerName } from './resource.ts';
import type { ResourceList } from './resource.ts';

/** The mode of projected files when a volume sets no `defaultMode` (the API default, 0644). */
export const DEFAULT_MODE = 0o644;

/** One file of a payload (upstream's FileProjection). */
export interface FileProjection {
  data: Uint8Array;
  /** Permission bits (e.g. 0o644). */
  mode: number;
  /** Owner to chown the file to (projected service account tokens with a common runAsUser). */
  fsUser?: number;
}

/** Relative path → file. Paths are as given by the API (validated by the AtomicWriter). */
export type Payload = Map<string, FileProjection>;

/** Several errors reported as one, formatted as upstream's utilerrors aggregate. */
export class MultiError extends Error {
  readonly errors: readonly Error[];
  constructor(errors: readonly Error[]) {
    super(formatAggregate(errors));
    this.name = 'MultiError';
    this.errors = errors;
  }
}

/** `msg` for one error, `[a, b]` for several (duplicate messages shown once), as upstream. */
export function formatAggregate(errors: readonly Error[]): string {
  if (errors.length === 1) return errors[0]?.message ?? '';
  const seen = [...new Set(errors.map((e) => e.message))];
  return seen.length === 1 ? (seen[0] ?? '') : `[${seen.join(', ')}]`;
}

/** The error of a referenced object that does not exist, as the kubelet's managers word it. */
export class ObjectNotFoundError extends Error {
  constructor(
    readonly resource: 'configmap' | 'secret',
    readonly objectName: string,
  ) {
    super(`${resource} "${objectName}" not found`);
    this.name = 'ObjectNotFoundError';
  }
}

const utf8 = new TextEncoder();

function decodeBase64(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'base64'));
}

/**
 * A configMap volume's payload (configmap.MakePayload): without items every `data` and
 * `binaryData` key becomes a file with the default mode; with items only those keys, at
 * their paths and modes. A missing key is `configmap references non-existent config key: K`
 * unless the volume is optional (then skipped). A missing optional ConfigMap is passed as an
 * empty one by {@link configMapVolumePayload}.
 */
export function makeConfigMapPayload(
  items: readonly KeyToPath[] | undefined,
  configMap: ConfigMap,
  defaultMode: number | undefined,
  optional: boolean,
): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const data = configMap.data ?? {};
  const binary = configMap.binaryData ?? {};
  if (items === undefined || items.length === 0) {
    for (const [name, v] of Object.entries(data)) payload.set(name, { data: utf8.encode(v), mode });
    for (const [name, v] of Object.entries(binary))
      payload.set(name, { data: decodeBase64(v), mode });
    return payload;
  }
  for (const ktp of items) {
    let content: Uint8Array;
    if (Object.hasOwn(data, ktp.key)) content = utf8.encode(data[ktp.key] ?? '');
    else if (Object.hasOwn(binary, ktp.key)) content = decodeBase64(binary[ktp.key] ?? '');
    else {
      if (optional) continue;
      throw new Error(`configmap references non-existent config key: ${ktp.key}`);
    }
    payload.set(ktp.path, { data: content, mode: ktp.mode ?? mode });
  }
  return payload;
}

/**
 * A secret volume's payload (secret.MakePayload); a missing key is
 * `references non-existent secret key: K` unless optional.
 */
export function makeSecretPayload(
  items: readonly KeyToPath[] | undefined,
  secret: Secret,
  defaultMode: number | undefined,
  optional: boolean,
): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const data = secret.data ?? {};
  if (items === undefined || items.length === 0) {
    for (const [name, v] of Object.entries(data))
      payload.set(name, { data: decodeBase64(v), mode });
    return payload;
  }
  for (const ktp of items) {
    if (!Object.hasOwn(data, ktp.key)) {
      if (optional) continue;
      throw new Error(`references non-existent secret key: ${ktp.key}`);
    }
    payload.set(ktp.path, { data: decodeBase64(data[ktp.key] ?? ''), mode: ktp.mode ?? mode });
  }
  return payload;
}

/**
 * A downwardAPI volume's payload (downwardapi.CollectData): each item's path is cleaned, its
 * value comes from a metadata `fieldRef` or a `resourceFieldRef` (limits defaulted from node
 * allocatable). Every failing item is reported; the result then throws an
 * {@link MultiError}.
 */
export function collectDownwardAPIData(
  items: readonly DownwardAPIVolumeFile[] | undefined,
  pod: Pod,
  nodeAllocatable: ResourceList,
  defaultMode: number | undefined,
): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const errors: Error[] = [];
  const payload: Payload = new Map();
  for (const item of items ?? []) {
    const file: FileProjection = { data: new Uint8Array(), mode: item.mode ?? mode };
    try {
      if (item.fieldRef !== undefined) {
        file.data = utf8.encode(extractFieldPathAsString(pod, item.fieldRef.fieldPath));
      } else if (item.resourceFieldRef !== undefined) {
        file.data = utf8.encode(
          extractResourceValueByContainerName(
            item.resourceFieldRef,
            pod,
            item.resourceFieldRef.containerName,
            nodeAllocatable,
          ),
        );
      }
    } catch (err) {
      errors.push(err instanceof Error ? err : new Error(String(err)));
    }
    payload.set(cleanPath(item.path), file);
  }
  if (errors.length > 0) throw new MultiError(errors);
  return payload;
}

/**
 * Where a volume's referenced objects come from. Getters return `undefined` for an object
 * that does not exist and throw for other failures (API unreachable, not yet synced).
 */
export interface PayloadSources {
  configMap(name: string): ConfigMap | undefined;
  secret(name: string): Secret | undefined;
  /**
   * The token of a serviceAccountToken projection, obtained by the caller through
   * TokenRequest (see {@link serviceAccountTokenRequest}); throws when it cannot be had.
   */
  serviceAccountToken?(projection: ServiceAccountTokenProjection): string;
  /** Node allocatable, the default limits of resourceFieldRefs. */
  nodeAllocatable: ResourceList;
}

function getOrEmpty<T extends ConfigMap | Secret>(
  get: (name: string) => T | undefined,
  resource: 'configmap' | 'secret',
  pod: Pod,
  name: string,
  optional: boolean,
): T {
  const obj = get(name);
  if (obj !== undefined) return obj;
  if (!optional) throw new ObjectNotFoundError(resource, name);
  return { metadata: { name, namespace: pod.metadata?.namespace ?? '' } } as T;
}

/**
 * The payload of a configMap volume including the object lookup (configmap SetUpAt): a
 * missing ConfigMap is `configmap "N" not found` unless the volume is optional.
 */
export function configMapVolumePayload(
  source: ConfigMapVolumeSource,
  pod: Pod,
  sources: Pick<PayloadSources, 'configMap'>,
): Payload {
  const optional = source.optional === true;
  const cm = getOrEmpty(
    sources.configMap.bind(sources),
    'configmap',
    pod,
    source.name ?? '',
    optional,
  );
  return makeConfigMapPayload(source.items, cm, source.defaultMode, optional);
}

/** The payload of a secret volume including the lookup (`secret "N" not found`). */
export function secretVolumePayload(
  source: SecretVolumeSource,
  pod: Pod,
  sources: Pick<PayloadSources, 'secret'>,
): Payload {
  const optional = source.optional === true;
  const secret = getOrEmpty(
    sources.secret.bind(sources),
    'secret',
    pod,
    source.secretName ?? '',
    optional,
  );
  return makeSecretPayload(source.items, secret, source.defaultMode, optional);
}

/** Mount arguments that change projected files (upstream's MounterArgs). */
export interface MounterArgs {
  fsUser?: number;
  fsGroup?: number;
}

/**
 * A projected volume's payload (projected collectData): sources are merged in order, a later
 * source's file replacing an earlier one at the same path (API validation rejects such
 * conflicts with `conflicting duplicate paths`); a service account token file gets mode 0600
 * when fsUser or fsGroup is set (fsGroup ownership then adds group read) and is owned by
 * fsUser. Failing sources are skipped and reported together as an {@link MultiError}.
 * clusterTrustBundle sources are not supported and reported as an error.
 */
export function collectProjectedData(
  source: ProjectedVolumeSource,
  pod: Pod,
  sources: PayloadSources,
  args: MounterArgs = {},
): Payload {
  const defaultMode = source.defaultMode ?? DEFAULT_MODE;
  const errors: Error[] = [];
  const payload: Payload = new Map();
  const merge = (p: Payload): void => {
    for (const [k, v] of p) payload.set(k, v);
  };
  for (const s of source.sources ?? []) {
    try {
      if (s.secret !== undefined) {
        const optional = s.secret.optional === true;
        const secret = getOrEmpty(
          sources.secret.bind(sources),
          'secret',
          pod,
          s.secret.name ?? '',
          optional,
        );
        merge(makeSecretPayload(s.secret.items, secret, defaultMode, optional));
      } else if (s.configMap !== undefined) {
        const optional = s.configMap.optional === true;
        const cm = getOrEmpty(
          sources.configMap.bind(sources),
          'configmap',
          pod,
          s.configMap.name ?? '',
          optional,
        );
        merge(makeConfigMapPayload(s.configMap.items, cm, defaultMode, optional));
      } else if (s.downwardAPI !== undefined) {
        merge(
          collectDownwardAPIData(s.downwardAPI.items, pod, sources.nodeAllocatable, defaultMode),
        );
      } else if (s.serviceAccountToken !== undefined) {
        const tp = s.serviceAccountToken;
        if (sources.serviceAccountToken === undefined)
          throw new Error('no service account token source is configured');
        const token = sources.serviceAccountToken(tp);
        const mode = args.fsUser !== undefined || args.fsGroup !== undefined ? 0o600 : defaultMode;
        payload.set(tp.path, {
          data: utf8.encode(token),
          mode,
          ...(args.fsUser !== undefined ? { fsUser: args.fsUser } : {}),
        });
      } else if (s.clusterTrustBundle !== undefined) {
        throw new Error('clusterTrustBundle projections are not supported');
      }
    } catch (err) {
      errors.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  if (errors.length > 0) throw new MultiError(errors);
  return payload;
}

/**
 * The message of the `FailedMount` warning event for a volume whose set-up failed
 * (operation_generator's GenerateError): `MountVolume.SetUp failed for volume "V" : ERR`.
 */
export function mountFailedMessage(volumeName: string, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return `MountVolume.SetUp failed for volume ${goQuote(volumeName)} : ${msg}`;
}

/** The reason of the event {@link mountFailedMessage} goes with. */
export const FAILED_MOUNT_REASON = 'FailedMount';

/**
 * The user every container of the pod runs as, if they all share one (FsUserFrom): the
 * container's runAsUser else the pod's; `undefined` as soon as one has none or two differ.
 * Init and app containers count; ephemeral containers do not.
 */
export function fsUserFrom(pod: Pod): number | undefined {
  let fsUser: number | undefined;
  const podUser = pod.spec?.securityContext?.runAsUser;
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const u = c.securityContext?.runAsUser ?? podUser;
    if (u === undefined || (fsUser !== undefined && fsUser !== u)) return undefined;
    fsUser ??= u;
  }
  return fsUser;
}
