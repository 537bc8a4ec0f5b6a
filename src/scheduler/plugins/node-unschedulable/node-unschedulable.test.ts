import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { Code, CycleState, NodeInfo, st } from '../../framework/index.ts';
import { ERR_REASON_UNSCHEDULABLE, NodeUnschedulable } from './node-unschedulable.ts';

describe('NodeUnschedulable Filter (upstream TestNodeUnschedulable)', () => {
  const cases: { name: string; unschedulable: boolean; tolerations?: Toleration[]; want: Code }[] =
    [
      {
        name: 'Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)',
        unschedulable: true,
        want: Code.UnschedulableAndUnresolvable,
      },
      { name: 'Schedule pod to normal node', unschedulable: false, want: Code.Success },
      {
        name: 'Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)',
        unschedulable: true,
        tolerations: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
        want: Code.Success,
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = st.makePod(
        'p',
        c.tolerations !== undefined ? { tolerations: c.tolerations } : {},
      );
      const ni = new NodeInfo(st.makeNode('n', { unschedulable: c.unschedulable }));
      const s = new NodeUnschedulable().filter(new CycleState(), pod, ni);
      assert.equal(s.code, c.want);
      if (c.want !== Code.Success) assert.equal(s.message(), ERR_REASON_UNSCHEDULABLE);
    });
  }
});
