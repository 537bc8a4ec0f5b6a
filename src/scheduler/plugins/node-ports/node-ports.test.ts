import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, CycleState, NodeInfo, st } from '../../framework/index.ts';
import { ERR_REASON, NodePorts } from './node-ports.ts';

type Ports = { port: number; protocol?: string; hostIP?: string }[];

describe('NodePorts (upstream TestNodePorts)', () => {
  const cases: { name: string; pod: Ports; existing: Ports; fits: boolean }[] = [
    { name: 'nothing running', pod: [], existing: [], fits: true },
    {
      name: 'other port',
      pod: [{ port: 8080, protocol: 'UDP', hostIP: '127.0.0.1' }],
      existing: [{ port: 9090, protocol: 'UDP', hostIP: '127.0.0.1' }],
      fits: true,
    },
    {
      name: 'same udp port',
      pod: [{ port: 8080, protocol: 'UDP', hostIP: '127.0.0.1' }],
      existing: [{ port: 8080, protocol: 'UDP', hostIP: '127.0.0.1' }],
      fits: false,
    },
    {
      name: 'same tcp port',
      pod: [{ port: 8080, protocol: 'TCP', hostIP: '127.0.0.1' }],
      existing: [{ port: 8080, protocol: 'TCP', hostIP: '127.0.0.1' }],
      fits: false,
    },
    {
      name: 'different host ip',
      pod: [{ port: 8080, protocol: 'TCP', hostIP: '127.0.0.1' }],
      existing: [{ port: 8080, protocol: 'TCP', hostIP: '127.0.0.2' }],
      fits: true,
    },
    {
      name: 'different protocol',
      pod: [{ port: 8080, protocol: 'UDP', hostIP: '127.0.0.1' }],
      existing: [{ port: 8080, protocol: 'TCP', hostIP: '127.0.0.1' }],
      fits: true,
    },
    {
      name: 'second udp port conflict',
      pod: [
        { port: 8000, protocol: 'UDP', hostIP: '127.0.0.1' },
        { port: 8080, protocol: 'UDP', hostIP: '127.0.0.1' },
      ],
      existing: [{ port: 8080, protocol: 'UDP', hostIP: '127.0.0.1' }],
      fits: false,
    },
    {
      name: 'first tcp port conflict due to 0.0.0.0 hostIP',
      pod: [{ port: 8001, protocol: 'TCP', hostIP: '0.0.0.0' }],
      existing: [{ port: 8001, protocol: 'TCP', hostIP: '127.0.0.1' }],
      fits: false,
    },
    {
      name: 'TCP hostPort conflict due to 0.0.0.0 hostIP on the existing pod',
      pod: [{ port: 8001, protocol: 'TCP', hostIP: '10.0.10.10' }],
      existing: [{ port: 8001, protocol: 'TCP', hostIP: '0.0.0.0' }],
      fits: false,
    },
    {
      name: 'second different protocol',
      pod: [{ port: 8001, protocol: 'UDP', hostIP: '0.0.0.0' }],
      existing: [{ port: 8001, protocol: 'TCP', hostIP: '127.0.0.1' }],
      fits: true,
    },
    {
      name: 'empty hostIP and protocol default to 0.0.0.0/TCP',
      pod: [{ port: 80 }],
      existing: [{ port: 80, protocol: 'TCP', hostIP: '10.0.0.1' }],
      fits: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ni = new NodeInfo(st.makeNode('n'), [
        st.makePod('existing', { hostPorts: c.existing }),
      ]);
      const pod = st.makePod('p', { hostPorts: c.pod });
      const pl = new NodePorts();
      const state = new CycleState();
      const pre = pl.preFilter(state, pod);
      if (c.pod.length === 0) {
        assert.equal(pre.status.code, Code.Skip);
        return;
      }
      const s = pl.filter(state, pod, ni);
      assert.equal(s.isSuccess(), c.fits);
      if (!c.fits) {
        assert.equal(s.code, Code.Unschedulable);
        assert.equal(s.message(), ERR_REASON);
      }
    });
  }
});
