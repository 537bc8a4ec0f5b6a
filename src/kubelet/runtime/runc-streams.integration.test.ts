// Integration: the runc runtime's streaming additions for the kubelet server: exec with a
// terminal that gets resized (kubectl exec -it), attach to a running container's output and
// stdin (kubectl attach). Busybox-static rootfs in a temp dir, own empty netns per container,
// private runc root; needs root, runc, busybox and script, skips otherwise. Cleanup: every
// container deleted by id, the cgroup parent and the temp dir removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  rmdir,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { buildContainerSpec, capabilitiesFromMask, parseGroup, parsePasswd } from './oci-spec.ts';
import { RuncRuntime } from './runc.ts';
import type { CreateContainerRequest, TerminalSize } from './runtime.ts';

const which = (cmd: string): string | undefined =>
  ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, cmd)).find((p) => existsSync(p));
const isRoot = process.getuid?.() === 0;
const missing = ['runc', 'busybox', 'script', 'stty'].filter((t) => which(t) === undefined);
const skip = !isRoot ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;
const conmon = which('conmon');
const skipConmon =
  skip !== false
    ? skip
    : conmon === undefined || which('socat') === undefined
      ? 'missing conmon or socat'
      : false;
/** The two shims: `runc run` in this process, and conmon (see conmon.ts). */
const MONITORS = [
  { name: 'runc', conmonPath: undefined, skip },
  { name: 'runc+conmon', conmonPath: conmon, skip: skipConmon },
] as const;
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\n';
const GROUP = 'root:x:0:\n';
const CGROUP_PARENT = `skiff-streams-test-${process.pid}`;

async function* sizes(...list: TerminalSize[]): AsyncIterable<TerminalSize> {
  for (const s of list) yield s;
  // Keep the queue open a little, as a live session's would be.
  await new Promise((r) => setTimeout(r, 2000));
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 50) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cond(), 'condition not met in time');
}

for (const monitor of MONITORS) {
  describe(`${monitor.name} exec resize and attach`, { skip: monitor.skip }, () => {
    let work = '';
    let rootfs = '';
    let runtime: RuncRuntime | undefined;
    let caps: string[] = [];
    let oomAdj = 0;
    const rt = (): RuncRuntime => {
      assert.ok(runtime);
      return runtime;
    };

    const request = (id: string, container: Container, stdin = false): CreateContainerRequest => {
      const pod: Pod = {
        metadata: { name: id, namespace: 'default', uid: `uid-${id}` },
        spec: { containers: [container] },
      };
      return {
        id,
        bundleDir: join(work, 'bundles', id),
        spec: buildContainerSpec({
          pod,
          container,
          image: { Cmd: ['sh'], Env: ['PATH=/bin'] },
          rootfs,
          sandbox: { hostname: id },
          users: { passwd: parsePasswd(PASSWD), group: parseGroup(GROUP) },
          cgroupsPath: `/${CGROUP_PARENT}/${id}`,
          node: { memoryCapacity: totalmem(), capabilities: caps, minOomScoreAdj: oomAdj },
        }),
        logPath: join(work, 'logs', id, '0.log'),
        stdin,
      };
    };

    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'skiff-streams-'));
      rootfs = join(work, 'rootfs');
      const busybox = which('busybox') ?? '';
      for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev'])
        await mkdir(join(rootfs, d), { recursive: true });
      await copyFile(busybox, join(rootfs, 'bin/busybox'));
      for (const a of execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n')) {
        if (a !== '' && a !== 'busybox') await symlink('busybox', join(rootfs, 'bin', a));
      }
      await writeFile(join(rootfs, 'etc/passwd'), PASSWD);
      await writeFile(join(rootfs, 'etc/group'), GROUP);
      const status = await readFile('/proc/self/status', 'utf8');
      caps = capabilitiesFromMask(/^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0');
      oomAdj = Number((await readFile('/proc/self/oom_score_adj', 'utf8')).trim());
      runtime = newRuntime();
    });
    const newRuntime = (): RuncRuntime =>
      new RuncRuntime({
        root: join(work, 'state'),
        ...(monitor.conmonPath !== undefined ? { conmonPath: monitor.conmonPath } : {}),
      });

    after(async () => {
      if (runtime !== undefined) {
        for (const c of await runtime.listContainers().catch(() => []))
          await runtime.deleteContainer(c.id).catch(() => undefined);
        await runtime.close();
      }
      for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[]))
        await rmdir(join('/sys/fs/cgroup', h, CGROUP_PARENT)).catch(() => undefined);
      if (work !== '') await rm(work, { recursive: true, force: true });
    });

    it('exec with a tty applies the resize queue to the terminal', async () => {
      const id = `skiff-resize-${process.pid}`;
      await rt().createContainer(request(id, { name: 'c', command: ['sleep', '1000'] }));
      await rt().startContainer(id);
      const out = collect();
      const r = await rt().exec(id, {
        args: ['sh', '-c', 'sleep 1; stty size'],
        tty: true,
        stdout: out.stream,
        resize: sizes({ width: 123, height: 45 }),
      });
      assert.equal(r.exitCode, 0);
      assert.equal(out.text().trim(), '45 123');
    });

    it('attach streams the running container output and feeds its stdin', async () => {
      const id = `skiff-attach-${process.pid}`;
      await rt().createContainer(
        request(
          id,
          { name: 'c', command: ['sh', '-c', 'while read l; do echo "got $l"; done'] },
          true,
        ),
      );
      await rt().startContainer(id);
      const out = collect();
      const stdin = new PassThrough();
      const ac = new AbortController();
      const attached = rt().attach(id, { stdin, stdout: out.stream, signal: ac.signal });
      stdin.write('hello\n');
      await until(() => out.text().includes('got hello'));
      ac.abort();
      await attached;
      // The output also went to the log.
      assert.match(await readFile(join(work, 'logs', id, '0.log'), 'utf8'), /stdout F got hello/);
    });

    it(
      'attach reaches a container an earlier runtime process started, resizes its terminal',
      { skip: monitor.conmonPath === undefined ? 'only conmon keeps the stdio' : false },
      async () => {
        const id = `skiff-adopted-${process.pid}`;
        await rt().createContainer(
          request(
            id,
            {
              name: 'c',
              command: ['sh', '-c', 'while read l; do echo "got $l"; stty size; done'],
              tty: true,
              stdin: true,
            },
            true,
          ),
        );
        await rt().startContainer(id);
        // The kubelet restarts: a new runtime object on the same state adopts the container.
        await rt().close();
        runtime = newRuntime();
        const out = collect();
        const stdin = new PassThrough();
        const ac = new AbortController();
        const attached = rt().attach(id, {
          stdin,
          stdout: out.stream,
          signal: ac.signal,
          resize: sizes({ width: 77, height: 22 }),
        });
        await new Promise((r) => setTimeout(r, 500));
        stdin.write('again\n');
        await until(() => /got again\r?\n22 77/.test(out.text()));
        ac.abort();
        await attached;
      },
    );
  });
}
