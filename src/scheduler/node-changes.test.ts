import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { nodeSchedulingPropertiesChanged } from './scheduler.ts';

const base: Node = {
  metadata: { name: 'n', labels: { zone: 'a' }, annotations: { a: '1' }, resourceVersion: '1' },
  spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] },
  status: {
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [
      { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' },
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-01-01T00:00:00Z' },
    ],
    images: [{ names: ['busybox'], sizeBytes: 1 }],
  },
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const edit = (f: (n: Mutable<Node>) => void): Node => {
  const n: Mutable<Node> = structuredClone(base);
  f(n);
  return n;
};

describe('nodeSchedulingPropertiesChanged (upstream nodeSchedulingPropertiesChange)', () => {
  it('ignores a heartbeat: condition times and messages, images, resourceVersion', () => {
    const beat = edit((n) => {
      n.metadata = { ...n.metadata, resourceVersion: '2' };
      for (const c of n.status?.conditions ?? []) {
        c.lastHeartbeatTime = '2026-01-01T00:00:10Z';
        c.message = 'kubelet is posting ready status';
      }
      n.status = { ...n.status, images: [] };
    });
    assert.equal(nodeSchedulingPropertiesChanged(base, beat), false);
  });

  it('sees unschedulable, allocatable, labels, taints, condition statuses and annotations', () => {
    const changes: [string, Node][] = [
      ['unschedulable', edit((n) => (n.spec = { ...n.spec, unschedulable: true }))],
      ['allocatable', edit((n) => (n.status = { ...n.status, allocatable: { cpu: '4' } }))],
      ['labels', edit((n) => (n.metadata = { ...n.metadata, labels: { zone: 'b' } }))],
      ['taints', edit((n) => (n.spec = { ...n.spec, taints: [] }))],
      [
        'a condition status',
        edit((n) => {
          const ready = n.status?.conditions?.[0];
          if (ready !== undefined) ready.status = 'False';
        }),
      ],
      ['annotations', edit((n) => (n.metadata = { ...n.metadata, annotations: {} }))],
    ];
    for (const [what, cur] of changes) {
      assert.equal(nodeSchedulingPropertiesChanged(base, cur), true, what);
    }
  });
});
