import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Event as CoreEvent, ObjectReference } from 'kubernetes-types/core/v1.js';
import { newForbidden } from '../../api/index.ts';
import { BUILTIN_RESOURCES } from '../clientset.ts';
import { FakeCluster } from '../fake/index.ts';
import { newFakeClock, settle } from '../workqueue/index.ts';
import { EventCorrelator, newEventRecorder } from './index.ts';

const EVENTS = BUILTIN_RESOURCES.coreEvents;

describe('EventCorrelator (upstream events_cache_test.go TestEventCorrelator)', () => {
  const ref = (): ObjectReference => ({
    kind: 'Pod',
    name: 'my-pod',
    namespace: 'my-ns',
    uid: 'my-pod-uid',
    apiVersion: 'v1',
  });
  const makeEvent = (reason: string, message: string, r = ref()): CoreEvent => ({
    metadata: { name: `${r.name ?? ''}.abc`, namespace: r.namespace ?? '' },
    involvedObject: r,
    reason,
    message,
    source: { component: 'eventTest' },
    count: 1,
    type: 'Normal',
  });
  const repeat = (n: number, e: CoreEvent): CoreEvent[] => Array.from({ length: n }, () => e);
  const similar = (n: number, e: CoreEvent): CoreEvent[] =>
    Array.from({ length: n }, (_, i) => ({ ...e, message: `${e.message ?? ''}${i}` }));
  const unique = (n: number): CoreEvent[] =>
    Array.from({ length: n }, (_, i) =>
      makeEvent(`reason-${i}`, `message-${i}`, {
        ...ref(),
        name: `pod-${i}`,
        namespace: `ns-${i}`,
      }),
    );

  const duplicate = makeEvent('duplicate', 'me again');
  const similarEvent = makeEvent('similar', 'similar message', {
    ...ref(),
    fieldPath: 'spec.containers{container1}',
  });
  const otherContainer = {
    ...similarEvent,
    involvedObject: { ...similarEvent.involvedObject, fieldPath: 'spec.containers{container2}' },
  };
  const combined = '(combined from similar events): similar message';
  const cases: {
    name: string;
    previous: CoreEvent[];
    event: CoreEvent;
    intervalSeconds: number;
    want?: { count: number; message: string };
  }[] = [
    {
      name: 'create-a-single-event',
      previous: [],
      event: makeEvent('first', 'i am first'),
      intervalSeconds: 5,
      want: { count: 1, message: 'i am first' },
    },
    {
      name: 'the-same-event-should-just-count',
      previous: repeat(1, duplicate),
      event: duplicate,
      intervalSeconds: 5,
      want: { count: 2, message: 'me again' },
    },
    {
      name: 'the-same-event-should-just-count-even-if-more-than-aggregate',
      previous: repeat(10, duplicate),
      event: duplicate,
      intervalSeconds: 30,
      want: { count: 11, message: 'me again' },
    },
    {
      name: 'the-same-event-is-spam-if-happens-too-frequently',
      previous: repeat(26, duplicate),
      event: duplicate,
      intervalSeconds: 1,
    },
    {
      name: 'create-many-unique-events',
      previous: unique(30),
      event: makeEvent('unique', 'snowflake'),
      intervalSeconds: 5,
      want: { count: 1, message: 'snowflake' },
    },
    {
      name: 'similar-events-should-aggregate-event',
      previous: similar(9, similarEvent),
      event: similarEvent,
      intervalSeconds: 5,
      want: { count: 1, message: combined },
    },
    {
      name: 'similar-events-many-times-should-count-the-aggregate',
      previous: similar(10, similarEvent),
      event: similarEvent,
      intervalSeconds: 5,
      want: { count: 2, message: combined },
    },
    {
      name: 'events-from-different-containers-do-not-aggregate',
      previous: [otherContainer],
      event: similarEvent,
      intervalSeconds: 5,
      want: { count: 1, message: 'similar message' },
    },
    {
      name: 'similar-events-whose-interval-is-greater-than-aggregate-interval-do-not-aggregate',
      previous: similar(9, similarEvent),
      event: similarEvent,
      intervalSeconds: 600,
      want: { count: 1, message: 'similar message' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      // upstream's IntervalClock: every reading moves time on by the interval.
      let t = Date.UTC(2024, 0, 1);
      const now = (): number => (t += c.intervalSeconds * 1000);
      let n = 0;
      const correlator = new EventCorrelator(now, (name) => `${name}.${n++}`);
      for (const prev of c.previous) {
        now();
        const r = correlator.correlate(prev);
        if (!r.skip) correlator.updateState(r.event);
      }
      now();
      const r = correlator.correlate(c.event);
      assert.equal(r.skip, c.want === undefined);
      if (c.want !== undefined) {
        assert.equal(r.event.count, c.want.count);
        assert.equal(r.event.message, c.want.message);
        assert.equal(r.patch !== undefined, c.want.count > 1, 'repeats carry a patch');
      }
    });
  }
});

describe('newEventRecorder against FakeCluster', () => {
  const setup = (opts: { maxPending?: number } = {}) => {
    const clock = newFakeClock(Date.UTC(2024, 0, 1, 12, 0, 0));
    const cluster = new FakeCluster({ now: () => new Date(clock.now()) });
    const recorder = newEventRecorder(cluster.clientset, {
      component: 'replicaset-controller',
      clock,
      retryDelayMs: 1000,
      ...opts,
    });
    return { clock, cluster, recorder };
  };
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-5d9f', namespace: 'prod', uid: 'u-1', resourceVersion: '42' },
  };

  it('creates an Event as upstream makeEvent does', async () => {
    const { cluster, recorder, clock } = setup();
    recorder.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: web-5d9f-abcde');
    await recorder.flush();
    const [e, ...rest] = cluster.objects<CoreEvent>(EVENTS, 'prod');
    assert.equal(rest.length, 0);
    assert.ok(e);
    const nanos = BigInt(clock.now()) * 1_000_000n;
    assert.equal(e.metadata.name, `web-5d9f.${nanos.toString(16)}`);
    assert.equal(e.metadata.namespace, 'prod');
    assert.deepEqual(e.involvedObject, {
      kind: 'ReplicaSet',
      namespace: 'prod',
      name: 'web-5d9f',
      uid: 'u-1',
      apiVersion: 'apps/v1',
      resourceVersion: '42',
    });
    assert.equal(e.reason, 'SuccessfulCreate');
    assert.equal(e.message, 'Created pod: web-5d9f-abcde');
    assert.equal(e.type, 'Normal');
    assert.equal(e.count, 1);
    assert.equal(e.firstTimestamp, '2024-01-01T12:00:00Z');
    assert.equal(e.lastTimestamp, '2024-01-01T12:00:00Z');
    assert.deepEqual(e.source, { component: 'replicaset-controller' });
    assert.equal(e.reportingComponent, 'replicaset-controller');
    assert.equal(e.reportingInstance, '');
  });

  it('counts a repeat by PATCHing count and lastTimestamp of the first event', async () => {
    const { cluster, recorder, clock } = setup();
    recorder.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
    await recorder.flush();
    await clock.advance(65_000);
    recorder.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
    recorder.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
    await recorder.flush();
    const events = cluster.objects<CoreEvent>(EVENTS, 'prod');
    assert.equal(events.length, 1);
    const [e] = events;
    assert.ok(e);
    assert.equal(e.count, 3);
    assert.equal(e.firstTimestamp, '2024-01-01T12:00:00Z');
    assert.equal(e.lastTimestamp, '2024-01-01T12:01:05Z');
    const writes = cluster.writes().map((a) => [a.verb, a.patchType ?? '']);
    assert.deepEqual(writes, [
      ['create', ''],
      ['patch', 'strategic'],
      ['patch', 'strategic'],
    ]);
    assert.deepEqual(cluster.writes()[1]?.object, {
      count: 2,
      lastTimestamp: '2024-01-01T12:01:05Z',
      message: 'quota exceeded',
    });
  });

  it('creates the event again when the one to patch is gone', async () => {
    const { cluster, recorder } = setup();
    recorder.event(rs, 'Normal', 'R', 'm');
    await recorder.flush();
    const first = cluster.objects<CoreEvent>(EVENTS, 'prod')[0];
    await cluster.clientset.coreEvents.delete('prod', first?.metadata.name ?? '');
    recorder.event(rs, 'Normal', 'R', 'm');
    await recorder.flush();
    const events = cluster.objects<CoreEvent>(EVENTS, 'prod');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.count, 2);
  });

  it("puts events of cluster-scoped objects into 'default'", async () => {
    const { cluster, recorder } = setup();
    recorder.event(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'n1' } },
      'Normal',
      'NodeReady',
      'Node node-1 status is now: NodeReady',
    );
    await recorder.flush();
    const [e] = cluster.objects<CoreEvent>(EVENTS, 'default');
    assert.equal(e?.involvedObject.namespace, undefined);
    assert.equal(e?.involvedObject.name, 'node-1');
  });

  it('combines 10 similar events with different messages', async () => {
    const { cluster, recorder } = setup();
    for (let i = 0; i < 10; i++) recorder.event(rs, 'Normal', 'SuccessfulCreate', `pod ${i}`);
    await recorder.flush();
    const messages = cluster
      .objects<CoreEvent>(EVENTS, 'prod')
      .map((e) => e.message)
      .sort();
    assert.equal(messages.length, 10);
    assert.ok(messages.includes('(combined from similar events): pod 9'));
  });

  it('bounds the queue: drops and counts past maxPending', async () => {
    const { cluster, recorder } = setup({ maxPending: 2 });
    for (let i = 0; i < 5; i++) recorder.event(rs, 'Normal', `R${i}`, 'm');
    // The first is already being written; two wait; two are dropped.
    assert.equal(recorder.dropped(), 2);
    await recorder.flush();
    assert.equal(cluster.objects(EVENTS, 'prod').length, 3);
  });

  it('retries transport errors after sleeping, not Status errors', async () => {
    const { cluster, recorder, clock } = setup();
    let fail = 2;
    cluster.prependReactor((a) => {
      if (a.verb === 'create' && a.resource === EVENTS && fail-- > 0) {
        throw new Error('connection refused');
      }
      return undefined;
    });
    recorder.event(rs, 'Normal', 'R', 'm');
    await settle();
    assert.equal(cluster.objects(EVENTS, 'prod').length, 0);
    await clock.advance(1000); // first retry after a random part of the delay
    await clock.advance(1000);
    await recorder.flush();
    assert.equal(cluster.objects(EVENTS, 'prod').length, 1);

    cluster.prependReactor((a) => {
      if (a.verb === 'create' && a.resource === EVENTS) {
        throw newForbidden({ group: '', resource: 'events' }, '', new Error('no'));
      }
      return undefined;
    });
    cluster.clearActions();
    recorder.event(rs, 'Normal', 'Other', 'm');
    await recorder.flush();
    assert.equal(cluster.writes().length, 1, 'a rejected event is not retried');
  });

  it('drops events about objects without a kind unless resolveKind names it', async () => {
    const clock = newFakeClock();
    const cluster = new FakeCluster();
    const bare = { metadata: { name: 'p', namespace: 'ns' } };
    const plain = newEventRecorder(cluster.clientset, { component: 'c', clock });
    plain.event(bare, 'Normal', 'R', 'm');
    assert.equal(plain.dropped(), 1);
    const resolving = newEventRecorder(cluster.clientset, {
      component: 'c',
      host: 'node-1',
      clock,
      resolveKind: () => ({ apiVersion: 'v1', kind: 'Pod' }),
    });
    resolving.event(bare, 'Normal', 'R', 'm');
    await resolving.flush();
    const [e] = cluster.objects<CoreEvent>(EVENTS, 'ns');
    assert.ok(e);
    assert.equal(e.involvedObject.kind, 'Pod');
    assert.deepEqual(e.source, { component: 'c', host: 'node-1' });
    assert.equal(e.reportingInstance, 'node-1');
  });
});
