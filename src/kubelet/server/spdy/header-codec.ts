/**
 * SPDY/3 header compression: one zlib context per direction for the whole connection, primed
 * with the SPDY dictionary, each block ended with a Z_SYNC_FLUSH (spdystream's Framer:
 * `zlib.NewWriterLevelDict(buf, zlib.BestCompression, headerDictionary)` + `Flush()` per frame;
 * its reader keeps one `zlib.NewReaderDict` over all blocks). Node's zlib streams are
 * asynchronous, so each codec runs its blocks strictly one after another.
 */
import * as zlib from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './dictionary.ts';
import { decodeHeaderBlock, encodeHeaderBlock } from './frames.ts';

/** Case-insensitive multi-valued headers as SPDY carries them (names lower-case). */
export type SpdyHeaders = Map<string, string[]>;

/** Runs one block through a zlib stream, collecting what the sync flush emits. */
function runBlock(stream: zlib.Deflate | zlib.Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => {
      chunks.push(c);
    };
    const onError = (err: Error): void => {
      stream.off('data', onData);
      reject(err);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    stream.write(input);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** A serial queue: each task starts after the previous one settled. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** The sending side's compressor. `compress` calls complete in call order. */
export class HeaderCompressor {
  readonly #deflate = zlib.createDeflate({
    dictionary: SPDY_HEADER_DICTIONARY,
    level: zlib.constants.Z_BEST_COMPRESSION,
  });
  readonly #serial = new Serial();

  /** The compressed block of `headers` (continuing this connection's zlib stream). */
  compress(headers: ReadonlyMap<string, readonly string[]>): Promise<Buffer> {
    const raw = encodeHeaderBlock(headers);
    return this.#serial.run(() => runBlock(this.#deflate, raw));
  }

  close(): void {
    this.#deflate.destroy();
  }
}

/** The receiving side's decompressor. `decompress` calls complete in call order. */
export class HeaderDecompressor {
  readonly #inflate = zlib.createInflate({ dictionary: SPDY_HEADER_DICTIONARY });
  readonly #serial = new Serial();

  /** Decompresses and parses one block (blocks must be fed in arrival order). */
  decompress(block: Buffer): Promise<SpdyHeaders> {
    return this.#serial.run(async () => {
      if (block.length === 0) return new Map<string, string[]>();
      return decodeHeaderBlock(await runBlock(this.#inflate, block));
    });
  }

  close(): void {
    this.#inflate.destroy();
  }
}

/** The first value of a header (names are case-insensitive), or '' like Go's Header.Get. */
export function headerValue(headers: ReadonlyMap<string, readonly string[]>, name: string): string {
  return headers.get(name.toLowerCase())?.[0] ?? '';
}

/** Builds SpdyHeaders from a plain record (values: one string or several). */
export function spdyHeaders(
  record: Readonly<Record<string, string | readonly string[]>>,
): SpdyHeaders {
  const m: SpdyHeaders = new Map();
  for (const [k, v] of Object.entries(record))
    m.set(k.toLowerCase(), typeof v === 'string' ? [v] : [...v]);
  return m;
}
