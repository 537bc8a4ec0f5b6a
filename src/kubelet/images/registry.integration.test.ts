// Integration: Debian's docker-registry on a free loopback port, fed with a busybox image built
// by umoci from busybox-static and pushed with skopeo; our client pulls it (anonymously and
// with htpasswd Basic auth), verifies, unpacks with overlay whiteouts, mounts an overlay rootfs
// and checks the whiteout hides the file; docker-archive and oci-archive files made by skopeo
// import. Needs root and the Debian packages of ensure-deps.sh;
// skips otherwise. Everything started is killed by PID; every directory and mount is removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBusyboxLayout, startRegistry, stopRegistry } from './fixtures.ts';
import type { TestRegistry as Registry } from './fixtures.ts';
import {
  CredentialKeyring,
  ImageStore,
  RegistryClient,
  getXattr,
  importArchive,
  hostLayerHost,
  isMountPoint,
  mountOverlay,
  nodeTransport,
  unmountOverlay,
} from './index.ts';

const run = promisify(execFile);
const tools = ['docker-registry', 'umoci', 'skopeo', 'busybox', 'setfattr', 'mknod', 'mount'];
const missing = tools.filter(
  (t) => !['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => existsSync(join(d, t))),
);
const isRoot = process.getuid?.() === 0;
const skip = !isRoot ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;

describe('images against a real registry', { skip }, () => {
  let work = '';
  let layout = '';
  let reg: Registry | undefined;
  let authReg: Registry | undefined;
  const mounts: string[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    layout = await buildBusyboxLayout(work);
    reg = await startRegistry(join(work, 'registry'));
    for (const [tag, dest] of [
      ['busybox', 'v1'],
      ['busybox-wh', 'v1-wh'],
    ] as const) {
      await run('skopeo', [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        `oci:${layout}:${tag}`,
        `docker://127.0.0.1:${reg.port}/probe/busybox:${dest}`,
      ]);
    }
    await run('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--format',
      'v2s2',
      `oci:${layout}:busybox`,
      `docker://127.0.0.1:${reg.port}/probe/busybox:v1-docker`,
    ]);
  });

  after(async () => {
    for (const m of mounts) await unmountOverlay(m).catch(() => undefined);
    await stopRegistry(reg);
    await stopRegistry(authReg);
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('pulls anonymously (OCI and Docker v2 schema 2), verifying digests', async () => {
    const store = new ImageStore(join(work, 'store'));
    const transport = nodeTransport();
    try {
      const client = new RegistryClient({ transport });
      const base = `127.0.0.1:${reg?.port ?? 0}/probe/busybox`;
      const rec = await client.pull(`${base}:v1`, store);
      const { stdout } = await run('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--format',
        '{{.Digest}}',
        `docker://${base}:v1`,
      ]);
      assert.equal(rec.digest, stdout.trim());
      assert.equal(rec.name, `${base}:v1`);
      assert.equal(rec.layers.length, 1);
      const docker = await client.pull(`${base}:v1-docker`, store);
      assert.equal(docker.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(docker.configDigest, rec.configDigest); // same config blob, other manifest
      assert.equal(docker.layers[0]?.digest, rec.layers[0]?.digest);
      const again = await client.pull(`${base}@${rec.digest}`, store);
      assert.equal(again.digest, rec.digest);
    } finally {
      transport.close();
    }
  });

  it('unpacks, translates the whiteout, and mounts an overlay that hides the file', async () => {
    const store = new ImageStore(join(work, 'store'));
    const transport = nodeTransport();
    try {
      const client = new RegistryClient({ transport });
      const rec = await client.pull(`127.0.0.1:${reg?.port ?? 0}/probe/busybox:v1-wh`, store);
      assert.equal(rec.layers.length, 2);
      const dirs = await store.unpackImage(rec, hostLayerHost());
      const wh = await lstat(join(dirs[1] ?? '', 'etc/motd'));
      assert.ok(wh.isCharacterDevice());
      assert.equal(wh.rdev, 0);
      assert.ok((await lstat(join(dirs[0] ?? '', 'bin/sh'))).isSymbolicLink());
      assert.equal((await lstat(join(dirs[0] ?? '', 'bin/busybox'))).mode & 0o777, 0o755);
      const c = join(work, 'containers', 'c1');
      const target = join(c, 'rootfs');
      mounts.push(target);
      await mountOverlay({
        layers: dirs,
        upperDir: join(c, 'upper'),
        workDir: join(c, 'work'),
        target,
      });
      assert.ok(await isMountPoint(target));
      await assert.rejects(lstat(join(target, 'etc/motd')), { code: 'ENOENT' });
      assert.equal(
        await readFile(join(target, 'etc/passwd'), 'utf8'),
        'root:x:0:0:root:/root:/bin/sh\n',
      );
      await writeFile(join(target, 'tmp/new'), 'x');
      assert.ok(existsSync(join(c, 'upper/tmp/new')));
      const { stdout } = await run('chroot', [target, '/bin/cat', '/www/index.html']);
      assert.equal(stdout, '<h1>hello</h1>\n');
      await unmountOverlay(target);
      assert.equal(await isMountPoint(target), false);
      await unmountOverlay(target); // idempotent
    } finally {
      transport.close();
    }
  });

  it('marks an opaque directory with trusted.overlay.opaque', async () => {
    const { applyLayer, readTar, writeTar } = await import('./index.ts');
    const dir = join(work, 'opaque-layer');
    await mkdir(dir);
    const { Readable } = await import('node:stream');
    await applyLayer(
      readTar(
        Readable.from([writeTar([{ name: 'keep/.wh..wh..opq' }, { name: 'keep/b', data: 'b' }])]),
      ),
      dir,
      hostLayerHost(),
    );
    assert.equal(await getXattr(join(dir, 'keep'), 'trusted.overlay.opaque'), 'y');
    assert.deepEqual(await readdir(join(dir, 'keep')), ['b']);
  });

  it('pulls with htpasswd Basic auth from the keyring', async () => {
    const { stdout: hash } = await run('python3', [
      '-c',
      "import crypt;print(crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
    ]);
    const dir = join(work, 'auth-registry');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'htpasswd'), `alice:${hash.trim()}\n`);
    authReg = await startRegistry(
      dir,
      `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${join(dir, 'htpasswd')}\n`,
    );
    const base = `127.0.0.1:${authReg.port}/probe/busybox`;
    await run('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--dest-creds',
      'alice:s3cret',
      `oci:${layout}:busybox`,
      `docker://${base}:v1`,
    ]);
    const store = new ImageStore(join(work, 'store-auth'));
    const transport = nodeTransport();
    try {
      await assert.rejects(new RegistryClient({ transport }).pull(`${base}:v1`, store), {
        message: /no basic auth credentials/,
      });
      const keyring = new CredentialKeyring();
      keyring.add(`127.0.0.1:${authReg.port}`, { username: 'alice', password: 's3cret' });
      const rec = await new RegistryClient({ transport, keyring }).pull(`${base}:v1`, store);
      assert.equal(rec.layers.length, 1);
    } finally {
      transport.close();
    }
  });

  it('imports docker-archive and oci-archive files made by skopeo', async () => {
    const dock = join(work, 'busybox-docker.tar');
    const oci = join(work, 'busybox-oci.tar');
    await run('skopeo', [
      'copy',
      '--quiet',
      `oci:${layout}:busybox`,
      `docker-archive:${dock}:example.com/team/busybox:v1`,
    ]);
    await run('skopeo', [
      'copy',
      '--quiet',
      `oci:${layout}:busybox-wh`,
      `oci-archive:${oci}:example.com/team/busybox:wh`,
    ]);
    const store = new ImageStore(join(work, 'store-import'));
    const [docker] = await importArchive(store, dock);
    const [wh] = await importArchive(store, oci);
    assert.ok(docker !== undefined && wh !== undefined);
    assert.equal(docker.name, 'example.com/team/busybox:v1');
    assert.equal(wh.name, 'example.com/team/busybox:wh');
    const dirs = await store.unpackImage(wh, hostLayerHost());
    assert.ok((await lstat(join(dirs[1] ?? '', 'etc/motd'))).isCharacterDevice());
    // docker save layers are uncompressed: the blob digest is the diff ID.
    assert.equal(docker.layers[0]?.digest, docker.layers[0]?.diffId);
    await store.unpackImage(docker, hostLayerHost());
    assert.equal(await store.removeImage(docker.name), true);
    assert.ok((await store.prune()) > 0);
    assert.equal(await store.prune(), 0);
  });
});
