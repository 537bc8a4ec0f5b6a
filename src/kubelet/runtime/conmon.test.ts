import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ExitFiles,
  conmonArgs,
  followLog,
  parseSyncReply,
  resizeMessage,
  shortId,
} from './conmon.ts';

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

describe('conmon files', () => {
  const tmp = async (): Promise<string> => mkdtemp(join(tmpdir(), 'skiff-conmon-'));

  it('ExitFiles resolves with the status conmon writes, or undefined once conmon is gone', async () => {
    const dir = await tmp();
    const exits = new ExitFiles(dir, 20);
    try {
      const waiting = exits.wait('c1', () => true);
      await writeFile(join(dir, 'c1.tmp'), '');
      await writeFile(exits.file('c1'), '137');
      assert.equal(await waiting, 137);
      // Already there: at once.
      assert.equal(await exits.wait('c1', () => true), 137);
      // An empty file (being written) is not a status yet.
      await writeFile(exits.file('c2'), '');
      let alive = true;
      const lost = exits.wait('c2', () => alive);
      await new Promise((r) => setTimeout(r, 60));
      alive = false;
      assert.equal(await lost, undefined);
    } finally {
      exits.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('followLog delivers new records from the end, joins partials, follows a rotation', async () => {
    const dir = await tmp();
    const log = join(dir, '0.log');
    await writeFile(log, '2026-11-27T17:02:20.985093410+00:00 stdout F before\n');
    const got: string[] = [];
    const f = followLog(log, (stream, chunk) => got.push(`${stream}:${chunk.toString()}`), 10);
    const delivered = async (n: number): Promise<void> => {
      for (let i = 0; i < 500 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await f.ready;
      await appendFile(
        log,
        '2026-11-27T17:02:21Z stdout P par\n2026-11-27T17:02:21Z stdout F t\n' +
          '2026-11-27T17:02:21Z stderr F oops\n',
      );
      await delivered(3);
      // Rotation: the file is renamed, conmon writes the rest of a line to the old file first.
      await rename(log, `${log}.20261127-170222`);
      await appendFile(`${log}.20261127-170222`, '2026-11-27T17:02:22Z stdout F last old\n');
      await writeFile(log, '2026-11-27T17:02:23Z stdout F first new\n');
      await delivered(5);
    } finally {
      await f.stop();
      await rm(dir, { recursive: true, force: true });
    }
    assert.deepEqual(got, [
      'stdout:par',
      'stdout:t\n',
      'stderr:oops\n',
      'stdout:last old\n',
      'stdout:first new\n',
    ]);
  });
});
