/**
 * SPDY/3.1 framing as moby/spdystream speaks it (spdy/types.go, read.go, write.go): pure
 * encoders and an incremental decoder of frames, and the uncompressed name/value header block.
 * Header blocks travel zlib-compressed with the SPDY dictionary (header-codec.ts); the frames
 * here carry them as opaque bytes so framing stays synchronous and testable.
 *
 * Layouts (SPDY draft 3):
 * - control frame: `1 | version:15 (3) | type:16 | flags:8 | length:24 | payload`;
 * - data frame: `0 | streamId:31 | flags:8 | length:24 | payload`.
 */

/** Control frame types (spdystream `ControlFrameType`). */
export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** The FIN flag of SYN_STREAM, SYN_REPLY, HEADERS and DATA frames. */
export const FLAG_FIN = 0x01;
/** SYN_STREAM's UNIDIRECTIONAL flag. */
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (spdystream `RstStreamStatus`). */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  INVALID_CREDENTIALS: 10,
  FRAME_TOO_LARGE: 11,
} as const;

/** SETTINGS ids (spdystream `SettingsId`). */
export const SettingsId = {
  MAX_CONCURRENT_STREAMS: 4,
  INITIAL_WINDOW_SIZE: 7,
} as const;

/** The largest payload one frame may carry (24-bit length). */
export const MAX_FRAME_PAYLOAD = 0xffffff;
/** SPDY/3's default per-stream flow-control window (64 KiB). */
export const DEFAULT_INITIAL_WINDOW = 65536;

/** One setting of a SETTINGS frame. */
export interface Setting {
  flags: number;
  id: number;
  value: number;
}

/**
 * A decoded frame. Header-carrying frames keep their still-compressed block in `headerBlock`;
 * the connection decompresses blocks in arrival order (one zlib context per direction).
 */
export type SpdyFrame =
  | {
      type: 'syn_stream';
      streamId: number;
      associatedId: number;
      priority: number;
      slot: number;
      flags: number;
      headerBlock: Buffer;
    }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; settings: Setting[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

/** A malformed frame: the connection is unusable afterwards (spdystream closes it). */
export class SpdyProtocolError extends Error {
  override readonly name = 'SpdyProtocolError';
}

function controlHeader(type: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt8(flags & 0xff, 4);
  h.writeUIntBE(length, 5, 3);
  return h;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([controlHeader(type, flags, payload.length), payload]);
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/**
 * Encodes a frame. Header-carrying frames take their already-compressed `headerBlock`.
 * Data frames longer than {@link MAX_FRAME_PAYLOAD} must be split by the caller.
 */
export function encodeFrame(frame: SpdyFrame): Buffer {
  switch (frame.type) {
    case 'syn_stream': {
      const p = Buffer.alloc(10);
      p.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
      p.writeUInt32BE(frame.associatedId & 0x7fffffff, 4);
      // spdystream: priority in the top 3 bits of the byte, then the credential slot.
      p.writeUInt8((frame.priority & 0x07) << 5, 8);
      p.writeUInt8(frame.slot & 0xff, 9);
      return control(FrameType.SYN_STREAM, frame.flags, Buffer.concat([p, frame.headerBlock]));
    }
    case 'syn_reply':
      return control(
        FrameType.SYN_REPLY,
        frame.flags,
        Buffer.concat([u32s(frame.streamId & 0x7fffffff), frame.headerBlock]),
      );
    case 'headers':
      return control(
        FrameType.HEADERS,
        frame.flags,
        Buffer.concat([u32s(frame.streamId & 0x7fffffff), frame.headerBlock]),
      );
    case 'rst_stream':
      return control(FrameType.RST_STREAM, 0, u32s(frame.streamId & 0x7fffffff, frame.status));
    case 'settings': {
      const p = Buffer.alloc(4 + frame.settings.length * 8);
      p.writeUInt32BE(frame.settings.length, 0);
      frame.settings.forEach((s, i) => {
        // Flags in the high byte, the 24-bit id below (spdystream write.go).
        p.writeUInt32BE((((s.flags & 0xff) << 24) | (s.id & 0xffffff)) >>> 0, 4 + i * 8);
        p.writeUInt32BE(s.value >>> 0, 8 + i * 8);
      });
      return control(FrameType.SETTINGS, frame.flags, p);
    }
    case 'ping':
      return control(FrameType.PING, 0, u32s(frame.id));
    case 'goaway':
      return control(FrameType.GOAWAY, 0, u32s(frame.lastGoodStreamId & 0x7fffffff, frame.status));
    case 'window_update':
      return control(
        FrameType.WINDOW_UPDATE,
        0,
        u32s(frame.streamId & 0x7fffffff, frame.delta & 0x7fffffff),
      );
    case 'data': {
      if (frame.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('frame too large');
      const h = Buffer.alloc(8);
      h.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
      h.writeUInt8(frame.flags & 0xff, 4);
      h.writeUIntBE(frame.data.length, 5, 3);
      return Buffer.concat([h, frame.data]);
    }
    case 'unknown':
      return control(frame.frameType, frame.flags, frame.payload);
  }
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new SpdyProtocolError(`invalid control frame: short ${what}`);
}

function decodeControl(type: number, flags: number, p: Buffer): SpdyFrame {
  switch (type) {
    case FrameType.SYN_STREAM:
      need(p, 10, 'SYN_STREAM');
      return {
        type: 'syn_stream',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        associatedId: p.readUInt32BE(4) & 0x7fffffff,
        priority: p.readUInt8(8) >> 5,
        slot: p.readUInt8(9),
        flags,
        headerBlock: p.subarray(10),
      };
    case FrameType.SYN_REPLY:
      need(p, 4, 'SYN_REPLY');
      return {
        type: 'syn_reply',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        flags,
        headerBlock: p.subarray(4),
      };
    case FrameType.HEADERS:
      need(p, 4, 'HEADERS');
      return {
        type: 'headers',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        flags,
        headerBlock: p.subarray(4),
      };
    case FrameType.RST_STREAM:
      need(p, 8, 'RST_STREAM');
      return {
        type: 'rst_stream',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        status: p.readUInt32BE(4),
      };
    case FrameType.SETTINGS: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + n * 8, 'SETTINGS');
      const settings: Setting[] = [];
      for (let i = 0; i < n; i++) {
        const fid = p.readUInt32BE(4 + i * 8);
        settings.push({ flags: fid >>> 24, id: fid & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', flags, settings };
    }
    case FrameType.PING:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GOAWAY:
      need(p, 8, 'GOAWAY');
      return {
        type: 'goaway',
        lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff,
        status: p.readUInt32BE(4),
      };
    case FrameType.WINDOW_UPDATE:
      need(p, 8, 'WINDOW_UPDATE');
      return {
        type: 'window_update',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        delta: p.readUInt32BE(4) & 0x7fffffff,
      };
    default:
      return { type: 'unknown', frameType: type, flags, payload: p };
  }
}

/**
 * Incremental frame decoder: feed it arbitrary slices of the byte stream (a TCP read, or a
 * WebSocket message of the port-forward tunnel, which splits frames anywhere) and it returns
 * every frame completed so far. Payloads are copies the caller may keep.
 */
export class FrameDecoder {
  #buf: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns the frames they complete, in order. */
  push(chunk: Uint8Array): SpdyFrame[] {
    this.#buf =
      this.#buf.length === 0
        ? Buffer.from(chunk)
        : Buffer.concat([this.#buf, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)]);
    const out: SpdyFrame[] = [];
    while (this.#buf.length >= 8) {
      const len = this.#buf.readUIntBE(5, 3);
      if (this.#buf.length < 8 + len) break;
      const head = this.#buf.subarray(0, 8);
      const payload = Buffer.from(this.#buf.subarray(8, 8 + len));
      this.#buf = this.#buf.subarray(8 + len);
      const first = head.readUInt32BE(0);
      const flags = head.readUInt8(4);
      if ((first & 0x80000000) !== 0) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== 3) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
        out.push(decodeControl(first & 0xffff, flags, payload));
      } else {
        out.push({ type: 'data', streamId: first & 0x7fffffff, flags, data: payload });
      }
    }
    return out;
  }

  /** Bytes received but not yet a whole frame. */
  get buffered(): number {
    return this.#buf.length;
  }
}

/**
 * A header block's uncompressed form (SPDY/3): `count:u32`, then `nameLen:u32 name valueLen:u32
 * value` per header, several values of one name joined by NUL. Names are lower-cased as
 * spdystream writes them (its reader rejects upper-case names: "header was not lowercased").
 * Map iteration order is kept.
 */
export function encodeHeaderBlock(headers: ReadonlyMap<string, readonly string[]>): Buffer {
  const parts: Buffer[] = [u32s(headers.size)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32s(n.length), n, u32s(v.length), v);
  }
  return Buffer.concat(parts);
}

/**
 * Parses an uncompressed header block into lower-case names and their values (NUL-split).
 * @throws SpdyProtocolError on truncation, upper-case or duplicate names (spdystream's errors).
 */
export function decodeHeaderBlock(block: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  need(block, 4, 'header block');
  const count = block.readUInt32BE(0);
  let off = 4;
  const str = (): string => {
    need(block, off + 4, 'header block');
    const len = block.readUInt32BE(off);
    off += 4;
    need(block, off + len, 'header block');
    const s = block.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = str();
    if (name !== name.toLowerCase()) throw new SpdyProtocolError('header was not lowercased');
    if (out.has(name)) throw new SpdyProtocolError('multiple headers with same name');
    out.set(name, str().split('\0'));
  }
  return out;
}
