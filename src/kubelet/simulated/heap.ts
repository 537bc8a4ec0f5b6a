/**
 * A binary min-heap of timed entries: the one scheduler behind every heartbeat, node status
 * refresh and delayed pod transition of a pool (no timer per node or pod). Entries due at the
 * same time come out in insertion order.
 */

/** Something due at `due` (ms since the epoch). */
export interface Timed {
  due: number;
}

interface Slot<T> {
  due: number;
  seq: number;
  value: T;
}

/** See the module comment. */
export class TimerHeap<T> {
  private readonly slots: Slot<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.slots.length;
  }

  /** The earliest due time, or undefined when empty. */
  peekDue(): number | undefined {
    return this.slots[0]?.due;
  }

  push(due: number, value: T): void {
    const s: Slot<T> = { due, seq: this.seq++, value };
    const a = this.slots;
    a.push(s);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p];
      if (parent === undefined || !less(s, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = s;
  }

  /** Removes and returns the earliest entry if it is due at `now` or before. */
  popDue(now: number): T | undefined {
    const a = this.slots;
    const top = a[0];
    if (top === undefined || top.due > now) return undefined;
    const last = a.pop();
    if (last !== undefined && a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const left = a[l];
        const right = a[l + 1];
        let c = l;
        let child = left;
        if (right !== undefined && left !== undefined && less(right, left)) {
          c = l + 1;
          child = right;
        }
        if (child === undefined || !less(child, last)) break;
        a[i] = child;
        i = c;
      }
      a[i] = last;
    }
    return top.value;
  }
}

function less<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
