// Integration: real containers with runc, from a busybox-static rootfs built in a temp dir and
// specs computed by buildContainerSpec. Every container gets its own empty network namespace
// (only lo), never the host's. Needs root, runc and busybox (scripts/ensure-deps.sh); skips
// otherwise. Cleanup: every container is deleted by id, the private runc root, the cgroup
// parent directories and the temp dir are removed.
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
import { runRuntimeConformance } from './conformance.ts';
import { parseCriLogLine } from './cri-log.ts';
import { buildContainerSpec, capabilitiesFromMask, parseGroup, parsePasswd } from './oci-spec.ts';
import { KmsgOomLog } from './kmsg.ts';
import { RuncRuntime } from './runc.ts';
import type { CreateContainerRequest } from './runtime.ts';

const which = (cmd: string): string | undefined =>
  ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, cmd)).find((p) => existsSync(p));
const isRoot = process.getuid?.() === 0;
const missing = ['runc', 'busybox', 'script'].filter((t) => which(t) === undefined);
const skip = !isRoot ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;
const conmon = which('conmon');
const skipConmon = skip !== false ? skip : conmon === undefined ? 'missing conmon' : false;
/** The two shims: `runc run` in this process, and conmon (see conmon.ts). */
const MONITORS = [
  { name: 'runc', conmonPath: undefined, skip },
  { name: 'runc+conmon', conmonPath: conmon, skip: skipConmon },
] as const;

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n';
const CGROUP_PARENT = `skiff-runtime-test-${process.pid}`;

/** A rootfs of busybox-static plus its applet symlinks, /etc/passwd and /etc/group. */
async function buildRootfs(dir: string): Promise<void> {
  const busybox = which('busybox');
  assert.ok(busybox);
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'home/app'])
    await mkdir(join(dir, d), { recursive: true });
  await copyFile(busybox, join(dir, 'bin/busybox'));
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  for (const a of applets) if (a !== 'busybox') await symlink('busybox', join(dir, 'bin', a));
  await writeFile(join(dir, 'etc/passwd'), PASSWD);
  await writeFile(join(dir, 'etc/group'), GROUP);
}

async function hostFacts(): Promise<{ caps: string[]; oomAdj: number }> {
  const status = await readFile('/proc/self/status', 'utf8');
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const oomAdj = Number((await readFile('/proc/self/oom_score_adj', 'utf8')).trim());
  return { caps: capabilitiesFromMask(capEff), oomAdj };
}

async function removeCgroupParent(): Promise<void> {
  for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    await rmdir(join('/sys/fs/cgroup', h, CGROUP_PARENT)).catch(() => undefined);
  }
}

interface Env {
  work: string;
  rootfs: string;
  runtime: RuncRuntime;
  caps: string[];
  oomAdj: number;
}

async function setupEnv(conmonPath: string | undefined): Promise<Env> {
  const work = await mkdtemp(join(tmpdir(), 'skiff-runc-'));
  const rootfs = join(work, 'rootfs');
  await buildRootfs(rootfs);
  const { caps, oomAdj } = await hostFacts();
  const runtime = new RuncRuntime({
    root: join(work, 'state'),
    ...(conmonPath !== undefined ? { conmonPath } : {}),
  });
  return { work, rootfs, runtime, caps, oomAdj };
}

async function teardownEnv(env: Env | undefined): Promise<void> {
  if (env === undefined) return;
  for (const c of await env.runtime.listContainers().catch(() => []))
    await env.runtime.deleteContainer(c.id).catch(() => undefined);
  await env.runtime.close();
  await removeCgroupParent();
  await rm(env.work, { recursive: true, force: true });
}

/** A request for `container` in a one-container pod, spec from buildContainerSpec. */
function requestFor(
  env: Env,
  id: string,
  container: Container,
  pod: Partial<Pod['spec']> = {},
): CreateContainerRequest {
  const p: Pod = {
    metadata: { name: id, namespace: 'default', uid: `uid-${id}` },
    spec: { containers: [container], ...pod },
  };
  const spec = buildContainerSpec({
    pod: p,
    container,
    image: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    rootfs: env.rootfs,
    sandbox: { hostname: id },
    users: { passwd: parsePasswd(PASSWD), group: parseGroup(GROUP) },
    cgroupsPath: `/${CGROUP_PARENT}/${id}`,
    node: { memoryCapacity: totalmem(), capabilities: env.caps, minOomScoreAdj: env.oomAdj },
  });
  return {
    id,
    bundleDir: join(env.work, 'bundles', id),
    spec,
    logPath: join(env.work, 'logs', id, '0.log'),
    labels: { pod: id },
  };
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

for (const monitor of MONITORS) {
  runRuntimeConformance(
    monitor.name,
    async () => {
      const env = await setupEnv(monitor.conmonPath);
      return {
        runtime: env.runtime,
        exiting: (id, p) => {
          const script = [
            ...p.stdout.map((l) => `echo ${sq(l)}`),
            ...p.stderr.map((l) => `echo ${sq(l)} >&2`),
            `exit ${p.code}`,
          ].join('; ');
          return Promise.resolve(requestFor(env, id, { name: 'c', command: ['sh', '-c', script] }));
        },
        sleeping: (id) =>
          Promise.resolve(
            requestFor(env, id, {
              name: 'c',
              command: ['sh', '-c', 'trap "exit 143" TERM; sleep 1000 & wait $!'],
            }),
          ),
        readLog: async (req) => readFile(req.logPath ?? '', 'utf8'),
        cleanup: () => teardownEnv(env),
      };
    },
    { skip: monitor.skip, prefix: `skiff-conf-${process.pid}` },
  );

  describe(`${monitor.name} containers`, { skip: monitor.skip }, () => {
    let env: Env | undefined;
    const e = (): Env => {
      assert.ok(env);
      return env;
    };
    const run = async (
      id: string,
      container: Container,
      pod: Partial<Pod['spec']> = {},
    ): Promise<{ exitCode: number; oomKilled: boolean; stdout: string; stderr: string }> => {
      const req = requestFor(e(), id, container, pod);
      await e().runtime.createContainer(req);
      await e().runtime.startContainer(id);
      const exit = await e().runtime.wait(id);
      const records = (await readFile(req.logPath ?? '', 'utf8'))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => parseCriLogLine(l));
      const text = (s: string): string =>
        records
          .filter((r) => r.stream === s)
          .map((r) => `${r.content.toString()}\n`)
          .join('');
      return { ...exit, stdout: text('stdout'), stderr: text('stderr') };
    };

    before(async () => {
      env = await setupEnv(monitor.conmonPath);
    });
    after(async () => {
      await teardownEnv(env);
    });

    it('applies env, cwd, user, hostname, groups; only lo in its own netns; RuntimeDefault seccomp', async () => {
      const r = await run(
        `skiff-env-${process.pid}`,
        {
          name: 'c',
          command: [
            'sh',
            '-c',
            'echo "$GREETING|$(pwd)|$(id -u):$(id -g)|$(id -G)|$(hostname)|$(ls /sys/class/net)"',
          ],
          env: [
            { name: 'NAME', value: 'world' },
            { name: 'GREETING', value: 'hello $(NAME)' },
          ],
          workingDir: '/tmp',
          securityContext: { runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        },
        { securityContext: { supplementalGroups: [3000] } },
      );
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(
        r.stdout,
        `hello world|/tmp|1000:1000|1000 2000 3000|skiff-env-${process.pid}|lo\n`,
      );
    });

    it('readOnlyRootFilesystem refuses a write', async () => {
      const r = await run(`skiff-ro-${process.pid}`, {
        name: 'c',
        command: ['sh', '-c', 'touch /newfile'],
        securityContext: { readOnlyRootFilesystem: true },
      });
      assert.notEqual(r.exitCode, 0);
      assert.match(r.stderr, /Read-only file system/);
    });

    it('a process over its 20 MiB memory limit is OOM-killed and reported', async () => {
      const r = await run(`skiff-oom-${process.pid}`, {
        name: 'c',
        command: ['sh', '-c', 'exec dd if=/dev/zero of=/dev/null bs=64M count=1'],
        resources: { limits: { memory: '20Mi' } },
      });
      assert.equal(r.exitCode, 137);
      assert.equal(r.oomKilled, true);
      const s = await e().runtime.state(`skiff-oom-${process.pid}`);
      assert.equal(s?.oomKilled, true);
    });

    it('execs with stdin, and with a terminal', async () => {
      const id = `skiff-exec-${process.pid}`;
      const req = requestFor(e(), id, {
        name: 'c',
        command: ['sh', '-c', 'trap "exit 143" TERM; sleep 1000 & wait $!'],
      });
      await e().runtime.createContainer(req);
      await e().runtime.startContainer(id);
      const collect = (): { stream: PassThrough; text: () => string } => {
        const stream = new PassThrough();
        const chunks: Buffer[] = [];
        stream.on('data', (b: Buffer) => chunks.push(b));
        return { stream, text: () => Buffer.concat(chunks).toString() };
      };
      const out = collect();
      const stdin = new PassThrough();
      stdin.end('abc\n');
      const r = await e().runtime.exec(id, { args: ['cat'], stdin, stdout: out.stream });
      assert.equal(r.exitCode, 0);
      assert.equal(out.text(), 'abc\n');
      const tty = collect();
      const t = await e().runtime.exec(id, {
        args: ['sh', '-c', 'tty; exit 5'],
        tty: true,
        stdout: tty.stream,
      });
      assert.equal(t.exitCode, 5);
      assert.match(tty.text(), /^\/dev\/pts\/\d+\r?\n$/);
      await e().runtime.deleteContainer(id);
    });

    it('runs a terminal container; its output is logged as stdout', async () => {
      const r = await run(`skiff-tty-${process.pid}`, {
        name: 'c',
        command: ['sh', '-c', 'tty; echo err >&2; exit 4'],
        tty: true,
      });
      assert.equal(r.exitCode, 4);
      // conmon turns ONLCR on for the pty, as CRI-O does: its lines end in \r\n.
      const nl = monitor.conmonPath === undefined ? '\n' : '\r\n';
      assert.equal(r.stdout, `/dev/pts/0${nl}err${nl}`);
      assert.equal(r.stderr, '');
    });

    it('reads OOM kills from the kernel log here', async () => {
      const log = await KmsgOomLog.open();
      assert.ok(log, '/dev/kmsg must be readable as root');
      await log.close();
    });

    it('reports runc start failures', async () => {
      const id = `skiff-bad-${process.pid}`;
      const req = requestFor(e(), id, { name: 'c', command: ['/no/such/binary'] });
      await e().runtime.createContainer(req);
      await assert.rejects(e().runtime.startContainer(id), /no such file or directory/);
      const s = await e().runtime.state(id);
      assert.equal(s?.status, 'stopped');
      assert.equal(s.exitCode, 128);
    });
  });
}

describe('runc+conmon: containers outlive the runtime process', { skip: skipConmon }, () => {
  let env: Env | undefined;
  const e = (): Env => {
    assert.ok(env);
    return env;
  };
  const logLines = async (path: string): Promise<string[]> =>
    (await readFile(path, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => parseCriLogLine(l).content.toString());
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    env = await setupEnv(conmon);
  });
  after(async () => {
    await teardownEnv(env);
  });

  it('keeps logging while no runtime runs; a new runtime adopts it and gets its exit code', async () => {
    const id = `skiff-survive-${process.pid}`;
    const req = requestFor(e(), id, {
      name: 'c',
      command: [
        'sh',
        '-c',
        'trap "exit 7" TERM; i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.05; done',
      ],
    });
    await e().runtime.createContainer(req);
    await e().runtime.startContainer(id);
    await sleep(300);
    // The kubelet exits: nothing of this process holds the container's output any more.
    await e().runtime.close();
    const before = (await logLines(req.logPath ?? '')).length;
    await sleep(1000);
    const during = await logLines(req.logPath ?? '');
    assert.ok(during.length >= before + 5, `${String(before)} → ${String(during.length)} lines`);
    assert.deepEqual(
      during.slice(0, 3),
      ['line 0', 'line 1', 'line 2'],
      'nothing lost or reordered',
    );
    e().runtime = new RuncRuntime({ root: join(e().work, 'state'), conmonPath: conmon });
    assert.equal((await e().runtime.state(id))?.status, 'running');
    await e().runtime.kill(id, 'SIGTERM');
    const exit = await e().runtime.wait(id);
    assert.deepEqual(exit, { exitCode: 7, oomKilled: false });
    const s = await e().runtime.state(id);
    assert.equal(s?.status, 'stopped');
    assert.equal(s.exitCode, 7);
    // And once more after another restart: the exit code is in conmon's exit file.
    await e().runtime.close();
    e().runtime = new RuncRuntime({ root: join(e().work, 'state'), conmonPath: conmon });
    assert.equal((await e().runtime.state(id))?.exitCode, 7);
    await e().runtime.deleteContainer(id);
    assert.equal(await e().runtime.state(id), undefined);
  });

  it('rotates the log conmon writes by size; conmon goes on in the new file', async () => {
    const root = join(e().work, 'rotating');
    const rt = new RuncRuntime({
      root,
      conmonPath: conmon,
      logRotation: { maxSize: 4096, maxFiles: 3 },
      logRotationCheckMs: 100,
    });
    const id = `skiff-rotate-${process.pid}`;
    const req = requestFor(e(), id, {
      name: 'c',
      command: [
        'sh',
        '-c',
        'i=0; while true; do echo "record $i of a log that grows"; i=$((i+1)); sleep 0.01; done',
      ],
    });
    try {
      await rt.createContainer(req);
      await rt.startContainer(id);
      const dir = join(e().work, 'logs', id);
      let names: string[] = [];
      for (let i = 0; i < 100; i++) {
        names = await readdir(dir);
        if (names.some((n) => n.endsWith('.gz'))) break;
        await sleep(100);
      }
      assert.ok(
        names.some((n) => /^0\.log\.\d{8}-\d{6}\.gz$/.test(n)),
        names.join(' '),
      );
      assert.ok(names.length <= 3, `at most maxFiles files: ${names.join(' ')}`);
      // The current file keeps getting records after the reopen.
      const n = (await logLines(req.logPath ?? '')).length;
      await sleep(300);
      assert.ok((await logLines(req.logPath ?? '')).length > n);
    } finally {
      await rt.deleteContainer(id).catch(() => undefined);
      await rt.close();
    }
  });
});
