import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import {
  FlagValueError,
  flagValueMessage,
  parseDurationMs,
  parseFloat32,
  parseInt32,
} from './node-lifecycle-flags.ts';
import { nodeLifecycleOptions } from './controller-manager.ts';
import { parseServerCommandLine } from './server-flags.ts';
import { addServerOptions, serverFlagsFrom } from './server-options.ts';
import { loadSchedulerConfigFile, schedulerConfigUsable } from './scheduler-config.ts';

const ALL = [
  '--node-monitor-grace-period',
  '50s',
  '--node-startup-grace-period=2m30s',
  '--node-eviction-rate',
  '0.5',
  '--secondary-node-eviction-rate',
  '0',
  '--large-cluster-size-threshold',
  '10',
  '--unhealthy-zone-threshold',
  '0.7',
];
const WANT = {
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 150_000,
  nodeEvictionRate: 0.5,
  secondaryNodeEvictionRate: 0,
  largeClusterSizeThreshold: 10,
  unhealthyZoneThreshold: 0.7,
};

function commander(argv: string[]): ReturnType<typeof serverFlagsFrom> {
  const cmd = addServerOptions(new Command('up')).exitOverride();
  cmd.parse(argv, { from: 'user' });
  return serverFlagsFrom(cmd.opts());
}

/** commander's error text for `argv` (its exitOverride throws instead of exiting). */
function commanderError(argv: string[]): string {
  const cmd = addServerOptions(new Command('up'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return assert.fail('expected an error');
}

describe('node lifecycle flags (kube-controller-manager)', () => {
  it('parse the same on the fast path and through commander', () => {
    assert.deepEqual(parseServerCommandLine(['up', ...ALL], {})?.flags.nodeLifecycle, WANT);
    assert.deepEqual(commander(ALL).nodeLifecycle, WANT);
    // Absent: the field stays absent (upstream defaults apply in the controller).
    assert.equal('nodeLifecycle' in (parseServerCommandLine(['up'], {})?.flags ?? {}), false);
    assert.equal('nodeLifecycle' in commander([]), false);
  });

  it('refuse bad values with pflag parse errors (commander path reports them)', () => {
    for (const argv of [
      ['--node-monitor-grace-period', '40'],
      ['--node-startup-grace-period', '1d'],
      ['--node-eviction-rate', 'fast'],
      ['--large-cluster-size-threshold', '1.5'],
    ]) {
      assert.equal(parseServerCommandLine(['up', ...argv], {}), undefined, argv.join(' '));
    }
    assert.equal(
      commanderError(['--node-monitor-grace-period', '40']),
      "error: option '--node-monitor-grace-period <duration>' argument '40' is invalid. time: missing unit in duration \"40\"",
    );
    assert.equal(
      commanderError(['--node-eviction-rate', 'fast']),
      "error: option '--node-eviction-rate <rate>' argument 'fast' is invalid. strconv.ParseFloat: parsing \"fast\": invalid syntax",
    );
    assert.equal(
      commanderError(['--large-cluster-size-threshold', '3000000000']),
      "error: option '--large-cluster-size-threshold <nodes>' argument '3000000000' is invalid. strconv.ParseInt: parsing \"3000000000\": value out of range",
    );
  });

  it("Go's time.ParseDuration and strconv messages", () => {
    assert.equal(parseDurationMs('40s'), 40_000);
    assert.equal(parseDurationMs('1m'), 60_000);
    assert.equal(parseDurationMs('1h30m'), 5_400_000);
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('0'), 0);
    assert.equal(parseDurationMs('-2s'), -2000);
    const msg = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        if (err instanceof FlagValueError) return err.message;
      }
      return '';
    };
    assert.equal(
      msg(() => parseDurationMs('')),
      'time: invalid duration ""',
    );
    assert.equal(
      msg(() => parseDurationMs('abc')),
      'time: invalid duration "abc"',
    );
    assert.equal(
      msg(() => parseDurationMs('10')),
      'time: missing unit in duration "10"',
    );
    assert.equal(
      msg(() => parseDurationMs('1d')),
      'time: unknown unit "d" in duration "1d"',
    );
    assert.equal(parseFloat32('0.1'), 0.1);
    assert.equal(parseFloat32('1e-2'), 0.01);
    assert.equal(parseFloat32('.5'), 0.5);
    assert.equal(
      msg(() => parseFloat32('1e39')),
      'strconv.ParseFloat: parsing "1e39": value out of range',
    );
    assert.equal(parseInt32('-5'), -5);
    assert.equal(
      msg(() => parseInt32('0x')),
      'strconv.ParseInt: parsing "0x": invalid syntax',
    );
    assert.equal(
      flagValueMessage('node-eviction-rate', 'x', new FlagValueError('y')),
      'invalid argument "x" for "--node-eviction-rate" flag: y',
    );
  });

  it('become the node lifecycle controller options', () => {
    assert.deepEqual(nodeLifecycleOptions(undefined), {});
    assert.deepEqual(nodeLifecycleOptions(WANT), {
      nodeMonitorGracePeriodMs: 50_000,
      nodeStartupGracePeriodMs: 150_000,
      disruption: {
        nodeEvictionRate: 0.5,
        secondaryNodeEvictionRate: 0,
        largeClusterSizeThreshold: 10,
        unhealthyZoneThreshold: 0.7,
      },
    });
    assert.deepEqual(nodeLifecycleOptions({ nodeMonitorGracePeriodMs: 5000 }), {
      nodeMonitorGracePeriodMs: 5000,
    });
  });
});

describe('--scheduler-config', () => {
  it('is a flag on both paths, and a bad file fails before anything starts', async () => {
    assert.equal(
      parseServerCommandLine(['server', '--scheduler-config', '/x.yaml'], {})?.flags
        .schedulerConfig,
      '/x.yaml',
    );
    assert.equal(commander(['--scheduler-config=/x.yaml']).schedulerConfig, '/x.yaml');
    assert.equal('schedulerConfig' in commander([]), false);

    const dir = await mkdtemp(join(tmpdir(), 'skiff-sched-config-'));
    try {
      const good = join(dir, 'good.yaml');
      await writeFile(
        good,
        'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n- schedulerName: b\n',
      );
      const config = await loadSchedulerConfigFile(good);
      assert.deepEqual(
        config.profiles.map((p) => p.schedulerName),
        ['a', 'b'],
      );
      const bad = join(dir, 'bad.yaml');
      await writeFile(
        bad,
        'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n  plugins:\n    score:\n      enabled: [{name: Nope}]\n',
      );
      const lines: string[] = [];
      const err = (l: string): void => {
        lines.push(l);
      };
      assert.equal(await schedulerConfigUsable('up', { schedulerConfig: good }, err), true);
      assert.equal(await schedulerConfigUsable('up', {}, err), true);
      assert.equal(await schedulerConfigUsable('up', { schedulerConfig: bad }, err), false);
      assert.equal(
        await schedulerConfigUsable('server', { schedulerConfig: join(dir, 'missing.yaml') }, err),
        false,
      );
      assert.deepEqual(lines, [
        `skiff up: error: --scheduler-config ${bad}: initializing profiles: creating profile for scheduler name a: ScorePlugin "Nope" does not exist`,
        `skiff server: error: --scheduler-config ${join(dir, 'missing.yaml')}: open ${join(dir, 'missing.yaml')}: no such file or directory`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
