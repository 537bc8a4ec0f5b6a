// RuncRuntime with containers an earlier runtime process started (adopted from their metadata):
// their state is cached, so listContainers does not spawn `runc state` per container per call.
// A fake runc (a shell script logging its arguments) stands in for the real one: no root needed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuncRuntime } from './runc.ts';

/** The fake runc: logs each call; `state <id>` prints the state file of that id, if any. */
const FAKE_RUNC = `#!/bin/sh
dir=$(dirname "$0")
echo "$@" >> "$dir/calls.log"
while [ $# -gt 0 ]; do
  case "$1" in
    --root) shift 2 ;;
    list) echo '[]'; exit 0 ;;
    state) if [ -f "$dir/state-$2.json" ]; then cat "$dir/state-$2.json"; exit 0; fi
           echo "container does not exist" >&2; exit 1 ;;
    kill) exit 0 ;;
    *) shift ;;
  esac
done
`;

describe('RuncRuntime adopted containers', () => {
  let work = '';
  let sleeper: ChildProcess | undefined;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-runc-adopted-'));
    await writeFile(join(work, 'runc'), FAKE_RUNC);
    await chmod(join(work, 'runc'), 0o755);
  });

  after(async () => {
    sleeper?.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  const calls = async (verb: string): Promise<number> =>
    (await readFile(join(work, 'calls.log'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l.split(' ').includes(verb)).length;

  it('caches their state, notices an exit through the pid, and refreshes after kill', async () => {
    // A process standing in for the container's init.
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    const pid = sleeper.pid ?? 0;
    const root = join(work, 'root');
    await mkdir(join(root, 'containers'), { recursive: true });
    const meta = {
      id: 'c1',
      bundleDir: join(work, 'bundle'),
      labels: { app: 'x' },
      status: 'running',
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      oomKilled: false,
      pid,
    };
    await writeFile(join(root, 'containers', 'c1.json'), JSON.stringify(meta));
    const runcState = (status: string) =>
      writeFile(
        join(work, 'state-c1.json'),
        JSON.stringify({ id: 'c1', pid, status, bundle: meta.bundleDir, created: meta.createdAt }),
      );
    await runcState('running');

    const rt = new RuncRuntime({ root, runcPath: join(work, 'runc'), oomDetection: 'none' });
    for (let i = 0; i < 5; i++) {
      const [c] = await rt.listContainers();
      assert.equal(c?.status, 'running');
      assert.equal(c.pid, pid);
    }
    assert.equal(await calls('state'), 1, 'one runc state for five listings');
    assert.equal(await calls('list'), 1);

    // A known transition: after a kill the next look asks runc again.
    await rt.kill('c1', 'SIGTERM');
    assert.equal(await calls('kill'), 1);
    const before = await calls('state');
    await rt.listContainers();
    assert.equal(await calls('state'), before + 1);
    await rt.listContainers();
    assert.equal(await calls('state'), before + 1);

    // The init process exits: the pid probe notices, runc confirms once, then it is final.
    await runcState('stopped');
    const gone = new Promise((resolve) => sleeper?.once('exit', resolve));
    sleeper.kill('SIGKILL');
    await gone;
    const exit = await rt.wait('c1');
    assert.deepEqual(exit, { exitCode: 255, oomKilled: false });
    const [c] = await rt.listContainers();
    assert.equal(c?.status, 'stopped');
    const settled = await calls('state');
    await rt.listContainers();
    await rt.state('c1');
    assert.equal(await calls('state'), settled, 'a stopped container is not asked again');
    const persisted = JSON.parse(await readFile(join(root, 'containers', 'c1.json'), 'utf8')) as {
      status: string;
    };
    assert.equal(persisted.status, 'stopped');
    await rt.close();
  });

  it('confirms a running adopted container again after the refresh interval', async () => {
    const root = join(work, 'root2');
    await mkdir(join(root, 'containers'), { recursive: true });
    const now = new Date().toISOString();
    await writeFile(
      join(root, 'containers', 'c2.json'),
      JSON.stringify({
        id: 'c2',
        bundleDir: '/b',
        labels: {},
        status: 'running',
        createdAt: now,
        oomKilled: false,
      }),
    );
    await writeFile(
      join(work, 'state-c2.json'),
      JSON.stringify({ id: 'c2', pid: 1, status: 'running', bundle: '/b', created: now }),
    );
    const rt = new RuncRuntime({
      root,
      runcPath: join(work, 'runc'),
      oomDetection: 'none',
      adoptedStateRefreshMs: 0,
    });
    const count = async () =>
      (await readFile(join(work, 'calls.log'), 'utf8'))
        .split('\n')
        .filter((l) => l.includes('state c2')).length;
    await rt.listContainers();
    await rt.listContainers();
    assert.equal(await count(), 2);
    await rt.close();
  });
});
