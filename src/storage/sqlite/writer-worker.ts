/**
 * The writer: the only connection that writes the data file. It runs on the server's thread
 * (inline-writer.ts) behind a message interface: writer-client.ts sends one request at a time;
 * write requests carry every operation that queued up meanwhile, and the writer commits them in
 * one transaction (group commit: one flush for the whole batch). Each operation is checked and
 * applied on its own: a failed comparison affects only that operation. A committed transaction
 * is answered only once `syncCommit` reports the WAL flushed (see inline-writer.ts).
 *
 * The body is one function that gets everything through `env` (no imports used at run time):
 * it was written to run from its source text on a worker thread, and keeping it that way keeps
 * the writer's whole contract in one place.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type {
  CompactStepResult,
  OpResult,
  RowKv,
  WorkerConfig,
  WorkerRequest,
  WorkerResponse,
  WriteOp,
} from './protocol.ts';

/** The writer's side of the message channel. */
export interface WriterPort {
  on(event: 'message', handler: (req: WorkerRequest) => void): void;
  postMessage(res: WorkerResponse): void;
  /** Called after the 'closed' answer: the writer is done. */
  close(): void;
}

/** What the writer receives from its host. */
export interface WriterWorkerEnv {
  Database: typeof BetterSqlite3;
  port: WriterPort;
  config: WorkerConfig;
  schemaSql: string;
  schemaVersion: number;
  exit: (code: number) => void;
  /**
   * Makes the committed transactions durable (flushes the WAL), then calls `done` (with the
   * error if the flush failed; the writer then answers with an error and exits).
   */
  syncCommit: (done: (err: Error | undefined) => void) => void;
}

interface CurrentRow {
  id: number;
  revision: number;
  create_revision: number;
  value: Uint8Array | null;
}

interface ScanRow {
  revision: number;
  prev_revision: number;
  deleted: number;
}

/** The worker's main function; see the file comment for why it must be self-contained. */
export function writerWorkerMain(env: WriterWorkerEnv): void {
  const { Database, port, config } = env;
  function post(msg: WorkerResponse): void {
    port.postMessage(msg);
  }

  function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
  }

  /** SQLite's "this is not a database" family of errors: report them as Corrupt. */
  function isCorruption(err: unknown): boolean {
    const code = (err as { code?: unknown }).code;
    return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
  }

  let db: BetterSqlite3.Database;
  try {
    db = new Database(config.path);
    db.pragma(`busy_timeout = ${String(config.busyTimeoutMs)}`);
    // Must precede the first table; a no-op on an existing file (whose mode was set at creation).
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    if (tables.length === 0) db.pragma('auto_vacuum = INCREMENTAL');
    else if (!tables.includes('meta') || !tables.includes('log')) {
      // Someone else's SQLite database: never add our tables to it.
      throw Object.assign(new Error(`a SQLite database without Skiff's tables`), {
        code: 'SQLITE_NOTADB',
      });
    }
    db.pragma('journal_mode = WAL');
    // NORMAL: SQLite syncs only around checkpoints (the file stays consistent across power
    // loss); commits are made durable by syncCommit before they are answered.
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${String(config.walAutocheckpointPages)}`);
    db.pragma(`journal_size_limit = ${String(config.journalSizeLimitBytes)}`);
    db.pragma(`cache_size = -${String(config.cacheSizeKiB)}`);
    db.exec(env.schemaSql);
    const version = Number(
      db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").pluck().get(),
    );
    if (version !== env.schemaVersion) {
      throw new Error(
        `schema version ${String(version)}, this Skiff reads ${String(env.schemaVersion)}`,
      );
    }
  } catch (err) {
    post({
      kind: 'fatal',
      code: isCorruption(err) ? 'Corrupt' : 'Internal',
      message: errorMessage(err),
    });
    env.exit(1);
    return;
  }

  const stmt = {
    meta: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
    current: db.prepare('SELECT id, revision, create_revision, value FROM current WHERE key = ?'),
    // The superseded version's value moves into its log row (NULL while it was current).
    supersede: db.prepare('UPDATE log SET value = ? WHERE revision = ?'),
    insertLog: db.prepare(
      `INSERT INTO log (revision, key, create_revision, prev_revision, deleted, value)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    insertCurrent: db.prepare(
      'INSERT INTO current (key, revision, create_revision, expires_at, value) VALUES (?, ?, ?, ?, ?)',
    ),
    updateCurrent: db.prepare(
      'UPDATE current SET revision = ?, expires_at = ?, value = ? WHERE id = ?',
    ),
    deleteCurrent: db.prepare('DELETE FROM current WHERE id = ?'),
    scan: db.prepare(
      `SELECT revision, prev_revision, deleted FROM log
       WHERE revision >= ? AND revision < ? ORDER BY revision LIMIT ?`,
    ),
    deleteLog: db.prepare('DELETE FROM log WHERE revision = ?'),
  };

  function readMeta(name: string): number {
    return Number(stmt.meta.get(name));
  }

  let revision = readMeta('rev');
  post({
    kind: 'ready',
    revision,
    compactRev: readMeta('compact_rev'),
    compactDone: readMeta('compact_done'),
  });

  function toRowKv(key: string, row: CurrentRow): RowKv {
    return {
      key,
      value: row.value ?? new Uint8Array(0),
      createRevision: row.create_revision,
      modRevision: row.revision,
    };
  }

  function applyOp(op: WriteOp): OpResult {
    const cur = stmt.current.get(op.key) as CurrentRow | undefined;
    switch (op.op) {
      case 'create': {
        if (cur !== undefined) return { ok: false, revision, current: toRowKv(op.key, cur) };
        const rev = ++revision;
        stmt.insertLog.run(rev, op.key, rev, 0, 0, null);
        stmt.insertCurrent.run(op.key, rev, rev, op.expiresAt, op.value);
        return { ok: true, revision: rev, createRevision: rev, prev: undefined };
      }
      case 'update': {
        if (cur === undefined) return { ok: false, revision, current: undefined };
        if (cur.revision !== op.expected)
          return { ok: false, revision, current: toRowKv(op.key, cur) };
        const rev = ++revision;
        stmt.supersede.run(cur.value, cur.revision);
        stmt.insertLog.run(rev, op.key, cur.create_revision, cur.revision, 0, null);
        stmt.updateCurrent.run(rev, op.expiresAt, op.value, cur.id);
        return {
          ok: true,
          revision: rev,
          createRevision: cur.create_revision,
          prev: toRowKv(op.key, cur),
        };
      }
      case 'delete': {
        if (cur === undefined) return { ok: false, revision, current: undefined };
        if (op.expected !== null && cur.revision !== op.expected) {
          return { ok: false, revision, current: toRowKv(op.key, cur) };
        }
        const rev = ++revision;
        stmt.supersede.run(cur.value, cur.revision);
        stmt.insertLog.run(rev, op.key, 0, cur.revision, 1, null);
        stmt.deleteCurrent.run(cur.id);
        return { ok: true, revision: rev, createRevision: 0, prev: toRowKv(op.key, cur) };
      }
    }
  }

  const writeBatch = db.transaction((ops: WriteOp[]): OpResult[] => {
    const results = ops.map(applyOp);
    stmt.setMeta.run(revision, 'rev');
    return results;
  });

  function write(ops: WriteOp[]): OpResult[] {
    const before = revision;
    try {
      return writeBatch.immediate(ops);
    } catch (err) {
      revision = before; // the transaction rolled back
      throw err;
    }
  }

  const compactStep = db.transaction((target: number, batchRows: number): CompactStepResult => {
    const start = performance.now();
    let compactRev = readMeta('compact_rev');
    if (target > compactRev) {
      // Recorded first, so readers refuse old revisions before any of their rows disappear.
      stmt.setMeta.run(target, 'compact_rev');
      compactRev = target;
    }
    const from = readMeta('compact_done');
    const rows = stmt.scan.all(from, compactRev, batchRows) as ScanRow[];
    let deleted = 0;
    for (const row of rows) {
      if (row.prev_revision > 0) deleted += stmt.deleteLog.run(row.prev_revision).changes;
      if (row.deleted === 1) deleted += stmt.deleteLog.run(row.revision).changes;
    }
    const done = rows.length < batchRows;
    const last = rows.at(-1);
    const next = done ? compactRev : (last?.revision ?? from) + 1;
    stmt.setMeta.run(next, 'compact_done');
    return {
      compactRev,
      done,
      rowsScanned: rows.length,
      rowsDeleted: deleted,
      ms: performance.now() - start,
    };
  });

  function handle(req: WorkerRequest): WorkerResponse {
    switch (req.kind) {
      case 'write':
        return { id: req.id, kind: 'write', results: write(req.ops), revision };
      case 'compact':
        return {
          id: req.id,
          kind: 'compact',
          result: compactStep.immediate(req.target, req.batchRows),
        };
      case 'vacuum': {
        const before = Number(db.pragma('freelist_count', { simple: true }));
        db.pragma(`incremental_vacuum(${String(req.pages)})`);
        const after = Number(db.pragma('freelist_count', { simple: true }));
        return {
          id: req.id,
          kind: 'vacuum',
          freedPages: before - after,
          freelistPages: after,
          pageSize: Number(db.pragma('page_size', { simple: true })),
        };
      }
      case 'checkpoint': {
        const rows = db.pragma(`wal_checkpoint(${req.mode})`) as {
          busy: number;
          log: number;
          checkpointed: number;
        }[];
        const r = rows[0] ?? { busy: 0, log: 0, checkpointed: 0 };
        return {
          id: req.id,
          kind: 'checkpoint',
          busy: r.busy,
          walPages: r.log,
          checkpointed: r.checkpointed,
        };
      }
      case 'close': {
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } finally {
          db.close();
        }
        return { id: req.id, kind: 'closed' };
      }
    }
  }

  port.on('message', (req: WorkerRequest) => {
    let res: WorkerResponse;
    try {
      res = handle(req);
    } catch (err) {
      res = { id: req.id, kind: 'error', message: errorMessage(err) };
    }
    if (res.kind === 'write' || res.kind === 'compact') {
      // Committed: answer once the WAL is flushed.
      const answer = res;
      env.syncCommit((err) => {
        if (err === undefined) {
          post(answer);
          return;
        }
        post({ id: req.id, kind: 'error', message: `flushing the WAL: ${errorMessage(err)}` });
        env.exit(1);
      });
      return;
    }
    post(res);
    if (res.kind === 'closed') port.close();
  });
}
