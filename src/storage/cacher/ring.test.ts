import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Ring } from './ring.ts';

describe('Ring', () => {
  it('keeps FIFO order while growing up to its capacity', () => {
    const r = new Ring<number>(40);
    for (let i = 0; i < 40; i++) assert.equal(r.push(i), undefined);
    assert.ok(r.full);
    assert.deepEqual(
      Array.from({ length: r.length }, (_, i) => r.at(i)),
      Array.from({ length: 40 }, (_, i) => i),
    );
  });

  it('evicts the oldest item when pushing into a full ring', () => {
    const r = new Ring<string>(3);
    r.push('a');
    r.push('b');
    r.push('c');
    assert.equal(r.push('d'), 'a');
    assert.deepEqual([r.shift(), r.shift(), r.shift(), r.shift()], ['b', 'c', 'd', undefined]);
    assert.equal(r.length, 0);
  });

  it('wraps around after shifts and supports at() and clear()', () => {
    const r = new Ring<number>(4);
    for (let round = 0; round < 10; round++) {
      r.push(round);
      if (r.length > 2) r.shift();
    }
    assert.deepEqual([r.at(0), r.at(1), r.at(2), r.at(-1)], [8, 9, undefined, undefined]);
    r.clear();
    assert.equal(r.length, 0);
    assert.equal(r.shift(), undefined);
  });

  it('rejects a capacity below 1', () => {
    assert.throws(() => new Ring(0), RangeError);
  });
});
