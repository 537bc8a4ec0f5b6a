import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeletFlagError, kubeletConfigFlags } from './kubelet-config-flags.ts';
import { parseServerCommandLine } from './server-flags.ts';

describe('kubelet eviction and container-log flags', () => {
  it('keeps given values as given, integers as numbers; none given: undefined', () => {
    assert.equal(kubeletConfigFlags({}), undefined);
    assert.deepEqual(
      kubeletConfigFlags({
        evictionHard: 'memory.available<500Mi,nodefs.available<5%',
        evictionSoft: 'memory.available<1Gi',
        evictionSoftGracePeriod: 'memory.available=1m30s',
        evictionMaxPodGracePeriod: '30',
        containerLogMaxSize: '1Mi',
        containerLogMaxFiles: '3',
      }),
      {
        evictionHard: 'memory.available<500Mi,nodefs.available<5%',
        evictionSoft: 'memory.available<1Gi',
        evictionSoftGracePeriod: 'memory.available=1m30s',
        evictionMaxPodGracePeriod: 30,
        containerLogMaxSize: '1Mi',
        containerLogMaxFiles: 3,
      },
    );
  });

  it("refuses what the kubelet refuses, with the kubelet's words", () => {
    const cases: [Parameters<typeof kubeletConfigFlags>[0], RegExp][] = [
      [{ evictionHard: 'memory.available' }, /for "--eviction-hard" flag: malformed pair/],
      [{ evictionSoft: 'memory.available<1Gi' }, /grace period must be specified/],
      [
        { containerLogMaxFiles: '1' },
        /containerLogMaxFiles \(--container-log-max-files\) 1 must be >= 2/,
      ],
      [{ containerLogMaxSize: 'ten' }, /for "--container-log-max-size" flag/],
      [{ evictionMaxPodGracePeriod: 'x' }, /strconv.ParseInt: parsing "x": invalid syntax/],
    ];
    for (const [values, message] of cases) {
      assert.throws(
        () => kubeletConfigFlags(values),
        (err: unknown) => {
          assert.ok(err instanceof KubeletFlagError);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });

  it('reach `up` through the fast start path; a bad one sends it to commander', () => {
    const fast = parseServerCommandLine(
      ['up', '--eviction-hard', 'memory.available<1Gi', '--container-log-max-files', '4'],
      {},
    );
    assert.deepEqual(fast?.flags.kubeletConfig, {
      evictionHard: 'memory.available<1Gi',
      containerLogMaxFiles: 4,
    });
    assert.equal(parseServerCommandLine(['up', '--container-log-max-files', '1'], {}), undefined);
  });
});
