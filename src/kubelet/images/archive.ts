/**
 * Offline import of image archives into the ImageStore: an OCI image layout in a tar
 * (`skopeo copy ... oci-archive:`, `docker buildx --output type=oci`) or a `docker save`
 * tarball (`skopeo copy ... docker-archive:`). The archive streams through the tar reader into
 * a staging directory inside the store; every blob is verified (OCI) or hashed (docker save,
 * whose layers are identified by their diff IDs) and moved into place; then one record per
 * image name is written.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ContentError,
  DEFAULT_PLATFORM,
  MediaType,
  decodeImageConfig,
  decodeManifest,
  selectPlatform,
} from './manifest.ts';
import type { Descriptor, ImageManifest, Platform } from './manifest.ts';
import { formatReference, parseDockerRef } from './reference.ts';
import type { ImageRecord, ImageStore } from './store.ts';
import { readTar } from './tar.ts';
import { cleanEntryPath } from './unpack.ts';

/** Options of an import. */
export interface ImportOptions {
  /**
   * The repository for images the archive names only by tag (an OCI `ref.name` of `v1`), or
   * the full name for an archive with no names at all.
   */
  baseName?: string;
  platform?: Platform;
  now?: () => number;
}

/** Files of the extracted archive, by clean path; symlinks resolved. */
interface Extracted {
  dir: string;
  files: Map<string, string>;
}

async function extract(file: string, dir: string): Promise<Extracted> {
  const files = new Map<string, string>();
  const links = new Map<string, string>();
  let n = 0;
  for await (const entry of readTar(createReadStream(file))) {
    const h = entry.header;
    const path = cleanEntryPath(h.name);
    if (path === '') continue;
    if (h.type === 'file') {
      // Flat staging names: the archive's own paths never touch the filesystem.
      const dest = join(dir, `f${n++}`);
      await pipeline(Readable.from(entry.body()), createWriteStream(dest, { flags: 'wx' }));
      files.set(path, dest);
    } else if (h.type === 'symlink' || h.type === 'link') {
      const target =
        h.type === 'link'
          ? cleanEntryPath(h.linkname)
          : cleanEntryPath(posix.join(posix.dirname(path), h.linkname));
      links.set(path, target);
    }
  }
  for (const [path, target] of links) {
    let t = target;
    for (let i = 0; i < 8 && !files.has(t) && links.has(t); i++) t = links.get(t) ?? t;
    const f = files.get(t);
    if (f !== undefined) files.set(path, f);
  }
  return { dir, files };
}

function need(ex: Extracted, path: string): string {
  const f = ex.files.get(path);
  if (f === undefined) throw new ContentError(`archive: missing ${path}`);
  return f;
}

const blobPathOf = (digest: string): string => `blobs/${digest.replace(':', '/')}`;

function nameFor(refName: string | undefined, options: ImportOptions): string {
  if (refName !== undefined && refName !== '') {
    // A bare tag (OCI ref.name `v1`) belongs to the base name's repository.
    if (!refName.includes('/') && !refName.includes(':') && options.baseName !== undefined) {
      const base = formatReference({
        ...parseDockerRef(options.baseName),
        tag: undefined,
        digest: undefined,
      });
      return formatReference(parseDockerRef(`${base}:${refName}`));
    }
    return formatReference(parseDockerRef(refName));
  }
  if (options.baseName !== undefined) return formatReference(parseDockerRef(options.baseName));
  throw new ContentError('archive names no image; give a name (--name)');
}

async function recordFor(
  store: ImageStore,
  name: string,
  manifestDigest: string,
  manifest: ImageManifest,
  now: number,
  indexDigest?: string,
): Promise<ImageRecord> {
  const config = decodeImageConfig(await store.readBlob(manifest.config.digest));
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ContentError(
      `image config has ${config.rootfs.diff_ids.length} diff IDs for ${manifest.layers.length} layers`,
    );
  }
  return {
    name,
    digest: manifestDigest,
    ...(indexDigest !== undefined ? { indexDigest } : {}),
    mediaType: manifest.mediaType,
    configDigest: manifest.config.digest,
    layers: manifest.layers.map((l, i) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      diffId: config.rootfs.diff_ids[i] ?? '',
    })),
    size: manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0),
    storedAt: new Date(now).toISOString(),
  };
}

async function importOciLayout(
  store: ImageStore,
  ex: Extracted,
  options: ImportOptions,
): Promise<ImageRecord[]> {
  const now = (options.now ?? Date.now)();
  const platform = options.platform ?? DEFAULT_PLATFORM;
  const putBlob = async (d: Descriptor): Promise<Buffer> => {
    await store.putBlobFromFile(need(ex, blobPathOf(d.digest)), d.digest);
    return store.readBlob(d.digest);
  };
  const index = decodeManifest(await readFile(need(ex, 'index.json')), MediaType.ociIndex);
  if (index.kind !== 'index') throw new ContentError('archive: index.json is not an image index');
  const records: ImageRecord[] = [];
  for (const top of index.manifests) {
    const refName =
      top.annotations?.['io.containerd.image.name'] ??
      top.annotations?.['org.opencontainers.image.ref.name'];
    let desc = top;
    let indexDigest: string | undefined;
    let decoded = decodeManifest(await putBlob(desc), desc.mediaType);
    if (decoded.kind === 'index') {
      const pick = selectPlatform(decoded, platform);
      if (pick === undefined) continue; // nothing for this platform
      indexDigest = desc.digest;
      desc = pick;
      decoded = decodeManifest(await putBlob(desc), desc.mediaType);
      if (decoded.kind !== 'manifest')
        throw new ContentError('nested image index is not supported');
    }
    const manifest = decoded;
    for (const b of [manifest.config, ...manifest.layers]) {
      await store
        .putBlobFromFile(need(ex, blobPathOf(b.digest)), b.digest, true)
        .catch(async (err: unknown) => {
          // The same file may serve several manifests: after the first move, it is in the store.
          if (!(await store.hasBlob(b.digest))) throw err;
        });
    }
    const rec = await recordFor(
      store,
      nameFor(refName, options),
      desc.digest,
      manifest,
      now,
      indexDigest,
    );
    await store.putImage(rec);
    records.push(rec);
  }
  return records;
}

async function importDockerSave(
  store: ImageStore,
  ex: Extracted,
  options: ImportOptions,
): Promise<ImageRecord[]> {
  const now = (options.now ?? Date.now)();
  const entries = JSON.parse(await readFile(need(ex, 'manifest.json'), 'utf8')) as unknown;
  if (!Array.isArray(entries)) throw new ContentError('archive: manifest.json is not a list');
  const records: ImageRecord[] = [];
  for (const e of entries as Record<string, unknown>[]) {
    if (typeof e.Config !== 'string' || !Array.isArray(e.Layers)) {
      throw new ContentError('archive: manifest.json entry without Config or Layers');
    }
    const configFile = need(ex, cleanEntryPath(e.Config));
    const configBytes = await readFile(configFile);
    const configDigest = await store.putBlob(configBytes);
    const config = decodeImageConfig(configBytes);
    const layers: Descriptor[] = [];
    for (const [i, l] of (e.Layers as unknown[]).entries()) {
      if (typeof l !== 'string') throw new ContentError('archive: layer path is not a string');
      const f = need(ex, cleanEntryPath(l));
      const head = Buffer.alloc(2);
      const fh = await open(f, 'r');
      let size: number;
      try {
        await fh.read(head, 0, 2, 0);
        size = (await fh.stat()).size;
      } finally {
        await fh.close();
      }
      const gz = head[0] === 0x1f && head[1] === 0x8b;
      const digest = await store.putBlobFromFile(f, undefined, false);
      if (!gz && digest !== config.rootfs.diff_ids[i]) {
        throw new ContentError(
          `archive: layer ${l} has digest ${digest}, config says ${config.rootfs.diff_ids[i] ?? 'nothing'}`,
        );
      }
      layers.push({ mediaType: gz ? MediaType.ociLayerGzip : MediaType.ociLayer, digest, size });
    }
    const manifestObj = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
      layers,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifestObj));
    const manifestDigest = await store.putBlob(manifestBytes);
    const manifest: ImageManifest = {
      kind: 'manifest',
      mediaType: MediaType.ociManifest,
      config: manifestObj.config,
      layers,
    };
    const tags = Array.isArray(e.RepoTags)
      ? (e.RepoTags as unknown[]).filter((t): t is string => typeof t === 'string')
      : [];
    const names =
      tags.length > 0 ? tags.map((t) => nameFor(t, options)) : [nameFor(undefined, options)];
    for (const name of names) {
      const rec = await recordFor(store, name, manifestDigest, manifest, now);
      await store.putImage(rec);
      records.push(rec);
    }
  }
  return records;
}

/**
 * Imports an OCI-layout tar or a `docker save` tarball (detected by `index.json` /
 * `manifest.json`); returns the records written. The staging directory is removed in all cases.
 */
export async function importArchive(
  store: ImageStore,
  file: string,
  options: ImportOptions = {},
): Promise<ImageRecord[]> {
  const dir = await store.tempDir('import');
  try {
    const ex = await extract(file, dir);
    if (ex.files.has('index.json') && ex.files.has('oci-layout'))
      return await importOciLayout(store, ex, options);
    if (ex.files.has('manifest.json')) return await importDockerSave(store, ex, options);
    if (ex.files.has('index.json')) return await importOciLayout(store, ex, options);
    throw new ContentError(
      'not an image archive: no index.json (OCI layout) or manifest.json (docker save)',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
