/**
 * better-sqlite3. Its JavaScript is imported statically, so the build bundles it (resolving and
 * loading its dozen CommonJS files from node_modules cost ~25 ms per start); its native addon
 * loads when the first database opens, from the path `sqliteAddonPath` finds.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

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
    const nativeBinding = sqliteAddonPath();
    ctor =
      nativeBinding === undefined
        ? // Addon elsewhere: the package from node_modules finds it (a bundled copy cannot).
          (createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3)
        : (class extends BetterSqlite3 {
            constructor(filename?: string | Buffer, options?: BetterSqlite3.Options) {
              super(filename, { ...options, nativeBinding });
            }
          } as typeof BetterSqlite3);
  }
  return ctor;
}
