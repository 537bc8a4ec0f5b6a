import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { ProbeLoop } from './probe-loop.ts';
import { PodProber } from './prober.ts';
import type { ProbeEvent } from './probe-spec.ts';

describe('ProbeLoop', () => {
  it('ticks the prober, runs due probes and reports events and changes', async () => {
    const T0 = Date.parse('2026-01-01T00:00:00Z');
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'ns', uid: 'u' },
      spec: {
        containers: [{ name: 'c', livenessProbe: { httpGet: { port: 80 }, failureThreshold: 1 } }],
      },
    };
    const status: PodStatus = {
      phase: 'Running',
      podIP: '10.0.0.1',
      containerStatuses: [
        {
          name: 'c',
          image: '',
          imageID: '',
          ready: true,
          started: true,
          restartCount: 0,
          containerID: 'runc://c1',
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        },
      ],
    };
    const prober = new PodProber(pod, T0);
    const events: ProbeEvent[] = [];
    const ac = new AbortController();
    let changes = 0;
    const loop = new ProbeLoop({
      prober,
      status: () => status,
      now: () => T0,
      run: (req) => {
        assert.equal(req.podIP, '10.0.0.1');
        return Promise.resolve({
          result: 'failure',
          output: 'HTTP probe failed with statuscode: 500',
        });
      },
      onEvent: (_req, e) => events.push(e),
      onChange: () => {
        changes++;
        ac.abort();
      },
    });
    await loop.run(ac.signal);
    assert.equal(changes, 1);
    assert.deepEqual(events, [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
      },
    ]);
    assert.equal(prober.get('liveness', 'runc://c1'), 'failure');
  });
});
