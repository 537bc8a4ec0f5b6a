/**
 * OCI and Docker manifest media types, decoding of manifests, indexes and image configs
 * (outside data enters as `unknown` and is checked here), and platform selection. Pure.
 */
import { createHash } from 'node:crypto';
import { parseDigest } from './reference.ts';

/** Media types the client understands. */
export const MediaType = Object.freeze({
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
});

/**
 * The Accept header for manifest requests. Every type must be listed: the registry answers an
 * OCI tag with 404 without the OCI type, and downgrades a Docker v2 tag to schema 1 without the
 * Docker type (host-recipes §1).
 */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(', ');

/** A content descriptor (OCI image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  urls?: string[];
  annotations?: Record<string, string>;
}

/** A platform of an index entry or config. */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
}

/** An image manifest (OCI or Docker v2 schema 2). */
export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** An image index (OCI index or Docker manifest list). */
export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

/** The subset of the OCI image config the kubelet uses (image-spec config.md). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, unknown>;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    Volumes?: Record<string, unknown> | null;
  };
  rootfs: { type: string; diff_ids: string[] };
}

/** Bad content from a registry or archive (wrong digest, undecodable manifest...). */
export class ContentError extends Error {
  override readonly name = 'ContentError';
}

/** `sha256:<hex>` of bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Throws a ContentError unless `bytes` hash to `digest` (only sha256 is supported). */
export function verifyDigest(bytes: Uint8Array, digest: string, what: string): void {
  const actual = sha256Digest(bytes);
  if (actual !== digest) {
    throw new ContentError(`${what}: digest mismatch: expected ${digest}, got ${actual}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodeDescriptor(v: unknown, where: string): Descriptor {
  if (!isRecord(v)) throw new ContentError(`${where}: descriptor is not an object`);
  const { mediaType, digest, size, platform, urls, annotations } = v;
  if (typeof mediaType !== 'string') throw new ContentError(`${where}: missing mediaType`);
  if (typeof digest !== 'string') throw new ContentError(`${where}: missing digest`);
  try {
    parseDigest(digest);
  } catch (err) {
    throw new ContentError(`${where}: ${(err as Error).message}: ${digest}`);
  }
  if (!digest.startsWith('sha256:')) {
    throw new ContentError(`${where}: unsupported digest algorithm: ${digest}`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ContentError(`${where}: invalid size`);
  }
  const d: Descriptor = { mediaType, digest, size };
  if (isRecord(platform)) {
    const p: Platform = {
      architecture: typeof platform.architecture === 'string' ? platform.architecture : '',
      os: typeof platform.os === 'string' ? platform.os : '',
    };
    if (typeof platform.variant === 'string') p.variant = platform.variant;
    d.platform = p;
  }
  if (Array.isArray(urls)) d.urls = urls.filter((u): u is string => typeof u === 'string');
  if (isRecord(annotations)) {
    d.annotations = Object.fromEntries(
      Object.entries(annotations).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }
  return d;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch (err) {
    throw new ContentError(`${what}: invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * Decodes a manifest or index. The media type comes from the body's `mediaType`, else from the
 * response Content-Type, else from the shape (`manifests` means an index). Schema 1 manifests
 * are refused (deprecated; Kubernetes' runtimes dropped them).
 */
export function decodeManifest(bytes: Uint8Array, contentType = ''): ImageManifest | ImageIndex {
  const v = parseJson(bytes, 'manifest');
  if (!isRecord(v)) throw new ContentError('manifest: not a JSON object');
  const ct = contentType.split(';')[0]?.trim() ?? '';
  let mediaType = typeof v.mediaType === 'string' ? v.mediaType : ct;
  if (mediaType === '' || mediaType === 'application/json') {
    mediaType = Array.isArray(v.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
  }
  if (mediaType === MediaType.dockerSchema1 || mediaType === MediaType.dockerSchema1Signed) {
    throw new ContentError(`unsupported manifest media type ${mediaType} (Docker schema 1)`);
  }
  if (mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList) {
    if (!Array.isArray(v.manifests)) throw new ContentError('index: missing manifests');
    return {
      kind: 'index',
      mediaType,
      manifests: v.manifests.map((m, i) => decodeDescriptor(m, `index.manifests[${i}]`)),
    };
  }
  if (mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest) {
    if (!Array.isArray(v.layers)) throw new ContentError('manifest: missing layers');
    return {
      kind: 'manifest',
      mediaType,
      config: decodeDescriptor(v.config, 'manifest.config'),
      layers: v.layers.map((l, i) => decodeDescriptor(l, `manifest.layers[${i}]`)),
    };
  }
  throw new ContentError(`unsupported manifest media type ${mediaType}`);
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
}

/** Decodes an image config; the fields the kubelet uses are type-checked. */
export function decodeImageConfig(bytes: Uint8Array): ImageConfig {
  const v = parseJson(bytes, 'image config');
  if (!isRecord(v)) throw new ContentError('image config: not a JSON object');
  const rootfs = v.rootfs;
  if (!isRecord(rootfs) || !Array.isArray(rootfs.diff_ids)) {
    throw new ContentError('image config: missing rootfs.diff_ids');
  }
  const out: ImageConfig = {
    rootfs: {
      type: typeof rootfs.type === 'string' ? rootfs.type : 'layers',
      diff_ids: stringArray(rootfs.diff_ids) ?? [],
    },
  };
  if (typeof v.architecture === 'string') out.architecture = v.architecture;
  if (typeof v.os === 'string') out.os = v.os;
  if (typeof v.created === 'string') out.created = v.created;
  const c = v.config;
  if (isRecord(c)) {
    const cfg: NonNullable<ImageConfig['config']> = {};
    if (typeof c.User === 'string') cfg.User = c.User;
    const env = stringArray(c.Env);
    if (env) cfg.Env = env;
    const ep = stringArray(c.Entrypoint);
    if (ep) cfg.Entrypoint = ep;
    const cmd = stringArray(c.Cmd);
    if (cmd) cfg.Cmd = cmd;
    if (typeof c.WorkingDir === 'string') cfg.WorkingDir = c.WorkingDir;
    if (isRecord(c.ExposedPorts)) cfg.ExposedPorts = c.ExposedPorts;
    if (isRecord(c.Volumes)) cfg.Volumes = c.Volumes;
    if (typeof c.StopSignal === 'string') cfg.StopSignal = c.StopSignal;
    if (isRecord(c.Labels)) {
      cfg.Labels = Object.fromEntries(
        Object.entries(c.Labels).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    }
    out.config = cfg;
  }
  return out;
}

/** The platform this node runs images for. */
export const DEFAULT_PLATFORM: Platform = Object.freeze({ os: 'linux', architecture: 'amd64' });

/**
 * The index entry for a platform, as containerd's platform matcher: same os and architecture,
 * the wanted variant if the entry has one; the first match in index order wins. Entries such as
 * attestation manifests (`unknown/unknown`) never match. Undefined when none matches.
 */
export function selectPlatform(
  index: ImageIndex,
  want: Platform = DEFAULT_PLATFORM,
): Descriptor | undefined {
  const candidates = index.manifests.filter(
    (m) =>
      (m.mediaType === MediaType.ociManifest || m.mediaType === MediaType.dockerManifest) &&
      m.platform !== undefined &&
      m.platform.os === want.os &&
      m.platform.architecture === want.architecture &&
      (m.platform.variant === undefined ||
        want.variant === undefined ||
        m.platform.variant === want.variant),
  );
  return candidates[0];
}

/** How a layer blob is compressed, from its media type; undefined for unsupported types. */
export function layerCompression(mediaType: string): 'gzip' | 'none' | 'zstd' | undefined {
  switch (mediaType) {
    case MediaType.ociLayerGzip:
    case MediaType.ociLayerNondistributableGzip:
    case MediaType.dockerLayerGzip:
    case MediaType.dockerForeignLayerGzip:
      return 'gzip';
    case MediaType.ociLayer:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar':
    case 'application/vnd.docker.image.rootfs.diff.tar':
      return 'none';
    case MediaType.ociLayerZstd:
      return 'zstd';
    default:
      return undefined;
  }
}
