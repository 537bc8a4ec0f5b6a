import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogReadError, findTailLineStartInFile, readLogFile } from './log-reader.ts';
import { formatCriLogLine } from './logs.ts';
import type { LogOptions, LogSink } from './logs.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'skiff-logs-'));
  dirs.push(d);
  return d;
}
function collect(): LogSink & { text: () => string } {
  const parts: string[] = [];
  const push = (c: Uint8Array) => parts.push(Buffer.from(c).toString());
  return { stdout: push, stderr: push, text: () => parts.join('') };
}
const opts: LogOptions = { tail: -1, bytes: -1, follow: false, timestamps: false, since: 0 };
const line = (i: number, content: string, stream: 'stdout' | 'stderr' = 'stdout') =>
  formatCriLogLine(new Date(Date.UTC(2026, 0, 1, 0, 0, i)), stream, false, content);

describe('readLogFile', () => {
  it('reads, tails across 4 KiB blocks, and follows symlinks', async () => {
    const d = await tmp();
    const file = path.join(d, '0.log');
    const big = 'y'.repeat(3000);
    await fs.writeFile(file, [line(1, 'a'), line(2, big), line(3, big), line(4, 'd')].join(''));
    await fs.symlink(file, path.join(d, 'current.log'));
    const all = collect();
    await readLogFile(path.join(d, 'current.log'), opts, all);
    assert.equal(all.text(), `a\n${big}\n${big}\nd\n`);
    const tail = collect();
    await readLogFile(file, { ...opts, tail: 2 }, tail);
    assert.equal(tail.text(), `${big}\nd\n`);
    const fh = await fs.open(file, 'r');
    try {
      assert.equal(await findTailLineStartInFile(fh, 3), line(1, 'a').length);
      assert.equal(await findTailLineStartInFile(fh, 10), 0);
    } finally {
      await fh.close();
    }
  });

  it('fails clearly for a missing file', async () => {
    const d = await tmp();
    await assert.rejects(readLogFile(path.join(d, 'nope.log'), opts, collect()), (err: unknown) => {
      assert.ok(err instanceof LogReadError);
      assert.match(err.message, /^failed to try resolving symlinks in path ".*nope\.log": /);
      return true;
    });
  });

  it('follows growth and a rotation, and ends after the container stops', async () => {
    const d = await tmp();
    const file = path.join(d, '0.log');
    await fs.writeFile(file, line(1, 'first'));
    let running = true;
    const out = collect();
    const done = readLogFile(file, { ...opts, follow: true }, out, {
      pollMs: 10,
      stateCheckMs: 10,
      isRunning: () => running,
    });
    const waitFor = async (text: string) => {
      for (let i = 0; i < 300 && !out.text().includes(text); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(out.text().includes(text), `saw ${JSON.stringify(out.text())}`);
    };
    await waitFor('first\n');
    // A partial write is not emitted before its newline arrives.
    await fs.appendFile(file, line(2, 'second').slice(0, 20));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(out.text(), 'first\n');
    await fs.appendFile(file, line(2, 'second').slice(20));
    await waitFor('second\n');
    // Rotation: the runtime renames the file and starts a new one under the same name.
    await fs.rename(file, `${file}.20260101-000000`);
    await fs.writeFile(file, line(3, 'third'));
    await waitFor('third\n');
    running = false;
    await done;
    assert.equal(out.text(), 'first\nsecond\nthird\n');
  });

  it('stops following on abort', async () => {
    const d = await tmp();
    const file = path.join(d, '0.log');
    await fs.writeFile(file, line(1, 'x', 'stderr'));
    const ac = new AbortController();
    const out = collect();
    const done = readLogFile(file, { ...opts, follow: true, timestamps: true }, out, {
      signal: ac.signal,
      pollMs: 10,
    });
    setTimeout(() => {
      ac.abort();
    }, 50);
    await done;
    assert.equal(out.text(), '2026-01-01T00:00:01.000000000Z x\n');
  });
});
