// AtomicWriter against a temporary directory (no root needed), with upstream's
// atomic_writer_test.go cases: path validation, paths to remove, write once, update.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AtomicWriter,
  DATA_DIR_NAME,
  pathsToRemove,
  timestampDirPrefix,
  validatePath,
} from './atomic-writer.ts';
import type { FileProjection } from './payload.ts';

type Spec = Record<string, [number, string]>;
const payload = (s: Spec): Map<string, FileProjection> =>
  new Map(Object.entries(s).map(([k, [mode, data]]) => [k, { mode, data: Buffer.from(data) }]));

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-atomic-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** checkVolumeContents: every payload path reads back through the visible tree with its mode. */
async function checkVolumeContents(dir: string, s: Spec): Promise<void> {
  for (const [p, [mode, data]] of Object.entries(s)) {
    const clean = p.replace(/\/+/g, '/');
    assert.equal(await readFile(join(dir, clean), 'utf8'), data, clean);
    assert.equal((await stat(join(dir, clean))).mode & 0o777, mode, `${clean} mode`);
  }
  // Nothing else is visible besides the payload's top-level names and the reserved ones.
  const top = new Set(Object.keys(s).map((p) => p.split('/')[0]));
  for (const name of await readdir(dir)) {
    if (name.startsWith('..')) continue;
    assert.ok(top.has(name), `unexpected ${name}`);
    assert.ok((await lstat(join(dir, name))).isSymbolicLink(), `${name} is a symlink`);
    assert.equal(await readlink(join(dir, name)), `${DATA_DIR_NAME}/${name}`);
  }
}

describe('validatePath (upstream TestValidatePath)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['valid 1', 'i/am/well/behaved.txt', true],
    ['valid 2', 'keepyourheaddownandfollowtherules.txt', true],
    ['max path length', 'a'.repeat(4097), false],
    ['max file length', 'a'.repeat(256), false],
    ['absolute failure', '/dev/null', false],
    ['reserved path', '..sneaky.txt', false],
    ['contains doubledot 1', 'hello/there/../../../../../../etc/passwd', false],
    ['contains doubledot 2', 'hello/../etc/somethingbad', false],
    ['empty', '', false],
  ];
  for (const [name, p, valid] of cases) {
    it(name, () => {
      if (valid)
        assert.doesNotThrow(() => {
          validatePath(p);
        });
      else
        assert.throws(() => {
          validatePath(p);
        });
    });
  }
  it('messages', () => {
    assert.throws(
      () => {
        validatePath('/dev/null');
      },
      {
        message: 'invalid path: must be relative path: /dev/null',
      },
    );
    assert.throws(
      () => {
        validatePath('..sneaky.txt');
      },
      {
        message: "invalid path: must not start with '..': ..sneaky.txt",
      },
    );
    assert.throws(
      () => {
        validatePath('');
      },
      { message: 'invalid path: must not be empty: ""' },
    );
  });
});

describe('pathsToRemove (upstream TestPathsToRemove)', () => {
  const cases: Array<[string, Spec, Spec, string[]]> = [
    [
      'simple',
      { 'foo.txt': [0o644, 'foo'], 'bar.txt': [0o644, 'bar'] },
      { 'foo.txt': [0o644, 'foo'] },
      ['bar.txt'],
    ],
    [
      'simple 2',
      { 'foo.txt': [0o644, 'foo'], 'zip/bar.txt': [0o644, 'zip/b}ar'] },
      { 'foo.txt': [0o644, 'foo'] },
      ['zip/bar.txt', 'zip'],
    ],
    [
      'subdirs 1',
      { 'foo.txt': [0o644, 'foo'], 'zip/zap/bar.txt': [0o644, 'zip/bar'] },
      { 'foo.txt': [0o644, 'foo'] },
      ['zip/zap/bar.txt', 'zip', 'zip/zap'],
    ],
    [
      'subdirs 3',
      {
        'foo.txt': [0o644, 'foo'],
        'zip/1/2/3/4/bar.txt': [0o644, 'zip/b}ar'],
        'zap/a/b/c/bar.txt': [0o644, 'zap/bar'],
      },
      { 'foo.txt': [0o644, 'foo'] },
      [
        'zip/1/2/3/4/bar.txt',
        'zip',
        'zip/1',
        'zip/1/2',
        'zip/1/2/3',
        'zip/1/2/3/4',
        'zap',
        'zap/a',
        'zap/a/b',
        'zap/a/b/c',
        'zap/a/b/c/bar.txt',
      ],
    ],
    [
      'subdirs 4',
      {
        'foo.txt': [0o644, 'foo'],
        'zap/1/2/3/4/bar.txt': [0o644, 'zip/bar'],
        'zap/1/2/c/bar.txt': [0o644, 'zap/bar'],
        'zap/1/2/magic.txt': [0o644, 'indigo'],
      },
      { 'foo.txt': [0o644, 'foo'], 'zap/1/2/magic.txt': [0o644, 'indigo'] },
      ['zap/1/2/3/4/bar.txt', 'zap/1/2/3', 'zap/1/2/3/4', 'zap/1/2/c', 'zap/1/2/c/bar.txt'],
    ],
    [
      'subdirs 5',
      {
        'foo.txt': [0o644, 'foo'],
        'zap/1/2/3/4/bar.txt': [0o644, 'zip/bar'],
        'zap/1/2/c/bar.txt': [0o644, 'zap/bar'],
      },
      { 'foo.txt': [0o644, 'foo'], 'zap/1/2/magic.txt': [0o644, 'indigo'] },
      ['zap/1/2/3/4/bar.txt', 'zap/1/2/3', 'zap/1/2/3/4', 'zap/1/2/c', 'zap/1/2/c/bar.txt'],
    ],
  ];
  for (const [name, first, second, want] of cases) {
    it(name, async () => {
      const dir = await tempDir();
      const w = await AtomicWriter.create(dir);
      await w.write(payload(first));
      const ts = await readlink(join(dir, DATA_DIR_NAME));
      const existing: string[] = [];
      const walk = async (rel: string): Promise<void> => {
        for (const n of await readdir(join(dir, ts, rel))) {
          const r = rel === '' ? n : `${rel}/${n}`;
          existing.push(r);
          if ((await lstat(join(dir, ts, r))).isDirectory()) await walk(r);
        }
      };
      await walk('');
      assert.deepEqual(
        [...pathsToRemove(existing, payload(second))].sort(),
        [...new Set(want)].sort(),
      );
    });
  }
});

describe('AtomicWriter.write (upstream TestWriteOnce)', () => {
  const cases: Array<[string, Spec, boolean]> = [
    ['invalid payload 1', { foo: [0o644, 'foo'], '..bar': [0o644, 'bar'] }, false],
    ['invalid payload 2', { 'foo/../bar': [0o644, 'foo'] }, false],
    ['basic 1', { foo: [0o644, 'foo'], bar: [0o644, 'bar'] }, true],
    ['basic mode 1', { foo: [0o777, 'foo'], bar: [0o400, 'bar'] }, true],
    [
      'dotfiles',
      {
        foo: [0o644, 'foo'],
        '.dotfile': [0o644, 'dotfile'],
        '.dotfile.file': [0o644, 'dotfile.file'],
      },
      true,
    ],
    [
      'dotfiles mode',
      {
        foo: [0o407, 'foo'],
        bar: [0o440, 'bar'],
        '.dotfile': [0o777, 'dotfile'],
        '.dotfile.file': [0o666, 'x'],
      },
      true,
    ],
    [
      'subdirectories 1',
      { 'foo/bar.txt': [0o644, 'foo/bar'], 'bar/zab.txt': [0o644, 'bar/zab.txt'] },
      true,
    ],
    [
      'subdirectories mode 1',
      { 'foo/bar.txt': [0o400, 'foo/bar'], 'bar/zab.txt': [0o644, 'bar/zab.txt'] },
      true,
    ],
    [
      'subdirectories 2',
      { 'foo//bar.txt': [0o644, 'foo//bar'], 'bar///bar/zab.txt': [0o644, 'bar/../bar/zab.txt'] },
      true,
    ],
    [
      'kitchen sink',
      {
        'foo.log': [0o644, 'foo'],
        '.dotfile': [0o644, 'dotfile'],
        'foo/blaz/bar.txt': [0o644, 'foo/blaz/bar'],
        'bar/zib/zab.txt': [0o400, 'bar/zib/zab.txt'],
        '1/2/3/4/5/6/7/8/9/10/.dotfile.lib': [0o777, '1-2-3-dotfile'],
      },
      true,
    ],
  ];
  for (const [name, spec, success] of cases) {
    it(name, async () => {
      const dir = await tempDir();
      const w = await AtomicWriter.create(dir);
      if (!success) {
        await assert.rejects(w.write(payload(spec)));
        assert.deepEqual(await readdir(dir), [], 'nothing written for an invalid payload');
        return;
      }
      await w.write(payload(spec));
      await checkVolumeContents(dir, spec);
    });
  }
  it('refuses a missing target directory (NewAtomicWriter)', async () => {
    await assert.rejects(AtomicWriter.create(join(await tempDir(), 'nope')), { code: 'ENOENT' });
  });
});

describe('AtomicWriter updates (upstream TestUpdate)', () => {
  const cases: Array<[string, Spec, Spec, boolean]> = [
    [
      'update',
      { foo: [0o644, 'foo'], bar: [0o644, 'bar'] },
      { foo: [0o644, 'foo2'], bar: [0o640, 'bar2'] },
      true,
    ],
    [
      'no update',
      { foo: [0o644, 'foo'], bar: [0o644, 'bar'] },
      { foo: [0o644, 'foo'], bar: [0o644, 'bar'] },
      false,
    ],
    [
      'no update 2',
      { 'foo/bar.txt': [0o644, 'foo'], 'bar/zab.txt': [0o644, 'bar'] },
      { 'foo/bar.txt': [0o644, 'foo'], 'bar/zab.txt': [0o644, 'bar'] },
      false,
    ],
    [
      'add 1',
      { 'foo/bar.txt': [0o644, 'foo'] },
      { 'foo/bar.txt': [0o644, 'foo'], 'blu/zip.txt': [0o644, 'zip'] },
      true,
    ],
    [
      'add 3',
      { 'foo/bar.txt': [0o644, 'foo'], 'bar/zab.txt': [0o644, 'bar'] },
      {
        'foo/bar.txt': [0o644, 'foo'],
        'bar/zab.txt': [0o644, 'bar'],
        'bar/2/3/4/5/zip.txt': [0o644, 'zip'],
      },
      true,
    ],
    [
      'delete 1',
      { 'foo/bar.txt': [0o644, 'foo'], 'bar/zab.txt': [0o644, 'bar'] },
      { 'foo/bar.txt': [0o644, 'foo'] },
      true,
    ],
    [
      'delete 3',
      {
        'foo/bar.txt': [0o644, 'foo'],
        'bar/1/2/sip.txt': [0o644, 'sip'],
        'bar/1/2/3/zab.txt': [0o644, 'bar'],
      },
      { 'foo/bar.txt': [0o644, 'foo'], 'bar/1/2/sip.txt': [0o644, 'sip'] },
      true,
    ],
  ];
  for (const [name, first, next, shouldWrite] of cases) {
    it(name, async () => {
      const dir = await tempDir();
      const w = await AtomicWriter.create(dir);
      const r1 = await w.write(payload(first));
      const r2 = await w.write(payload(next));
      assert.equal(r2.wrote, shouldWrite);
      assert.equal(r2.dataDir === r1.dataDir, !shouldWrite);
      await checkVolumeContents(dir, next);
      // Only one timestamped directory is ever left.
      const hidden = (await readdir(dir)).filter((n) => n.startsWith('..') && n !== DATA_DIR_NAME);
      assert.deepEqual(hidden, [r2.dataDir]);
    });
  }
  it('restores missing user-visible links without rewriting (upstream #121472)', async () => {
    const dir = await tempDir();
    const w = await AtomicWriter.create(dir);
    const r1 = await w.write(payload({ foo: [0o644, 'foo'] }));
    await rm(join(dir, 'foo'));
    const r2 = await w.write(payload({ foo: [0o644, 'foo'] }));
    assert.equal(r2.wrote, false);
    assert.equal(r2.dataDir, r1.dataDir);
    assert.equal(await readFile(join(dir, 'foo'), 'utf8'), 'foo');
  });
  it('names timestamped directories like Go', () => {
    assert.equal(
      timestampDirPrefix(new Date(Date.UTC(2016, 1, 1, 15, 4, 5))),
      '..2016_02_01_15_04_05.',
    );
  });
});
