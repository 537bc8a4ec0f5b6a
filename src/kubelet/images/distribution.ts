/**
 * The OCI distribution client: resolves a reference to a platform manifest and pulls its
 * blobs into the ImageStore.
 *
 * Requests are planned by pure functions (`registryBaseUrl`, `manifestRequest`,
 * `blobRequest`) and sent through a `RegistryTransport` (http-transport.ts for real use, a fake
 * in tests). Authentication follows the registry's 401 challenge: Basic with the keyring's
 * credential, or the Bearer token dance (`realm`, `service`, `scope`) anonymously or with the
 * credential; tokens are cached per host and scope until they expire. Every manifest is
 * checked against `Docker-Content-Digest` and the digest pinned in the reference or index;
 * every blob is hashed while it streams to disk and only then renamed into the store. Layers
 * download in parallel; a partial blob resumes with `Range` on the next attempt.
 */
import type { CredentialKeyring, RegistryCredential, AuthChallenge } from './auth.ts';
import {
  basicAuthorization,
  decodeTokenResponse,
  parseAuthChallenges,
  planTokenRequest,
  pullScope,
} from './auth.ts';
import {
  ContentError,
  DEFAULT_PLATFORM,
  MANIFEST_ACCEPT,
  decodeImageConfig,
  decodeManifest,
  selectPlatform,
  sha256Digest,
} from './manifest.ts';
import type { Descriptor, ImageManifest, Platform } from './manifest.ts';
import type { ImageReference } from './reference.ts';
import { formatReference, parseDockerRef, referenceName, registryHost } from './reference.ts';
import type { ImageRecord, ImageStore } from './store.ts';

/** One HTTP request the client needs. */
export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A response: header names lower-cased; `body` must be consumed or `discard`ed. */
export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
  discard(): void;
}

/** Sends one request without following redirects. */
export interface RegistryTransport {
  request(req: RegistryRequest, signal?: AbortSignal): Promise<RegistryResponse>;
}

/** A registry answered with an error (after authentication was attempted). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly status: number,
    /** distribution error codes from the body (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`...). */
    readonly codes: readonly string[] = [],
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Pure planning

function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const c = hostPort.lastIndexOf(':');
  return c > 0 ? hostPort.slice(0, c) : hostPort;
}

/** Whether a host (without port) is a loopback name or address. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

/**
 * The base URL of a registry domain: https, except plain http for loopback hosts and for
 * hosts listed as insecure (`host` or `host:port`), as containerd treats localhost.
 */
export function registryBaseUrl(domain: string, insecure: readonly string[] = []): string {
  const hostPort = registryHost(domain);
  const plain =
    isLoopbackHost(hostOnly(hostPort)) ||
    insecure.includes(hostPort) ||
    insecure.includes(hostOnly(hostPort));
  return `${plain ? 'http' : 'https'}://${hostPort}`;
}

/** The manifest request of a tag or digest, with the full Accept list. */
export function manifestRequest(
  base: string,
  repoPath: string,
  tagOrDigest: string,
  method: 'GET' | 'HEAD' = 'GET',
): RegistryRequest {
  return {
    method,
    url: `${base}/v2/${repoPath}/manifests/${tagOrDigest}`,
    headers: { accept: MANIFEST_ACCEPT },
  };
}

/** The blob request, resuming at `offset` with a Range header when > 0. */
export function blobRequest(
  base: string,
  repoPath: string,
  digest: string,
  offset = 0,
): RegistryRequest {
  const headers: Record<string, string> = {};
  if (offset > 0) headers.range = `bytes=${offset}-`;
  return { method: 'GET', url: `${base}/v2/${repoPath}/blobs/${digest}`, headers };
}

function header(res: RegistryResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readAll(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.byteLength;
    if (n > limit) throw new ContentError(`response larger than ${limit} bytes`);
    parts.push(Buffer.from(c));
  }
  return Buffer.concat(parts);
}

/** Manifests and configs are small; anything bigger is refused rather than buffered. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const BLOB_ATTEMPTS = 3;

/** The outcome of resolving a reference. */
export interface ResolvedImage {
  ref: ImageReference;
  /** The platform manifest's digest and bytes. */
  digest: string;
  bytes: Buffer;
  manifest: ImageManifest;
  /** The index the reference named, when it was one. */
  index?: { digest: string; bytes: Buffer };
}

/** Progress of a pull, for logs and benchmarks. */
export interface PullProgress {
  layersTotal: number;
  layersDone: number;
  bytesDownloaded: number;
}

/** Options of the client. */
export interface RegistryClientOptions {
  transport: RegistryTransport;
  keyring?: CredentialKeyring;
  /** Registries (`host` or `host:port`) to reach over plain http. */
  insecureRegistries?: readonly string[];
  platform?: Platform;
  /** Parallel blob downloads (default 3, as containerd's max_concurrent_downloads). */
  concurrency?: number;
  /** Milliseconds since the epoch; injected in tests. */
  now?: () => number;
}

interface CachedToken {
  authorization: string;
  expiresAt: number;
}

/** The distribution client (see the module comment). One instance may serve many pulls. */
export class RegistryClient {
  private readonly transport: RegistryTransport;
  private readonly keyring: CredentialKeyring | undefined;
  private readonly insecure: readonly string[];
  private readonly platform: Platform;
  private readonly concurrency: number;
  private readonly now: () => number;
  /** `host|scope` → token; `host` → basic. */
  private readonly auth = new Map<string, CachedToken>();
  /** Blob downloads in flight, shared by concurrent pulls of the same blob. */
  private readonly inflight = new Map<string, Promise<number>>();

  constructor(options: RegistryClientOptions) {
    this.transport = options.transport;
    this.keyring = options.keyring;
    this.insecure = options.insecureRegistries ?? [];
    this.platform = options.platform ?? DEFAULT_PLATFORM;
    this.concurrency = Math.max(1, options.concurrency ?? 3);
    this.now = options.now ?? Date.now;
  }

  private credential(ref: ImageReference): RegistryCredential | undefined {
    return this.keyring?.lookup(referenceName(ref))[0];
  }

  private async obtainAuth(
    ref: ImageReference,
    challenges: AuthChallenge[],
    signal?: AbortSignal,
  ): Promise<CachedToken | undefined> {
    const cred = this.credential(ref);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const treq = planTokenRequest(bearer, [pullScope(ref.path)], cred);
      const res = await this.transport.request(treq, signal);
      if (res.status !== 200) {
        res.discard();
        throw new RegistryError(
          `failed to fetch ${cred ? '' : 'anonymous '}token: unexpected status from ${treq.method} request to ${treq.url.split('?')[0] ?? ''}: ${res.status}`,
          res.status,
        );
      }
      const tok = decodeTokenResponse(
        JSON.parse((await readAll(res.body, 1 << 20)).toString('utf8')),
      );
      // Refresh 10 s early so a long pull does not race the expiry.
      return {
        authorization: `Bearer ${tok.token}`,
        expiresAt: this.now() + Math.max(0, tok.expiresInSeconds - 10) * 1000,
      };
    }
    if (challenges.some((c) => c.scheme === 'basic') && cred) {
      return { authorization: basicAuthorization(cred), expiresAt: Number.POSITIVE_INFINITY };
    }
    return undefined;
  }

  /**
   * Sends a registry request with authentication, retrying once after a 401 challenge, and
   * following redirects (dropping Authorization on a host change). The caller owns the body.
   */
  private async send(
    ref: ImageReference,
    req: RegistryRequest,
    signal?: AbortSignal,
  ): Promise<RegistryResponse> {
    const host = new URL(req.url).host;
    const key = `${host}|${pullScope(ref.path)}`;
    for (let attempt = 0; ; attempt++) {
      const cached = this.auth.get(key);
      const headers = { ...req.headers };
      if (cached && cached.expiresAt > this.now()) headers.authorization = cached.authorization;
      let res = await this.transport.request({ ...req, headers }, signal);
      let url = req.url;
      for (let hops = 0; res.status >= 300 && res.status < 400 && res.status !== 304; hops++) {
        const loc = header(res, 'location');
        res.discard();
        if (loc === undefined || hops >= MAX_REDIRECTS) {
          throw new RegistryError(`too many redirects or no location from ${url}`, res.status);
        }
        const next = new URL(loc, url);
        const h = { ...headers };
        if (next.host !== new URL(url).host) delete h.authorization;
        url = next.toString();
        res = await this.transport.request({ ...req, url, headers: h }, signal);
      }
      if (res.status === 401 && attempt === 0) {
        const www = res.headers['www-authenticate'];
        res.discard();
        const challenges = parseAuthChallenges(www ?? []);
        const token = await this.obtainAuth(ref, challenges, signal);
        if (token === undefined) {
          throw new RegistryError(
            `pull access denied for ${referenceName(ref)}, repository does not exist or may require authorization: authorization failed: no basic auth credentials`,
            401,
            ['UNAUTHORIZED'],
          );
        }
        this.auth.set(key, token);
        continue;
      }
      return res;
    }
  }

  private async failure(res: RegistryResponse, what: string): Promise<RegistryError> {
    let codes: string[] = [];
    let detail = '';
    try {
      const body = JSON.parse((await readAll(res.body, 1 << 20)).toString('utf8')) as {
        errors?: { code?: string; message?: string }[];
      };
      codes = (body.errors ?? []).map((e) => e.code ?? '').filter((c) => c !== '');
      detail = (body.errors ?? [])
        .map((e) => `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`)
        .join('; ');
    } catch {
      // not a distribution error body
    }
    if (res.status === 404) {
      return new RegistryError(`${what}: not found${detail ? `: ${detail}` : ''}`, 404, codes);
    }
    if (res.status === 401 || res.status === 403) {
      return new RegistryError(
        `${what}: ${res.status === 401 ? 'unauthorized' : 'denied'}${detail ? `: ${detail}` : ''}`,
        res.status,
        codes,
      );
    }
    return new RegistryError(
      `${what}: unexpected status ${res.status}${detail ? `: ${detail}` : ''}`,
      res.status,
      codes,
    );
  }

  private async fetchManifest(
    ref: ImageReference,
    tagOrDigest: string,
    signal?: AbortSignal,
  ): Promise<{ digest: string; bytes: Buffer; contentType: string }> {
    const base = registryBaseUrl(ref.domain, this.insecure);
    const res = await this.send(ref, manifestRequest(base, ref.path, tagOrDigest), signal);
    const name = formatReference(ref);
    if (res.status !== 200) {
      throw await this.failure(res, `failed to resolve reference "${name}"`);
    }
    const bytes = await readAll(res.body, MAX_MANIFEST_BYTES);
    const digest = sha256Digest(bytes);
    const headerDigest = header(res, 'docker-content-digest');
    if (
      headerDigest !== undefined &&
      headerDigest !== '' &&
      headerDigest.startsWith('sha256:') &&
      headerDigest !== digest
    ) {
      throw new ContentError(
        `manifest of "${name}": digest mismatch: Docker-Content-Digest ${headerDigest}, content ${digest}`,
      );
    }
    if (tagOrDigest.includes(':') && tagOrDigest !== digest) {
      throw new ContentError(
        `manifest of "${name}": digest mismatch: expected ${tagOrDigest}, got ${digest}`,
      );
    }
    return { digest, bytes, contentType: header(res, 'content-type') ?? '' };
  }

  /** The manifest digest a reference points at now (HEAD), for Always-policy checks. */
  async headDigest(ref: ImageReference, signal?: AbortSignal): Promise<string | undefined> {
    const base = registryBaseUrl(ref.domain, this.insecure);
    const res = await this.send(
      ref,
      manifestRequest(base, ref.path, ref.digest ?? ref.tag ?? 'latest', 'HEAD'),
      signal,
    );
    res.discard();
    if (res.status !== 200) return undefined;
    return header(res, 'docker-content-digest');
  }

  /** Resolves a reference to this node's platform manifest (an index is resolved). */
  async resolve(ref: ImageReference, signal?: AbortSignal): Promise<ResolvedImage> {
    const first = await this.fetchManifest(ref, ref.digest ?? ref.tag ?? 'latest', signal);
    const decoded = decodeManifest(first.bytes, first.contentType);
    if (decoded.kind === 'manifest') {
      return { ref, digest: first.digest, bytes: first.bytes, manifest: decoded };
    }
    const pick = selectPlatform(decoded, this.platform);
    if (pick === undefined) {
      throw new ContentError(
        `no match for platform in manifest ${first.digest}: not found (wanted ${this.platform.os}/${this.platform.architecture})`,
      );
    }
    const second = await this.fetchManifest(ref, pick.digest, signal);
    const manifest = decodeManifest(second.bytes, second.contentType || pick.mediaType);
    if (manifest.kind !== 'manifest') throw new ContentError('nested image index is not supported');
    return {
      ref,
      digest: second.digest,
      bytes: second.bytes,
      manifest,
      index: { digest: first.digest, bytes: first.bytes },
    };
  }

  /**
   * Downloads one blob into the store (no-op when present), resuming a partial download and
   * retrying a broken stream; returns the bytes transferred.
   */
  fetchBlob(
    ref: ImageReference,
    desc: Descriptor,
    store: ImageStore,
    signal?: AbortSignal,
  ): Promise<number> {
    const key = `${store.root}|${desc.digest}`;
    const running = this.inflight.get(key);
    if (running) return running.then(() => 0);
    const p = this.doFetchBlob(ref, desc, store, signal).finally(() => {
      this.inflight.delete(key);
    });
    this.inflight.set(key, p);
    return p;
  }

  private async doFetchBlob(
    ref: ImageReference,
    desc: Descriptor,
    store: ImageStore,
    signal?: AbortSignal,
  ): Promise<number> {
    if (await store.hasBlob(desc.digest)) return 0;
    const base = registryBaseUrl(ref.domain, this.insecure);
    let transferred = 0;
    for (let attempt = 1; ; attempt++) {
      const ingest = await store.openIngest(desc.digest);
      try {
        if (ingest.offset >= desc.size && desc.size > 0) {
          await ingest.commit(desc.size);
          return transferred;
        }
        const res = await this.send(
          ref,
          blobRequest(base, ref.path, desc.digest, ingest.offset),
          signal,
        );
        if (res.status === 200 && ingest.offset > 0) await ingest.reset();
        else if (res.status !== 200 && res.status !== 206) {
          throw await this.failure(
            res,
            `failed to fetch blob ${desc.digest} of "${formatReference(ref)}"`,
          );
        }
        for await (const chunk of res.body) {
          if (ingest.offset + chunk.byteLength > desc.size) {
            throw new ContentError(`blob ${desc.digest}: more data than its size ${desc.size}`);
          }
          await ingest.write(chunk);
          transferred += chunk.byteLength;
        }
        await ingest.commit(desc.size);
        return transferred;
      } catch (err) {
        await ingest.close();
        const retriable =
          !(err instanceof ContentError) &&
          !(err instanceof RegistryError) &&
          signal?.aborted !== true &&
          attempt < BLOB_ATTEMPTS;
        if (!retriable) throw err;
      }
    }
  }

  /**
   * Pulls an image into the store and records it under its normalised name; returns the
   * record. Config and layers download in parallel (`concurrency`); the config's diff IDs
   * must match the layer count. Layers are not unpacked here (see ImageStore.unpackImage).
   */
  async pull(
    image: string | ImageReference,
    store: ImageStore,
    options: { signal?: AbortSignal; onProgress?: (p: PullProgress) => void } = {},
  ): Promise<ImageRecord> {
    const ref = typeof image === 'string' ? parseDockerRef(image) : image;
    const { signal, onProgress } = options;
    const resolved = await this.resolve(ref, signal);
    const { manifest } = resolved;
    const blobs = [manifest.config, ...manifest.layers];
    const progress: PullProgress = {
      layersTotal: manifest.layers.length,
      layersDone: 0,
      bytesDownloaded: 0,
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < blobs.length) {
        const desc = blobs[next++];
        if (desc === undefined) break;
        progress.bytesDownloaded += await this.fetchBlob(ref, desc, store, signal);
        if (desc !== manifest.config) progress.layersDone++;
        onProgress?.({ ...progress });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, blobs.length) }, worker));
    const config = decodeImageConfig(await store.readBlob(manifest.config.digest));
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new ContentError(
        `image config has ${config.rootfs.diff_ids.length} diff IDs for ${manifest.layers.length} layers`,
      );
    }
    await store.putBlob(resolved.bytes, resolved.digest);
    if (resolved.index) await store.putBlob(resolved.index.bytes, resolved.index.digest);
    const record: ImageRecord = {
      name: formatReference(ref),
      digest: resolved.digest,
      ...(resolved.index ? { indexDigest: resolved.index.digest } : {}),
      mediaType: manifest.mediaType,
      configDigest: manifest.config.digest,
      layers: manifest.layers.map((l, i) => ({
        digest: l.digest,
        mediaType: l.mediaType,
        size: l.size,
        diffId: config.rootfs.diff_ids[i] ?? '',
      })),
      size: blobs.reduce((s, b) => s + b.size, 0),
      storedAt: new Date(this.now()).toISOString(),
    };
    await store.putImage(record);
    return record;
  }
}
