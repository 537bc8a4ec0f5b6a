import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CriLogParseError, parseCriLogLine, rfc3339NanoFixed } from '../runtime/index.ts';
import { LogWriter, findTailLineStart, logOptions, readLogBuffer } from './logs.ts';
import type { LogOptions, LogSink } from './logs.ts';

// Cases after upstream's pkg/kubelet/kuberuntime/logs/logs_test.go and pkg/util/tail/tail_test.go.

const enc = (s: string) => Buffer.from(s);
function sink(): LogSink & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (c) => out.push(Buffer.from(c).toString()),
    stderr: (c) => err.push(Buffer.from(c).toString()),
  };
}
const defaults: LogOptions = { tail: -1, bytes: -1, follow: false, timestamps: false, since: 0 };

describe('parseCriLogLine (TestParseCRILog)', () => {
  it('parses full and partial lines', () => {
    const full = parseCriLogLine(enc('2016-10-20T18:39:20.57606443Z stderr F cri log content 1\n'));
    assert.equal(full.stream, 'stderr');
    assert.equal(Buffer.from(full.log).toString(), 'cri log content 1\n');
    assert.equal(rfc3339NanoFixed(full.timeText), '2016-10-20T18:39:20.576064430Z');
    const partial = parseCriLogLine(
      enc('2016-10-20T18:39:20.57606443Z stdout P cri log content 2\n'),
    );
    assert.equal(Buffer.from(partial.log).toString(), 'cri log content 2');
    const tagged = parseCriLogLine(enc('2016-10-20T18:39:20.57606443Z stdout F:tag log\n'));
    assert.equal(Buffer.from(tagged.log).toString(), 'log\n');
    const empty = parseCriLogLine(enc('2016-10-20T18:39:20.57606443Z stdout F \n'));
    assert.equal(Buffer.from(empty.log).toString(), '\n');
  });
  it('rejects malformed lines with upstream messages', () => {
    assert.throws(
      () => parseCriLogLine(enc('nospace')),
      new CriLogParseError('timestamp is not found'),
    );
    assert.throws(
      () => parseCriLogLine(enc('2016-10-20T18:39:20.57606443Z')),
      /timestamp is not found/,
    );
    assert.throws(
      () => parseCriLogLine(enc('2016-10-20T18:39:20.57606443Z stdout')),
      /stream type is not found/,
    );
    assert.throws(
      () => parseCriLogLine(enc('2016-10-20T18:39:20.57606443Z std F x\n')),
      /unexpected stream type "std"/,
    );
    assert.throws(
      () => parseCriLogLine(enc('2016-10-20T18:39:20.57606443Z stdout F')),
      /log tag is not found/,
    );
    assert.throws(
      () => parseCriLogLine(enc('yesterday stdout F x\n')),
      /unexpected timestamp format/,
    );
  });
});

describe('logOptions (NewLogOptions)', () => {
  it('takes the later of sinceSeconds and sinceTime', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    assert.deepEqual(logOptions({ sinceSeconds: 60 }, now), { ...defaults, since: now - 60_000 });
    assert.equal(
      logOptions({ sinceSeconds: 60, sinceTime: '2026-01-01T00:09:30Z' }, now).since,
      now - 30_000,
    );
    assert.equal(
      logOptions({ sinceSeconds: 60, sinceTime: '2026-01-01T00:00:00Z' }, now).since,
      now - 60_000,
    );
    assert.deepEqual(
      logOptions({ tailLines: 3, limitBytes: 10, follow: true, timestamps: true }, now),
      {
        tail: 3,
        bytes: 10,
        follow: true,
        timestamps: true,
        since: 0,
      },
    );
  });
});

describe('LogWriter (TestWriteLogs / TestWriteLogsWithBytesLimit)', () => {
  const ts = '2016-10-20T18:39:20.57606443Z';
  const msg = (stream: string, content: string) =>
    parseCriLogLine(enc(`${ts} ${stream} F ${content}`));
  it('writes to the right stream with an optional timestamp', () => {
    const s = sink();
    const w = new LogWriter(s, { ...defaults, timestamps: true });
    w.write(msg('stdout', 'test log content\n'), true);
    w.write(msg('stderr', 'err\n'), true);
    assert.deepEqual(s.out, ['2016-10-20T18:39:20.576064430Z test log content\n']);
    assert.deepEqual(s.err, ['2016-10-20T18:39:20.576064430Z err\n']);
  });
  it('skips lines before since', () => {
    const s = sink();
    const w = new LogWriter(s, { ...defaults, since: Date.parse('2016-10-20T18:39:21Z') });
    w.write(msg('stdout', 'old\n'), true);
    assert.deepEqual(s.out, []);
  });
  it('cuts at the byte limit', () => {
    const s = sink();
    const w = new LogWriter(s, { ...defaults, bytes: 5, timestamps: false });
    assert.equal(w.write(msg('stdout', 'abc\n'), true), 'ok');
    assert.equal(w.write(msg('stdout', 'defgh\n'), true), 'limit');
    assert.deepEqual(s.out, ['abc\n', 'd']);
  });
});

describe('findTailLineStart (tail_test.go)', () => {
  const cases: [string, number, number][] = [
    ['', 0, 0],
    ['', 1, 0],
    ['a\nb\nc\n', 0, 6],
    ['a\nb\nc\n', 1, 4],
    ['a\nb\nc\n', 2, 2],
    ['a\nb\nc\n', 3, 0],
    ['a\nb\nc\n', 4, 0],
    ['a\nb\nc', 1, 2],
    ['a\nb\nc', -1, 0],
  ];
  for (const [data, n, want] of cases) {
    it(`${JSON.stringify(data)} tail ${n} → ${want}`, () => {
      assert.equal(findTailLineStart(enc(data), n), want);
    });
  }
});

describe('readLogBuffer (ReadLogs without follow)', () => {
  const log = [
    '2016-10-06T00:17:09.669794202Z stdout P log content 1',
    '2016-10-06T00:17:09.669794203Z stdout F  continued\n',
    '2016-10-06T00:17:10.113242941Z stderr F log content 2\n',
    '2016-10-06T00:17:11.113242941Z stdout F log content 3\n',
    'garbage\n',
    '2016-10-06T00:17:12.113242941Z stdout F last without newline',
  ];
  const data = enc(
    log
      .map((l) => (l.endsWith('\n') ? l : `${l}\n`))
      .join('')
      .replace(/\n$/, ''),
  );

  it('joins partial lines and prefixes timestamps only at line starts', () => {
    const s = sink();
    readLogBuffer(data, { ...defaults, timestamps: true }, s);
    assert.deepEqual(s.out, [
      '2016-10-06T00:17:09.669794202Z log content 1',
      ' continued\n',
      '2016-10-06T00:17:11.113242941Z log content 3\n',
      '2016-10-06T00:17:12.113242941Z last without newline',
    ]);
    assert.deepEqual(s.err, ['2016-10-06T00:17:10.113242941Z log content 2\n']);
  });

  it('tails lines of the file', () => {
    const s = sink();
    readLogBuffer(
      enc(
        '2016-10-06T00:17:09Z stdout F a\n2016-10-06T00:17:09Z stdout F b\n2016-10-06T00:17:09Z stdout F c\n',
      ),
      { ...defaults, tail: 2 },
      s,
    );
    assert.deepEqual(s.out, ['b\n', 'c\n']);
    const none = sink();
    readLogBuffer(data, { ...defaults, tail: 0 }, none);
    assert.deepEqual(none.out, []);
  });

  it('applies since and limitBytes', () => {
    const s = sink();
    readLogBuffer(data, { ...defaults, since: Date.parse('2016-10-06T00:17:11Z') }, s);
    assert.deepEqual(s.out, ['log content 3\n', 'last without newline']);
    const l = sink();
    readLogBuffer(data, { ...defaults, bytes: 16 }, l);
    assert.deepEqual(l.out, ['log content 1', ' co']);
  });
});
