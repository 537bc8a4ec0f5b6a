/**
 * better-sqlite3, loaded on first use rather than at import: loading the native addon takes
 * ~15 ms, and the server starts the writer thread before it needs the addon on this thread.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

let ctor: typeof BetterSqlite3 | undefined;

/** The better-sqlite3 `Database` constructor (the same object on every call). */
export function sqliteDatabase(): typeof BetterSqlite3 {
  ctor ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return ctor;
}
