import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileAuditBackend } from './log-backend.ts';
import type { AuditBackendStats } from './log-backend.ts';
import type { AuditEvent } from './types.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-audit-'));
  dirs.push(d);
  return d;
}

function event(i: number): AuditEvent {
  return {
    level: 'Metadata',
    auditID: `id-${i}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/pods',
    verb: 'list',
    user: { username: 'u' },
    requestReceivedTimestamp: 0,
    stageTimestamp: 0,
  };
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((l) => l !== '');
}

describe('FileAuditBackend', () => {
  it('appends JSON lines in order, in batches, and close flushes', async () => {
    const path = join(await tempDir(), 'sub', 'audit.log');
    const b = new FileAuditBackend({ path, maxBatchChars: 2000 });
    for (let i = 0; i < 100; i++) b.processEvent(event(i));
    await b.close();
    const got = await lines(path);
    assert.equal(got.length, 100);
    got.forEach((l, i) => {
      assert.equal((JSON.parse(l) as { auditID: string }).auditID, `id-${i}`);
    });
    assert.equal(b.stats().written, 100);
    assert.equal(b.stats().bufferedChars, 0);
    // Closed: further events are dropped and counted.
    b.processEvent(event(100));
    assert.equal(b.stats().dropped, 1);
  });

  it('appends to an existing file and serializes events when processed', async () => {
    const path = join(await tempDir(), 'audit.log');
    await writeFile(path, 'old\n');
    const b = new FileAuditBackend({ path });
    const ev = event(1);
    b.processEvent(ev);
    ev.auditID = 'changed-after';
    await b.flush();
    b.processEvent(event(2));
    await b.close();
    const got = await lines(path);
    assert.equal(got[0], 'old');
    assert.equal((JSON.parse(got[1] ?? '') as { auditID: string }).auditID, 'id-1');
    assert.equal(got.length, 3);
  });

  it('drops when the buffer is full, without blocking', async () => {
    const path = join(await tempDir(), 'audit.log');
    const reports: string[] = [];
    const b = new FileAuditBackend({
      path,
      maxBufferedChars: 1000,
      onError: (err) => reports.push(err.message),
    });
    for (let i = 0; i < 50; i++) b.processEvent(event(i));
    const dropped = b.stats().dropped;
    assert.ok(dropped > 0 && dropped < 50);
    assert.deepEqual(reports, ['audit buffer queue blocked']);
    await b.close();
    assert.equal((await lines(path)).length, 50 - dropped);
  });

  it('counts and reports write errors and keeps running', async () => {
    const dir = await tempDir();
    // A directory cannot be opened for appending.
    const reports: [string, AuditBackendStats][] = [];
    const b = new FileAuditBackend({
      path: dir,
      onError: (err, stats) => {
        reports.push([err.message, stats]);
        throw new Error('reporter failure is ignored');
      },
    });
    b.processEvent(event(1));
    b.processEvent(event(2));
    await b.flush();
    b.processEvent(event(3));
    await b.close();
    const s = b.stats();
    assert.equal(s.written, 0);
    assert.equal(s.failed, 3);
    assert.equal(s.writeErrors, 2);
    assert.match(s.lastError ?? '', /EISDIR/);
    assert.equal(reports.length, 2);
  });
});
