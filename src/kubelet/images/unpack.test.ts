import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm, stat, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readTar, writeTar } from './tar.ts';
import { UnsafePathError, applyLayer, cleanEntryPath, planLayerEntry } from './unpack.ts';
import type { LayerHost } from './unpack.ts';

function fakeHost(): LayerHost & { whiteouts: string[]; opaques: string[] } {
  const whiteouts: string[] = [];
  const opaques: string[] = [];
  return {
    chown: false,
    whiteouts,
    opaques,
    makeWhiteout: (p) => {
      whiteouts.push(p);
      return Promise.resolve();
    },
    setOpaque: (d) => {
      opaques.push(d);
      return Promise.resolve();
    },
    makeNode: () => Promise.resolve(),
    setXattr: () => Promise.resolve(),
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-unpack-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const entries = (tar: Buffer) => readTar(Readable.from([tar]));

describe('planLayerEntry (OCI whiteouts → overlay)', () => {
  const plan = (name: string, type: 'file' | 'link' = 'file', linkname = '') =>
    planLayerEntry({ name, type, linkname });
  it('translates whiteouts and opaque markers', () => {
    assert.deepEqual(plan('etc/.wh.passwd'), { kind: 'whiteout', path: 'etc/passwd' });
    assert.deepEqual(plan('./.wh.tmp'), { kind: 'whiteout', path: 'tmp' });
    assert.deepEqual(plan('var/lib/.wh..wh..opq'), { kind: 'opaque', dir: 'var/lib' });
    assert.deepEqual(plan('.wh..wh..opq'), { kind: 'opaque', dir: '' });
    assert.deepEqual(plan('a/.wh..wh.plnk'), { kind: 'skip', path: 'a/.wh..wh.plnk' });
    assert.deepEqual(plan('./'), { kind: 'skip', path: '' });
    assert.deepEqual(plan('bin/sh'), { kind: 'entry', path: 'bin/sh' });
    assert.deepEqual(plan('bin/ls', 'link', 'bin/busybox'), {
      kind: 'entry',
      path: 'bin/ls',
      linkTarget: 'bin/busybox',
    });
  });
  it('cleans paths and refuses traversal', () => {
    assert.equal(cleanEntryPath('./a//b/'), 'a/b');
    assert.equal(cleanEntryPath('/etc/passwd'), 'etc/passwd');
    assert.equal(cleanEntryPath('a/../b'), 'b');
    for (const bad of ['../x', 'a/../../x', '..', './../etc']) {
      assert.throws(() => cleanEntryPath(bad), UnsafePathError, bad);
    }
    assert.throws(() => plan('x', 'link', '../../etc/shadow'), UnsafePathError);
    assert.throws(() => plan('a/.wh...'), UnsafePathError);
  });
});

describe('applyLayer', () => {
  it('writes files, dirs, symlinks, hard links and modes; translates whiteouts', async () => {
    await withDir(async (dir) => {
      const host = fakeHost();
      const tar = writeTar([
        { name: 'bin/', type: 'directory', mode: 0o755 },
        { name: 'bin/busybox', data: 'BB', mode: 0o4755 },
        { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
        { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
        { name: 'etc/.wh.motd' },
        { name: 'var/.wh..wh..opq' },
        { name: 'x'.repeat(120) + '/long', data: 'pax path' },
      ]);
      const stats = await applyLayer(entries(tar), dir, host);
      assert.deepEqual(stats, { entries: 7, whiteouts: 1, opaques: 1 });
      assert.equal(await readFile(join(dir, 'bin/busybox'), 'utf8'), 'BB');
      assert.equal((await stat(join(dir, 'bin/busybox'))).mode & 0o7777, 0o4755);
      assert.equal(
        (await stat(join(dir, 'bin/ls'))).ino,
        (await stat(join(dir, 'bin/busybox'))).ino,
      );
      assert.equal(await readlink(join(dir, 'bin/sh')), '/bin/busybox');
      assert.deepEqual(host.whiteouts, [join(dir, 'etc/motd')]);
      assert.deepEqual(host.opaques, [join(dir, 'var')]);
      assert.equal(await readFile(join(dir, 'x'.repeat(120), 'long'), 'utf8'), 'pax path');
    });
  });

  it('refuses to write through a symlink planted by the layer', async () => {
    await withDir(async (dir) => {
      const outside = join(dir, 'outside');
      const root = join(dir, 'root');
      await import('node:fs/promises').then((fs) =>
        Promise.all([fs.mkdir(outside), fs.mkdir(root)]),
      );
      const tar = writeTar([
        { name: 'evil', type: 'symlink', linkname: outside },
        { name: 'evil/pwned', data: 'x' },
      ]);
      await assert.rejects(applyLayer(entries(tar), root, fakeHost()), UnsafePathError);
      await assert.rejects(lstat(join(outside, 'pwned')), { code: 'ENOENT' });
      const rel = writeTar([
        { name: 'up', type: 'symlink', linkname: '../outside' },
        { name: 'up/pwned', data: 'x' },
      ]);
      await assert.rejects(applyLayer(entries(rel), root, fakeHost()), UnsafePathError);
      await assert.rejects(lstat(join(outside, 'pwned')), { code: 'ENOENT' });
    });
  });

  it('refuses ../ members and hard links out of the layer', async () => {
    await withDir(async (dir) => {
      await assert.rejects(
        applyLayer(entries(writeTar([{ name: '../escape', data: 'x' }])), dir, fakeHost()),
        UnsafePathError,
      );
      await assert.rejects(
        applyLayer(
          entries(writeTar([{ name: 'h', type: 'link', linkname: 'missing' }])),
          dir,
          fakeHost(),
        ),
        UnsafePathError,
      );
    });
  });

  it('replaces a symlink at a file path instead of following it', async () => {
    await withDir(async (dir) => {
      const outside = join(dir, 'target');
      const root = join(dir, 'root');
      await import('node:fs/promises').then((fs) => fs.mkdir(root));
      const tar = writeTar([
        { name: 'f', type: 'symlink', linkname: outside },
        { name: 'f', data: 'inside' },
      ]);
      await applyLayer(entries(tar), root, fakeHost());
      assert.equal(await readFile(join(root, 'f'), 'utf8'), 'inside');
      await assert.rejects(lstat(outside), { code: 'ENOENT' });
    });
  });
});
