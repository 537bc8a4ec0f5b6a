/**
 * Time for the workqueue, the event recorder and leader election: a wall clock in milliseconds
 * and one-shot timers, injectable so that tests advance time instead of sleeping.
 */

/** Cancels a timer; calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

/** A clock: `now()` in epoch milliseconds, and one-shot timers relative to it. */
export interface Clock {
  now(): number;
  /**
   * Calls `fn` once, `ms` milliseconds from now (0 or less: as soon as possible, never
   * synchronously). Real timers are unref'd: a pending timer never keeps the process alive.
   */
  setTimer(fn: () => void, ms: number): CancelTimer;
}

/** The real clock: Date.now and unref'd setTimeout. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // setTimeout fires at once past 2^31-1 ms; waiting less is safe, as callers re-check time.
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    t.unref();
    return () => {
      clearTimeout(t);
    };
  },
};

/** A clock whose time moves only through `advance`/`set`; for tests. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, firing due timers in order of their due time (each at its due
   * time, so a timer's callback sees `now()` equal to when it was due), then lets promise
   * callbacks run: awaiting it settles the work the timers started, to a bounded depth.
   */
  advance(ms: number): Promise<void>;
  /** The number of pending timers. */
  pending(): number;
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Lets queued promise callbacks (microtasks) and immediates run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => {
      setImmediate(resolve);
    });
  }
}

/** A FakeClock starting at `start` (epoch ms; default 2024-01-01T00:00:00Z). */
export function newFakeClock(start = Date.UTC(2024, 0, 1)): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Set<FakeTimer>();
  const next = (limit: number): FakeTimer | undefined => {
    let best: FakeTimer | undefined;
    for (const t of timers) {
      if (t.at > limit) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  };
  return {
    now: () => now,
    setTimer(fn, ms) {
      const t: FakeTimer = { at: now + Math.max(0, ms), seq: seq++, fn };
      timers.add(t);
      return () => {
        timers.delete(t);
      };
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        const t = next(target);
        if (t === undefined) break;
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
        // Let the timer's work run (and possibly set new timers) before the next one is due.
        await settle();
      }
      now = target;
      await settle();
    },
    pending: () => timers.size,
  };
}
