import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyInterval, prefixEnd } from './key-range.ts';

describe('prefixEnd', () => {
  const cases: [string, string | undefined][] = [
    ['', undefined],
    ['/registry/pods/', '/registry/pods0'],
    ['a', 'b'],
    ['\u{10FFFF}', undefined],
    ['a\u{10FFFF}', 'b'],
    ['\uD7FF', '\uE000'],
    ['é', 'ê'],
  ];
  for (const [prefix, want] of cases) {
    it(`${JSON.stringify(prefix)} → ${JSON.stringify(want)}`, () => {
      assert.equal(prefixEnd(prefix), want);
    });
  }

  it('bounds every key with the prefix in UTF-8 byte order', () => {
    const prefix = '/a/';
    const end = prefixEnd(prefix) ?? '';
    const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
    for (const key of ['/a/', '/a/z', '/a/\u{10FFFF}\u{10FFFF}', '/a/\uFFFF']) {
      assert.ok(Buffer.compare(bytes(key), bytes(end)) < 0, key);
    }
    assert.ok(Buffer.compare(bytes('/a0'), bytes(end)) >= 0);
  });
});

describe('keyInterval', () => {
  it('uses startKey only when it is past the prefix', () => {
    assert.deepEqual(keyInterval('/p/', '/p/x'), { lower: '/p/x', upper: '/p0' });
    assert.deepEqual(keyInterval('/p/', '/a'), { lower: '/p/', upper: '/p0' });
    assert.deepEqual(keyInterval('/p/'), { lower: '/p/', upper: '/p0' });
  });
});
