/**
 * better-sqlite3, loaded on first use rather than at import: loading the native addon takes
 * ~15 ms that commands which never open a store should not pay.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/** The resolved entry of the better-sqlite3 package (its `lib/index.js`). */
export const sqliteModulePath = createRequire(import.meta.url).resolve('better-sqlite3');

let addonPath: string | null | undefined;

/**
 * The path of better-sqlite3's compiled addon when it sits where both its prebuilt download and
 * a source build put it; undefined otherwise. Handing it to the constructor (`nativeBinding`)
 * skips the `bindings` package, which probes a dozen paths and costs ~15 ms per thread at start.
 */
export function sqliteAddonPath(): string | undefined {
  if (addonPath === undefined) {
    const candidate = join(
      dirname(sqliteModulePath),
      '..',
      'build',
      'Release',
      'better_sqlite3.node',
    );
    addonPath = existsSync(candidate) ? candidate : null;
  }
  return addonPath ?? undefined;
}

let ctor: typeof BetterSqlite3 | undefined;

/**
 * The better-sqlite3 `Database` constructor (the same object on every call), opening databases
 * with the addon found by `sqliteAddonPath`.
 */
export function sqliteDatabase(): typeof BetterSqlite3 {
  if (ctor === undefined) {
    const base = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const nativeBinding = sqliteAddonPath();
    ctor =
      nativeBinding === undefined
        ? base
        : (class extends base {
            constructor(filename?: string | Buffer, options?: BetterSqlite3.Options) {
              super(filename, { ...options, nativeBinding });
            }
          } as typeof BetterSqlite3);
  }
  return ctor;
}
