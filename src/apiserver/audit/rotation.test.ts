import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { FileAuditBackend } from './log-backend.ts';
import {
  RotatingFile,
  backupName,
  backupTime,
  formatBackupTime,
  planMill,
  validateRotationOptions,
} from './rotation.ts';
import type { AuditEvent } from './types.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-audit-rot-'));
  dirs.push(d);
  return d;
}

/** A clock stepping one second per call from a fixed instant. */
function steppingClock(start = Date.UTC(2026, 10, 27, 5, 1, 2, 345)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

function event(i: number): AuditEvent {
  return {
    level: 'Metadata',
    auditID: `id-${String(i).padStart(4, '0')}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb: 'create',
    user: { username: 'alice' },
    requestReceivedTimestamp: 0,
    stageTimestamp: 0,
  };
}

describe('backup names (lumberjack)', () => {
  it('formats <name>-<UTC time>.<ext> and parses it back', () => {
    const d = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    assert.equal(formatBackupTime(d), '2026-01-02T03-04-05.006');
    assert.equal(backupName('/var/log/audit.log', d), '/var/log/audit-2026-01-02T03-04-05.006.log');
    assert.equal(backupName('/var/log/audit', d), '/var/log/audit-2026-01-02T03-04-05.006');
    assert.deepEqual(backupTime('/var/log/audit.log', 'audit-2026-01-02T03-04-05.006.log'), d);
    assert.deepEqual(backupTime('/var/log/audit.log', 'audit-2026-01-02T03-04-05.006.log.gz'), d);
    assert.equal(backupTime('/var/log/audit.log', 'audit.log'), undefined);
    assert.equal(backupTime('/var/log/audit.log', 'other-2026-01-02T03-04-05.006.log'), undefined);
    assert.equal(backupTime('/var/log/audit.log', 'audit-2026-01-02.log'), undefined);
  });

  it('validates the flags with upstream messages', () => {
    assert.deepEqual(validateRotationOptions({ maxAgeDays: 0, maxBackups: 3, maxSizeMB: 1 }), []);
    assert.deepEqual(validateRotationOptions({ maxAgeDays: -1, maxBackups: -2, maxSizeMB: -3 }), [
      "--audit-log-maxage -1 can't be a negative number",
      "--audit-log-maxbackup -2 can't be a negative number",
      "--audit-log-maxsize -3 can't be a negative number",
    ]);
  });

  it('plans which backups to remove by count and age, and which to compress', () => {
    const names = [
      'audit.log',
      'audit-2026-01-05T00-00-00.000.log',
      'audit-2026-01-04T00-00-00.000.log.gz',
      'audit-2026-01-03T00-00-00.000.log',
      'audit-2026-01-01T00-00-00.000.log',
      'unrelated.txt',
    ];
    const now = new Date(Date.UTC(2026, 0, 6));
    assert.deepEqual(planMill('/d/audit.log', names, { maxBackups: 2 }, now), {
      remove: ['audit-2026-01-03T00-00-00.000.log', 'audit-2026-01-01T00-00-00.000.log'],
      compress: [],
    });
    assert.deepEqual(planMill('/d/audit.log', names, { maxAgeDays: 3 }, now), {
      remove: ['audit-2026-01-01T00-00-00.000.log'],
      compress: [],
    });
    assert.deepEqual(planMill('/d/audit.log', names, { compress: true }, now), {
      remove: [],
      compress: [
        'audit-2026-01-05T00-00-00.000.log',
        'audit-2026-01-03T00-00-00.000.log',
        'audit-2026-01-01T00-00-00.000.log',
      ],
    });
    assert.deepEqual(planMill('/d/audit.log', names, {}, now), { remove: [], compress: [] });
  });
});

describe('RotatingFile', () => {
  it('rotates before a write that would not fit and keeps records whole', async () => {
    const dir = await tempDir();
    const path = join(dir, 'audit.log');
    const f = new RotatingFile(path, { maxSizeBytes: 10, now: steppingClock() });
    assert.deepEqual(await f.writeRecords(['aaaa\n', 'bbbb\n', 'cccc\n']), {
      written: 3,
      tooLarge: 0,
    });
    await f.close();
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, ['audit-2026-11-27T05-01-03.345.log', 'audit.log']);
    assert.equal(await readFile(join(dir, files[0] ?? ''), 'utf8'), 'aaaa\nbbbb\n');
    assert.equal(await readFile(path, 'utf8'), 'cccc\n');
  });

  it('rotates an existing file that is too full when opened, and refuses oversize records', async () => {
    const dir = await tempDir();
    const path = join(dir, 'audit.log');
    await writeFile(path, '123456789\n');
    const f = new RotatingFile(path, { maxSizeBytes: 12, now: steppingClock() });
    const r = await f.writeRecords(['x\n', 'this line is too long\n', 'y\n']);
    assert.equal(r.written, 2);
    assert.equal(r.tooLarge, 1);
    assert.equal(r.error?.message, 'write length 22 exceeds maximum file size 12');
    await f.close();
    assert.equal(await readFile(path, 'utf8'), 'x\ny\n');
    assert.equal((await readdir(dir)).length, 2);
  });

  it('never overwrites a backup when two rotations share a millisecond', async () => {
    const dir = await tempDir();
    const path = join(dir, 'audit.log');
    const fixed = new Date(Date.UTC(2026, 0, 1));
    const f = new RotatingFile(path, { maxSizeBytes: 2, now: () => fixed });
    await f.writeRecords(['1\n', '2\n', '3\n', '4\n']);
    await f.close();
    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 4);
    const all = await Promise.all(files.map((n) => readFile(join(dir, n), 'utf8')));
    assert.deepEqual(all.sort(), ['1\n', '2\n', '3\n', '4\n']);
  });

  it('keeps maxBackups backups, and compresses them when asked', async () => {
    const dir = await tempDir();
    const path = join(dir, 'audit.log');
    const f = new RotatingFile(path, {
      maxSizeBytes: 2,
      maxBackups: 2,
      compress: true,
      now: steppingClock(),
    });
    await f.writeRecords(['1\n', '2\n', '3\n', '4\n', '5\n']);
    await f.close();
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, [
      'audit-2026-11-27T05-01-05.345.log.gz',
      'audit-2026-11-27T05-01-06.345.log.gz',
      'audit.log',
    ]);
    assert.equal(gunzipSync(await readFile(join(dir, files[0] ?? ''))).toString(), '3\n');
    assert.equal(gunzipSync(await readFile(join(dir, files[1] ?? ''))).toString(), '4\n');
    assert.equal(await readFile(path, 'utf8'), '5\n');
  });

  it('removes backups older than maxAgeDays when it rotates', async () => {
    const dir = await tempDir();
    const path = join(dir, 'audit.log');
    await writeFile(join(dir, 'audit-2026-11-01T00-00-00.000.log'), 'old\n');
    await writeFile(join(dir, 'audit-2026-11-26T00-00-00.000.log'), 'recent\n');
    const f = new RotatingFile(path, { maxSizeBytes: 2, maxAgeDays: 7, now: steppingClock() });
    await f.writeRecords(['1\n', '2\n']);
    await f.close();
    assert.deepEqual((await readdir(dir)).sort(), [
      'audit-2026-11-26T00-00-00.000.log',
      'audit-2026-11-27T05-01-03.345.log',
      'audit.log',
    ]);
  });
});

describe('FileAuditBackend rotation', () => {
  it('loses and splits no event across many rotations', async () => {
    const dir = await tempDir();
    const path = join(dir, 'audit.log');
    const b = new FileAuditBackend({
      path,
      maxBatchChars: 1500,
      rotation: { maxSizeBytes: 1000, now: steppingClock() },
    });
    for (let i = 0; i < 200; i++) b.processEvent(event(i));
    await b.close();
    assert.equal(b.stats().written, 200);
    assert.equal(b.stats().failed, 0);
    const files = (await readdir(dir)).sort();
    assert.ok(files.length > 20, `rotated into ${String(files.length)} files`);
    // Backups sort by time; the live file is the newest.
    const ordered = [...files.filter((n) => n !== 'audit.log'), 'audit.log'];
    const ids: string[] = [];
    for (const name of ordered) {
      const text = await readFile(join(dir, name), 'utf8');
      assert.ok(Buffer.byteLength(text) <= 1000, `${name} is over the limit`);
      assert.ok(text.endsWith('\n'), `${name} ends with a whole line`);
      for (const line of text.split('\n').filter((l) => l !== '')) {
        ids.push((JSON.parse(line) as { auditID: string }).auditID);
      }
    }
    assert.deepEqual(
      ids,
      Array.from({ length: 200 }, (_, i) => `id-${String(i).padStart(4, '0')}`),
    );
  });
});
