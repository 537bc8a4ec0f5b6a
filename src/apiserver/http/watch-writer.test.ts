import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WatchWriter } from './watch-writer.ts';
import type { Response } from './respond.ts';

/** A response that records writes and reports backpressure while `full` is set. */
class FakeResponse extends EventEmitter implements Response {
  statusCode = 200;
  headersSent = true;
  writableEnded = false;
  full = false;
  readonly chunks: string[] = [];
  setHeader(): void {}
  writeHead(): void {}
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(String(chunk));
    return !this.full;
  }
  end(): void {
    this.writableEnded = true;
  }
}

describe('WatchWriter', () => {
  it('writes the first event at once and coalesces the ones that follow within the window', async () => {
    const res = new FakeResponse();
    const w = new WatchWriter(res, 30);
    await w.write('a\n');
    assert.deepEqual(res.chunks, ['a\n']);
    await w.write('b\n');
    await w.write('c\n');
    assert.deepEqual(res.chunks, ['a\n'], 'held within the window');
    await sleep(60);
    assert.deepEqual(res.chunks, ['a\n', 'b\nc\n']);
    // After a quiet period longer than the window, the next event goes out immediately.
    await sleep(40);
    await w.write('d\n');
    assert.deepEqual(res.chunks, ['a\n', 'b\nc\n', 'd\n']);
  });

  it('flush() writes what is pending and cancels the timer', async () => {
    const res = new FakeResponse();
    const w = new WatchWriter(res, 1000);
    await w.write('a\n');
    await w.write('b\n');
    w.flush();
    assert.deepEqual(res.chunks, ['a\n', 'b\n']);
    w.flush();
    assert.equal(res.chunks.length, 2, 'nothing pending: no empty write');
  });

  it('holds the producer while the response is backed up, until drain', async () => {
    const res = new FakeResponse();
    res.full = true;
    const w = new WatchWriter(res, 0);
    await w.write('a\n'); // written; the response reports it is full
    let resolved = false;
    const next = w.write('b\n').then(() => {
      resolved = true;
    });
    await sleep(10);
    assert.equal(resolved, false, 'blocked until drain');
    res.full = false;
    res.emit('drain');
    await next;
    assert.equal(resolved, true);
    await sleep(5);
    assert.deepEqual(res.chunks, ['a\n', 'b\n']);
  });

  it('drops pending lines once the response has ended', async () => {
    const res = new FakeResponse();
    const w = new WatchWriter(res, 1000);
    await w.write('a\n');
    await w.write('b\n');
    res.writableEnded = true;
    w.flush();
    assert.deepEqual(res.chunks, ['a\n']);
  });
});
