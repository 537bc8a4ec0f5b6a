/**
 * Controller expectations (upstream controller_utils.go ControllerExpectations and
 * UIDTrackingControllerExpectations): a controller records how many creations and which
 * deletions it has just asked for, and does not act again on the same key until its informers
 * have observed them, or until the record is older than EXPECTATIONS_TIMEOUT_MS. This is what
 * keeps a controller whose cache lags its own writes from creating the same pods twice.
 */

/** Expectations older than this are considered satisfied (upstream ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface ExpectationRecord {
  add: number;
  del: number;
  timestamp: number;
  /** Keys (`namespace/name`) of the objects whose deletion is expected. */
  deleteKeys: Set<string>;
}

/** Per-controller-key creation/deletion expectations; see the module comment. */
export class ControllerExpectations {
  private readonly records = new Map<string, ExpectationRecord>();
  private readonly now: () => number;

  /** `now` (milliseconds) is the clock the TTL is measured with (default Date.now). */
  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * True when the controller may act on `key`: nothing is recorded, every expected creation
   * and deletion has been observed, or the record has expired.
   */
  satisfiedExpectations(key: string): boolean {
    const r = this.records.get(key);
    if (r === undefined) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.now() - r.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Replaces the record of `key`: `adds` creations expected from now. */
  expectCreations(key: string, adds: number): void {
    this.set(key, adds, 0, new Set());
  }

  /**
   * Replaces the record of `key`: the deletion of each of `podKeys` expected from now. Each key
   * is counted once, however many times it is observed.
   */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    const keys = new Set(podKeys);
    this.set(key, 0, keys.size, keys);
  }

  /** One expected creation of `key` was observed (or will never happen). */
  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  /**
   * The deletion of `podKey` was observed (or failed): lowers the deletions expected of `key`
   * if, and only if, `podKey` was expected and not yet observed.
   */
  deletionObserved(key: string, podKey: string): void {
    const r = this.records.get(key);
    if (r === undefined || !r.deleteKeys.delete(podKey)) return;
    this.lower(key, 0, 1);
  }

  /** Lowers both counts of `key` (upstream LowerExpectations); no-op without a record. */
  lower(key: string, adds: number, dels: number): void {
    const r = this.records.get(key);
    if (r === undefined) return;
    r.add -= adds;
    r.del -= dels;
  }

  /** Raises both counts of `key` (upstream RaiseExpectations); no-op without a record. */
  raise(key: string, adds: number, dels: number): void {
    const r = this.records.get(key);
    if (r === undefined) return;
    r.add += adds;
    r.del += dels;
  }

  /** Forgets `key` (its object was deleted). */
  deleteExpectations(key: string): void {
    this.records.delete(key);
  }

  /** The pending counts of `key`, for tests and logs; undefined without a record. */
  get(key: string): { add: number; del: number; deleteKeys: string[] } | undefined {
    const r = this.records.get(key);
    return r === undefined ? undefined : { add: r.add, del: r.del, deleteKeys: [...r.deleteKeys] };
  }

  private set(key: string, add: number, del: number, deleteKeys: Set<string>): void {
    this.records.set(key, { add, del, timestamp: this.now(), deleteKeys });
  }
}
