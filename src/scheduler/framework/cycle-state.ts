/**
 * CycleState (upstream framework.CycleState): per-pod scratch data that plugins write in
 * PreFilter/PreScore and read in Filter/Score. One instance per scheduling attempt.
 */

/** Data stored in a CycleState; `clone` must return an independent copy (used by preemption). */
export interface StateData {
  clone(): StateData;
}

/** Per scheduling-cycle storage keyed by plugin-chosen strings. */
export class CycleState {
  readonly #data = new Map<string, StateData>();
  /** Filter plugins whose PreFilter returned Skip. */
  skipFilterPlugins: ReadonlySet<string> = new Set();
  /** Score plugins whose PreScore returned Skip. */
  skipScorePlugins: ReadonlySet<string> = new Set();

  /** Stores `value` under `key`, replacing any previous value. */
  write(key: string, value: StateData): void {
    this.#data.set(key, value);
  }

  /** The value under `key`, or undefined (upstream returns ErrNotFound). */
  read(key: string): StateData | undefined {
    return this.#data.get(key);
  }

  /** Removes `key`. */
  delete(key: string): void {
    this.#data.delete(key);
  }

  /** A copy where every value is cloned (upstream Clone). */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.#data) c.#data.set(k, v.clone());
    c.skipFilterPlugins = this.skipFilterPlugins;
    c.skipScorePlugins = this.skipScorePlugins;
    return c;
  }
}
