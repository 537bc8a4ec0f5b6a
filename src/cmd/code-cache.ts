/**
 * V8 code cache of the built program. `dist/cmd/main.js` (scripts/main-loader.cjs) compiles the
 * bundle with the cache when there is one and leaves a hook to save it; the server calls it once
 * it is ready, when the cache then holds every function start-up compiled. Run from source (tsx,
 * tests) there is no hook and this does nothing.
 */
const hookKey = Symbol.for('skiff.saveCodeCache');

/**
 * Saves the code cache a moment after the call (serialising takes a few ms of the event loop; not
 * on the path of the first requests). Only the loader decides whether a save is needed.
 */
export function saveCodeCacheSoon(): void {
  const save: unknown = (globalThis as Record<symbol, unknown>)[hookKey];
  if (typeof save !== 'function') return;
  setTimeout(() => {
    (save as () => void)();
  }, 300).unref();
}
