/**
 * Reading CRI container log files for `kubectl logs`, as upstream's
 * pkg/kubelet/kuberuntime/logs/logs.go and pkg/util/tail: the line format
 * `<RFC3339Nano> <stdout|stderr> <P|F> <content>` (P = partial line, F = full line) is parsed
 * by the runtime's cri-log.ts (one parser for writer and reader); here are the
 * options (follow, sinceSeconds/sinceTime, tailLines, limitBytes, timestamps), the writer that
 * joins partial lines, prefixes timestamps only at line starts and stops at the byte limit, and
 * the tail search. Pure: bytes in, bytes out; log-reader.ts adds files and following.
 */
import {
  formatCriLogLine as formatCriRecord,
  parseCriLogLine,
  rfc3339NanoFixed,
} from '../runtime/index.ts';
import type { CriLogEntry, LogStream } from '../runtime/index.ts';

/**
 * A CRI log line as text (tests and fakes): `<ts> <stream> <P|F> <content>\n`. `time` is an
 * RFC 3339 string written verbatim or a Date; the bytes come from the runtime's formatter.
 */
export function formatCriLogLine(
  time: Date | string,
  stream: LogStream,
  partial: boolean,
  content: string,
): string {
  return formatCriRecord(time, stream, partial, content).toString();
}

const NEWLINE = 0x0a;

/** A record's time in ms since the epoch (with the sub-millisecond fraction). */
function entryTimeMs(entry: CriLogEntry): number {
  return Number(entry.timestamp) / 1e6;
}

/** The query options of `GET pods/<name>/log` that reading uses (core/v1 PodLogOptions). */
export interface PodLogOptions {
  readonly follow?: boolean;
  readonly previous?: boolean;
  readonly sinceSeconds?: number;
  /** RFC 3339. */
  readonly sinceTime?: string;
  readonly timestamps?: boolean;
  readonly tailLines?: number;
  readonly limitBytes?: number;
}

/** kubelet LogOptions (NewLogOptions). */
export interface LogOptions {
  /** Lines from the end to start at; -1 = all. */
  readonly tail: number;
  /** Bytes to write at most; -1 = unlimited. */
  readonly bytes: number;
  readonly follow: boolean;
  readonly timestamps: boolean;
  /** Lines older than this (ms) are skipped; 0 = none. */
  readonly since: number;
}

/**
 * NewLogOptions: tailLines, limitBytes, follow, timestamps; `since` is now − sinceSeconds, or
 * sinceTime when later.
 */
export function logOptions(api: PodLogOptions, now: number): LogOptions {
  let since = 0;
  if (api.sinceSeconds !== undefined) since = now - api.sinceSeconds * 1000;
  if (api.sinceTime !== undefined) {
    const t = Date.parse(api.sinceTime);
    if (!Number.isNaN(t) && t > since) since = t;
  }
  return {
    tail: api.tailLines ?? -1,
    bytes: api.limitBytes ?? -1,
    follow: api.follow ?? false,
    timestamps: api.timestamps ?? false,
    since,
  };
}

/** Where log bytes go. Each call receives a fresh chunk the callee may keep. */
export interface LogSink {
  stdout(chunk: Uint8Array): void;
  stderr(chunk: Uint8Array): void;
}

/**
 * logWriter: writes messages to the sink, skipping those before `since`, prefixing the
 * timestamp (and a space) at the start of each logical line when asked, and cutting at the byte
 * limit. {@link write} returns `'limit'` once the limit is reached (stop reading).
 */
export class LogWriter {
  private remain: number;

  constructor(
    private readonly sink: LogSink,
    private readonly opts: LogOptions,
  ) {
    this.remain = opts.bytes >= 0 ? opts.bytes : Number.POSITIVE_INFINITY;
  }

  /** Writes one parsed record; `addPrefix` is whether it starts a new line. */
  write(msg: CriLogEntry, addPrefix: boolean): 'ok' | 'limit' {
    if (entryTimeMs(msg) < this.opts.since) return 'ok';
    let line: Uint8Array = msg.log;
    if (this.opts.timestamps && addPrefix) {
      line = Buffer.concat([Buffer.from(`${rfc3339NanoFixed(msg.timeText)} `, 'latin1'), line]);
    }
    if (line.length > this.remain) line = line.subarray(0, this.remain);
    const chunk = Uint8Array.from(line);
    if (msg.stream === 'stdout') this.sink.stdout(chunk);
    else this.sink.stderr(chunk);
    this.remain -= chunk.length;
    return this.remain <= 0 ? 'limit' : 'ok';
  }
}

/**
 * tail.FindTailLineStartIndex over a buffer: the offset after which `n` newlines remain (every
 * newline counts; an unterminated last line is not a line); 0 when `n < 0` or there are no more
 * than `n` newlines.
 */
export function findTailLineStart(buf: Uint8Array, n: number): number {
  if (n < 0) return 0;
  let total = 0;
  for (const b of buf) if (b === NEWLINE) total++;
  if (total <= n) return 0;
  let pos = 0;
  for (let skip = total - n; skip > 0; skip--) pos = buf.indexOf(NEWLINE, pos) + 1;
  return pos;
}

/**
 * Reads a whole log (no following): the lines from the tail start, each parsed (unparsable lines
 * are skipped as upstream does) and written; stops at the tail count or byte limit. Returns the
 * number of lines written.
 */
export function readLogBuffer(data: Uint8Array, opts: LogOptions, sink: LogSink): number {
  const state = new LogReadState(opts, sink);
  let pos = findTailLineStart(data, opts.tail);
  while (pos < data.length && !state.done) {
    const nl = data.indexOf(NEWLINE, pos);
    const end = nl < 0 ? data.length : nl + 1;
    state.line(data.subarray(pos, end));
    pos = end;
  }
  return state.written;
}

/**
 * The per-read state of ReadLogs, shared by {@link readLogBuffer} and the file follower: feeds
 * lines to a {@link LogWriter}, tracks line starts across partial lines and the remaining tail
 * count (only without follow, as upstream's limitedMode).
 */
export class LogReadState {
  private readonly writer: LogWriter;
  private isNewLine = true;
  private limitedNum: number;
  private readonly limited: boolean;
  private finished = false;
  /** Lines written. */
  written = 0;

  constructor(opts: LogOptions, sink: LogSink) {
    this.writer = new LogWriter(sink, opts);
    this.limited = opts.tail >= 0 && !opts.follow;
    this.limitedNum = opts.tail;
    if (this.limited && this.limitedNum === 0) this.finished = true;
  }

  /** Whether the tail count or byte limit was reached: stop reading. */
  get done(): boolean {
    return this.finished;
  }

  /** Handles one line (including its newline when complete). */
  line(raw: Uint8Array): void {
    if (this.done) return;
    let msg: CriLogEntry;
    try {
      msg = parseCriLogLine(raw);
    } catch {
      return;
    }
    if (this.writer.write(msg, this.isNewLine) === 'limit') {
      this.finished = true;
      return;
    }
    this.written++;
    if (this.limited) {
      this.limitedNum--;
      if (this.limitedNum === 0) this.finished = true;
    }
    this.isNewLine = msg.log.length > 0 ? msg.log[msg.log.length - 1] === NEWLINE : true;
  }
}

/**
 * The kubelet's log file of a container instance:
 * `<podLogsDir>/<namespace>_<name>_<uid>/<container>/<restartCount>.log`. `previous` logs are
 * the file of restartCount − 1.
 */
export function containerLogPath(
  podLogsDir: string,
  pod: { namespace: string; name: string; uid: string },
  container: string,
  restartCount: number,
): string {
  return `${podLogsDir}/${pod.namespace}_${pod.name}_${pod.uid}/${container}/${restartCount}.log`;
}
