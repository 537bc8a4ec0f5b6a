/**
 * A bounded FIFO ring buffer. Storage grows by doubling up to `capacity`, so many mostly-idle
 * rings (one per watcher) stay small while each keeps a hard upper bound.
 */
export class Ring<T> {
  private items: (T | undefined)[];
  private head = 0;
  private len = 0;

  /** @param capacity the maximum number of items held (at least 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    }
    this.items = new Array<T | undefined>(Math.min(capacity, 16));
  }

  get length(): number {
    return this.len;
  }

  get full(): boolean {
    return this.len === this.capacity;
  }

  /**
   * Appends `item`. When the ring is full the oldest item is dropped to make room and returned
   * (callers that must not drop check `full` first).
   */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.len === this.capacity) {
      evicted = this.shift();
    } else if (this.len === this.items.length) {
      this.grow();
    }
    this.items[(this.head + this.len) % this.items.length] = item;
    this.len++;
    return evicted;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.len === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.len--;
    return item;
  }

  /** The item at position `i` (0 = oldest), or undefined when out of range. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.len) return undefined;
    return this.items[(this.head + i) % this.items.length];
  }

  clear(): void {
    this.items = new Array<T | undefined>(Math.min(this.capacity, 16));
    this.head = 0;
    this.len = 0;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.min(this.capacity, this.items.length * 2));
    for (let i = 0; i < this.len; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
