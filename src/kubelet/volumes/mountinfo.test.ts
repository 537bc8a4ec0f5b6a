import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mountsUnder, parseMountInfo } from './mountinfo.ts';

const sample = [
  '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '80 22 0:45 / /var/lib/skiff/pods/u/volumes/kubernetes.io~empty-dir/cache rw,relatime - tmpfs tmpfs rw,size=65536k',
  '81 22 0:46 / /tmp/with\\040space rw - tmpfs tmpfs rw',
  '',
].join('\n');

describe('mountinfo', () => {
  const mounts = parseMountInfo(sample);
  it('parses fields and unescapes paths', () => {
    assert.equal(mounts.length, 3);
    assert.equal(mounts[1]?.fsType, 'tmpfs');
    assert.equal(mounts[1].superOptions, 'rw,size=65536k');
    assert.equal(mounts[2]?.mountPoint, '/tmp/with space');
  });
  it('finds mounts under a path', () => {
    assert.deepEqual(
      mountsUnder(mounts, '/var/lib/skiff/pods/u').map((m) => m.id),
      [80],
    );
    assert.deepEqual(mountsUnder(mounts, '/var/lib/skiff/pods/uu'), []);
  });
});
