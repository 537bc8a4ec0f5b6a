/**
 * The node's content-addressed image store under one root directory:
 *
 *   <root>/blobs/sha256/<hex>          manifests, configs and layer blobs, verified
 *   <root>/ingest/<hex>.partial        a blob being downloaded (kept for resume)
 *   <root>/images/<name>.json          one record per image name (URI-encoded file name)
 *   <root>/layers/sha256/<diffhex>/    one unpacked layer in overlayfs form, by diff ID
 *   <root>/tmp/                        staging for atomic writes and unpacks
 *
 * Every file is written to `tmp/` or `ingest/` and renamed into place, so readers never see a
 * torn blob, record or layer; a blob is renamed only after its digest matched. Records are
 * small JSON files; the store keeps no in-memory state, so several processes (the kubelet and
 * `skiff image`) may share it; two writers of one record last-write-win.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { ContentError, decodeImageConfig, layerCompression, sha256Digest } from './manifest.ts';
import type { ImageConfig } from './manifest.ts';
import { formatReference, parseDockerRef } from './reference.ts';
import { readTar } from './tar.ts';
import { applyLayer } from './unpack.ts';
import type { LayerHost } from './unpack.ts';

/** One layer of a stored image. */
export interface StoredLayer {
  /** The blob digest (compressed as pulled). */
  digest: string;
  mediaType: string;
  size: number;
  /** The digest of the uncompressed tar (config `rootfs.diff_ids`). */
  diffId: string;
}

/** The record of one image name. */
export interface ImageRecord {
  /** Normalised reference: `docker.io/library/busybox:latest` or `repo@sha256:...`. */
  name: string;
  /** The manifest digest (the repo digest; for an index pull, the platform manifest's). */
  digest: string;
  /** The digest of the index the name pointed at, when it was an index. */
  indexDigest?: string;
  mediaType: string;
  /** The config digest: the image ID the kubelet reports (`imageID`). */
  configDigest: string;
  layers: StoredLayer[];
  /** Bytes of the blobs (config + layers) as stored. */
  size: number;
  /** When this name was stored (RFC 3339). */
  storedAt: string;
  /** When a container last used this image (RFC 3339), for GC. */
  lastUsed?: string;
}

/** A blob being written with resume: bytes so far are hashed already. */
export interface BlobIngest {
  readonly digest: string;
  /** Bytes already present (the Range offset to ask for). */
  readonly offset: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Throws away the partial bytes (the server ignored Range and sends everything). */
  reset(): Promise<void>;
  /** Verifies size and digest, then moves the blob into place. Closes the ingest. */
  commit(expectedSize?: number): Promise<void>;
  /** Closes the ingest keeping the partial file for a later resume. */
  close(): Promise<void>;
}

const hexOf = (digest: string): string => {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new ContentError(`unsupported digest ${digest}`);
  return digest.slice('sha256:'.length);
};

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The store (see the module comment). Methods are safe to call concurrently. */
export class ImageStore {
  constructor(readonly root: string) {}

  private dir(...p: string[]): string {
    return join(this.root, ...p);
  }

  private async tmpPath(prefix: string): Promise<string> {
    await mkdir(this.dir('tmp'), { recursive: true, mode: 0o700 });
    return this.dir('tmp', `${prefix}-${randomBytes(6).toString('hex')}`);
  }

  /** Writes a small file atomically (temp file, fsync, rename). */
  private async atomicWrite(dest: string, data: Uint8Array | string): Promise<void> {
    const tmp = await this.tmpPath('w');
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dest);
  }

  /** The path of a blob (which may not exist). */
  blobPath(digest: string): string {
    return this.dir('blobs', 'sha256', hexOf(digest));
  }

  /** Whether a verified blob is present. */
  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** A blob's bytes; throws ENOENT when absent. */
  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  /** Stores bytes as a blob after checking `expectedDigest` (when given); returns the digest. */
  async putBlob(bytes: Uint8Array, expectedDigest?: string): Promise<string> {
    const digest = sha256Digest(bytes);
    if (expectedDigest !== undefined && digest !== expectedDigest) {
      throw new ContentError(`digest mismatch: expected ${expectedDigest}, got ${digest}`);
    }
    if (await this.hasBlob(digest)) return digest;
    await mkdir(this.dir('blobs', 'sha256'), { recursive: true });
    await this.atomicWrite(this.blobPath(digest), bytes);
    return digest;
  }

  /**
   * Opens the ingest of a blob for a download: the partial file of an earlier attempt is
   * re-hashed so the download continues where it stopped.
   */
  async openIngest(digest: string): Promise<BlobIngest> {
    const hex = hexOf(digest);
    await mkdir(this.dir('ingest'), { recursive: true, mode: 0o700 });
    await mkdir(this.dir('blobs', 'sha256'), { recursive: true });
    const path = this.dir('ingest', `${hex}.partial`);
    let hash: Hash = createHash('sha256');
    let offset = 0;
    if (await exists(path)) {
      for await (const chunk of createReadStream(path)) {
        hash.update(chunk as Buffer);
        offset += (chunk as Buffer).length;
      }
    }
    let fh: FileHandle | undefined = await open(path, 'a');
    const blobPath = this.blobPath(digest);
    const closeFh = async (): Promise<void> => {
      const f = fh;
      fh = undefined;
      if (f) await f.close();
    };
    return {
      digest,
      get offset() {
        return offset;
      },
      async write(chunk) {
        if (!fh) throw new Error('ingest closed');
        hash.update(chunk);
        offset += chunk.byteLength;
        await fh.write(chunk);
      },
      async reset() {
        if (!fh) throw new Error('ingest closed');
        await fh.truncate(0);
        await closeFh();
        fh = await open(path, 'a');
        hash = createHash('sha256');
        offset = 0;
      },
      async commit(expectedSize) {
        if (!fh) throw new Error('ingest closed');
        await fh.sync();
        await closeFh();
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== digest || (expectedSize !== undefined && offset !== expectedSize)) {
          await rm(path, { force: true });
          throw new ContentError(
            actual !== digest
              ? `blob digest mismatch: expected ${digest}, got ${actual}`
              : `blob ${digest}: size mismatch: expected ${expectedSize}, got ${offset}`,
          );
        }
        await rename(path, blobPath);
      },
      async close() {
        await closeFh();
      },
    };
  }

  /**
   * Stores a blob from a local file, verifying the digest on the way; returns the digest.
   * With `move`, the file (which must be on the store's filesystem, e.g. under `tempDir()`) is
   * renamed into place instead of copied.
   */
  async putBlobFromFile(file: string, expectedDigest?: string, move = false): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const digest = `sha256:${hash.digest('hex')}`;
    if (expectedDigest !== undefined && digest !== expectedDigest) {
      throw new ContentError(`digest mismatch: expected ${expectedDigest}, got ${digest}`);
    }
    if (await this.hasBlob(digest)) return digest;
    await mkdir(this.dir('blobs', 'sha256'), { recursive: true });
    if (move) {
      await rename(file, this.blobPath(digest));
      return digest;
    }
    const tmp = await this.tmpPath('b');
    await copyFile(file, tmp);
    await rename(tmp, this.blobPath(digest));
    return digest;
  }

  /** A new empty directory under `<root>/tmp` (removed by `prune`), for staging imports. */
  async tempDir(prefix: string): Promise<string> {
    const p = await this.tmpPath(prefix);
    await mkdir(p, { mode: 0o700 });
    return p;
  }

  // -------------------------------------------------------------------------------------------
  // Image records

  private recordPath(name: string): string {
    return this.dir('images', `${encodeURIComponent(name)}.json`);
  }

  /** Writes (replaces) the record of `record.name`. */
  async putImage(record: ImageRecord): Promise<void> {
    await mkdir(this.dir('images'), { recursive: true });
    await this.atomicWrite(this.recordPath(record.name), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** The record of an exact normalised name, or undefined. */
  async getImage(name: string): Promise<ImageRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.recordPath(name), 'utf8')) as ImageRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Every record, sorted by name. */
  async listImages(): Promise<ImageRecord[]> {
    let files: string[];
    try {
      files = await readdir(this.dir('images'));
    } catch {
      return [];
    }
    const out: ImageRecord[] = [];
    for (const f of files.filter((x) => x.endsWith('.json')).sort()) {
      try {
        out.push(JSON.parse(await readFile(this.dir('images', f), 'utf8')) as ImageRecord);
      } catch {
        // a record removed meanwhile
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The records a user's reference means: a name (normalised as docker does, `busybox` →
   * `docker.io/library/busybox:latest`), an image ID (`sha256:<config>` or a unique hex
   * prefix of at least 4 characters), or a repo digest (`name@sha256:...`).
   */
  async findImages(ref: string): Promise<ImageRecord[]> {
    const all = await this.listImages();
    const id = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (/^[a-f0-9]{4,64}$/.test(id)) {
      const byId = all.filter((r) => r.configDigest.slice(7).startsWith(id));
      if (byId.length > 0) return byId;
    }
    let name: string;
    try {
      name = formatReference(parseDockerRef(ref));
    } catch {
      return [];
    }
    const exact = all.filter((r) => r.name === name);
    if (exact.length > 0) return exact;
    // `repo@digest` also matches a tag record of that repository with that manifest digest.
    const at = name.indexOf('@');
    if (at > 0) {
      const repo = name.slice(0, at);
      const digest = name.slice(at + 1);
      return all.filter(
        (r) =>
          (r.digest === digest || r.indexDigest === digest) &&
          (r.name.startsWith(`${repo}:`) || r.name.startsWith(`${repo}@`)),
      );
    }
    return [];
  }

  /** Removes a name's record; true when it existed. Blobs stay until `prune`. */
  async removeImage(name: string): Promise<boolean> {
    try {
      await rm(this.recordPath(name));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Records that a container used an image now (for LRU garbage collection). */
  async touchImage(name: string, now: Date): Promise<void> {
    const rec = await this.getImage(name);
    if (rec) await this.putImage({ ...rec, lastUsed: now.toISOString() });
  }

  /** The decoded config of a stored image. */
  async imageConfig(record: ImageRecord): Promise<ImageConfig> {
    return decodeImageConfig(await this.readBlob(record.configDigest));
  }

  // -------------------------------------------------------------------------------------------
  // Layers

  /** The unpacked directory of a layer by diff ID (which may not exist yet). */
  layerDir(diffId: string): string {
    return this.dir('layers', 'sha256', hexOf(diffId));
  }

  /**
   * Unpacks a stored layer blob into its layer directory unless already there: decompress,
   * hash the tar stream, apply whiteouts in overlay form, verify the diff ID, rename into
   * place. Returns the directory. Concurrent unpacks of one layer are safe (the loser's copy
   * is discarded).
   */
  async unpackLayer(layer: StoredLayer, host: LayerHost): Promise<string> {
    const dest = this.layerDir(layer.diffId);
    if (await exists(dest)) return dest;
    const compression = layerCompression(layer.mediaType);
    if (compression === undefined || compression === 'zstd') {
      throw new ContentError(`unsupported layer media type ${layer.mediaType}`);
    }
    await mkdir(this.dir('layers', 'sha256'), { recursive: true });
    const tmp = await this.tmpPath('layer');
    await mkdir(tmp, { mode: 0o755 });
    const hash = createHash('sha256');
    const file = createReadStream(this.blobPath(layer.digest));
    const tarStream = compression === 'gzip' ? file.pipe(createGunzip()) : file;
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const chunk of tarStream) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    }
    try {
      const source = hashed();
      await applyLayer(readTar(source), tmp, host);
      // Drain what follows the end-of-archive marker: the diff ID covers the whole stream.
      for await (const _ of source) {
        // hashed as it passes
      }
      const diffId = `sha256:${hash.digest('hex')}`;
      if (diffId !== layer.diffId) {
        throw new ContentError(
          `layer ${layer.digest}: diff ID mismatch: expected ${layer.diffId}, got ${diffId}`,
        );
      }
      try {
        await rename(tmp, dest);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        await rm(tmp, { recursive: true, force: true });
      }
      return dest;
    } catch (err) {
      file.destroy();
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Unpacks every layer of an image; returns the layer directories bottom-first. */
  async unpackImage(record: ImageRecord, host: LayerHost): Promise<string[]> {
    const dirs: string[] = [];
    for (const layer of record.layers) dirs.push(await this.unpackLayer(layer, host));
    return dirs;
  }

  /** Bytes used by one path (recursive, without following symlinks). */
  private async du(p: string): Promise<number> {
    let total = 0;
    const st = await stat(p).catch(() => undefined);
    if (!st) return 0;
    if (!st.isDirectory()) return st.size;
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const full = join(d, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile()) total += (await stat(full)).size;
      }
    };
    await walk(p);
    return total;
  }

  /**
   * Deletes blobs and layer directories no record references, and stale temp files; returns
   * the bytes freed. Partial ingests are kept for resume unless `ingest` is true.
   */
  async prune(options: { ingest?: boolean } = {}): Promise<number> {
    const records = await this.listImages();
    const blobs = new Set<string>();
    const layers = new Set<string>();
    for (const r of records) {
      blobs.add(hexOf(r.digest));
      if (r.indexDigest !== undefined) blobs.add(hexOf(r.indexDigest));
      blobs.add(hexOf(r.configDigest));
      for (const l of r.layers) {
        blobs.add(hexOf(l.digest));
        layers.add(hexOf(l.diffId));
      }
    }
    let freed = 0;
    const sweep = async (dir: string, keep: Set<string>): Promise<void> => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return;
      }
      for (const n of names) {
        if (keep.has(n)) continue;
        const p = join(dir, n);
        freed += await this.du(p);
        await rm(p, { recursive: true, force: true });
      }
    };
    await sweep(this.dir('blobs', 'sha256'), blobs);
    await sweep(this.dir('layers', 'sha256'), layers);
    await sweep(this.dir('tmp'), new Set());
    if (options.ingest === true) await sweep(this.dir('ingest'), new Set());
    return freed;
  }
}
