import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import * as zlib from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './dictionary.ts';
import {
  FLAG_FIN,
  FrameDecoder,
  SpdyProtocolError,
  decodeHeaderBlock,
  encodeFrame,
  encodeHeaderBlock,
} from './frames.ts';
import type { SpdyFrame } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor, spdyHeaders } from './header-codec.ts';
import { SpdyConnection } from './connection.ts';
import type { SpdyStream } from './connection.ts';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

test('the SPDY/3 dictionary is byte-exact (1423 bytes, Adler-32 e3c6a7c2)', () => {
  assert.equal(SPDY_HEADER_DICTIONARY.length, 1423);
  assert.equal(adler32(SPDY_HEADER_DICTIONARY).toString(16), 'e3c6a7c2');
});

test('frames round-trip through the decoder, split at every byte', () => {
  const frames: SpdyFrame[] = [
    {
      type: 'syn_stream',
      streamId: 1,
      associatedId: 0,
      priority: 3,
      slot: 0,
      flags: FLAG_FIN,
      headerBlock: Buffer.from([1, 2, 3]),
    },
    { type: 'syn_reply', streamId: 1, flags: 0, headerBlock: Buffer.from([9]) },
    { type: 'rst_stream', streamId: 3, status: 5 },
    { type: 'settings', flags: 0, settings: [{ flags: 1, id: 7, value: 65536 }] },
    { type: 'ping', id: 1 },
    { type: 'goaway', lastGoodStreamId: 5, status: 0 },
    { type: 'window_update', streamId: 5, delta: 1000 },
    { type: 'headers', streamId: 7, flags: FLAG_FIN, headerBlock: Buffer.alloc(0) },
    { type: 'data', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hello') },
  ];
  const bytes = Buffer.concat(frames.map(encodeFrame));
  const d = new FrameDecoder();
  const got: SpdyFrame[] = [];
  for (const b of bytes) got.push(...d.push(Buffer.from([b])));
  assert.deepEqual(got, frames);
  assert.equal(d.buffered, 0);
});

test('control frame layout matches spdystream (version 3, type, flags, 24-bit length)', () => {
  assert.deepEqual(
    [...encodeFrame({ type: 'ping', id: 1 })],
    [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1],
  );
  assert.deepEqual(
    [...encodeFrame({ type: 'data', streamId: 3, flags: 1, data: Buffer.from('a') })],
    [0, 0, 0, 3, 1, 0, 0, 1, 0x61],
  );
  // The WINDOW_UPDATE of stream 5 by 1000.
  assert.deepEqual(
    [...encodeFrame({ type: 'window_update', streamId: 5, delta: 1000 })],
    [0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0x03, 0xe8],
  );
  assert.throws(
    () => new FrameDecoder().push(Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 0])),
    SpdyProtocolError,
  );
});

test('header blocks: lower-case names, NUL-joined values, spdystream errors', () => {
  const block = encodeHeaderBlock(
    new Map([
      ['StreamType', ['error']],
      ['x', ['a', 'b']],
    ]),
  );
  assert.deepEqual(
    decodeHeaderBlock(block),
    new Map([
      ['streamtype', ['error']],
      ['x', ['a', 'b']],
    ]),
  );
  const upper = Buffer.concat([
    Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]),
    Buffer.from('A'),
    Buffer.from([0, 0, 0, 0]),
  ]);
  assert.throws(() => decodeHeaderBlock(upper), /not lowercased/);
});

test('compressed header blocks share one zlib context per direction', async () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  const h1 = spdyHeaders({ streamtype: 'error', port: '80', requestid: '0' });
  const h2 = spdyHeaders({ streamtype: 'data', port: '80', requestid: '0' });
  const b1 = await c.compress(h1);
  const b2 = await c.compress(h2);
  // The first block opens a zlib stream primed with the dictionary: 78 f9 + Adler-32.
  assert.deepEqual([...b1.subarray(0, 6)], [0x78, 0xf9, 0xe3, 0xc6, 0xa7, 0xc2]);
  // The second continues it (no zlib header) and is smaller thanks to the shared history.
  assert.notEqual(b2[0], 0x78);
  assert.ok(b2.length < b1.length);
  assert.deepEqual(await d.decompress(b1), h1);
  assert.deepEqual(await d.decompress(b2), h2);
  // A block compressed by Go-compatible zlib (Node's, same dictionary) decodes too.
  const raw = encodeHeaderBlock(new Map([['streamtype', ['stdout']]]));
  const other = zlib.deflateSync(raw, {
    dictionary: SPDY_HEADER_DICTIONARY,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  const d2 = new HeaderDecompressor();
  assert.deepEqual(await d2.decompress(other), new Map([['streamtype', ['stdout']]]));
  c.close();
  d.close();
  d2.close();
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond());
}

/** Two connected in-memory byte pipes (a socket pair). */
function pipePair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const a = Duplex.from({ readable: ba, writable: ab });
  const b = Duplex.from({ readable: ab, writable: ba });
  // Tearing one end down aborts the other's pipes; that is expected here.
  for (const s of [a, b, ab, ba]) s.on('error', () => undefined);
  return [a, b];
}

/** Reads a stream to its end without destroying it (for-await would, ending our side too). */
function readAll(s: SpdyStream): Promise<string> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => {
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

test('client and server sessions: streams, replies, FIN, RST, ping echo', async () => {
  const [ct, st] = pipePair();
  const accepted: SpdyStream[] = [];
  const server = new SpdyConnection(st, {
    role: 'server',
    acceptStream: (h) => {
      if (h.get('streamtype')?.[0] === 'bad') throw new Error('refused');
    },
    onStream: (s) => accepted.push(s),
  });
  const client = new SpdyConnection(ct, { role: 'client' });
  const a = client.createStream({ streamtype: 'stdin' });
  await a.replied;
  assert.equal(a.id, 1);
  a.end('to server');
  const bad = client.createStream({ streamtype: 'bad' });
  await assert.rejects(bad.replied, /reset/);
  assert.equal(accepted.length, 1);
  const srv = accepted[0]!;
  assert.equal(srv.header('StreamType'), 'stdin');
  assert.equal(await readAll(srv), 'to server');
  srv.end('to client');
  assert.equal(await readAll(a), 'to client');
  // RST from the server ends the client's stream without an error.
  const b = client.createStream({ streamtype: 'stdout' });
  await b.replied;
  accepted[1]!.reset();
  assert.equal(await readAll(b), '');
  assert.ok(b.isReset);
  // Pings with the client's (odd) parity are echoed.
  const echoed = new Promise<SpdyFrame[]>((resolve) => {
    const dec = new FrameDecoder();
    ct.on('data', (c: Buffer) => {
      const fs = dec.push(c);
      if (fs.some((f) => f.type === 'ping')) resolve(fs);
    });
  });
  ct.write(encodeFrame({ type: 'ping', id: 7 }));
  assert.deepEqual(
    (await echoed).find((f) => f.type === 'ping'),
    { type: 'ping', id: 7 },
  );
  await server.close();
  await client.closed;
});

test('flow control: WINDOW_UPDATE after half a window; the send window binds once the peer uses it', async () => {
  const [ct, st] = pipePair();
  const accepted: SpdyStream[] = [];
  const server = new SpdyConnection(st, { role: 'server', onStream: (s) => accepted.push(s) });
  // The raw client side: decode what the server sends.
  const frames: SpdyFrame[] = [];
  const dec = new FrameDecoder();
  ct.on('data', (c: Buffer) => frames.push(...dec.push(c)));
  const comp = new HeaderCompressor();
  ct.write(
    encodeFrame({
      type: 'syn_stream',
      streamId: 1,
      associatedId: 0,
      priority: 0,
      slot: 0,
      flags: 0,
      headerBlock: await comp.compress(spdyHeaders({ streamtype: 'data' })),
    }),
  );
  await until(() => accepted.length === 1);
  const s = accepted[0]!;
  s.resume();
  ct.write(encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(40000) }));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    frames.filter((f) => f.type === 'window_update'),
    [{ type: 'window_update', streamId: 1, delta: 40000 }],
  );
  // Without the peer using flow control, 100 KB go out at once.
  s.write(Buffer.alloc(100_000));
  await new Promise((r) => setTimeout(r, 20));
  const sent = (): number =>
    frames.reduce((n, f) => n + (f.type === 'data' && f.streamId === 1 ? f.data.length : 0), 0);
  assert.equal(sent(), 100_000);
  // The peer speaks flow control now: its window is exhausted (64 KiB − 100 KB < 0), so
  // further data waits for the next WINDOW_UPDATE.
  ct.write(encodeFrame({ type: 'window_update', streamId: 1, delta: 1 }));
  await new Promise((r) => setTimeout(r, 20));
  s.write(Buffer.alloc(1000));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sent(), 100_000);
  ct.write(encodeFrame({ type: 'window_update', streamId: 1, delta: 40_000 }));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sent(), 101_000);
  comp.close();
  server.destroy();
});
