import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ChannelConn, V5_CHANNEL_PROTOCOL } from './wsstream.ts';

describe('ChannelConn output hold', () => {
  it('sends nothing during the hold, then the held frames in order and the close', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    try {
      await new Promise<void>((r) => wss.once('listening', r));
      const { port } = wss.address() as AddressInfo;
      const held = new Promise<number>((resolve) => {
        wss.once('connection', (ws) => {
          const conn = new ChannelConn(ws, V5_CHANNEL_PROTOCOL, {
            binary: true,
            channels: ['read', 'write', 'write', 'write'],
            holdOutputMs: 150,
          });
          // What a command that prints and exits at once does.
          conn.send(1, Buffer.from('out'));
          conn.send(2, Buffer.from('err'));
          conn.close();
          resolve(Date.now());
        });
      });
      const client = new WebSocket(`ws://127.0.0.1:${String(port)}`, V5_CHANNEL_PROTOCOL);
      const frames: { at: number; channel: number; text: string }[] = [];
      client.on('message', (data: Buffer) => {
        frames.push({ at: Date.now(), channel: data[0] ?? -1, text: data.subarray(1).toString() });
      });
      const code = await new Promise<number>((r) =>
        client.once('close', (c) => {
          r(c);
        }),
      );
      const sentAt = await held;
      assert.equal(code, 1000);
      assert.deepEqual(
        frames.map((f) => [f.channel, f.text]),
        [
          [1, 'out'],
          [2, 'err'],
        ],
      );
      assert.ok((frames[0]?.at ?? 0) - sentAt >= 140, 'the first frame waited for the hold');
    } finally {
      await new Promise<void>((r) => {
        wss.close(() => {
          r();
        });
      });
    }
  });
});
