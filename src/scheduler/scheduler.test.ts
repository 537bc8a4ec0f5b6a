import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../client/index.ts';
import type { EventRecorder } from '../client/index.ts';
import { FakeCluster } from '../client/fake/index.ts';
import { st } from './framework/index.ts';
import { parseSchedulerConfiguration } from './config/index.ts';
import type { SchedulerConfiguration } from './config/index.ts';
import { Scheduler } from './scheduler.ts';

const BIN_PACKER = `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`;

function load(text: string): SchedulerConfiguration {
  const r = parseSchedulerConfiguration(text);
  if (!r.ok) throw new Error(r.error);
  return r.config;
}

const withScheduler = (pod: Pod, schedulerName: string): Pod => ({
  ...pod,
  spec: { ...pod.spec, containers: pod.spec?.containers ?? [], schedulerName },
});

describe('Scheduler with several profiles', () => {
  it('schedules each pod with its profile, ignores pods of no profile, records per profile', async () => {
    const cluster = new FakeCluster();
    const node = (name: string) =>
      st.makeNode(name, {
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        labels: { 'kubernetes.io/hostname': name },
      });
    cluster.seed(BUILTIN_RESOURCES.nodes, node('a'), node('b'), node('c'));
    cluster.seed(
      BUILTIN_RESOURCES.pods,
      // node a is the busiest: MostAllocated packs onto it, LeastAllocated avoids it.
      st.makePod('busy', { nodeName: 'a', containers: [{ cpu: '2', memory: '4Gi' }] }),
      withScheduler(
        st.makePod('packed', { containers: [{ cpu: '1', memory: '1Gi' }] }),
        'bin-packer',
      ),
      st.makePod('spread', { containers: [{ cpu: '1', memory: '1Gi' }] }),
      withScheduler(st.makePod('orphan', { containers: [{ cpu: '1' }] }), 'no-such-scheduler'),
    );
    const informers = new InformerFactory(cluster.clientset);
    const events: string[] = [];
    const recorderFor = (component: string): EventRecorder => ({
      event: (obj, _type, reason) => {
        events.push(`${component} ${reason} ${obj.metadata?.name ?? ''}`);
      },
    });
    const scheduler = new Scheduler({
      clientset: cluster.clientset,
      informers,
      recorder: recorderFor('fallback'),
      recorderFor,
      configuration: load(BIN_PACKER),
    });
    const abort = new AbortController();
    informers.start(abort.signal);
    const run = scheduler.run(abort.signal);
    const nodeOf = (name: string): string | undefined =>
      cluster.peek<Pod>(BUILTIN_RESOURCES.pods, 'default', name)?.spec?.nodeName;
    for (
      let i = 0;
      i < 200 && (nodeOf('packed') === undefined || nodeOf('spread') === undefined);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    abort.abort();
    await run;
    await informers.stopped();
    assert.equal(nodeOf('packed'), 'a');
    assert.notEqual(nodeOf('spread'), undefined);
    assert.notEqual(nodeOf('spread'), 'a');
    assert.equal(nodeOf('orphan'), undefined);
    assert.ok(events.includes('bin-packer Scheduled packed'), events.join('; '));
    assert.ok(events.includes('default-scheduler Scheduled spread'), events.join('; '));
    assert.ok(!events.some((e) => e.endsWith(' orphan')), events.join('; '));
  });

  it('takes the backoff and percentageOfNodesToScore of the configuration', () => {
    const config = load(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 20
`);
    assert.equal(config.percentageOfNodesToScore, 30);
    assert.equal(config.podInitialBackoffSeconds, 2);
    assert.equal(config.podMaxBackoffSeconds, 20);
    assert.deepEqual(
      config.profiles.map((p) => p.schedulerName),
      ['default-scheduler'],
    );
  });
});
