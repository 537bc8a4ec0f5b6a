import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CycleState } from './cycle-state.ts';
import { NodeToStatus } from './interface.ts';
import type {
  FilterPlugin,
  PluginFactory,
  PreFilterOutput,
  PreFilterPlugin,
  ScorePlugin,
} from './interface.ts';
import { NodeInfo } from './node-info.ts';
import { Framework } from './runtime.ts';
import {
  FitError,
  newDiagnosis,
  numFeasibleNodesToFind,
  schedulePod,
  selectHost,
} from './schedule-one.ts';
import type { SchedulerState } from './schedule-one.ts';
import { Snapshot } from './snapshot.ts';
import { Code, Status } from './status.ts';
import { makeNode, makePod, seededRandomInt } from './testing.ts';

describe('numFeasibleNodesToFind (upstream TestNumFeasibleNodesToFind)', () => {
  const cases: [string, number | undefined, number, number][] = [
    ['not set percentageOfNodesToScore and nodes number not more than 50', undefined, 10, 10],
    ['set percentageOfNodesToScore and nodes number not more than 50', 40, 10, 10],
    ['not set percentageOfNodesToScore and nodes number more than 50', undefined, 1000, 420],
    ['set percentageOfNodesToScore and nodes number more than 50', 40, 1000, 400],
    ['not set percentageOfNodesToScore and nodes number more than 50*125', undefined, 6000, 300],
    ['set percentageOfNodesToScore and nodes number more than 50*125', 40, 6000, 2400],
    ['5000 nodes adaptive', 0, 5000, 500],
  ];
  for (const [name, pct, n, want] of cases) {
    it(name, () => {
      assert.equal(numFeasibleNodesToFind(pct, n), want);
    });
  }
});

describe('FitError message (upstream FitError.Error)', () => {
  it('counts reasons per node and sorts them as strings', () => {
    const d = newDiagnosis();
    d.nodeToStatus.set('n1', Status.new(Code.Unschedulable, 'Insufficient cpu'));
    d.nodeToStatus.set(
      'n2',
      Status.new(
        Code.UnschedulableAndUnresolvable,
        'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
      ),
    );
    d.nodeToStatus.set(
      'n3',
      Status.new(
        Code.UnschedulableAndUnresolvable,
        'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
      ),
    );
    const fe = new FitError(makePod('p'), 3, d);
    assert.equal(
      fe.message,
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.',
    );
    fe.setPostFilterMsg(
      'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    assert.equal(
      fe.message,
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  it('uses the PreFilter message alone when PreFilter rejected', () => {
    const d = newDiagnosis();
    d.nodeToStatus.setAbsentNodesStatus(
      Status.new(Code.UnschedulableAndUnresolvable, 'pod affinity terms conflict'),
    );
    d.preFilterMsg = 'pod affinity terms conflict';
    assert.equal(
      new FitError(makePod('p'), 5, d).message,
      '0/5 nodes are available: pod affinity terms conflict.',
    );
  });

  it('counts absent nodes with the absent status and sorts "10 x" before "2 y"', () => {
    const d = {
      ...newDiagnosis(),
      nodeToStatus: new NodeToStatus(Status.new(Code.UnschedulableAndUnresolvable, 'b reason')),
    };
    d.nodeToStatus.set('n1', Status.new(Code.Unschedulable, 'a reason'));
    d.nodeToStatus.set('n2', Status.new(Code.Unschedulable, 'a reason'));
    assert.equal(
      new FitError(makePod('p'), 12, d).message,
      '0/12 nodes are available: 10 b reason, 2 a reason.',
    );
  });
});

describe('selectHost', () => {
  it('picks the highest score and breaks ties uniformly', () => {
    const nodes = ['a', 'b', 'c', 'd'].map((n) => new NodeInfo(makeNode(n)));
    const counts = new Map<string, number>();
    const rnd = seededRandomInt(7);
    for (let i = 0; i < 3000; i++) {
      const h = selectHost(nodes, [5, 9, 9, 9], rnd);
      counts.set(h, (counts.get(h) ?? 0) + 1);
    }
    assert.equal(counts.get('a'), undefined);
    for (const n of ['b', 'c', 'd'])
      assert.ok((counts.get(n) ?? 0) > 850, `${n}: ${counts.get(n) ?? 0}`);
  });
});

class RejectFilter implements FilterPlugin {
  readonly name = 'Reject';
  constructor(readonly reject: (n: NodeInfo) => Status | undefined) {}
  filter(_s: CycleState, _p: Pod, ni: NodeInfo): Status {
    return this.reject(ni) ?? Status.SUCCESS;
  }
}

class IndexScore implements ScorePlugin {
  readonly name = 'IndexScore';
  score(_s: CycleState, _p: Pod, ni: NodeInfo): number {
    return Number(ni.name.slice(1)) % 100;
  }
}

class NarrowPreFilter implements PreFilterPlugin {
  readonly name = 'Narrow';
  constructor(readonly names: string[]) {}
  preFilter(): PreFilterOutput {
    return { result: { nodeNames: new Set(this.names) }, status: Status.SUCCESS };
  }
}

function frameworkWith(plugins: {
  filter?: FilterPlugin;
  score?: ScorePlugin;
  preFilter?: PreFilterPlugin;
}): Framework {
  const reg = new Map<string, PluginFactory>();
  const enabled: { name: string }[] = [];
  for (const p of [plugins.preFilter, plugins.filter, plugins.score]) {
    if (p === undefined) continue;
    reg.set(p.name, () => p);
    enabled.push({ name: p.name });
  }
  return new Framework(
    reg,
    { plugins: { multiPoint: { enabled } } },
    { randomInt: seededRandomInt(1) },
  );
}

describe('schedulePod', () => {
  const nodes = Array.from({ length: 200 }, (_, i) => makeNode(`n${i}`));

  it('samples 100 of 200 nodes from a rotating start index', () => {
    const fwk = frameworkWith({
      filter: new RejectFilter(() => undefined),
      score: new IndexScore(),
    });
    const snap = Snapshot.from(nodes);
    const sched: SchedulerState = { nextStartNodeIndex: 0, percentageOfNodesToScore: 0 };
    const r1 = schedulePod(fwk, new CycleState(), makePod('p'), snap, sched);
    assert.equal(r1.kind, 'scheduled');
    assert.equal(r1.feasibleNodes, 100);
    assert.equal(r1.evaluatedNodes, 100);
    assert.equal(r1.suggestedHost, 'n99');
    assert.equal(sched.nextStartNodeIndex, 100);
    const r2 = schedulePod(fwk, new CycleState(), makePod('p'), snap, sched);
    assert.equal(r2.kind === 'scheduled' && r2.suggestedHost, 'n199');
    assert.equal(sched.nextStartNodeIndex, 0);
  });

  it('reports a FitError with per-node reasons when nothing fits', () => {
    const fwk = frameworkWith({
      filter: new RejectFilter((ni) =>
        ni.name === 'n0'
          ? Status.new(Code.Unschedulable, 'Insufficient cpu')
          : Status.new(Code.UnschedulableAndUnresolvable, 'nope'),
      ),
    });
    const out = schedulePod(fwk, new CycleState(), makePod('p'), Snapshot.from(nodes.slice(0, 3)));
    assert.equal(out.kind, 'unschedulable');
    assert.equal(out.fitError.message, '0/3 nodes are available: 1 Insufficient cpu, 2 nope.');
    assert.deepEqual([...out.fitError.diagnosis.unschedulablePlugins], ['Reject']);
  });

  it('narrows to PreFilter node names and reports the others as absent', () => {
    const fwk = frameworkWith({
      preFilter: new NarrowPreFilter(['n1', 'missing']),
      filter: new RejectFilter(() => Status.new(Code.Unschedulable, 'Insufficient cpu')),
    });
    const out = schedulePod(fwk, new CycleState(), makePod('p'), Snapshot.from(nodes.slice(0, 3)));
    assert.equal(out.kind, 'unschedulable');
    assert.equal(
      out.fitError.message,
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [].",
    );
  });

  it('uses a single feasible node without scoring and errors on an empty cluster', () => {
    const fwk = frameworkWith({
      filter: new RejectFilter((ni) =>
        ni.name === 'n2' ? undefined : Status.new(Code.Unschedulable, 'x'),
      ),
    });
    const out = schedulePod(fwk, new CycleState(), makePod('p'), Snapshot.from(nodes.slice(0, 5)));
    // Without Score plugins the search stops at the first feasible node (upstream numNodesToFind = 1).
    assert.deepEqual(out, {
      kind: 'scheduled',
      suggestedHost: 'n2',
      evaluatedNodes: 3,
      feasibleNodes: 1,
    });
    const empty = schedulePod(fwk, new CycleState(), makePod('p'), new Snapshot());
    assert.equal(
      empty.kind === 'error' && empty.error.message,
      'no nodes available to schedule pods',
    );
  });

  it('tries the nominated node first', () => {
    const fwk = frameworkWith({
      filter: new RejectFilter(() => undefined),
      score: new IndexScore(),
    });
    const out = schedulePod(
      fwk,
      new CycleState(),
      makePod('p', { nominatedNodeName: 'n3' }),
      Snapshot.from(nodes.slice(0, 10)),
    );
    assert.equal(out.kind === 'scheduled' && out.suggestedHost, 'n3');
  });
});
