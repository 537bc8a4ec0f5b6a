/**
 * Upstream's AtomicWriter (pkg/volume/util/atomic_writer.go): projects a payload into a
 * volume directory so that readers never see a partial update.
 *
 * The real files live in a hidden timestamped directory `..2006_01_02_15_04_05.NNNN`; the
 * `..data` symlink points at it, and every user-visible top-level name is a symlink
 * `name -> ..data/name`. An update writes a new timestamped directory, points a new symlink
 * `..data_tmp` at it and renames that over `..data` (rename(2) is atomic), then removes
 * user-visible names that left the payload and the previous timestamped directory. Names
 * starting with `..` are reserved. Nothing is written when the content is unchanged.
 *
 * Not safe for concurrent writes to one directory: the caller serialises them (the kubelet
 * sets volumes up from one pod worker).
 */
import { randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { posix } from 'node:path';
import { cleanPath } from './layout.ts';
import type { FileProjection, Payload } from './payload.ts';

const MAX_FILE_NAME_LENGTH = 255;
const MAX_PATH_LENGTH = 4096;
/** The symlink to the current timestamped directory. */
export const DATA_DIR_NAME = '..data';
/** The symlink renamed over {@link DATA_DIR_NAME}. */
export const NEW_DATA_DIR_NAME = '..data_tmp';

/**
 * Checks one payload path (validatePath): not empty, relative, at most 4096 characters, no
 * `..` element, no element over 255 characters, and not starting with `..` (reserved).
 * Throws upstream's `invalid path: ...` messages.
 */
export function validatePath(targetPath: string): void {
  if (targetPath === '') throw new Error('invalid path: must not be empty: ""');
  if (targetPath.startsWith('/'))
    throw new Error(`invalid path: must be relative path: ${targetPath}`);
  if (targetPath.length > MAX_PATH_LENGTH)
    throw new Error(`invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`);
  const items = targetPath.split('/');
  for (const item of items) {
    if (item === '..') throw new Error(`invalid path: must not contain '..': ${targetPath}`);
    if (item.length > MAX_FILE_NAME_LENGTH)
      throw new Error(
        `invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`,
      );
  }
  const first = items[0] ?? '';
  if (first.startsWith('..') && first.length > 2)
    throw new Error(`invalid path: must not start with '..': ${targetPath}`);
}

/** Validates every path and returns a copy keyed by cleaned paths (validatePayload). */
export function validatePayload(payload: ReadonlyMap<string, FileProjection>): Payload {
  const clean: Payload = new Map();
  for (const [k, v] of payload) {
    validatePath(k);
    clean.set(cleanPath(k), v);
  }
  return clean;
}

/**
 * The paths of the previous version that the new payload no longer has (pathsToRemove):
 * `existing` are all relative paths under the old timestamped directory (files and
 * directories); every payload path and all its parent directories are kept. Pure.
 */
export function pathsToRemove(
  existing: Iterable<string>,
  payload: ReadonlyMap<string, FileProjection>,
): Set<string> {
  const keep = new Set<string>();
  for (const file of payload.keys()) {
    for (let sub = file; sub !== '' && sub !== '.'; sub = posix.dirname(sub)) keep.add(sub);
  }
  const out = new Set<string>();
  for (const p of existing) if (!keep.has(p)) out.add(p);
  return out;
}

/** Go's time.Format("..2006_01_02_15_04_05.") in UTC. */
export function timestampDirPrefix(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

function isNotExist(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** What a {@link AtomicWriter.write} did. */
export interface WriteResult {
  /** A new timestamped directory was written and `..data` swapped. */
  wrote: boolean;
  /** The timestamped directory `..data` points at afterwards (name only). */
  dataDir: string;
  /** User-visible paths removed. */
  removed: string[];
}

/**
 * Writes payloads into one existing target directory (see the module comment). Create with
 * {@link AtomicWriter.create}, which fails when the directory does not exist.
 */
export class AtomicWriter {
  private constructor(
    readonly targetDir: string,
    private readonly now: () => Date,
  ) {}

  /** A writer for `targetDir`, which must exist (NewAtomicWriter). */
  static async create(
    targetDir: string,
    now: () => Date = () => new Date(),
  ): Promise<AtomicWriter> {
    await stat(targetDir);
    return new AtomicWriter(targetDir, now);
  }

  /**
   * Projects `payload` (Write): (1) validates it, (2) reads `..data`, (3) lists paths of the
   * old version to remove, (4) compares contents, and when anything changed (5) creates a new
   * timestamped directory (0755), (6) writes the files with their exact modes (and owners),
   * (7) runs `setPerms` on it (fsGroup ownership), (8) points `..data_tmp` at it and (9)
   * renames it over `..data`; then (10) creates missing user-visible symlinks, (11) removes
   * top-level user-visible names that left the payload and (12) the old timestamped
   * directory. Invalid payloads throw before anything is touched.
   */
  async write(
    payload: ReadonlyMap<string, FileProjection>,
    setPerms?: (tsDirName: string) => Promise<void>,
  ): Promise<WriteResult> {
    // (1)
    const clean = validatePayload(payload);
    // (2)
    const dataDirPath = posix.join(this.targetDir, DATA_DIR_NAME);
    let oldTsDir = '';
    try {
      oldTsDir = await readlink(dataDirPath);
    } catch (err) {
      if (!isNotExist(err)) throw err;
    }
    const oldTsPath = posix.join(this.targetDir, oldTsDir);

    let toRemove = new Set<string>();
    let shouldWrite = true;
    let dataDir = oldTsDir;
    if (oldTsDir !== '') {
      // (3)
      toRemove = pathsToRemove(await walkRelative(oldTsPath), clean);
      // (4)
      const should = await shouldWritePayload(clean, oldTsPath);
      if (!should && toRemove.size === 0) {
        // Up to date, but the user-visible links may still be missing (upstream #121472);
        // keep the data directory.
        shouldWrite = false;
        oldTsDir = '';
      }
    }

    if (shouldWrite) {
      // (5)
      const tsDir = await this.newTimestampDir();
      const tsDirName = posix.basename(tsDir);
      try {
        // (6)
        await writePayloadToDir(clean, tsDir);
        // (7)
        if (setPerms !== undefined) await setPerms(tsDirName);
      } catch (err) {
        await rm(tsDir, { recursive: true, force: true });
        throw err;
      }
      // (8)
      const newDataDirPath = posix.join(this.targetDir, NEW_DATA_DIR_NAME);
      await rm(newDataDirPath, { force: true });
      try {
        await symlink(tsDirName, newDataDirPath);
      } catch (err) {
        await rm(tsDir, { recursive: true, force: true });
        throw err;
      }
      // (9)
      try {
        await rename(newDataDirPath, dataDirPath);
      } catch (err) {
        await rm(newDataDirPath, { force: true });
        await rm(tsDir, { recursive: true, force: true });
        throw err;
      }
      dataDir = tsDirName;
    }

    // (10)
    await this.createUserVisibleFiles(clean);
    // (11)
    const removed = await this.removeUserVisiblePaths(toRemove);
    // (12)
    if (oldTsDir !== '') await rm(oldTsPath, { recursive: true, force: true });
    return { wrote: shouldWrite, dataDir, removed };
  }

  private async newTimestampDir(): Promise<string> {
    // ioutil.TempDir appends a random number to the prefix; so do we.
    const prefix = timestampDirPrefix(this.now());
    for (;;) {
      const dir = posix.join(this.targetDir, prefix + String(randomBytes(4).readUInt32BE(0)));
      try {
        await mkdir(dir, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      // 0755 so group and others can traverse, whatever the umask.
      await chmod(dir, 0o755);
      return dir;
    }
  }

  private async createUserVisibleFiles(payload: Payload): Promise<void> {
    for (const p of payload.keys()) {
      const slash = p.indexOf('/');
      const linkname = slash === -1 ? p : p.slice(0, slash);
      const visible = posix.join(this.targetDir, linkname);
      try {
        await readlink(visible);
      } catch (err) {
        if (!isNotExist(err)) continue;
        await symlink(posix.join(DATA_DIR_NAME, linkname), visible);
      }
    }
  }

  private async removeUserVisiblePaths(paths: Set<string>): Promise<string[]> {
    let lastErr: Error | undefined;
    const removed: string[] = [];
    for (const p of paths) {
      // Only top-level names are symlinks in the target dir; deeper paths went with ..data.
      if (p.includes('/')) continue;
      try {
        await unlink(posix.join(this.targetDir, p));
        removed.push(p);
      } catch (err) {
        lastErr = err as Error;
      }
    }
    if (lastErr !== undefined) throw lastErr;
    return removed;
  }
}

/** All paths under `dir`, relative, without following symlinks (filepath.Walk). */
async function walkRelative(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(posix.join(dir, rel));
    } catch (err) {
      if (isNotExist(err) && rel === '') return;
      throw err;
    }
    for (const name of entries) {
      const r = rel === '' ? name : `${rel}/${name}`;
      out.push(r);
      const st = await lstat(posix.join(dir, r));
      if (st.isDirectory()) await visit(r);
    }
  };
  await visit('');
  return out;
}

async function shouldWritePayload(payload: Payload, oldTsDir: string): Promise<boolean> {
  for (const [p, f] of payload) {
    const full = posix.join(oldTsDir, p);
    try {
      await lstat(full);
    } catch (err) {
      if (isNotExist(err)) return true;
      throw err;
    }
    if (!bytesEqual(f.data, await readFile(full))) return true;
  }
  return false;
}

async function writePayloadToDir(payload: Payload, dir: string): Promise<void> {
  for (const [p, f] of payload) {
    const full = posix.join(dir, p);
    await mkdir(posix.dirname(full), { recursive: true, mode: 0o777 });
    await writeFile(full, f.data, { mode: f.mode });
    // writeFile's mode is filtered by the umask; the projected mode must be exact.
    await chmod(full, f.mode);
    if (f.fsUser !== undefined) await chown(full, f.fsUser, -1);
  }
}
