// CRI log format: upstream's parseCRILog cases (pkg/kubelet/kuberuntime/logs/logs_test.go
// TestParseLog) and containerd's redirectLogs behaviour (pkg/cri/io/logger_test.go).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CriLogParseError,
  CriLogSplitter,
  formatCriLogLine,
  formatRfc3339Nano,
  parseCriLogLine,
  parseRfc3339Nano,
  rfc3339NanoFixed,
} from './cri-log.ts';

const TS = '2016-10-20T18:39:20.57606443Z';
const TS_NS = parseRfc3339Nano(TS);

describe('RFC3339Nano', () => {
  it('formats like Go (trailing zeros trimmed, no fraction on whole seconds)', () => {
    assert.equal(formatRfc3339Nano(1476988760576064430n), TS);
    assert.equal(formatRfc3339Nano(1476988760000000000n), '2016-10-20T18:39:20Z');
    assert.equal(formatRfc3339Nano(1476988760000000001n), '2016-10-20T18:39:20.000000001Z');
  });
  it('parses fractions of any length and zone offsets', () => {
    assert.equal(TS_NS, 1476988760576064430n);
    assert.equal(parseRfc3339Nano('2016-10-20T18:39:20Z'), 1476988760000000000n);
    assert.equal(parseRfc3339Nano('2016-10-20T20:39:20.5+02:00'), 1476988760500000000n);
    assert.equal(parseRfc3339Nano('2016-10-20 18:39:20Z'), undefined);
  });
});

describe('parseCriLogLine (upstream TestParseLog)', () => {
  it('stdout full line', () => {
    const e = parseCriLogLine(`${TS} stdout F cri stdout test log\n`);
    assert.equal(e.timestamp, TS_NS);
    assert.equal(e.stream, 'stdout');
    assert.equal(e.partial, false);
    assert.equal(e.content.toString(), 'cri stdout test log');
  });
  it('stderr full line', () => {
    const e = parseCriLogLine(`${TS} stderr F cri stderr test log\n`);
    assert.equal(e.stream, 'stderr');
    assert.equal(e.content.toString(), 'cri stderr test log');
  });
  it('unsupported format', () => {
    assert.throws(() => parseCriLogLine('unsupported log format test log\n'), CriLogParseError);
  });
  it('partial line', () => {
    const e = parseCriLogLine(`${TS} stdout P cri stdout partial test log\n`);
    assert.equal(e.partial, true);
    assert.equal(e.content.toString(), 'cri stdout partial test log');
  });
  it('partial line with multiple tags', () => {
    const e = parseCriLogLine(`${TS} stdout P:TAG1:TAG2 cri stdout partial test log\n`);
    assert.equal(e.partial, true);
    assert.equal(e.content.toString(), 'cri stdout partial test log');
  });
  it('errors name the missing part', () => {
    assert.throws(() => parseCriLogLine(TS), { message: 'timestamp is not found' });
    assert.throws(() => parseCriLogLine(`${TS} stdout`), { message: 'stream type is not found' });
    assert.throws(() => parseCriLogLine(`${TS} stdin F x`), {
      message: 'unexpected stream type "stdin"',
    });
    assert.throws(() => parseCriLogLine(`${TS} stdout F`), { message: 'log tag is not found' });
  });
  it('round-trips a formatted line, content with spaces and bytes intact', () => {
    const line = formatCriLogLine(TS_NS ?? 0n, 'stderr', false, 'a b  c\té');
    assert.equal(line.toString(), `${TS} stderr F a b  c\té\n`);
    assert.equal(parseCriLogLine(line).content.toString(), 'a b  c\té');
  });
});

describe('CriLogSplitter (containerd redirectLogs)', () => {
  const run = (chunks: string[], maxLen?: number): string[] => {
    const out: string[] = [];
    let t = 0n;
    const s = new CriLogSplitter(
      'stdout',
      (b) => out.push(b.toString()),
      () => (t += 1_000_000_000n),
      maxLen,
    );
    for (const c of chunks) s.push(Buffer.from(c));
    s.end();
    return out.map((l) => l.slice(l.indexOf(' ') + 1));
  };
  it('complete lines become F records, across chunk boundaries', () => {
    assert.deepEqual(run(['test stream 1\ntest str', 'eam 2\n', 'test stream 3\n']), [
      'stdout F test stream 1\n',
      'stdout F test stream 2\n',
      'stdout F test stream 3\n',
    ]);
  });
  it('output ending without a newline ends with a P record', () => {
    assert.deepEqual(run(['a\nb']), ['stdout F a\n', 'stdout P b\n']);
  });
  it('long lines are cut into P pieces of maxLen and a final F', () => {
    assert.deepEqual(run(['test stream 1\nab\n'], 6), [
      'stdout P test s\n',
      'stdout P tream \n',
      'stdout F 1\n',
      'stdout F ab\n',
    ]);
    assert.deepEqual(run(['123456\n'], 6), ['stdout F 123456\n']);
  });
  it('empty lines and CRLF', () => {
    assert.deepEqual(run(['\r\n\nx\r\n']), ['stdout F \n', 'stdout F \n', 'stdout F x\n']);
  });
  it('timestamps come from the clock', () => {
    const out: Buffer[] = [];
    const s = new CriLogSplitter(
      'stderr',
      (b) => out.push(b),
      () => 1476988760576064430n,
    );
    s.push(Buffer.from('x\n'));
    assert.equal(out[0]?.toString(), `${TS} stderr F x\n`);
  });
});

describe('the reader view of a record (logMessage.log, timeFormatOut)', () => {
  it('keeps the newline of a full line, drops it on a partial one, none at EOF', () => {
    const full = parseCriLogLine(`${TS} stdout F a b\n`);
    assert.equal(full.log.toString(), 'a b\n');
    assert.equal(full.content.toString(), 'a b');
    assert.equal(full.timeText, TS);
    assert.equal(parseCriLogLine(`${TS} stdout P part\n`).log.toString(), 'part');
    assert.equal(parseCriLogLine(`${TS} stdout F last`).log.toString(), 'last');
    assert.equal(parseCriLogLine(`${TS} stdout F \n`).log.toString(), '\n');
  });
  it('rfc3339NanoFixed pads the fraction and keeps the zone', () => {
    assert.equal(rfc3339NanoFixed(TS), '2016-10-20T18:39:20.576064430Z');
    assert.equal(
      rfc3339NanoFixed('2016-10-20T20:39:20+02:00'),
      '2016-10-20T20:39:20.000000000+02:00',
    );
    assert.equal(rfc3339NanoFixed('garbage'), 'garbage');
  });
  it('formatCriLogLine takes nanoseconds, a Date or verbatim text', () => {
    assert.equal(
      formatCriLogLine(new Date(Date.UTC(2024, 0, 1)), 'stdout', false, 'x').toString(),
      '2024-01-01T00:00:00Z stdout F x\n',
    );
    assert.equal(formatCriLogLine('T', 'stderr', true, 'y').toString(), 'T stderr P y\n');
  });
});
