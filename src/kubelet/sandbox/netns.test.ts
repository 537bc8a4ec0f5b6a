// Pure parts of the namespace adapter; the host side is in sandbox.integration.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NamespaceError,
  isMountPointIn,
  sandboxNameForPod,
  sandboxNamespacePaths,
  validateSandboxName,
} from './netns.ts';

describe('sandbox names', () => {
  it('derives skiff-<16 hex> from a pod UID', () => {
    assert.equal(
      sandboxNameForPod('3F2504E0-4F89-11D3-9A0C-0305E82C3301'),
      'skiff-3f2504e04f8911d3',
    );
    assert.throws(() => sandboxNameForPod('x'), NamespaceError);
  });
  it('accepts file-name-safe names only', () => {
    validateSandboxName('skiff-abc_1.2');
    for (const bad of ['', '.', '..', '-x', 'a/b', 'a b', 'x'.repeat(65)]) {
      assert.throws(
        () => {
          validateSandboxName(bad);
        },
        NamespaceError,
        bad,
      );
    }
  });
  it('places the namespace files', () => {
    assert.deepEqual(sandboxNamespacePaths('skiff-1', { runDir: '/run/t' }), {
      name: 'skiff-1',
      netnsPath: '/run/netns/skiff-1',
      ipcPath: '/run/t/skiff-1/ipc',
      utsPath: '/run/t/skiff-1/uts',
    });
  });
});

describe('isMountPointIn', () => {
  const mountinfo = [
    '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '615 25 0:4 net:[4026532281] /run/netns/skiff-1 rw shared:5 - nsfs nsfs rw',
    '616 25 0:4 ipc:[4026532282] /run/my\\040dir/ipc rw - nsfs nsfs rw',
  ].join('\n');
  it('matches field 5, decoding octal escapes', () => {
    assert.equal(isMountPointIn(mountinfo, '/run/netns/skiff-1'), true);
    assert.equal(isMountPointIn(mountinfo, '/run/my dir/ipc'), true);
    assert.equal(isMountPointIn(mountinfo, '/run/netns/skiff-2'), false);
  });
});
