import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { mergePlugins } from './config.ts';
import { CycleState } from './cycle-state.ts';
import { DEFAULT_PLUGINS, defaultedProfile } from './default-plugins.ts';
import type {
  FilterPlugin,
  PluginFactory,
  PreFilterOutput,
  PreFilterPlugin,
  ScorePlugin,
} from './interface.ts';
import { Framework, FrameworkConfigError } from './runtime.ts';
import { Code, Status } from './status.ts';
import { makePod } from './testing.ts';

class Fake implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  constructor(
    readonly name: string,
    readonly pre: Status = Status.SUCCESS,
    readonly nodeNames?: string[],
  ) {}
  preFilter(): PreFilterOutput {
    return {
      status: this.pre,
      ...(this.nodeNames !== undefined ? { result: { nodeNames: new Set(this.nodeNames) } } : {}),
    };
  }
  filter(): Status {
    return Status.SUCCESS;
  }
  score(): number {
    return 1;
  }
}

class FilterOnly implements FilterPlugin {
  constructor(readonly name: string) {}
  filter(): Status {
    return Status.SUCCESS;
  }
}

function registry(...ps: (Fake | FilterOnly)[]): Map<string, PluginFactory> {
  return new Map(ps.map((p) => [p.name, () => p]));
}

describe('Framework construction (upstream expandMultiPointPlugins)', () => {
  it('expands MultiPoint to the implemented extension points with weights', () => {
    const f = new Framework(registry(new Fake('A'), new FilterOnly('B')), {
      plugins: { multiPoint: { enabled: [{ name: 'A', weight: 3 }, { name: 'B' }] } },
    });
    assert.deepEqual(
      f.preFilterPlugins.map((p) => p.name),
      ['A'],
    );
    assert.deepEqual(
      f.filterPlugins.map((p) => p.name),
      ['A', 'B'],
    );
    assert.deepEqual(
      f.scorePlugins.map((p) => p.name),
      ['A'],
    );
    assert.equal(f.scoreWeights.get('A'), 3);
  });

  it('puts explicit overrides first, honours per-point disables and score weights', () => {
    const f = new Framework(registry(new Fake('A'), new Fake('B'), new Fake('C')), {
      plugins: {
        multiPoint: { enabled: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] },
        filter: { enabled: [{ name: 'C' }], disabled: [{ name: 'A' }] },
        score: { enabled: [{ name: 'B', weight: 5 }] },
      },
    });
    assert.deepEqual(
      f.filterPlugins.map((p) => p.name),
      ['C', 'B'],
    );
    assert.deepEqual(
      f.scorePlugins.map((p) => p.name),
      ['B', 'A', 'C'],
    );
    assert.equal(f.scoreWeights.get('B'), 5);
  });

  it('rejects unknown plugins unless skipUnregistered', () => {
    const profile = { plugins: { multiPoint: { enabled: [{ name: 'Nope' }] } } };
    assert.throws(() => new Framework(new Map(), profile), FrameworkConfigError);
    assert.equal(
      new Framework(new Map(), profile, { skipUnregistered: true }).filterPlugins.length,
      0,
    );
  });
});

describe('mergePlugins (upstream mergePluginSet)', () => {
  it('disables, overrides in place and appends custom plugins', () => {
    const merged = mergePlugins(DEFAULT_PLUGINS, {
      multiPoint: {
        enabled: [{ name: 'TaintToleration', weight: 10 }, { name: 'Custom' }],
        disabled: [{ name: 'ImageLocality' }],
      },
    });
    const names = merged.multiPoint?.enabled?.map((p) => `${p.name}:${p.weight ?? ''}`) ?? [];
    assert.ok(names.includes('TaintToleration:10'));
    assert.ok(!names.some((n) => n.startsWith('ImageLocality')));
    assert.equal(names[names.length - 1], 'Custom:');
    assert.equal(names.indexOf('TaintToleration:10'), 4);
  });

  it('"*" drops all defaults of the extension point', () => {
    const merged = mergePlugins(DEFAULT_PLUGINS, {
      multiPoint: { enabled: [{ name: 'X' }], disabled: [{ name: '*' }] },
    });
    assert.deepEqual(merged.multiPoint?.enabled, [{ name: 'X' }]);
  });

  it('defaultedProfile names the default scheduler', () => {
    assert.equal(defaultedProfile().schedulerName, 'default-scheduler');
  });
});

describe('RunPreFilterPlugins', () => {
  const pod: Pod = makePod('p');

  it('intersects node-name results and fails when empty', () => {
    const f = new Framework(
      registry(new Fake('A', Status.SUCCESS, ['n1', 'n2']), new Fake('B', Status.SUCCESS, ['n3'])),
      {
        plugins: { multiPoint: { enabled: [{ name: 'A' }, { name: 'B' }] } },
      },
    );
    const r = f.runPreFilterPlugins(new CycleState(), pod);
    assert.equal(r.status.code, Code.UnschedulableAndUnresolvable);
    assert.equal(r.status.message(), "node(s) didn't satisfy plugin(s) [A B] simultaneously");
  });

  it('keeps running after Unschedulable, stops at UnschedulableAndUnresolvable, marks Skip', () => {
    const f = new Framework(
      registry(
        new Fake('A', Status.new(Code.Skip)),
        new Fake('B', Status.new(Code.Unschedulable, 'b')),
        new Fake('C', Status.SUCCESS, ['n1']),
      ),
      { plugins: { multiPoint: { enabled: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] } } },
    );
    const state = new CycleState();
    const r = f.runPreFilterPlugins(state, pod);
    assert.equal(r.status.code, Code.Unschedulable);
    assert.equal(r.status.plugin, 'B');
    assert.deepEqual([...state.skipFilterPlugins], ['A']);
    assert.deepEqual([...(r.result?.nodeNames ?? [])], ['n1']);
  });
});
