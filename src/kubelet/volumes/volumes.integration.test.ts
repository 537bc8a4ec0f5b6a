// Integration: the volume host adapter on the real filesystem under a temporary root. Needs
// root (tmpfs mounts, mknod, chown); skips otherwise. Covers the AtomicWriter under a
// concurrent reader process, tmpfs emptyDirs with sizeLimit (ENOSPC beyond it), hostPath type
// checks, fsGroup ownership, subPath escapes, and teardown that leaves no mount and no file
// behind (checked in /proc/self/mountinfo by path). Every mount and directory is removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import {
  makeContainerMounts,
  mountTmpfs,
  mountsUnder,
  planPodVolumes,
  prepareSubPath,
  readMountInfo,
  removeAllOneFilesystem,
  removePodDir,
  setUpHostPath,
  setUpVolume,
  tearDownPodVolumes,
  unmount,
} from './index.ts';
import type { PayloadSources, PlannedVolume } from './index.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const missing = ['mount', 'umount', 'mknod'].filter(
  (t) => !['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => existsSync(join(d, t))),
);
const skip = !isRoot
  ? 'needs root (tmpfs mounts)'
  : missing.length > 0
    ? `missing ${missing.join(', ')}`
    : false;

const big = (ch: string): string => ch.repeat(256 * 1024);

describe('volumes on the host', { skip }, () => {
  let work = '';
  let root = '';
  const configMaps = new Map<string, ConfigMap>();
  const sources: PayloadSources = {
    configMap: (n) => configMaps.get(n),
    secret: (n) =>
      n === 'creds'
        ? { metadata: { name: n }, data: { password: Buffer.from('hunter2').toString('base64') } }
        : undefined,
    nodeAllocatable: { cpu: '2', memory: '1Gi' },
  };
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'ns', uid: 'pod-uid-1', labels: { app: 'web' } },
    spec: {
      securityContext: { fsGroup: 2345 },
      containers: [
        { name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/s', subPath: 'logs/app' }] },
      ],
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
        { name: 'sec', secret: { secretName: 'creds' } },
        {
          name: 'info',
          downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
        },
      ],
    },
  };
  let planned: Map<string, PlannedVolume>;
  const vol = (name: string): PlannedVolume => {
    const v = planned.get(name);
    assert.ok(v, name);
    return v;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-volumes-'));
    root = join(work, 'kubelet');
    configMaps.set('cfg', { metadata: { name: 'cfg' }, data: { a: big('0'), b: 'v0' } });
    const plan = planPodVolumes(pod, { root, nodeAllocatableMemory: '1Gi' });
    assert.deepEqual(plan.errors, []);
    planned = new Map(plan.volumes.map((v) => [v.name, v]));
  });

  after(async () => {
    // Unmount whatever a failed test left behind, deepest first, then remove the tree.
    const left = mountsUnder(await readMountInfo(), work).reverse();
    for (const m of left) await run('umount', ['-l', m.mountPoint]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  it('updates a configMap volume atomically while another process keeps reading', async () => {
    const v = vol('cfg');
    await setUpVolume(v, { pod, sources });
    assert.equal(await readFile(join(v.path, 'b'), 'utf8'), 'v0');
    const stopFile = join(work, 'stop-reader');
    // A separate process reads in a tight loop (true concurrency with our writes): every read
    // of `a` must be the whole 256 KiB of one version, and `b` must always resolve.
    const reader = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const [dir, stop] = process.argv.slice(1);
         let reads = 0; const partial = []; const errors = {};
         while (!fs.existsSync(stop)) {
           try {
             const a = fs.readFileSync(dir + '/a', 'utf8'); fs.readFileSync(dir + '/b', 'utf8'); reads++;
             if (a.length !== ${String(256 * 1024)} || a !== a.charAt(0).repeat(a.length)) partial.push(a.length);
           } catch (e) { errors[e.code || String(e)] = (errors[e.code || String(e)] || 0) + 1; }
         }
         process.stdout.write(JSON.stringify({ reads, partial: partial.slice(0, 5), errors }));`,
        v.path,
        stopFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) =>
      reader.on('exit', () => {
        resolve();
      }),
    );
    try {
      for (let i = 1; i <= 30; i++) {
        configMaps.set('cfg', {
          metadata: { name: 'cfg' },
          data: { a: big(String(i % 10)), b: `v${String(i)}` },
        });
        const r = await setUpVolume(v, { pod, sources });
        assert.equal(r.write?.wrote, true);
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await writeFile(stopFile, '');
      await exited;
    }
    const result = JSON.parse(out) as {
      reads: number;
      partial: number[];
      errors: Record<string, number>;
    };
    assert.ok(result.reads > 0, 'the reader read');
    assert.deepEqual(result.partial, [], 'no read saw a partially written file');
    // A path resolved through the old `..data` just before that directory is removed can
    // vanish (ENOENT, as upstream); any other error would be a real failure.
    assert.deepEqual(
      Object.keys(result.errors).filter((c) => c !== 'ENOENT'),
      [],
    );
    assert.equal(await readFile(join(v.path, 'b'), 'utf8'), 'v30');
    // No-op when nothing changed; exactly one timestamped directory remains.
    const again = await setUpVolume(v, { pod, sources });
    assert.equal(again.write?.wrote, false);
    const hidden = (await readdir(v.path)).filter((n) => n.startsWith('..'));
    assert.equal(hidden.length, 2, hidden.join(','));
    // fsGroup ownership reached the data.
    assert.equal((await stat(join(v.path, 'a'))).gid, 2345);
  });

  it('mounts a Memory emptyDir as tmpfs with size= from sizeLimit; writing beyond is ENOSPC', async () => {
    const v = vol('mem');
    const r = await setUpVolume(v, { pod, sources });
    assert.equal(r.mounted, true);
    const m = (await readMountInfo()).find((x) => x.mountPoint === v.path);
    assert.equal(m?.fsType, 'tmpfs');
    assert.match(m.superOptions, /size=1024k/);
    // Idempotent: a second set-up does not stack another mount.
    assert.equal((await setUpVolume(v, { pod, sources })).mounted, false);
    assert.equal((await readMountInfo()).filter((x) => x.mountPoint === v.path).length, 1);
    await writeFile(join(v.path, 'small'), Buffer.alloc(512 * 1024));
    await assert.rejects(writeFile(join(v.path, 'big'), Buffer.alloc(1024 * 1024)), {
      code: 'ENOSPC',
    });
    // fsGroup: group and setgid on the volume root.
    const st = await stat(v.path);
    assert.equal(st.gid, 2345);
    assert.equal(st.mode & 0o2000, 0o2000);
  });

  it('sets up secret and downwardAPI volumes on tmpfs', async () => {
    await setUpVolume(vol('sec'), { pod, sources });
    await setUpVolume(vol('info'), { pod, sources });
    assert.equal(await readFile(join(vol('sec').path, 'password'), 'utf8'), 'hunter2');
    assert.equal(await readFile(join(vol('info').path, 'labels'), 'utf8'), 'app="web"');
    const mounts = await readMountInfo();
    assert.equal(mounts.find((x) => x.mountPoint === vol('sec').path)?.fsType, 'tmpfs');
  });

  it('projects a service account token 0640 under fsGroup; a missing ConfigMap leaves no trace', async () => {
    const projected = planPodVolumes(
      {
        ...pod,
        spec: {
          ...pod.spec,
          containers: [],
          volumes: [
            { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
          ],
        },
      },
      { root },
    ).volumes[0];
    assert.ok(projected);
    await setUpVolume(projected, {
      pod,
      sources: { ...sources, serviceAccountToken: () => 'jwt' },
    });
    const st = await stat(join(projected.path, 'token'));
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(st.gid, 2345);
    const missing = planPodVolumes(
      {
        ...pod,
        spec: { containers: [], volumes: [{ name: 'gone', configMap: { name: 'gone' } }] },
      },
      { root },
    ).volumes[0];
    assert.ok(missing);
    await assert.rejects(setUpVolume(missing, { pod, sources }), {
      message: 'configmap "gone" not found',
    });
    await assert.rejects(lstat(missing.path), { code: 'ENOENT' });
  });

  it('creates subPaths inside the volume and refuses symlinks out of it', async () => {
    const v = vol('scratch');
    await setUpVolume(v, { pod, sources });
    const container = pod.spec?.containers[0];
    assert.ok(container);
    const [mount] = makeContainerMounts(container, [...planned.values()]);
    assert.ok(mount);
    const host = await prepareSubPath(mount, 'app');
    assert.equal(host, join(v.path, 'logs/app'));
    assert.ok((await stat(host)).isDirectory());
    await symlink('/etc', join(v.path, 'escape'));
    await assert.rejects(
      prepareSubPath({ ...mount, subPath: 'escape/x', hostPath: join(v.path, 'escape/x') }, 'app'),
      {
        message: /not within volume path/,
      },
    );
  });

  it('checks hostPath types on the real filesystem', async () => {
    const base = join(work, 'host');
    await mkdir(base);
    const dir = join(base, 'made/dir');
    await setUpHostPath(dir, 'DirectoryOrCreate');
    assert.equal((await stat(dir)).mode & 0o777, 0o755);
    const file = join(base, 'file');
    await setUpHostPath(file, 'FileOrCreate');
    assert.ok((await stat(file)).isFile());
    await setUpHostPath(file, 'File');
    await assert.rejects(setUpHostPath(file, 'Directory'), {
      message: `hostPath type check failed: ${file} is not a directory`,
    });
    await assert.rejects(setUpHostPath(dir, 'File'), {
      message: `hostPath type check failed: ${dir} is not a file`,
    });
    await assert.rejects(setUpHostPath(join(base, 'nope'), 'Directory'), {
      message: /is not a directory/,
    });
    await setUpHostPath('/dev/null', 'CharDevice');
    await assert.rejects(setUpHostPath('/dev/null', 'BlockDevice'), {
      message: 'hostPath type check failed: /dev/null is not a block device',
    });
    const blk = join(base, 'blk');
    await run('mknod', [blk, 'b', '7', '250']);
    await setUpHostPath(blk, 'BlockDevice');
    await assert.rejects(setUpHostPath(blk, 'CharDevice'), {
      message: `hostPath type check failed: ${blk} is not a character device`,
    });
    const sock = join(base, 'sock');
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      await setUpHostPath(sock, 'Socket');
      await assert.rejects(setUpHostPath(file, 'Socket'), {
        message: `hostPath type check failed: ${file} is not a socket file`,
      });
    } finally {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });

  it('refuses to delete through a mount point', async () => {
    const parent = join(work, 'guarded');
    const mnt = join(parent, 'mnt');
    await mkdir(mnt, { recursive: true });
    await mountTmpfs(mnt, 1024n * 1024n);
    try {
      await writeFile(join(mnt, 'precious'), 'keep');
      await assert.rejects(removeAllOneFilesystem(parent), {
        message: `cannot delete directory ${mnt}: it is a mount point`,
      });
      assert.equal(await readFile(join(mnt, 'precious'), 'utf8'), 'keep');
    } finally {
      await unmount(mnt);
    }
    await removeAllOneFilesystem(parent);
    await assert.rejects(lstat(parent), { code: 'ENOENT' });
  });

  it('tears every volume down and leaves no mount and no directory', async () => {
    const uid = pod.metadata?.uid ?? '';
    await tearDownPodVolumes(root, uid);
    await removePodDir(root, uid);
    assert.deepEqual(mountsUnder(await readMountInfo(), root), []);
    await assert.rejects(lstat(join(root, 'pods', uid)), { code: 'ENOENT' });
    // Idempotent.
    await tearDownPodVolumes(root, uid);
  });
});
