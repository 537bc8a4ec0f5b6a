// The `skiff` entry (copied to dist/cmd/main.js by scripts/build.sh). It runs the program bundle,
// dist/cmd/skiff.cjs, through V8's code cache: compiling the ~2.7 MB bundle is the largest part
// of start-up, and a cache made after the API server became ready also holds every function the
// start-up ran. The cache is named after the bundle's content hash (V8 itself checks only the
// source length and its own version and flags), is written only by a server that found none or
// found it rejected, and is written atomically; any failure to read or write it only costs speed.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, 'skiff.cjs');
const cacheFile = join(__dirname, 'skiff.__BUILD_ID__.cache');
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// esbuild writes ASCII only, so latin1 is an exact and the fastest decoding. The build wrapped
// the bundle in CommonJS's module function (see scripts/build.sh).
const script = new Script(readFileSync(bundle, 'latin1'), { filename: bundle, cachedData });
const stale = cachedData === undefined || script.cachedDataRejected === true;
// V8 has copied what it needs; do not keep ~1 MB of cache bytes alive for the process's life.
cachedData = undefined;
globalThis[Symbol.for('skiff.saveCodeCache')] = () => {
  if (!stale) return;
  const tmp = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only install or a full disk: run without the cache.
  }
};
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, bundle, __dirname);
