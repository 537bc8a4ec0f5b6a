/**
 * Size-based log rotation as upstream's audit log gets it from lumberjack
 * (gopkg.in/natefinch/lumberjack.v2, wired by --audit-log-maxsize, --audit-log-maxbackup,
 * --audit-log-maxage, --audit-log-compress): when a write would take the file past its
 * maximum size, the file is renamed to `<name>-<UTC timestamp>.<ext>`
 * (`audit-2026-11-27T05-01-02.345.log`) and a new one is started; then old backups beyond
 * the count or the age are removed, and the remaining ones gzipped when asked.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Lumberjack's size when MaxSize is 0: upstream's default audit log rotates at 100 MiB. */
export const DEFAULT_MAX_SIZE_MB = 100;
const MEGABYTE = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Rotation settings (upstream AuditLogOptions; 0 means lumberjack's default or no limit). */
export interface RotationOptions {
  /** Megabytes before rotation (--audit-log-maxsize); 0 is 100 MB, as lumberjack. */
  maxSizeMB?: number;
  /** Backups kept (--audit-log-maxbackup); 0 keeps all (subject to maxAgeDays). */
  maxBackups?: number;
  /** Days a backup is kept, by its name's timestamp (--audit-log-maxage); 0 keeps all. */
  maxAgeDays?: number;
  /** Gzip backups (--audit-log-compress), as `<backup>.gz`. */
  compress?: boolean;
  /**
   * The maximum size in bytes, overriding maxSizeMB (tests rotate tiny files with it).
   */
  maxSizeBytes?: number;
  /** The clock of backup names and ages (default `new Date()`). */
  now?: () => Date;
}

/**
 * Upstream's validation of the flags (AuditLogOptions.Validate): the messages of negative
 * values, in flag order; empty when valid.
 */
export function validateRotationOptions(o: {
  maxAgeDays?: number | undefined;
  maxBackups?: number | undefined;
  maxSizeMB?: number | undefined;
}): string[] {
  const errs: string[] = [];
  if ((o.maxAgeDays ?? 0) < 0) {
    errs.push(`--audit-log-maxage ${String(o.maxAgeDays)} can't be a negative number`);
  }
  if ((o.maxBackups ?? 0) < 0) {
    errs.push(`--audit-log-maxbackup ${String(o.maxBackups)} can't be a negative number`);
  }
  if ((o.maxSizeMB ?? 0) < 0) {
    errs.push(`--audit-log-maxsize ${String(o.maxSizeMB)} can't be a negative number`);
  }
  return errs;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Lumberjack's backup time format `2006-01-02T15-04-05.000`, in UTC. */
export function formatBackupTime(d: Date): string {
  return (
    `${String(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}` +
    `.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** The backup file of `path` rotated at `d`: `<dir>/<name>-<time><ext>` (lumberjack backupName). */
export function backupName(path: string, d: Date): string {
  const ext = extname(path);
  const prefix = basename(path, ext);
  return join(dirname(path), `${prefix}-${formatBackupTime(d)}${ext}`);
}

const BACKUP_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;

/**
 * The rotation time of a backup's file name (`audit-<time>.log` or `.log.gz`) of log `path`;
 * undefined for any other file (lumberjack timeFromName).
 */
export function backupTime(path: string, fileName: string): Date | undefined {
  const ext = extname(path);
  const prefix = `${basename(path, ext)}-`;
  if (!fileName.startsWith(prefix)) return undefined;
  let rest = fileName.slice(prefix.length);
  if (rest.endsWith(`${ext}.gz`)) rest = rest.slice(0, -`${ext}.gz`.length);
  else if (rest.endsWith(ext)) rest = rest.slice(0, rest.length - ext.length);
  else return undefined;
  const m = BACKUP_TIME.exec(rest);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number);
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0, ms ?? 0));
}

/**
 * The backups to remove and to compress (lumberjack millRunOnce), given the directory's file
 * names: newest first, those past `maxBackups` (a backup and its `.gz` count once) and those
 * older than `maxAgeDays` are removed; remaining uncompressed ones are compressed when asked.
 * Pure: returns file names, does no I/O.
 */
export function planMill(
  path: string,
  fileNames: readonly string[],
  opts: Pick<RotationOptions, 'maxBackups' | 'maxAgeDays' | 'compress'>,
  now: Date,
): { remove: string[]; compress: string[] } {
  const backups = fileNames
    .map((name) => ({ name, time: backupTime(path, name) }))
    .filter((b): b is { name: string; time: Date } => b.time !== undefined)
    .sort((a, b) => b.time.getTime() - a.time.getTime() || (a.name < b.name ? 1 : -1));
  const remove: string[] = [];
  let remaining = backups;
  const maxBackups = opts.maxBackups ?? 0;
  if (maxBackups > 0) {
    const kept: typeof backups = [];
    const seen = new Set<string>();
    for (const b of remaining) {
      const base = b.name.endsWith('.gz') ? b.name.slice(0, -3) : b.name;
      if (!seen.has(base)) seen.add(base);
      if (seen.size > maxBackups) remove.push(b.name);
      else kept.push(b);
    }
    remaining = kept;
  }
  const maxAgeDays = opts.maxAgeDays ?? 0;
  if (maxAgeDays > 0) {
    const cutoff = now.getTime() - maxAgeDays * DAY_MS;
    const kept: typeof backups = [];
    for (const b of remaining) {
      if (b.time.getTime() < cutoff) remove.push(b.name);
      else kept.push(b);
    }
    remaining = kept;
  }
  const compress =
    opts.compress === true
      ? remaining.filter((b) => !b.name.endsWith('.gz')).map((b) => b.name)
      : [];
  return { remove, compress };
}

/** A write larger than the whole file may be (lumberjack's error, kept verbatim). */
export class WriteTooLargeError extends Error {
  override readonly name = 'WriteTooLargeError';
  constructor(length: number, max: number) {
    super(`write length ${String(length)} exceeds maximum file size ${String(max)}`);
  }
}

/** What {@link RotatingFile.writeRecords} did. */
export interface WriteRecordsResult {
  /** Records appended. */
  written: number;
  /** Records refused for being larger than the maximum file size. */
  tooLarge: number;
  /** The last error (a refused record's, or the I/O error that stopped the write). */
  error?: Error;
}

/**
 * An append-only file that rotates by size. Not safe for concurrent use: one writer calls
 * `write` at a time (the audit backend's single drain loop). Every `write` lands whole in one
 * file, so a caller writing whole lines never sees a line split across files.
 */
export class RotatingFile {
  private readonly path: string;
  private readonly max: number;
  private readonly opts: RotationOptions;
  private readonly now: () => Date;
  private file: FileHandle | undefined;
  private size = 0;
  private lastBackup = '';

  constructor(path: string, opts: RotationOptions = {}) {
    this.path = path;
    this.opts = opts;
    this.max =
      opts.maxSizeBytes ??
      (opts.maxSizeMB === undefined || opts.maxSizeMB === 0
        ? DEFAULT_MAX_SIZE_MB
        : opts.maxSizeMB) * MEGABYTE;
    this.now = opts.now ?? ((): Date => new Date());
  }

  /** The maximum size in bytes. */
  get maxSize(): number {
    return this.max;
  }

  /**
   * Appends `text` (whole, to one file), rotating first when it would not fit. Throws
   * WriteTooLargeError when `text` alone is larger than the maximum, and I/O errors (after
   * which the file is reopened by the next write).
   */
  async write(text: string): Promise<void> {
    const r = await this.writeRecords([text]);
    if (r.error !== undefined) throw r.error;
  }

  /**
   * Appends records (audit event lines) in order, each whole to one file: as many as fit go
   * out in one append, then the file rotates. A record larger than the maximum size is
   * refused (counted in `tooLarge`, with its WriteTooLargeError as `error`) and the rest
   * continue; an I/O error stops the write, leaving the records from `written + tooLarge` on
   * unwritten (the file is reopened by the next call). Never rejects.
   */
  async writeRecords(records: readonly string[]): Promise<WriteRecordsResult> {
    let written = 0;
    let tooLarge = 0;
    let error: Error | undefined;
    let i = 0;
    try {
      while (i < records.length) {
        const first = records[i] ?? '';
        const firstLength = Buffer.byteLength(first, 'utf8');
        if (firstLength > this.max) {
          error = new WriteTooLargeError(firstLength, this.max);
          tooLarge++;
          i++;
          continue;
        }
        if (this.file === undefined) await this.openExistingOrNew(firstLength);
        else if (this.size + firstLength > this.max) await this.rotate();
        let chunk = first;
        let bytes = firstLength;
        let n = 1;
        while (i + n < records.length) {
          const next = records[i + n] ?? '';
          const len = Buffer.byteLength(next, 'utf8');
          if (this.size + bytes + len > this.max) break;
          chunk += next;
          bytes += len;
          n++;
        }
        const file = this.file;
        if (file === undefined) throw new Error('audit log file is not open');
        await file.appendFile(chunk, 'utf8');
        this.size += bytes;
        written += n;
        i += n;
      }
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
      await this.close();
    }
    return { written, tooLarge, ...(error === undefined ? {} : { error }) };
  }

  /** Closes the current file (the next write reopens it). Never rejects. */
  async close(): Promise<void> {
    const f = this.file;
    this.file = undefined;
    if (f === undefined) return;
    try {
      await f.close();
    } catch {
      // Nothing more to do with a handle that will not close.
    }
  }

  private async openExistingOrNew(length: number): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    let existing = -1;
    try {
      existing = (await stat(this.path)).size;
    } catch {
      // No file yet.
    }
    // Lumberjack rotates an existing file that a write would fill up exactly, too.
    if (existing >= 0 && existing + length >= this.max) {
      await this.rotate();
      return;
    }
    this.file = await open(this.path, 'a', 0o600);
    this.size = Math.max(existing, 0);
  }

  /** Renames the current file to its backup name, starts a new one, then mills backups. */
  private async rotate(): Promise<void> {
    await this.close();
    const now = this.now();
    let backup = backupName(this.path, now);
    // Two rotations within one millisecond would overwrite a backup and lose its events.
    for (let ms = now.getTime() + 1; backup <= this.lastBackup || (await exists(backup)); ms++) {
      backup = backupName(this.path, new Date(ms));
    }
    try {
      await rename(this.path, backup);
      this.lastBackup = backup;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.file = await open(this.path, 'a', 0o600);
    this.size = 0;
    try {
      await this.mill(now);
    } catch {
      // As lumberjack's background mill: failing to prune or compress backups loses no event.
    }
  }

  private async mill(now: Date): Promise<void> {
    const { maxBackups = 0, maxAgeDays = 0, compress = false } = this.opts;
    if (maxBackups === 0 && maxAgeDays === 0 && !compress) return;
    const dir = dirname(this.path);
    const plan = planMill(this.path, await readdir(dir), this.opts, now);
    for (const name of plan.remove) {
      await unlink(join(dir, name)).catch(() => undefined);
    }
    for (const name of plan.compress) {
      const from = join(dir, name);
      await pipeline(
        createReadStream(from),
        // Lazily: node:zlib is loaded only when a backup is compressed, not at every start.
        process.getBuiltinModule('node:zlib').createGzip(),
        createWriteStream(`${from}.gz`, { mode: 0o600 }),
      );
      await unlink(from);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
