/**
 * Test clients of the kubelet server's streaming protocols, shaped after client-go
 * (tools/remotecommand websocket.go and v4.go, tools/portforward portforward.go and
 * tunneling_connection.go): they send the same upgrade headers and frames as kubectl so the
 * server's tests (and the API server's proxy tests) exercise the real wire format.
 */
import * as http from 'node:http';
import { Duplex } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { SpdyConnection } from './spdy/connection.ts';
import type { SpdyStream } from './spdy/connection.ts';

/** What a remotecommand client collected. */
export interface RemoteCommandOutput {
  stdout: string;
  stderr: string;
  /** The raw error-stream bytes (Status JSON for v4/v5, text before). */
  error: string;
  /** The WebSocket close code (WebSocket clients only). */
  closeCode?: number;
}

/** Options of the test clients' exec. */
export interface ClientExecOptions {
  /** Bytes sent on stdin, then stdin is half-closed (v5 CLOSE / SPDY FIN). */
  stdin?: string;
  /** Terminal sizes sent on the resize stream/channel. */
  resizes?: { Width: number; Height: number }[];
  /** Extra request headers (Authorization...). */
  headers?: Record<string, string>;
}

/**
 * A WebSocket remotecommand client (client-go websocket.go): binary channel messages,
 * `[255, 0]` to close stdin on v5. Resolves once the server closed the socket.
 */
export function webSocketExec(
  url: string,
  protocol: string,
  opts: ClientExecOptions = {},
): Promise<RemoteCommandOutput> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol === '' ? [] : [protocol], {
      headers: opts.headers ?? {},
      rejectUnauthorized: false,
    });
    const out: RemoteCommandOutput = { stdout: '', stderr: '', error: '' };
    const binary = !protocol.includes('base64');
    ws.on('open', () => {
      const send = (ch: number, data: string): void => {
        if (binary) ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)]));
        else ws.send(String.fromCharCode(0x30 + ch) + Buffer.from(data).toString('base64'));
      };
      for (const r of opts.resizes ?? []) send(4, JSON.stringify(r) + '\n');
      if (opts.stdin !== undefined) {
        send(0, opts.stdin);
        if (protocol === 'v5.channel.k8s.io') ws.send(Buffer.from([255, 0]));
      }
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let ch = data[0] ?? 0;
      let payload = data.subarray(1);
      if (!isBinary) {
        ch -= 0x30;
        payload = Buffer.from(payload.toString(), 'base64');
      }
      const text = payload.toString();
      if (ch === 1) out.stdout += text;
      else if (ch === 2) out.stderr += text;
      else if (ch === 3) out.error += text;
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        reject(new Error(`HTTP ${res.statusCode ?? 0}: ${body}`));
      });
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      out.closeCode = code;
      resolve(out);
    });
  });
}

/** The 101 answer and socket of a raw upgrade request. */
export interface UpgradeResult {
  socket: Duplex;
  headers: http.IncomingHttpHeaders;
}

/**
 * Sends an `Upgrade: SPDY/3.1` request as client-go's SpdyRoundTripper does (POST,
 * `X-Stream-Protocol-Version` repeated per offered protocol). Rejects with the status and body
 * when the server does not switch protocols.
 */
export function spdyUpgrade(
  url: string,
  protocols: readonly string[],
  headers: Record<string, string> = {},
): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      method: 'POST',
      headers: [
        'Connection',
        'Upgrade',
        'Upgrade',
        'SPDY/3.1',
        // Go sends an empty POST with Content-Length: 0 (no chunked terminator in the stream).
        'Content-Length',
        '0',
        ...protocols.flatMap((p) => ['X-Stream-Protocol-Version', p]),
        ...Object.entries(headers).flat(),
      ],
    });
    req.on('upgrade', (res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      resolve({ socket, headers: res.headers });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        reject(new Error(`HTTP ${res.statusCode ?? 0}: ${body}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function collect(s: SpdyStream): Promise<string> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => {
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

/**
 * A SPDY remotecommand client (client-go v4 streamer): opens the error stream, then stdin,
 * stdout, stderr and resize as requested (`streamType` headers), sends stdin and FIN, and
 * collects output until the streams end.
 */
export async function spdyExec(
  url: string,
  protocols: readonly string[],
  want: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  opts: ClientExecOptions = {},
): Promise<RemoteCommandOutput & { protocol: string }> {
  const { socket, headers } = await spdyUpgrade(url, protocols, opts.headers);
  const protocol = String(headers['x-stream-protocol-version'] ?? '');
  const conn = new SpdyConnection(socket, { role: 'client' });
  const errorS = conn.createStream({ streamtype: 'error' }, true);
  const stdinS = want.stdin ? conn.createStream({ streamtype: 'stdin' }) : undefined;
  const stdoutS = want.stdout ? conn.createStream({ streamtype: 'stdout' }, true) : undefined;
  const stderrS = want.stderr ? conn.createStream({ streamtype: 'stderr' }, true) : undefined;
  const resizeS = want.tty ? conn.createStream({ streamtype: 'resize' }) : undefined;
  const results = Promise.all([
    collect(errorS),
    stdoutS !== undefined ? collect(stdoutS) : Promise.resolve(''),
    stderrS !== undefined ? collect(stderrS) : Promise.resolve(''),
  ]);
  const opened = [errorS, stdinS, stdoutS, stderrS, resizeS].filter((s) => s !== undefined);
  await Promise.all(opened.map((s) => s.replied));
  for (const r of opts.resizes ?? []) resizeS?.write(JSON.stringify(r) + '\n');
  if (stdinS !== undefined) stdinS.end(opts.stdin ?? '');
  const [error, stdout, stderr] = await results;
  conn.destroy();
  return { stdout, stderr, error, protocol };
}

/**
 * A SPDY port-forward session (client-go portforward.go): per connection an error stream
 * (half-closed at once) and a data stream sharing `requestID`. `request` sends `data`,
 * half-closes and resolves with everything received and the error-stream text.
 */
export class PortForwardClient {
  #requestId = 0;
  constructor(readonly conn: SpdyConnection) {}

  /** Opens a SPDY port-forward session over an upgrade. */
  static async spdy(url: string, headers: Record<string, string> = {}): Promise<PortForwardClient> {
    const { socket } = await spdyUpgrade(url, ['portforward.k8s.io'], headers);
    return new PortForwardClient(new SpdyConnection(socket, { role: 'client' }));
  }

  /** Opens a SPDY session tunnelled in a WebSocket (`SPDY/3.1+portforward.k8s.io`). */
  static async tunnel(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<PortForwardClient> {
    const pipe = await webSocketClientPipe(url, 'SPDY/3.1+portforward.k8s.io', headers);
    return new PortForwardClient(new SpdyConnection(pipe, { role: 'client' }));
  }

  async request(port: number, data: string): Promise<{ data: string; error: string }> {
    const id = String(this.#requestId++);
    const errorS = this.conn.createStream(
      { streamtype: 'error', port: String(port), requestid: id },
      true,
    );
    const dataS = this.conn.createStream({ streamtype: 'data', port: String(port), requestid: id });
    const out = Promise.all([collect(dataS), collect(errorS)]);
    await Promise.all([errorS.replied, dataS.replied]);
    dataS.end(data);
    const [d, e] = await out;
    return { data: d, error: e };
  }

  close(): void {
    this.conn.destroy();
  }
}

/**
 * A minimal WebSocket client used as a byte pipe, as client-go's tunnelling dialer (gorilla):
 * `ws` refuses subprotocols that are not RFC 7230 tokens such as
 * `SPDY/3.1+portforward.k8s.io`, so the handshake and the (masked) framing are done here.
 * Writes become binary messages; binary payloads are pushed in order; pings are answered; a
 * close frame ends the stream.
 */
export function webSocketClientPipe(
  url: string,
  protocol: string,
  headers: Record<string, string> = {},
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const u = new URL(url.replace(/^ws/, 'http'));
    const key = randomBytes(16).toString('base64');
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Protocol': protocol,
        ...headers,
      },
    });
    req.on('response', (res) => {
      reject(new Error(`HTTP ${res.statusCode ?? 0}`));
    });
    req.on('error', reject);
    req.on('upgrade', (res, socket, head) => {
      const accept = createHash('sha1')
        .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
        .digest('base64');
      if (res.headers['sec-websocket-accept'] !== accept) {
        reject(new Error('bad Sec-WebSocket-Accept'));
        return;
      }
      if (res.headers['sec-websocket-protocol'] !== protocol) {
        reject(
          new Error(`unexpected subprotocol ${String(res.headers['sec-websocket-protocol'])}`),
        );
        return;
      }
      const frame = (opcode: number, payload: Buffer): Buffer => {
        const mask = randomBytes(4);
        const len = payload.length;
        const head2 =
          len < 126
            ? Buffer.from([0x80 | opcode, 0x80 | len])
            : len < 65536
              ? Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 126]), u16(len)])
              : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), u64(len)]);
        const masked = Buffer.from(payload);
        for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] ?? 0) ^ (mask[i % 4] ?? 0);
        return Buffer.concat([head2, mask, masked]);
      };
      let buf: Buffer = Buffer.from(head);
      const pipe = new Duplex({
        read() {
          // pushed as frames arrive
        },
        write(chunk: Buffer, _enc, cb) {
          socket.write(frame(2, chunk), () => {
            cb();
          });
        },
        final(cb) {
          const code = Buffer.alloc(2);
          code.writeUInt16BE(1000);
          socket.end(frame(8, code));
          cb();
        },
        destroy(err, cb) {
          socket.destroy();
          cb(err);
        },
      });
      const parse = (): void => {
        for (;;) {
          if (buf.length < 2) return;
          const opcode = (buf[0] ?? 0) & 0x0f;
          let len = (buf[1] ?? 0) & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          if (buf.length < off + len) return;
          const payload = buf.subarray(off, off + len);
          buf = buf.subarray(off + len);
          if (opcode === 2 || opcode === 0) pipe.push(Buffer.from(payload));
          else if (opcode === 9) socket.write(frame(10, Buffer.from(payload)));
          else if (opcode === 8) {
            pipe.push(null);
            socket.end();
            return;
          }
        }
      };
      socket.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        parse();
      });
      socket.on('close', () => {
        pipe.push(null);
      });
      socket.on('error', () => undefined);
      parse();
      resolve(pipe);
    });
    req.end();
  });
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
