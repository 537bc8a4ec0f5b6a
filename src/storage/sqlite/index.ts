/**
 * The SQLite storage driver: Skiff's embedded default datastore.
 *
 * Design (learned from k3s-io/kine, and from its failures: kine#582, #607, PR #613):
 * - One file, WAL: a write's promise resolves only after the WAL was flushed (fdatasync on
 *   libuv's thread pool, so the flush never blocks the event loop; SQLite itself runs with
 *   synchronous=NORMAL and syncs around checkpoints, see inline-writer.ts).
 * - WAL checkpoints run on a worker thread with its own connection, started at the first
 *   checkpoint due, so copying pages into the data file never stalls the event loop; the WAL
 *   stays bounded (see inline-writer.ts; `checkpoints: 'inline'` restores SQLite's own).
 * - All writes go to one writer connection. While it commits and flushes, new writes queue and
 *   become the next batch: one transaction and one flush for many writes (group commit), each
 *   op checked on its own. Reads go through a query-only connection and see every acknowledged
 *   write.
 * - Schema and compaction rule: see protocol.ts. Latest reads use the `current` table only;
 *   history lives in `log`, each value stored once.
 * - Watches are fed in-process after each commit (no polling), replay retained history first,
 *   and are bounded (TooSlow).
 * - Compaction works in small transactions interleaved with writes, then returns free space to
 *   the file system (auto_vacuum=INCREMENTAL) and truncates the WAL. Auto-compaction is on by
 *   default (keep 1000 revisions, compact once 1000 more accumulated, checked every second), so
 *   the file stays bounded under endless churn without anyone calling compact().
 * - Another process (or backend) on the same file fails fast with 'Locked' (an exclusive SQLite
 *   lock on `<path>-lock`, released by the kernel when a process dies); a file that is not a
 *   Skiff SQLite database fails with 'Corrupt' and is left untouched.
 */
export { openSqliteBackend } from './sqlite-backend.ts';
export type { SqliteBackend, SqliteBackendOptions, SqliteStats } from './sqlite-backend.ts';
export type { CheckpointStats } from './inline-writer.ts';
export { startAutoCompaction } from './auto-compaction.ts';
export type { AutoCompactionOptions } from './auto-compaction.ts';
