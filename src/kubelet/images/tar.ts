/**
 * A streaming tar reader (POSIX ustar, PAX extended headers, GNU long names and base-256
 * numbers), enough for OCI layers and image archives. The project has no tar dependency; this
 * reads any `AsyncIterable<Uint8Array>` without buffering file bodies.
 *
 * Contract: `for await (const entry of readTar(src))`; an entry's `body()` may be consumed at
 * most once and only before the loop advances; an unconsumed body is skipped. Pure apart from
 * consuming the source.
 */

/** Tar entry types, normalised. */
export type TarEntryType =
  | 'file'
  | 'link' // hard link
  | 'symlink'
  | 'char'
  | 'block'
  | 'directory'
  | 'fifo';

/** One archive member's header, after PAX and GNU extensions are applied. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number; // seconds since the epoch
  linkname: string;
  devmajor: number;
  devminor: number;
  /** PAX `SCHILY.xattr.*` extended attributes (name → raw value). */
  xattrs: Record<string, Buffer>;
}

/** A tar member: its header and a one-shot body stream. */
export interface TarEntry {
  header: TarHeader;
  body(): AsyncIterable<Buffer>;
}

/** A malformed archive. */
export class TarError extends Error {
  override readonly name = 'TarError';
}

const BLOCK = 512;

/** Pulls exact byte counts out of an async chunk stream. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done === true) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (!(await this.fill())) break;
    }
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  /** Up to n bytes in chunks as they arrive. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) {
        throw new TarError('unexpected end of archive inside a member');
      }
      const take = Math.min(left, this.buf.length);
      const out = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
      yield out;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)) {
      // discard
    }
  }
}

function cstring(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return (nul >= 0 ? s.subarray(0, nul) : s).toString('utf8');
}

/** A numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function num(b: Buffer, off: number, len: number): number {
  const f = b.subarray(off, off + len);
  if (((f[0] ?? 0) & 0x80) !== 0) {
    let v = 0;
    for (let i = 0; i < f.length; i++) {
      const byte = i === 0 ? (f[i] ?? 0) & 0x7f : (f[i] ?? 0);
      v = v * 256 + byte;
    }
    return v;
  }
  const s = cstring(f, 0, len).trim();
  if (s === '') return 0;
  const v = parseInt(s, 8);
  if (Number.isNaN(v)) throw new TarError(`invalid numeric field ${JSON.stringify(s)}`);
  return v;
}

function checksumOk(b: Buffer): boolean {
  const stored = num(b, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (b[i] ?? 0);
  return stored === sum;
}

/** Parses PAX records `"<len> <key>=<value>\n"`. */
function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > data.length) {
      throw new TarError('invalid PAX record');
    }
    const rec = data.subarray(sp + 1, i + len - 1); // drop trailing \n
    const eq = rec.indexOf(0x3d);
    if (eq > 0) out.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1));
    i += len;
  }
  return out;
}

function typeOf(flag: string): TarEntryType | undefined {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return undefined;
  }
}

/** Reads a whole (small) member body. */
async function slurp(reader: ByteReader, size: number): Promise<Buffer> {
  if (size > 64 * 1024 * 1024) throw new TarError('extended header too large');
  const data = await reader.read(size);
  if (data.length < size) throw new TarError('unexpected end of archive');
  await reader.skip((BLOCK - (size % BLOCK)) % BLOCK);
  return data;
}

/** Iterates the members of a tar stream (see the module contract). */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let globalPax = new Map<string, Buffer>();
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block.length === 0) return; // tolerate a missing end-of-archive marker
    if (block.length < BLOCK) throw new TarError('truncated header');
    if (block.every((x) => x === 0)) return;
    if (!checksumOk(block)) throw new TarError('invalid header checksum');
    const flag = String.fromCharCode(block[156] ?? 0);
    const size = num(block, 124, 12);
    if (flag === 'x' || flag === 'g') {
      const records = parsePax(await slurp(reader, size));
      if (flag === 'g') globalPax = new Map([...globalPax, ...records]);
      else pax = records;
      continue;
    }
    if (flag === 'L' || flag === 'K') {
      const v = cstring(await slurp(reader, size), 0, size);
      if (flag === 'L') longName = v;
      else longLink = v;
      continue;
    }
    const type = typeOf(flag);
    const magic = block.subarray(257, 263).toString('latin1');
    let name = cstring(block, 0, 100);
    if (magic.startsWith('ustar')) {
      const prefix = cstring(block, 345, 155);
      if (prefix !== '' && magic === 'ustar\u000000') name = `${prefix}/${name}`;
    }
    const ext = new Map([...globalPax, ...pax]);
    const header: TarHeader = {
      name: ext.get('path')?.toString('utf8') ?? longName ?? name,
      type: type ?? 'file',
      mode: num(block, 100, 8) & 0o7777,
      uid: Number(ext.get('uid')?.toString() ?? num(block, 108, 8)),
      gid: Number(ext.get('gid')?.toString() ?? num(block, 116, 8)),
      size: Number(ext.get('size')?.toString() ?? size),
      mtime: Math.floor(Number(ext.get('mtime')?.toString() ?? num(block, 136, 12))),
      linkname: ext.get('linkpath')?.toString('utf8') ?? longLink ?? cstring(block, 157, 100),
      devmajor: num(block, 329, 8),
      devminor: num(block, 337, 8),
      xattrs: {},
    };
    for (const [k, v] of ext) {
      if (k.startsWith('SCHILY.xattr.')) header.xattrs[k.slice('SCHILY.xattr.'.length)] = v;
    }
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    // Header-only types (links, devices, directories, fifos) carry no body whatever their size
    // field says, as Go's archive/tar reads them.
    const bodySize = header.type === 'file' || type === undefined ? header.size : 0;
    const state = { consumed: false };
    const entry: TarEntry = {
      header,
      body: () => {
        if (state.consumed) throw new TarError('tar entry body read twice');
        state.consumed = true;
        return reader.stream(bodySize);
      },
    };
    if (type === undefined) {
      // Unknown member types (GNU sparse, volume labels...) are skipped, as Go's archive/tar.
      await reader.skip(bodySize + ((BLOCK - (bodySize % BLOCK)) % BLOCK));
      continue;
    }
    yield entry;
    if (!state.consumed) await reader.skip(bodySize);
    await reader.skip((BLOCK - (bodySize % BLOCK)) % BLOCK);
  }
}

/**
 * Writes a tar archive in memory from simple members (ustar with PAX for long names): used by
 * tests and the docker-archive importer's fixtures; not for large data.
 */
export function writeTar(
  members: readonly {
    name: string;
    type?: TarEntryType;
    data?: Uint8Array | string;
    mode?: number;
    uid?: number;
    gid?: number;
    linkname?: string;
    devmajor?: number;
    devminor?: number;
    xattrs?: Record<string, string>;
  }[],
): Buffer {
  const parts: Buffer[] = [];
  const flagOf: Record<TarEntryType, string> = {
    file: '0',
    link: '1',
    symlink: '2',
    char: '3',
    block: '4',
    directory: '5',
    fifo: '6',
  };
  const header = (
    name: string,
    flag: string,
    size: number,
    m: {
      mode?: number;
      uid?: number;
      gid?: number;
      linkname?: string;
      devmajor?: number;
      devminor?: number;
    },
  ): Buffer => {
    const b = Buffer.alloc(BLOCK);
    b.write(name.slice(0, 100), 0, 'utf8');
    const oct = (v: number, off: number, len: number): void => {
      b.write(v.toString(8).padStart(len - 1, '0') + '\0', off, 'ascii');
    };
    oct(m.mode ?? 0o644, 100, 8);
    oct(m.uid ?? 0, 108, 8);
    oct(m.gid ?? 0, 116, 8);
    oct(size, 124, 12);
    oct(0, 136, 12);
    b.write(flag, 156, 'ascii');
    b.write((m.linkname ?? '').slice(0, 100), 157, 'utf8');
    b.write('ustar\u000000', 257, 'latin1');
    oct(m.devmajor ?? 0, 329, 8);
    oct(m.devminor ?? 0, 337, 8);
    b.fill(32, 148, 156);
    let sum = 0;
    for (const x of b) sum += x;
    b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    return b;
  };
  const pad = (n: number): Buffer => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);
  for (const m of members) {
    const data = typeof m.data === 'string' ? Buffer.from(m.data) : Buffer.from(m.data ?? []);
    const records: string[] = [];
    const rec = (k: string, v: string): void => {
      const body = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(body) + 1;
      while (String(len).length + Buffer.byteLength(body) !== len) len++;
      records.push(`${len}${body}`);
    };
    if (Buffer.byteLength(m.name) > 100) rec('path', m.name);
    if (m.linkname !== undefined && Buffer.byteLength(m.linkname) > 100)
      rec('linkpath', m.linkname);
    for (const [k, v] of Object.entries(m.xattrs ?? {})) rec(`SCHILY.xattr.${k}`, v);
    if (records.length > 0) {
      const pd = Buffer.from(records.join(''));
      parts.push(header('PaxHeader', 'x', pd.length, {}), pd, pad(pd.length));
    }
    const type = m.type ?? 'file';
    const size = type === 'file' ? data.length : 0;
    parts.push(header(m.name, flagOf[type], size, m));
    if (size > 0) parts.push(data, pad(size));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
