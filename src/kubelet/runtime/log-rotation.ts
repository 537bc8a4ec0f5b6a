/**
 * Container log rotation by size, as upstream's container log manager
 * (pkg/kubelet/logs/container_log_manager.go: containerLogMaxSize 10Mi, containerLogMaxFiles 5),
 * done in the log writer itself instead of a 10 s poll plus ReopenContainerLog: when a record
 * takes the current file (`0.log`) to the maximum size, the file is renamed to
 * `0.log.<YYYYMMDD-hhmmss>` (UTC) and a new `0.log` is opened, so records are never split and
 * nothing is written to a renamed file after the switch. Then, in the background, older rotated
 * files are compressed (`.gz`, written through `.tmp`) and the oldest removed so that at most
 * `maxFiles` files exist: the current one, the newest rotated one (left uncompressed, as
 * upstream, so a reader that followed it can finish) and `maxFiles − 2` compressed ones.
 * `kubectl logs` reads the current file; lifecycle's readLogFile follows it across rotations.
 */
import {
  createReadStream,
  createWriteStream,
  existsSync,
  fstatSync,
  openSync,
  renameSync,
} from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** containerLogMaxSize default (10Mi). */
export const DEFAULT_CONTAINER_LOG_MAX_SIZE = 10 * 1024 * 1024;
/** containerLogMaxFiles default. */
export const DEFAULT_CONTAINER_LOG_MAX_FILES = 5;

/** When and how many log files to keep. */
export interface LogRotationPolicy {
  /** Bytes at which the current file is rotated; 0 or less disables rotation. */
  readonly maxSize: number;
  /** Files kept at most, the current one included (upstream requires ≥ 2). */
  readonly maxFiles: number;
}

/** The kubelet's defaults. */
export const DEFAULT_LOG_ROTATION_POLICY: LogRotationPolicy = Object.freeze({
  maxSize: DEFAULT_CONTAINER_LOG_MAX_SIZE,
  maxFiles: DEFAULT_CONTAINER_LOG_MAX_FILES,
});

const COMPRESS_SUFFIX = '.gz';
const TMP_SUFFIX = '.tmp';

/** `<log>.<YYYYMMDD-hhmmss>` in UTC (upstream's timestampFormat "20060102-150405"). */
export function rotatedLogName(log: string, nowMs: number): string {
  const d = new Date(nowMs);
  const p = (n: number) => String(n).padStart(2, '0');
  const ts = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `${log}.${ts}`;
}

/**
 * What to do with the rotated files of `log` (base names in its directory, the newest rotated one
 * excluded by the caller): upstream's cleanupUnusedLogs (drop `.tmp` leftovers and uncompressed
 * files whose `.gz` exists), removeExcessLogs (keep the newest `maxFiles − 2`, oldest removed
 * first) and compression of what is left uncompressed. Pure.
 */
export function planLogRotation(
  log: string,
  siblings: readonly string[],
  policy: LogRotationPolicy,
): { remove: string[]; compress: string[] } {
  const base = basename(log);
  const rotated = siblings.filter((n) => n.startsWith(`${base}.`)).sort();
  const remove: string[] = [];
  const names = new Set(rotated);
  let live: string[] = [];
  for (const n of rotated) {
    if (n.endsWith(TMP_SUFFIX)) remove.push(n);
    else if (!n.endsWith(COMPRESS_SUFFIX) && names.has(`${n}${COMPRESS_SUFFIX}`)) remove.push(n);
    else live.push(n);
  }
  const keep = Math.max(0, policy.maxFiles - 2);
  const excess = Math.max(0, live.length - keep);
  remove.push(...live.slice(0, excess));
  live = live.slice(excess);
  return { remove, compress: live.filter((n) => !n.endsWith(COMPRESS_SUFFIX)) };
}

/** Options of {@link RotatingLogWriter}. */
export interface RotatingLogWriterOptions {
  readonly policy?: LogRotationPolicy;
  /** Clock for rotated names (default Date.now). */
  readonly now?: () => number;
  /** Errors of writing, rotating or compressing; a log must never crash the kubelet. */
  readonly onError?: (err: unknown) => void;
}

/**
 * Appends CRI records to a container log file and rotates it by size (see the module comment).
 * `write` never throws and never splits a record across files; {@link close} resolves once the
 * current file is flushed and any background compression finished.
 */
export class RotatingLogWriter {
  readonly path: string;
  readonly #policy: LogRotationPolicy;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  #out: WriteStream | undefined;
  #size = 0;
  #maintenance: Promise<void> = Promise.resolve();
  #closed = false;
  #newest: string | undefined;
  #pending: Buffer[] = [];
  readonly #ready: Promise<void>;

  constructor(path: string, opts: RotatingLogWriterOptions = {}) {
    this.path = path;
    this.#policy = opts.policy ?? DEFAULT_LOG_ROTATION_POLICY;
    this.#now = opts.now ?? Date.now;
    this.#onError = opts.onError ?? (() => undefined);
    this.#ready = mkdir(dirname(path), { recursive: true }).then(
      () => {
        this.#open();
        for (const b of this.#pending.splice(0)) this.write(b);
      },
      (err: unknown) => {
        this.#onError(err);
      },
    );
  }

  /** Resolves once the directory exists and the file is open. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Bytes in the current file, as far as this writer knows. */
  get size(): number {
    return this.#size;
  }

  /** Appends one record (or several whole records). */
  write(record: Buffer): void {
    if (this.#closed) return;
    if (this.#out === undefined) {
      this.#pending.push(record);
      return;
    }
    this.#out.write(record);
    this.#size += record.length;
    if (this.#policy.maxSize > 0 && this.#size >= this.#policy.maxSize) this.#rotate();
  }

  /** Flushes and closes the file; waits for background compression. Idempotent. */
  async close(): Promise<void> {
    await this.#ready;
    if (!this.#closed) {
      this.#closed = true;
      const out = this.#out;
      this.#out = undefined;
      if (out !== undefined)
        await new Promise<void>((resolve) =>
          out.end(() => {
            resolve();
          }),
        );
    }
    await this.#maintenance;
  }

  #open(): void {
    // Opened synchronously so the new file exists at once (a second rotation may follow before
    // an asynchronous open would have created it); the stream does the writing.
    let fd: number;
    try {
      fd = openSync(this.path, 'a', 0o640);
    } catch (err) {
      this.#onError(err);
      this.#out = undefined;
      return;
    }
    const out = createWriteStream('', { fd });
    out.on('error', (err) => {
      this.#onError(err);
    });
    this.#out = out;
    try {
      this.#size = fstatSync(fd).size;
    } catch {
      this.#size = 0;
    }
  }

  #rotate(): void {
    const rotated = rotatedLogName(this.path, this.#now());
    // Two rotations within one second would reuse the name: wait for the next second.
    if (existsSync(rotated)) return;
    try {
      renameSync(this.path, rotated);
    } catch (err) {
      this.#onError(err);
      return;
    }
    // Queued bytes of the old stream still land in the renamed file (same inode), in order.
    this.#out?.end();
    this.#open();
    this.#newest = basename(rotated);
    this.#maintenance = this.#maintenance
      .then(() => this.#maintain())
      .catch((err: unknown) => {
        this.#onError(err);
      });
  }

  async #maintain(): Promise<void> {
    // The newest rotated file at the time this runs (later rotations may have happened since).
    await maintainRotatedLogs(this.path, this.#policy, this.#newest);
  }
}

/**
 * The clean-up after a rotation of `log` (see {@link planLogRotation}): removes what the
 * policy drops and compresses the rest, except `newest` (base name), the rotated file a reader
 * may still follow.
 */
export async function maintainRotatedLogs(
  log: string,
  policy: LogRotationPolicy,
  newest: string | undefined,
): Promise<void> {
  const dir = dirname(log);
  const siblings = (await readdir(dir)).filter((n) => n !== newest);
  const plan = planLogRotation(log, siblings, policy);
  for (const n of plan.remove) await rm(join(dir, n), { force: true });
  for (const n of plan.compress) await compressLog(join(dir, n));
}

/** compressLog: gzip `<f>` to `<f>.tmp`, rename to `<f>.gz`, remove `<f>`. */
export async function compressLog(file: string): Promise<void> {
  const tmp = `${file}${TMP_SUFFIX}`;
  try {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp));
    await rename(tmp, `${file}${COMPRESS_SUFFIX}`);
    await unlink(file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
