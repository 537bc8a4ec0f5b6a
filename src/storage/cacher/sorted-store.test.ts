import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SortedStore } from './sorted-store.ts';

function keys(s: SortedStore<number>, prefix: string): string[] {
  return [...s.scan(prefix)].map(([k]) => k);
}

describe('SortedStore', () => {
  it('scans a prefix in key order after inserts, updates and deletes', () => {
    const s = new SortedStore<number>();
    for (const k of ['/p/b', '/p/a', '/q/x', '/p/c', '/p', '/pa/z']) s.set(k, 1);
    s.set('/p/a', 2);
    s.delete('/p/c');
    s.delete('/p/missing');
    assert.deepEqual(keys(s, '/p/'), ['/p/a', '/p/b']);
    assert.deepEqual(keys(s, '/'), ['/p', '/p/a', '/p/b', '/pa/z', '/q/x']);
    assert.equal(s.get('/p/a'), 2);
    assert.equal(s.size, 5);
  });

  it('replaces the whole content', () => {
    const s = new SortedStore<number>();
    s.set('/old', 1);
    s.replace([
      ['/n/2', 2],
      ['/n/1', 1],
    ]);
    assert.equal(s.get('/old'), undefined);
    assert.deepEqual(keys(s, '/n/'), ['/n/1', '/n/2']);
  });
});
