import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ownershipMode, requiresPermissionChange, skipPermissionChange } from './ownership.ts';

describe('fsGroup ownership modes (changeFilePermission)', () => {
  it('files get group rw, directories also exec and setgid', () => {
    assert.equal(ownershipMode(0o100644, false, false), 0o664);
    assert.equal(ownershipMode(0o100600, false, false), 0o660);
    assert.equal(ownershipMode(0o40755, true, false), 0o2775);
    assert.equal(ownershipMode(0o40700, true, true), 0o2750);
    assert.equal(ownershipMode(0o100400, false, true), 0o440);
  });
});

describe('requiresPermissionChange (upstream TestSkipPermissionChange cases)', () => {
  const dir = (gid: number, mode: number) => ({ gid, mode, isDirectory: true });
  it('group mismatch requires a change', () => {
    assert.equal(requiresPermissionChange(dir(1, 0o2770), 2, false), true);
  });
  it('770 with setgid is fine', () => {
    assert.equal(requiresPermissionChange(dir(2, 0o2770), 2, false), false);
  });
  it('775 with setgid is a superset', () => {
    assert.equal(requiresPermissionChange(dir(2, 0o2775), 2, false), false);
  });
  it('750 is missing group write', () => {
    assert.equal(requiresPermissionChange(dir(2, 0o2750), 2, false), true);
  });
  it('750 is enough read-only', () => {
    assert.equal(requiresPermissionChange(dir(2, 0o2550), 2, true), false);
  });
  it('no setgid requires a change', () => {
    assert.equal(requiresPermissionChange(dir(2, 0o770), 2, false), true);
  });
  it('a file root always requires a change', () => {
    assert.equal(
      requiresPermissionChange({ gid: 2, mode: 0o2770, isDirectory: false }, 2, false),
      true,
    );
  });
  it('only OnRootMismatch skips', () => {
    assert.equal(skipPermissionChange('OnRootMismatch', dir(2, 0o2770), 2, false), true);
    assert.equal(skipPermissionChange('Always', dir(2, 0o2770), 2, false), false);
    assert.equal(skipPermissionChange(undefined, dir(2, 0o2770), 2, false), false);
    assert.equal(skipPermissionChange('OnRootMismatch', undefined, 2, false), false);
  });
});

describe('skipPermissionChange matrix (upstream TestSkipPermissionChange)', () => {
  for (const policy of [undefined, 'Always', 'OnRootMismatch']) {
    for (const gid of [false, true]) {
      for (const perm of [false, true]) {
        for (const sgid of [false, true]) {
          const want = policy === 'OnRootMismatch' && gid && perm && sgid;
          it(`skippermission=${String(want)}, policy=${policy ?? 'nil'}, gidmatch=${String(gid)}, permmatch=${String(perm)}, sgidmatch=${String(sgid)}`, () => {
            const root = {
              gid: gid ? 3000 : 0,
              mode: (perm ? 0o770 : 0o700) | (sgid ? 0o2000 : 0),
              isDirectory: true,
            };
            assert.equal(skipPermissionChange(policy, root, 3000, false), want);
          });
        }
      }
    }
  }
});
