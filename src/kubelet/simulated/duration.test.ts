import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDurationMs } from './duration.ts';
import { TimerHeap } from './heap.ts';

describe('parseGoDurationMs (Go time.ParseDuration cases)', () => {
  const cases: [string, number | undefined][] = [
    ['0', 0],
    ['5s', 5000],
    ['30s', 30_000],
    ['1478s', 1_478_000],
    ['-5s', -5000],
    ['+5s', 5000],
    ['1.5h', 5_400_000],
    ['1h2m3s4ms', 3_723_004],
    ['100ms', 100],
    ['.5s', 500],
    ['1.s', 1000],
    ['1000us', 1],
    ['1000µs', 1],
    ['', undefined],
    ['3', undefined],
    ['-', undefined],
    ['s', undefined],
    ['.', undefined],
    ['5x', undefined],
    ['1d', undefined],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${String(want)}`, () => {
      assert.equal(parseGoDurationMs(input), want);
    });
  }
});

describe('TimerHeap', () => {
  it('pops due entries in time order, FIFO among equal times', () => {
    const h = new TimerHeap<string>();
    const input: [number, string][] = [
      [5, 'e'],
      [1, 'a'],
      [3, 'c1'],
      [9, 'z'],
      [3, 'c2'],
      [2, 'b'],
      [3, 'c3'],
    ];
    for (const [due, v] of input) h.push(due, v);
    const out: string[] = [];
    for (let v = h.popDue(5); v !== undefined; v = h.popDue(5)) out.push(v);
    assert.deepEqual(out, ['a', 'b', 'c1', 'c2', 'c3', 'e']);
    assert.equal(h.size, 1);
    assert.equal(h.peekDue(), 9);
  });
  it('keeps order over many random entries', () => {
    const h = new TimerHeap<number>();
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 1000;
    const dues: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const d = rand();
      dues.push(d);
      h.push(d, d);
    }
    const out: number[] = [];
    for (let v = h.popDue(Infinity); v !== undefined; v = h.popDue(Infinity)) out.push(v);
    assert.deepEqual(
      out,
      dues.sort((a, b) => a - b),
    );
  });
});
