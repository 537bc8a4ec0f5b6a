/**
 * Rate limiters of the workqueue (client-go util/workqueue/default_rate_limiters.go): how long a
 * failed key waits before it is handed out again.
 */

/** Decides the delay of a key's next retry (client-go RateLimiter). */
export interface RateLimiter<K> {
  /** The delay in ms before `key` is retried; counts one more failure of `key`. */
  when(key: K): number;
  /** Stops tracking `key` (it succeeded, or the caller gave up on it). */
  forget(key: K): void;
  /** How many failures of `key` are being tracked. */
  numRequeues(key: K): number;
}

/**
 * baseDelayMs * 2^failures, capped at maxDelayMs, per key (ItemExponentialFailureRateLimiter).
 */
export function newItemExponentialFailureRateLimiter<K>(
  baseDelayMs: number,
  maxDelayMs: number,
): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(key) {
      const exp = failures.get(key) ?? 0;
      failures.set(key, exp + 1);
      const backoff = baseDelayMs * 2 ** exp;
      // Go caps on int64 overflow; Infinity plays that role here.
      return backoff > maxDelayMs || !Number.isFinite(backoff) ? maxDelayMs : backoff;
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/**
 * fastDelayMs for the first maxFastAttempts failures of a key, slowDelayMs after
 * (ItemFastSlowRateLimiter).
 */
export function newItemFastSlowRateLimiter<K>(
  fastDelayMs: number,
  slowDelayMs: number,
  maxFastAttempts: number,
): RateLimiter<K> {
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      return n <= maxFastAttempts ? fastDelayMs : slowDelayMs;
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/**
 * One token bucket shared by all keys (BucketRateLimiter over golang.org/x/time/rate): `qps`
 * tokens per second, at most `burst`, starting full. Every `when` reserves a token; the delay is
 * how long until that token exists (the bucket may go into debt, as rate.Limiter.Reserve does).
 */
export function newBucketRateLimiter<K>(
  qps: number,
  burst: number,
  now: () => number = Date.now,
): RateLimiter<K> {
  let tokens = burst;
  let last = now();
  return {
    when() {
      const t = now();
      if (t > last) tokens = Math.min(burst, tokens + ((t - last) / 1000) * qps);
      last = Math.max(last, t);
      tokens -= 1;
      return tokens < 0 ? (-tokens / qps) * 1000 : 0;
    },
    forget() {
      // The bucket is not per key.
    },
    numRequeues: () => 0,
  };
}

/** The largest delay of all `limiters` (MaxOfRateLimiter); every limiter counts every call. */
export function newMaxOfRateLimiter<K>(...limiters: RateLimiter<K>[]): RateLimiter<K> {
  return {
    when(key) {
      let ret = 0;
      for (const l of limiters) ret = Math.max(ret, l.when(key));
      return ret;
    },
    forget(key) {
      for (const l of limiters) l.forget(key);
    },
    numRequeues(key) {
      let ret = 0;
      for (const l of limiters) ret = Math.max(ret, l.numRequeues(key));
      return ret;
    },
  };
}

/**
 * client-go's DefaultControllerRateLimiter: per-key exponential backoff from 5 ms to 1000 s, and
 * an overall bucket of 10 qps with a burst of 100 (only retries are limited, not first adds).
 */
export function defaultControllerRateLimiter<K>(
  now: () => number = Date.now,
  baseDelayMs = 5,
  maxDelayMs = 1_000_000,
): RateLimiter<K> {
  return newMaxOfRateLimiter<K>(
    newItemExponentialFailureRateLimiter<K>(baseDelayMs, maxDelayMs),
    newBucketRateLimiter<K>(10, 100, now),
  );
}
