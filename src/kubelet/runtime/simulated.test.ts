// The conformance suite against the in-memory runtime, plus its own test hooks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runRuntimeConformance } from './conformance.ts';
import { SimulatedRuntime } from './simulated.ts';
import type { SimulatedProgram } from './simulated.ts';
import type { CreateContainerRequest } from './runtime.ts';
import type { OciSpec } from './oci-types.ts';

const PROGRAM = 'simulated.program';

function spec(): OciSpec {
  return {
    ociVersion: '1.0.2',
    process: { user: { uid: 0, gid: 0 }, args: ['x'], env: [], cwd: '/' },
    root: { path: '/nonexistent/rootfs' },
    mounts: [],
    linux: { namespaces: [] },
  };
}

function request(id: string, program: SimulatedProgram): CreateContainerRequest {
  return {
    id,
    bundleDir: `/nonexistent/${id}`,
    spec: spec(),
    labels: { [PROGRAM]: JSON.stringify(program) },
  };
}

function newRuntime(): SimulatedRuntime {
  return new SimulatedRuntime({
    program: (req) => JSON.parse(req.labels?.[PROGRAM] ?? '{}') as SimulatedProgram,
    exec: (_id, req) => {
      const [cmd, ...rest] = req.args;
      if (cmd === 'echo') {
        req.stdout?.write(`${rest.join(' ')}\n`);
        return { exitCode: 0 };
      }
      const m = /^exit (\d+)$/.exec(rest[1] ?? '');
      return { exitCode: cmd === 'sh' && m ? Number(m[1]) : 127 };
    },
  });
}

runRuntimeConformance('simulated', () => {
  const runtime = newRuntime();
  return Promise.resolve({
    runtime,
    exiting: (id, p) =>
      Promise.resolve(
        request(id, {
          stdout: p.stdout.map((l) => `${l}\n`).join(''),
          stderr: p.stderr.map((l) => `${l}\n`).join(''),
          exitAfterMs: 0,
          exitCode: p.code,
        }),
      ),
    sleeping: (id) => Promise.resolve(request(id, {})),
    readLog: (req) => Promise.resolve(runtime.readLog(req.id).toString()),
    cleanup: () => Promise.resolve(),
  });
});

describe('SimulatedRuntime hooks', () => {
  it('exit() ends a container, with OOM when asked, and emits events', async () => {
    const rt = newRuntime();
    const events: string[] = [];
    rt.subscribe((e) => events.push(e.type));
    await rt.createContainer(request('a', {}));
    await rt.startContainer('a');
    rt.exit('a', 137, { oomKilled: true });
    assert.deepEqual(await rt.wait('a'), { exitCode: 137, oomKilled: true });
    assert.deepEqual(events, ['started', 'oom', 'exit']);
    assert.equal((await rt.state('a'))?.oomKilled, true);
  });

  it('ignored signals, start errors', async () => {
    const rt = new SimulatedRuntime({
      program: () => ({ ignoreSignals: ['SIGTERM'] }),
      startError: (id) =>
        id === 'bad' ? 'exec: "nope": executable file not found in $PATH' : undefined,
    });
    await rt.createContainer(request('a', {}));
    await rt.startContainer('a');
    await rt.kill('a', 'TERM');
    assert.equal((await rt.state('a'))?.status, 'running');
    await rt.kill('a', 'KILL');
    assert.equal((await rt.state('a'))?.exitCode, 137);
    await rt.createContainer(request('bad', {}));
    await assert.rejects(rt.startContainer('bad'), /executable file not found/);
    assert.deepEqual(await rt.wait('bad'), { exitCode: 128, oomKilled: false });
  });

  it('writeLog keeps CRI records; a trailing partial line is P', async () => {
    const rt = new SimulatedRuntime({ now: () => new Date('2024-01-01T00:00:00Z') });
    await rt.createContainer(request('a', {}));
    rt.writeLog('a', 'stdout', 'one\ntwo');
    assert.equal(
      rt.readLog('a').toString(),
      '2024-01-01T00:00:00Z stdout F one\n2024-01-01T00:00:00Z stdout P two\n',
    );
  });
});
