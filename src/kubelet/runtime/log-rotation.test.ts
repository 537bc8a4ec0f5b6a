import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { logOptions, readLogFile } from '../lifecycle/index.ts';
import { formatCriLogLine } from './cri-log.ts';
import { RotatingLogWriter, planLogRotation, rotatedLogName } from './log-rotation.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-logrot-'));
  dirs.push(d);
  return d;
}

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const rec = (i: number) =>
  formatCriLogLine(BigInt(T0 + i) * 1_000_000n, 'stdout', false, `line ${i}`);

describe('planLogRotation (upstream TestRotateLog, TestCleanupUnusedLog, TestRemoveExcessLog)', () => {
  it('names rotated files with the UTC timestamp', () => {
    assert.equal(rotatedLogName('/l/c/0.log', T0), '/l/c/0.log.20260102-030405');
  });
  it('drops tmp files and uncompressed twins, keeps maxFiles − 2, compresses the rest', () => {
    const siblings = [
      '0.log',
      '0.log.20260101-000001.gz',
      '0.log.20260101-000002.gz',
      '0.log.20260101-000003',
      '0.log.20260101-000003.gz',
      '0.log.20260101-000004',
      '0.log.20260101-000005.gz.tmp',
      '1.log',
    ];
    assert.deepEqual(planLogRotation('/d/0.log', siblings, { maxSize: 10, maxFiles: 4 }), {
      remove: [
        '0.log.20260101-000003',
        '0.log.20260101-000005.gz.tmp',
        '0.log.20260101-000001.gz',
        '0.log.20260101-000002.gz',
      ],
      compress: ['0.log.20260101-000004'],
    });
    assert.deepEqual(
      planLogRotation('/d/0.log', ['0.log.1', '0.log.2'], { maxSize: 10, maxFiles: 2 }),
      {
        remove: ['0.log.1', '0.log.2'],
        compress: [],
      },
    );
  });
});

describe('RotatingLogWriter', () => {
  it('rotates at the size limit without splitting records and keeps at most maxFiles files', async () => {
    const dir = await tempDir();
    const log = join(dir, '0.log');
    let now = T0;
    const errors: unknown[] = [];
    const w = new RotatingLogWriter(log, {
      policy: { maxSize: 100, maxFiles: 3 },
      now: () => now,
      onError: (e) => errors.push(e),
    });
    await w.ready();
    const all: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const r = rec(i);
      all.push(r);
      w.write(r);
      now += 1000;
    }
    await w.close();
    assert.deepEqual(errors, []);
    const files = (await readdir(dir)).sort();
    assert.ok(files.length <= 3, files.join(' '));
    assert.ok(files.includes('0.log'));
    const rotated = files.filter((f) => f !== '0.log');
    // The newest rotated file stays plain, older ones are gzip'ed.
    assert.equal(rotated.filter((f) => !f.endsWith('.gz')).length, 1);
    assert.equal(rotated.filter((f) => f.endsWith('.gz')).length, 1);
    // Every file holds whole records, and the kept files are the newest records in order.
    const read = async (f: string) => {
      const raw = await readFile(join(dir, f));
      return (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString();
    };
    const kept = (await Promise.all([...rotated, '0.log'].map(read))).join('');
    assert.ok(kept.endsWith(Buffer.concat(all).toString().slice(-kept.length)));
    assert.match(kept, /^\S+ stdout F line \d+\n/);
  });

  it('continues an existing file and counts its size', async () => {
    const dir = await tempDir();
    const log = join(dir, '0.log');
    await writeFile(log, Buffer.alloc(90, 0x61));
    const w = new RotatingLogWriter(log, { policy: { maxSize: 100, maxFiles: 5 }, now: () => T0 });
    await w.ready();
    assert.equal(w.size, 90);
    w.write(rec(1));
    await w.close();
    assert.deepEqual((await readdir(dir)).sort(), ['0.log', '0.log.20260102-030405']);
  });

  it('kubectl logs -f follows the log across a rotation', async () => {
    const dir = await tempDir();
    const log = join(dir, '0.log');
    let now = T0;
    const w = new RotatingLogWriter(log, { policy: { maxSize: 120, maxFiles: 5 }, now: () => now });
    await w.ready();
    w.write(rec(0));
    const out: string[] = [];
    let running = true;
    const ac = new AbortController();
    const reading = readLogFile(
      log,
      logOptions({ follow: true }, Date.now()),
      { stdout: (c) => out.push(Buffer.from(c).toString()), stderr: () => undefined },
      { signal: ac.signal, pollMs: 10, stateCheckMs: 10, isRunning: () => running },
    );
    for (let i = 1; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 30));
      now += 1000;
      w.write(rec(i));
    }
    await w.close();
    await new Promise((r) => setTimeout(r, 60));
    running = false;
    const timer = setTimeout(() => {
      ac.abort();
    }, 3000);
    await reading;
    clearTimeout(timer);
    assert.deepEqual(
      out.join('').split('\n').filter(Boolean),
      Array.from({ length: 8 }, (_, i) => `line ${i}`),
    );
    assert.ok((await readdir(dir)).length > 2, 'rotated at least twice');
  });
});
