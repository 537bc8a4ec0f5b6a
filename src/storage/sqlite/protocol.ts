/**
 * The schema and the message protocol shared by the SQLite backend (main thread) and its writer
 * worker. Pure definitions only, so both sides can import it.
 *
 * Schema (one file, WAL, auto_vacuum=INCREMENTAL set before the first table):
 *
 * - `current`: one row per existing key with its live value (rowid table, unique index on
 *   key). Latest get/range/count read only this table, in key order, without touching
 *   history; an update rewrites the row in place, so live data does not fragment as an
 *   append-only log does under random updates (measured: ~32% of log pages unused).
 *   `expires_at` (ms since the epoch) drives the TTL sweeper through a partial index.
 * - `log`: one row per revision, kine-style MVCC. `prev_revision` points at the key's
 *   previous row (0 for a create). A row's `value` is NULL while it is the key's current
 *   version (the value lives in `current`); when a write supersedes it, the old value moves
 *   into it. So every value is stored once (kine keeps `old_value` beside `value`, doubling
 *   the file). Tombstones have `deleted = 1`, `create_revision = 0` and a NULL value. Index
 *   `(key, revision)` serves reads at a past revision.
 * - `meta`: `rev` (the store's revision, written in every write transaction, so revisions are
 *   never reused even when compaction deleted the newest rows), `compact_rev` (reads and
 *   watches before it fail with Compacted) and `compact_done` (how far the compaction scan has
 *   progressed; a crash mid-compaction resumes from there).
 *
 * Compaction rule (compact(N)): a row with revision r < N is deleted when it is a tombstone, or
 * when the key has a later row s with s < N. Equivalently, scanning each row s in [done, N):
 * delete the row s.prev_revision, and delete s itself if it is a tombstone. Therefore:
 * - reads at any revision >= N still find each key's state (its latest row <= N survives);
 * - every event a watch from >= N replays (rows >= N) still finds its prevKv (row
 *   s.prev_revision is only deleted when s < N), which the Store needs for DELETED events;
 * - a create after a delete has prev_revision 0, so tombstones are never anyone's prevKv.
 */

export const SCHEMA_VERSION = 2;

/** Statements run once on a new file, after `PRAGMA auto_vacuum = INCREMENTAL`. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  value BLOB
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  revision INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  expires_at INTEGER,
  value BLOB
);
CREATE INDEX IF NOT EXISTS current_expires_at ON current (expires_at) WHERE expires_at IS NOT NULL;
INSERT OR IGNORE INTO meta (name, value) VALUES ('rev', 1), ('compact_rev', 1), ('compact_done', 1),
  ('schema_version', ${String(SCHEMA_VERSION)});
`;

/** A key's value as the worker reports it (the main thread turns it into a KeyValue). */
export interface RowKv {
  key: string;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
}

export type WriteOp =
  | { op: 'create'; key: string; value: Uint8Array; expiresAt: number | null }
  | { op: 'update'; key: string; value: Uint8Array; expected: number; expiresAt: number | null }
  | { op: 'delete'; key: string; expected: number | null };

export type OpResult =
  | { ok: true; revision: number; createRevision: number; prev: RowKv | undefined }
  /** `revision`: the store's revision when the comparison failed. */
  | { ok: false; revision: number; current: RowKv | undefined };

/** Options the worker needs, sent as its first message (see WriterClient.spawn). */
export interface WorkerConfig {
  path: string;
  busyTimeoutMs: number;
  walAutocheckpointPages: number;
  journalSizeLimitBytes: number;
  cacheSizeKiB: number;
}

export type WorkerRequest =
  | { id: number; kind: 'write'; ops: WriteOp[] }
  /** One compaction batch: at most `batchRows` log rows scanned, in one transaction. */
  | { id: number; kind: 'compact'; target: number; batchRows: number }
  /** Returns up to `pages` free pages to the file system. */
  | { id: number; kind: 'vacuum'; pages: number }
  | { id: number; kind: 'checkpoint'; mode: 'PASSIVE' | 'TRUNCATE' }
  | { id: number; kind: 'close' };

export interface CompactStepResult {
  /** The compacted revision now recorded in meta. */
  compactRev: number;
  /** True when the scan reached the target. */
  done: boolean;
  rowsScanned: number;
  rowsDeleted: number;
  ms: number;
}

export type WorkerResponse =
  | { kind: 'ready'; revision: number; compactRev: number; compactDone: number }
  | { kind: 'fatal'; code: 'Corrupt' | 'Internal'; message: string }
  | { id: number; kind: 'write'; results: OpResult[]; revision: number }
  | { id: number; kind: 'compact'; result: CompactStepResult }
  | { id: number; kind: 'vacuum'; freedPages: number; freelistPages: number; pageSize: number }
  | { id: number; kind: 'checkpoint'; busy: number; walPages: number; checkpointed: number }
  | { id: number; kind: 'closed' }
  | { id: number; kind: 'error'; message: string };
