/**
 * Reads on the main thread through a second, query-only connection. In WAL mode it never blocks
 * the writer, and every statement sees the latest committed transaction, so a read issued after
 * a write's promise resolved sees that write. Each public method runs in one read transaction,
 * so the revision it reports and the rows it returns come from the same snapshot.
 */
import type Database from 'better-sqlite3';
import { sqliteDatabase } from './native.ts';
import { StorageError, compacted } from '../errors.ts';
import type { BackendEvent, KeyValue } from '../backend.ts';
import { keyInterval } from './key-range.ts';

interface KvRow {
  key: string;
  value: Uint8Array | null;
  create_revision: number;
  revision: number;
}

interface EventRow extends KvRow {
  deleted: number;
  p_revision: number | null;
  p_create_revision: number | null;
  p_value: Uint8Array | null;
}

const EMPTY = new Uint8Array(0);

/**
 * A log row's value: NULL while the row is its key's current version, whose value lives in
 * `current` (see protocol.ts). A superseded row (any row a prev_revision points at) always
 * holds its value itself.
 */
const CURRENT_JOIN = 'LEFT JOIN current c ON c.key = l.key AND c.revision = l.revision';
const VALUE = 'coalesce(l.value, c.value) AS value';

/** better-sqlite3 returns Buffers; callers get plain Uint8Arrays (a view, no copy). */
function bytes(b: Uint8Array | null): Uint8Array {
  if (b === null) return EMPTY;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function toKv(row: KvRow): KeyValue {
  return {
    key: row.key,
    value: bytes(row.value),
    createRevision: row.create_revision,
    modRevision: row.revision,
  };
}

export interface Snapshot {
  revision: number;
  compactRev: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Matching keys (>= startKey) in total, including the returned ones. */
  total: number;
  revision: number;
}

export interface ReplayResult {
  events: BackendEvent[];
  /** True when no more events exist up to `revision` (the snapshot's revision). */
  complete: boolean;
  revision: number;
  compactRev: number;
}

export class Reader {
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(
    path: string,
    opts: { busyTimeoutMs: number; cacheSizeKiB: number; mmapBytes: number },
  ) {
    this.db = new (sqliteDatabase())(path, { fileMustExist: true });
    this.db.pragma(`busy_timeout = ${String(opts.busyTimeoutMs)}`);
    this.db.pragma('query_only = 1');
    this.db.pragma(`cache_size = -${String(opts.cacheSizeKiB)}`);
    this.db.pragma(`mmap_size = ${String(opts.mmapBytes)}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  snapshot(): Snapshot {
    return this.tx(() => this.meta());
  }

  /** The key's value at `revision` (latest when undefined or <= 0). */
  get(key: string, revision?: number): { kv: KeyValue | undefined; revision: number } {
    return this.tx(() => {
      const snap = this.meta();
      if (revision === undefined || revision <= 0) {
        const row = this.stmt(
          'SELECT key, value, create_revision, revision FROM current WHERE key = ?',
        ).get(key) as KvRow | undefined;
        return { kv: row === undefined ? undefined : toKv(row), revision: snap.revision };
      }
      this.checkRevision(revision, snap);
      const row = this.stmt(
        `SELECT l.key, ${VALUE}, l.create_revision, l.revision, l.deleted FROM log l ${CURRENT_JOIN}
         WHERE l.key = ? AND l.revision <= ? ORDER BY l.revision DESC LIMIT 1`,
      ).get(key, revision) as (KvRow & { deleted: number }) | undefined;
      const kv = row === undefined || row.deleted === 1 ? undefined : toKv(row);
      return { kv, revision };
    });
  }

  range(
    prefix: string,
    startKey: string | undefined,
    limit: number,
    revision?: number,
  ): RangeResult {
    return this.tx(() => {
      const snap = this.meta();
      const { lower, upper } = keyInterval(prefix, startKey);
      const bound = upper === undefined ? '' : 'AND key < @upper';
      const params = { lower, upper, limit: limit > 0 ? limit + 1 : -1, revision };
      let rows: KvRow[];
      let countSql: string;
      if (revision === undefined) {
        rows = this.stmt(
          `SELECT key, value, create_revision, revision FROM current
           WHERE key >= @lower ${bound} ORDER BY key LIMIT @limit`,
        ).all(params) as KvRow[];
        countSql = `SELECT count(*) FROM current WHERE key >= @lower ${bound}`;
      } else {
        this.checkRevision(revision, snap);
        const latest = `SELECT key, max(revision) AS r FROM log
           WHERE key >= @lower ${bound} AND revision <= @revision GROUP BY key`;
        rows = this.stmt(
          `SELECT l.key, ${VALUE}, l.create_revision, l.revision FROM (${latest}) m
           JOIN log l ON l.revision = m.r ${CURRENT_JOIN}
           WHERE l.deleted = 0 ORDER BY l.key LIMIT @limit`,
        ).all(params) as KvRow[];
        countSql = `SELECT count(*) FROM (${latest}) m JOIN log l ON l.revision = m.r
           WHERE l.deleted = 0`;
      }
      let total = rows.length;
      if (limit > 0 && rows.length > limit) {
        rows.pop();
        const countParams = revision === undefined ? { lower, upper } : { lower, upper, revision };
        total = Number(this.stmt(countSql).pluck().get(countParams));
      }
      return { kvs: rows.map(toKv), total, revision: revision ?? snap.revision };
    });
  }

  count(prefix: string): number {
    const { lower, upper } = keyInterval(prefix);
    const sql =
      upper === undefined
        ? 'SELECT count(*) FROM current WHERE key >= @lower'
        : 'SELECT count(*) FROM current WHERE key >= @lower AND key < @upper';
    return Number(
      this.stmt(sql)
        .pluck()
        .get(upper === undefined ? { lower } : { lower, upper }),
    );
  }

  /**
   * Up to `limit` events under `prefix` with revision >= `from`, oldest first, each with its
   * prevKv (looked up by prev_revision). Fails with Compacted when `from` is before the
   * compacted revision: rows the caller still needs may be gone.
   */
  replay(prefix: string, from: number, limit: number): ReplayResult {
    return this.tx(() => {
      const snap = this.meta();
      if (from < snap.compactRev) throw compacted(from, snap.compactRev);
      const { lower, upper } = keyInterval(prefix);
      // Unary + keeps SQLite off the key index: walking the primary key from `from` reads
      // only the rows since then, already in revision order, where the key index would read
      // every retained row under the prefix and sort them.
      const bound = upper === undefined ? '' : 'AND +l.key < @upper';
      const rows = this.stmt(
        `SELECT l.key, ${VALUE}, l.create_revision, l.revision, l.deleted,
                p.revision AS p_revision, p.create_revision AS p_create_revision, p.value AS p_value
         FROM log l ${CURRENT_JOIN} LEFT JOIN log p ON p.revision = l.prev_revision
         WHERE l.revision >= @from AND +l.key >= @lower ${bound}
         ORDER BY l.revision LIMIT @limit`,
      ).all(
        upper === undefined ? { from, lower, limit } : { from, lower, upper, limit },
      ) as EventRow[];
      const events = rows.map((row): BackendEvent => {
        const prevKv: KeyValue | undefined =
          row.p_revision === null
            ? undefined
            : {
                key: row.key,
                value: bytes(row.p_value),
                createRevision: row.p_create_revision ?? 0,
                modRevision: row.p_revision,
              };
        const kv: KeyValue =
          row.deleted === 1
            ? { key: row.key, value: EMPTY, createRevision: 0, modRevision: row.revision }
            : toKv(row);
        const event: BackendEvent = { type: row.deleted === 1 ? 'delete' : 'put', kv };
        if (prevKv !== undefined) event.prevKv = prevKv;
        return event;
      });
      return {
        events,
        complete: rows.length < limit,
        revision: snap.revision,
        compactRev: snap.compactRev,
      };
    });
  }

  /** Keys whose TTL expired by `now` (ms since the epoch), with their current revision. */
  expired(now: number, limit: number): { key: string; revision: number }[] {
    return this.stmt(
      `SELECT key, revision FROM current WHERE expires_at IS NOT NULL AND expires_at <= ?
       ORDER BY expires_at LIMIT ?`,
    ).all(now, limit) as { key: string; revision: number }[];
  }

  /** File size figures for compaction reports. */
  pageStats(): { pageCount: number; freelist: number; pageSize: number } {
    return {
      pageCount: Number(this.db.pragma('page_count', { simple: true })),
      freelist: Number(this.db.pragma('freelist_count', { simple: true })),
      pageSize: Number(this.db.pragma('page_size', { simple: true })),
    };
  }

  private checkRevision(revision: number, snap: Snapshot): void {
    if (revision < snap.compactRev) throw compacted(revision, snap.compactRev);
    if (revision > snap.revision) {
      throw new StorageError(
        'TooLargeResourceVersion',
        `revision ${revision} is newer than the current revision ${snap.revision}`,
        { revision, currentRevision: snap.revision },
      );
    }
  }

  private meta(): Snapshot {
    const rows = this.stmt(
      "SELECT name, value FROM meta WHERE name IN ('rev', 'compact_rev')",
    ).all() as { name: string; value: number }[];
    let revision = 1;
    let compactRev = 1;
    for (const r of rows) {
      if (r.name === 'rev') revision = r.value;
      else compactRev = r.value;
    }
    return { revision, compactRev };
  }

  private tx<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.exec('BEGIN');
    try {
      return fn();
    } finally {
      this.db.exec('COMMIT');
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }
}
