import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conmonArgs, parseSyncReply, resizeMessage, shortId } from './conmon.ts';

describe('conmon arguments and messages', () => {
  const base = {
    id: 'c1',
    cuuid: 'abc',
    runcPath: '/usr/sbin/runc',
    runcRoot: '/state/runc',
    bundleDir: '/b/c1',
    pidFile: '/b/c1/init.pid',
    conmonPidFile: '/b/c1/conmon/conmon.pid',
    exitDir: '/state/exits',
    socketDir: '/state/s',
    persistDir: '/b/c1/conmon',
    terminal: false,
    stdin: false,
  };
  const value = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

  it('names the runtime, its root, the bundle, the log and the exit directory', () => {
    const args = conmonArgs({ ...base, logPath: '/logs/c/0.log' });
    assert.equal(value(args, '--api-version'), '1');
    assert.equal(value(args, '--cid'), 'c1');
    assert.equal(value(args, '--cuuid'), 'abc');
    assert.equal(value(args, '--runtime'), '/usr/sbin/runc');
    assert.equal(value(args, '--runtime-arg'), '--root=/state/runc');
    assert.equal(value(args, '--bundle'), '/b/c1');
    assert.equal(value(args, '--log-path'), 'k8s-file:/logs/c/0.log');
    assert.equal(value(args, '--exit-dir'), '/state/exits');
    assert.equal(value(args, '--persist-dir'), '/b/c1/conmon');
    assert.ok(!args.includes('--stdin'));
    assert.ok(!args.includes('--terminal'));
  });

  it('discards output without a log; keeps stdin open for stdin and terminal containers', () => {
    assert.equal(value(conmonArgs(base), '--log-path'), 'none:');
    const stdin = conmonArgs({ ...base, stdin: true });
    assert.ok(stdin.includes('--stdin') && stdin.includes('--leave-stdin-open'));
    assert.ok(!stdin.includes('--terminal'));
    const tty = conmonArgs({ ...base, terminal: true });
    assert.ok(tty.includes('--stdin') && tty.includes('--terminal'));
  });

  it('parses the sync reply: a pid, or the runtime error without its log decoration', () => {
    assert.deepEqual(parseSyncReply('{"data": 26318}\n'), { pid: 26318 });
    // As conmon 2.1.6 sent it for a missing binary (runc's logrus line, JSON-escaped).
    const reply = String.raw`{"data": -1, "message": "time=\"2026-11-27T17:03:42Z\" level=error msg=\"runc create failed: unable to start container process: exec: \\\"/nonexistent\\\": stat /nonexistent: no such file or directory\"\n"}`;
    assert.deepEqual(parseSyncReply(`${reply}\n`), {
      error:
        'runc create failed: unable to start container process: exec: "/nonexistent": stat /nonexistent: no such file or directory',
    });
    // A message that is not valid JSON (older conmon does not escape it).
    assert.deepEqual(parseSyncReply('{"data": -1, "message": "bad "quoted" thing"}'), {
      error: 'bad "quoted" thing',
    });
    assert.deepEqual(parseSyncReply('{"data": -1}'), { error: 'conmon reported -1' });
    assert.equal(parseSyncReply(''), undefined);
    assert.equal(parseSyncReply('garbage'), undefined);
  });

  it('formats control messages within conmon limits; short ids are stable and short', () => {
    assert.equal(resizeMessage(24, 80), '1 24 80\n');
    assert.equal(resizeMessage(0, 5000.7), '1 1 1000\n');
    assert.equal(shortId('x'.repeat(500)), shortId('x'.repeat(500)));
    assert.equal(shortId('a').length, 16);
    assert.notEqual(shortId('a'), shortId('b'));
  });
});
