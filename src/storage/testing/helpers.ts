/**
 * Small helpers shared by the conformance suites: unique key prefixes (so that suites can run
 * against a shared server) and a watch reader with timeouts (so a missing event fails the test
 * instead of hanging it).
 */
import assert from 'node:assert/strict';
import { isStorageError } from '../errors.ts';
import type { StorageErrorCode } from '../errors.ts';

let counter = 0;

/**
 * A key prefix no other test uses, ending with '/'. `base` is the top folder (e.g. '/registry').
 */
export function uniquePrefix(base: string): string {
  counter++;
  const rand = Math.random().toString(36).slice(2, 8);
  return `${base}/t${counter}-${rand}/`;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const TIMED_OUT = Symbol('timed out');

/** Races `p` against a timer; resolves TIMED_OUT when the timer wins. The timer is cleared. */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      resolve(TIMED_OUT);
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a watch stream one element at a time with timeouts. A `next()` that times out keeps its
 * pending read, so the following call receives that element: nothing is lost or reordered.
 * Call `close()` (aborts the watch) when done.
 */
export class WatchReader<E> {
  private readonly iterator: AsyncIterator<E>;
  private pending: Promise<IteratorResult<E>> | undefined;

  constructor(
    iterable: AsyncIterable<E>,
    private readonly controller: AbortController,
  ) {
    this.iterator = iterable[Symbol.asyncIterator]();
  }

  private read(ms: number): Promise<IteratorResult<E> | typeof TIMED_OUT> {
    this.pending ??= this.iterator.next();
    const p = this.pending;
    return withTimeout(p, ms).then((r) => {
      if (r !== TIMED_OUT) this.pending = undefined;
      return r;
    });
  }

  /** The next element; fails the test when none arrives within `ms` or the stream ends. */
  async next(ms = 3000): Promise<E> {
    const r = await this.read(ms);
    if (r === TIMED_OUT) assert.fail(`no watch event within ${ms} ms`);
    if (r.done === true) assert.fail('watch ended unexpectedly');
    return r.value;
  }

  /** The next `n` elements. */
  async take(n: number, ms = 3000): Promise<E[]> {
    const out: E[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(ms));
    return out;
  }

  /** Asserts that nothing arrives for `ms` milliseconds (elements rejected by `ignore` pass). */
  async expectNothing(ms: number, ignore?: (e: E) => boolean): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      const r = await this.read(left);
      if (r === TIMED_OUT) return;
      if (r.done === true) assert.fail('watch ended unexpectedly');
      if (ignore?.(r.value) === true) continue;
      assert.fail(`unexpected watch event: ${JSON.stringify(r.value)}`);
    }
  }

  /** Asserts that the stream ends by throwing a StorageError with `code` within `ms`. */
  async expectError(code: StorageErrorCode, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      let r: IteratorResult<E> | typeof TIMED_OUT;
      try {
        r = await this.read(Math.max(1, deadline - Date.now()));
      } catch (err) {
        this.pending = undefined;
        assert.ok(isStorageError(err, code), `expected ${code}, got ${String(err)}`);
        return;
      }
      if (r === TIMED_OUT) assert.fail(`watch did not fail with ${code} within ${ms} ms`);
      if (r.done === true) assert.fail(`watch ended normally instead of failing with ${code}`);
    }
  }

  /** Asserts that the stream ends normally within `ms`. */
  async expectEnd(ms = 3000): Promise<void> {
    for (;;) {
      const r = await this.read(ms);
      if (r === TIMED_OUT) assert.fail(`watch did not end within ${ms} ms`);
      if (r.done === true) return;
    }
  }

  /** Aborts the watch and waits for a pending read to settle. */
  async close(): Promise<void> {
    this.controller.abort();
    const p = this.pending;
    this.pending = undefined;
    if (p !== undefined) {
      try {
        await withTimeout(p, 1000);
      } catch {
        // The watch may have failed before the abort; its error was not asked for.
      }
    }
    try {
      await this.iterator.return?.();
    } catch {
      // Already finished.
    }
  }
}

/** Asserts that `p` rejects with a StorageError of `code`; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(
      isStorageError(err, code),
      `expected StorageError ${code}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
    );
    return err;
  }
  return assert.fail(`expected StorageError ${code}, but the call succeeded`);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<I, O>(
  items: readonly I[],
  limit: number,
  fn: (item: I, index: number) => Promise<O>,
): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as I, i);
    }
  });
  await Promise.all(workers);
  return out;
}
