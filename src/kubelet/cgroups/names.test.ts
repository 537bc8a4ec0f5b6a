// Upstream pkg/kubelet/cm/cgroup_manager_linux_test.go (TestCgroupNameToSystemd,
// TestCgroupNameToCgroupfs, TestParseSystemdToCgroupName) and the kubelet's layout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CgroupLayout,
  CgroupNameError,
  expandSlice,
  parseCgroupfs,
  parseSystemd,
  toCgroupfs,
  toSystemd,
} from './names.ts';

describe('cgroup names', () => {
  it('converts names to systemd paths (upstream TestCgroupNameToSystemd)', () => {
    const table: [string[], string][] = [
      [[], '/'],
      [['system'], '/system.slice'],
      [['system', 'Burstable'], '/system.slice/system-Burstable.slice'],
      [['Burstable', 'pod-123'], '/Burstable.slice/Burstable-pod_123.slice'],
      [
        ['BestEffort', 'pod-6c1a4e95-6bb6-11e6-bc26-28d2444e470d'],
        '/BestEffort.slice/BestEffort-pod_6c1a4e95_6bb6_11e6_bc26_28d2444e470d.slice',
      ],
    ];
    for (const [name, path] of table) assert.equal(toSystemd(name), path);
  });

  it('converts names to cgroupfs paths and back (upstream TestCgroupNameToCgroupfs)', () => {
    assert.equal(toCgroupfs([]), '/');
    assert.equal(toCgroupfs(['Burstable']), '/Burstable');
    assert.deepEqual(parseCgroupfs('/'), []);
    assert.deepEqual(parseCgroupfs('/kubepods/burstable/pod1'), ['kubepods', 'burstable', 'pod1']);
  });

  it('parses systemd paths (upstream TestParseSystemdToCgroupName)', () => {
    assert.deepEqual(parseSystemd('/test'), ['test']);
    assert.deepEqual(parseSystemd('/test.slice'), ['test']);
    assert.deepEqual(
      parseSystemd('/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice'),
      ['kubepods', 'burstable', 'pod1-2'],
    );
  });

  it('rejects invalid slices like runc ExpandSlice', () => {
    assert.equal(expandSlice('-.slice'), '/');
    assert.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
    for (const bad of ['a--b.slice', '-a.slice', 'a/b.slice', 'a.scope']) {
      assert.throws(() => expandSlice(bad), CgroupNameError, bad);
    }
  });
});

describe('CgroupLayout', () => {
  it('puts Guaranteed pods under kubepods and the others under their tier (cgroupfs)', () => {
    const l = new CgroupLayout();
    assert.equal(l.path(l.pods), '/kubepods');
    assert.equal(l.path(l.pod('Guaranteed', 'u-1')), '/kubepods/podu-1');
    assert.equal(l.path(l.pod('Burstable', 'u-1')), '/kubepods/burstable/podu-1');
    assert.equal(l.path(l.pod('BestEffort', 'u-1')), '/kubepods/besteffort/podu-1');
    assert.equal(l.containerPath('Burstable', 'u-1', 'abc'), '/kubepods/burstable/podu-1/abc');
    assert.equal(l.runcCgroupsPath('Burstable', 'u-1', 'abc'), '/kubepods/burstable/podu-1/abc');
    assert.equal(l.podUidOf('/kubepods/burstable/podu-1'), 'u-1');
    assert.equal(l.podUidOf('/kubepods/burstable'), undefined);
  });

  it('names slices for the systemd driver', () => {
    const l = new CgroupLayout({ driver: 'systemd' });
    assert.equal(l.path(l.pods), '/kubepods.slice');
    assert.equal(l.path(l.qos('Burstable')), '/kubepods.slice/kubepods-burstable.slice');
    assert.equal(
      l.path(l.pod('Burstable', '12-34')),
      '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice',
    );
    assert.equal(l.path(l.pod('Guaranteed', '12-34')), '/kubepods.slice/kubepods-pod12_34.slice');
    assert.equal(
      l.containerPath('BestEffort', '12-34', 'c1'),
      '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12_34.slice/skiff-c1.scope',
    );
    assert.equal(
      l.runcCgroupsPath('BestEffort', '12-34', 'c1'),
      'kubepods-besteffort-pod12_34.slice:skiff:c1',
    );
    assert.equal(l.podUidOf(l.path(l.pod('Guaranteed', '12-34'))), '12-34');
  });

  it('takes a configurable root and pods cgroup name', () => {
    const l = new CgroupLayout({ cgroupRoot: ['skiff'], podsCgroup: 'skiff-test-1-ab' });
    assert.equal(l.path(l.pod('BestEffort', 'x')), '/skiff/skiff-test-1-ab/besteffort/podx');
    assert.throws(() => new CgroupLayout({ podsCgroup: 'a/b' }), CgroupNameError);
    assert.throws(() => new CgroupLayout({ podsCgroup: '' }), CgroupNameError);
  });
});
