import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CommandError, Spawner, execFileText } from './index.ts';

for (const workers of [2, 0])
  describe(`Spawner (${workers === 0 ? 'calling thread' : 'worker threads'})`, () => {
    const s = new Spawner({ workers });
    after(async () => {
      await s.close();
    });

    it('collects stdout and stderr and the exit status', async () => {
      const r = await s.run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.exitCode, 3);
      assert.equal(r.signal, null);
      assert.equal(r.stdout.toString(), 'out\n');
      assert.equal(r.stderr.toString(), 'err\n');
      assert.equal(r.timedOut, false);
      assert.equal(r.spawnError, undefined);
    });

    it('passes input, environment and working directory', async () => {
      const r = await s.run('sh', ['-c', 'cat; printf " %s %s" "$FOO" "$(pwd)"'], {
        input: 'hello',
        env: { FOO: 'bar', PATH: process.env['PATH'] ?? '/usr/bin:/bin', UNSET: undefined },
        cwd: '/tmp',
      });
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout.toString(), 'hello bar /tmp');
    });

    it('a child that does not read its input still reports its status', async () => {
      const r = await s.run('true', [], { input: 'x'.repeat(1 << 20) });
      assert.equal(r.exitCode, 0);
    });

    it('reports a spawn failure without an exit status', async () => {
      const r = await s.run('/nonexistent/skiff-no-such-tool', []);
      assert.equal(r.exitCode, null);
      assert.equal(r.spawnError?.code, 'ENOENT');
    });

    it('kills on timeout with the kill signal', async () => {
      const r = await s.run('sleep', ['5'], { timeoutMs: 100, killSignal: 'SIGKILL' });
      assert.equal(r.timedOut, true);
      assert.equal(r.signal, 'SIGKILL');
      assert.equal(r.exitCode, null);
    });

    it('kills on abort', async () => {
      const ac = new AbortController();
      const p = s.run('sleep', ['5'], { signal: ac.signal, killSignal: 'SIGKILL' });
      setTimeout(() => {
        ac.abort();
      }, 50);
      const r = await p;
      assert.equal(r.aborted, true);
      assert.equal(r.signal, 'SIGKILL');
      const pre = await s.run('true', [], { signal: AbortSignal.abort() });
      assert.equal(pre.aborted, true);
    });

    it('bounds the output and kills the child past maxBuffer', async () => {
      const r = await s.run('sh', ['-c', 'head -c 100000 /dev/zero'], { maxBuffer: 1000 });
      assert.equal(r.overflowed, true);
      assert.equal(r.stdout.length, 1000);
    });

    it(
      'runs commands concurrently without blocking the event loop on forks',
      { skip: workers === 0 },
      async () => {
        const h = monitorEventLoopDelay({ resolution: 5 });
        h.enable();
        const rs = await Promise.all(
          Array.from({ length: 12 }, (_, i) => s.run('sh', ['-c', `echo ${String(i)}`])),
        );
        h.disable();
        assert.deepEqual(
          rs.map((r) => r.stdout.toString().trim()),
          Array.from({ length: 12 }, (_, i) => String(i)),
        );
        // Generous: a fork on the main thread holds it for 10-70 ms each on this machine kind.
        assert.ok(h.max / 1e6 < 250, `event loop blocked ${String(h.max / 1e6)} ms`);
      },
    );
  });

describe('execFileText', () => {
  it('resolves text output on exit 0 and rejects like execFile otherwise', async () => {
    assert.deepEqual(await execFileText('sh', ['-c', 'echo hi']), { stdout: 'hi\n', stderr: '' });
    await assert.rejects(execFileText('sh', ['-c', 'echo bad >&2; exit 2']), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.code, 2);
      assert.equal(err.stderr, 'bad\n');
      assert.equal(err.message, 'Command failed: sh -c echo bad >&2; exit 2\nbad\n');
      return true;
    });
    await assert.rejects(execFileText('/nonexistent/x', []), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.code, 'ENOENT');
      return true;
    });
  });
});

describe('Spawner idle workers', () => {
  it('stops a worker idle for idleMs and starts one again for the next command', async () => {
    const spawner = new Spawner({ workers: 1, idleMs: 100 });
    try {
      assert.equal(spawner.runningWorkers, 0, 'no worker before the first command');
      assert.equal((await spawner.run('true', [])).exitCode, 0);
      assert.equal(spawner.runningWorkers, 1);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(spawner.runningWorkers, 0, 'the idle worker stopped');
      const again = await spawner.run('sh', ['-c', 'echo back']);
      assert.equal(again.stdout.toString(), 'back\n');
      assert.equal(spawner.runningWorkers, 1);
    } finally {
      await spawner.close();
    }
  });
});
