import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkHostPathType, setUpHostPath } from './hostpath.ts';
import type { FileTypeChecker } from './hostpath.ts';

type Kind = 'none' | 'dir' | 'file' | 'socket' | 'char' | 'block';

/** The fake checker of upstream's TestHostPathTypeCheckerInternal. */
function fake(kind: Kind): FileTypeChecker & { created: string[] } {
  const created: string[] = [];
  return {
    path: '/fake',
    created,
    exists: () => Promise.resolve(kind !== 'none'),
    isDir: () => Promise.resolve(kind === 'dir'),
    isFile: () => Promise.resolve(kind === 'file'),
    isSocket: () => Promise.resolve(kind === 'socket'),
    isChar: () => Promise.resolve(kind === 'char'),
    isBlock: () => Promise.resolve(kind === 'block'),
    makeDir: () => {
      created.push('dir');
      return Promise.resolve();
    },
    makeFile: () => {
      created.push('file');
      return Promise.resolve();
    },
  };
}

describe('checkHostPathType (upstream TestHostPathTypeCheckerInternal)', () => {
  const what: Record<string, string> = {
    Directory: 'directory',
    File: 'file',
    Socket: 'socket file',
    CharDevice: 'character device',
    BlockDevice: 'block device',
  };
  const matches: Record<string, Kind> = {
    Directory: 'dir',
    File: 'file',
    Socket: 'socket',
    CharDevice: 'char',
    BlockDevice: 'block',
  };
  for (const [type, kind] of Object.entries(matches)) {
    it(`${type} accepts its kind and refuses others`, async () => {
      await checkHostPathType(fake(kind), type);
      for (const other of ['dir', 'file', 'socket', 'char', 'block', 'none'] as const) {
        if (other === kind) continue;
        await assert.rejects(checkHostPathType(fake(other), type), {
          message: `hostPath type check failed: /fake is not a ${what[type] ?? ''}`,
        });
      }
    });
  }
  it('DirectoryOrCreate creates a missing directory, refuses a file', async () => {
    const f = fake('none');
    await checkHostPathType(f, 'DirectoryOrCreate');
    assert.deepEqual(f.created, ['dir']);
    await checkHostPathType(fake('dir'), 'DirectoryOrCreate');
    await assert.rejects(checkHostPathType(fake('file'), 'DirectoryOrCreate'), {
      message: 'hostPath type check failed: /fake is not a directory',
    });
  });
  it('FileOrCreate creates a missing file, refuses a directory', async () => {
    const f = fake('none');
    await checkHostPathType(f, 'FileOrCreate');
    assert.deepEqual(f.created, ['file']);
    await assert.rejects(checkHostPathType(fake('dir'), 'FileOrCreate'), {
      message: 'hostPath type check failed: /fake is not a file',
    });
  });
  it('unset checks nothing; unknown types are invalid', async () => {
    await checkHostPathType(fake('none'), '');
    await assert.rejects(checkHostPathType(fake('dir'), 'Fifo'), {
      message: 'Fifo is an invalid volume type',
    });
  });
  it('rejects .. in the path', async () => {
    await assert.rejects(setUpHostPath('/var/../etc', 'Directory', fake('dir')), {
      message: "invalid HostPath `/var/../etc`: must not contain '..'",
    });
  });
});
