import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, CycleState, NodeInfo, st } from '../../framework/index.ts';
import { ERR_REASON, NodeName } from './node-name.ts';

describe('NodeName Filter (upstream TestNodeName)', () => {
  const cases: { name: string; nodeName?: string; want: Code }[] = [
    { name: 'no host specified', want: Code.Success },
    { name: 'host matches', nodeName: 'foo', want: Code.Success },
    { name: "host doesn't match", nodeName: 'bar', want: Code.UnschedulableAndUnresolvable },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = st.makePod('p', c.nodeName !== undefined ? { nodeName: c.nodeName } : {});
      const s = new NodeName().filter(new CycleState(), pod, new NodeInfo(st.makeNode('foo')));
      assert.equal(s.code, c.want);
      if (c.want !== Code.Success) assert.equal(s.message(), ERR_REASON);
    });
  }
});
