// Detection of v1 / hybrid / v2 from mountinfo text, and the stat file parsers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectHierarchies,
  memoryWorkingSet,
  parseFlatKeyed,
  parseMountInfo,
  parsePids,
  parseSingleValue,
  v1MountOf,
} from './mountinfo.ts';

/** This machine's mountinfo (Debian 12 VM, no systemd, hybrid layout). */
const HYBRID = `22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

/** A systemd host with cgroup v2 only. */
const UNIFIED = `25 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

/** A legacy host with co-mounted cpu,cpuacct, a duplicate deeper mount, and a bind mount. */
const LEGACY = `30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw
31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
32 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
33 30 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
34 30 0:31 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
35 30 0:32 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
90 1 0:29 / /var/lib/x/sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
91 1 8:1 /srv/a\\040b /mnt/a\\040b rw - ext4 /dev/sda1 rw
`;

describe('cgroup hierarchy detection', () => {
  it('finds this machine: hybrid, one v1 mount per controller, unified companion', () => {
    const h = detectHierarchies(HYBRID);
    assert.equal(h.mode, 'hybrid');
    assert.equal(h.unified, '/sys/fs/cgroup/unified');
    assert.deepEqual(
      h.v1.map((m) => [m.mountPoint, m.subsystems.join(',')]),
      [
        ['/sys/fs/cgroup/blkio', 'blkio'],
        ['/sys/fs/cgroup/cpu', 'cpu'],
        ['/sys/fs/cgroup/cpuacct', 'cpuacct'],
        ['/sys/fs/cgroup/cpuset', 'cpuset'],
        ['/sys/fs/cgroup/devices', 'devices'],
        ['/sys/fs/cgroup/freezer', 'freezer'],
        ['/sys/fs/cgroup/memory', 'memory'],
        ['/sys/fs/cgroup/pids', 'pids'],
        ['/sys/fs/cgroup/systemd', 'name=systemd'],
      ],
    );
    assert.equal(v1MountOf(h, 'hugetlb'), undefined);
  });

  it('finds unified mode when cgroup2 is mounted at /sys/fs/cgroup', () => {
    assert.deepEqual(detectHierarchies(UNIFIED), { mode: 'v2', v1: [], unified: '/sys/fs/cgroup' });
  });

  it('handles co-mounted controllers, the shortest mount point and options that are not controllers', () => {
    const h = detectHierarchies(LEGACY);
    assert.equal(h.mode, 'v1');
    assert.equal(h.unified, undefined);
    assert.equal(v1MountOf(h, 'cpu'), '/sys/fs/cgroup/cpu,cpuacct');
    assert.equal(v1MountOf(h, 'cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
    assert.equal(v1MountOf(h, 'memory'), '/sys/fs/cgroup/memory');
    assert.deepEqual(h.v1.find((m) => m.mountPoint.endsWith('cpuset'))?.subsystems, ['cpuset']);
    assert.equal(h.v1.length, 5);
  });

  it('parses mountinfo fields with octal escapes', () => {
    const e = parseMountInfo(LEGACY).find((m) => m.fsType === 'ext4');
    assert.ok(e !== undefined);
    assert.equal(e.mountPoint, '/mnt/a b');
    assert.equal(e.root, '/srv/a b');
    assert.equal(e.source, '/dev/sda1');
    assert.deepEqual(detectHierarchies(''), { mode: 'v1', v1: [] });
  });
});

describe('stat parsers', () => {
  it('parses flat keyed files, single values and pid lists', () => {
    const stat = parseFlatKeyed('cache 4096\nrss 8192\ntotal_inactive_file 1000\nbad line here\n');
    assert.equal(stat.get('rss'), 8192n);
    assert.equal(stat.size, 3);
    assert.equal(
      parseFlatKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n').get('oom_kill'),
      2n,
    );
    assert.equal(parseSingleValue('123\n'), 123n);
    assert.equal(parseSingleValue('max\n'), undefined);
    assert.deepEqual(parsePids('12\n34\n\n'), [12, 34]);
  });

  it('computes the working set as cAdvisor: usage − inactive file, floored at 0', () => {
    assert.equal(memoryWorkingSet(5000n, new Map([['total_inactive_file', 1000n]]), false), 4000n);
    assert.equal(memoryWorkingSet(5000n, new Map([['inactive_file', 1000n]]), true), 4000n);
    assert.equal(memoryWorkingSet(500n, new Map([['total_inactive_file', 1000n]]), false), 0n);
    assert.equal(memoryWorkingSet(500n, new Map(), true), 500n);
  });
});
