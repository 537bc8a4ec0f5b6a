/**
 * The CRI container log format, as containerd writes it and the kubelet reads it:
 *
 *     <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>\n
 *
 * `F` marks the last piece of a line, `P` a partial piece: a line longer than the maximum
 * length is cut into `P` pieces followed by an `F` piece, and output that ends without a newline
 * is written as `P` (containerd pkg/cri/io/logger.go redirectLogs). Newlines (`\n` or `\r\n`,
 * as Go's bufio.ReadLine) are stripped from the content. Pure: the caller owns the bytes' source
 * and destination.
 */

/** Which output stream a log line came from. */
export type LogStream = 'stdout' | 'stderr';

/** containerd's default `max_container_log_line_size`. */
export const DEFAULT_MAX_LOG_LINE = 16 * 1024;

/**
 * Go's time.RFC3339Nano in UTC for epoch nanoseconds: trailing zeros of the fraction trimmed
 * and no fraction at all on a whole second (`2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z`).
 */
export function formatRfc3339Nano(epochNanos: bigint): string {
  const sec = epochNanos / 1_000_000_000n;
  const frac = epochNanos % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  if (frac === 0n) return `${base}Z`;
  return `${base}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}Z`;
}

/**
 * Parses RFC3339 / RFC3339Nano (any fraction length, `Z` or `±hh:mm`) to epoch nanoseconds;
 * undefined when malformed.
 */
export function parseRfc3339Nano(s: string): bigint | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se, fr, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  if (Number.isNaN(ms)) return undefined;
  let ns = BigInt(ms) * 1_000_000n + BigInt((fr ?? '').padEnd(9, '0') || '0');
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const offMin = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ns -= sign * offMin * 60_000_000_000n;
  }
  return ns;
}

/** One CRI log record (upstream logMessage, plus the raw pieces). */
export interface CriLogEntry {
  /** Epoch nanoseconds. */
  timestamp: bigint;
  /** The timestamp as written in the record (any RFC 3339 form, zone kept). */
  timeText: string;
  stream: LogStream;
  /** True for a `P` piece (more of the same line follows). */
  partial: boolean;
  /** The content without the record's trailing newline. */
  content: Buffer;
  /**
   * upstream's logMessage.log, what `kubectl logs` writes: the content with the trailing newline
   * kept on a full (`F`) record that had one, without it on a partial record. Shares memory with
   * {@link content}.
   */
  log: Buffer;
}

/** A malformed CRI log line (messages as upstream's parseCRILog). */
export class CriLogParseError extends Error {
  override readonly name = 'CriLogParseError';
}

/**
 * Formats one record, newline included. `time` is epoch nanoseconds, a Date, or an RFC 3339
 * string written verbatim (tests and fakes).
 */
export function formatCriLogLine(
  time: bigint | Date | string,
  stream: LogStream,
  partial: boolean,
  content: Uint8Array | string,
): Buffer {
  const ts =
    typeof time === 'string'
      ? time
      : formatRfc3339Nano(typeof time === 'bigint' ? time : BigInt(time.getTime()) * 1_000_000n);
  const head = `${ts} ${stream} ${partial ? 'P' : 'F'} `;
  return Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from('\n')]);
}

/**
 * upstream's timeFormatOut (RFC3339NanoFixed) of a record's timestamp text: the fraction padded
 * to 9 digits, the zone kept as written (`2016-10-20T18:39:20.57606443Z` →
 * `2016-10-20T18:39:20.576064430Z`). Text that is not RFC 3339 is returned unchanged.
 */
export function rfc3339NanoFixed(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (m === null) return text;
  return `${m[1] ?? ''}.${(m[2] ?? '').padEnd(9, '0')}${m[3] ?? ''}`;
}

/**
 * Parses one record (upstream parseCRILog): timestamp, stream (stdout/stderr), tag (the part
 * before any `:` is `F` or `P`; other tags are read as full for forward compatibility), content.
 * The line may or may not end with its newline (the last line of a file may lack it).
 * @throws CriLogParseError with upstream's messages.
 */
export function parseCriLogLine(line: Uint8Array | string): CriLogEntry {
  let buf =
    typeof line === 'string'
      ? Buffer.from(line)
      : Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  let idx = buf.indexOf(0x20);
  if (idx < 0) throw new CriLogParseError('timestamp is not found');
  const timeText = buf.subarray(0, idx).toString('latin1');
  const timestamp = parseRfc3339Nano(timeText);
  if (timestamp === undefined) {
    throw new CriLogParseError(
      `unexpected timestamp format "2006-01-02T15:04:05.999999999Z07:00": parsing time ${JSON.stringify(timeText)}`,
    );
  }
  buf = buf.subarray(idx + 1);
  idx = buf.indexOf(0x20);
  if (idx < 0) throw new CriLogParseError('stream type is not found');
  const stream = buf.subarray(0, idx).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr')
    throw new CriLogParseError(`unexpected stream type ${JSON.stringify(stream)}`);
  buf = buf.subarray(idx + 1);
  idx = buf.indexOf(0x20);
  if (idx < 0) throw new CriLogParseError('log tag is not found');
  const partial = buf.subarray(0, idx).toString('latin1').split(':')[0] === 'P';
  // One copy: the caller may keep the entry while the line's buffer is reused.
  const raw = Buffer.from(buf.subarray(idx + 1));
  const newline = raw.length > 0 && raw[raw.length - 1] === 0x0a;
  const content = newline ? raw.subarray(0, raw.length - 1) : raw;
  return { timestamp, timeText, stream, partial, content, log: partial ? content : raw };
}

/**
 * Turns one output stream's bytes into CRI records, as containerd's redirectLogs: complete lines
 * become `F` records; a line longer than `maxLen` becomes `P` pieces of `maxLen` bytes and a
 * final `F`; bytes left at {@link end} without a newline become one `P` record. Records go to
 * `emit` in order; the splitter holds at most `maxLen` bytes.
 */
export class CriLogSplitter {
  #pending: Buffer[] = [];
  #length = 0;

  constructor(
    private readonly stream: LogStream,
    private readonly emit: (record: Buffer) => void,
    private readonly now: () => bigint,
    private readonly maxLen: number = DEFAULT_MAX_LOG_LINE,
  ) {}

  /** Feeds bytes read from the stream. */
  push(chunk: Uint8Array): void {
    let data = Buffer.from(chunk);
    while (data.length > 0) {
      const nl = data.indexOf(0x0a);
      const piece = nl < 0 ? data : data.subarray(0, nl);
      this.#append(piece);
      if (nl < 0) break;
      this.#flush(false, true);
      data = data.subarray(nl + 1);
    }
  }

  /** The stream ended: writes what is left as a partial record. */
  end(): void {
    if (this.#length > 0) this.#flush(true, false);
  }

  #append(piece: Buffer): void {
    let rest = piece;
    while (this.#length + rest.length > this.maxLen) {
      const take = this.maxLen - this.#length;
      this.#pending.push(rest.subarray(0, take));
      this.#length += take;
      this.#flush(true, false);
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      this.#pending.push(Buffer.from(rest));
      this.#length += rest.length;
    }
  }

  #flush(partial: boolean, lineEnd: boolean): void {
    let content = Buffer.concat(this.#pending);
    // bufio.ReadLine drops the `\r` of a `\r\n` ending.
    if (lineEnd && content.length > 0 && content[content.length - 1] === 0x0d)
      content = content.subarray(0, content.length - 1);
    this.#pending = [];
    this.#length = 0;
    this.emit(formatCriLogLine(this.now(), this.stream, partial, content));
  }
}
