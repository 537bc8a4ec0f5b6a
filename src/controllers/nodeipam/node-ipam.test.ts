import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { CidrSet, NoCidrsRemainingError, NodeIpamController } from './index.ts';

describe('CidrSet (upstream cidr_set_test cases)', () => {
  it('hands out every subnet once, round robin, then fails', () => {
    const s = new CidrSet('127.123.234.0/28', 30);
    const got = [0, 1, 2, 3].map(() => s.allocateNext());
    assert.deepEqual(got, [
      '127.123.234.0/30',
      '127.123.234.4/30',
      '127.123.234.8/30',
      '127.123.234.12/30',
    ]);
    assert.throws(() => s.allocateNext(), NoCidrsRemainingError);
    s.release('127.123.234.4/30');
    assert.equal(s.allocateNext(), '127.123.234.4/30');
    assert.equal(s.usedCount, 4);
  });

  it('does not reuse a released subnet before the others (round robin from the last)', () => {
    const s = new CidrSet('10.42.0.0/16', 24);
    assert.equal(s.allocateNext(), '10.42.0.0/24');
    assert.equal(s.allocateNext(), '10.42.1.0/24');
    s.release('10.42.0.0/24');
    assert.equal(s.allocateNext(), '10.42.2.0/24');
  });

  it('occupies what existing nodes hold, including ranges wider than one subnet', () => {
    const s = new CidrSet('10.0.0.0/16', 24);
    assert.equal(s.occupy('10.0.0.0/23'), true);
    assert.equal(s.isUsed('10.0.1.0/24'), true);
    assert.equal(s.allocateNext(), '10.0.2.0/24');
    assert.equal(s.occupy('10.244.3.0/24'), false, 'outside the cluster CIDR');
    assert.equal(s.usedCount, 3);
    assert.throws(() => s.occupy('10.0.0.300/24'), /invalid IPv4/);
  });

  it('refuses mask sizes upstream refuses', () => {
    assert.throws(() => new CidrSet('10.0.0.0/8', 25), /subnet mask size is too big/);
    assert.throws(() => new CidrSet('10.0.0.0/16', 8), /must be between/);
    assert.throws(() => new CidrSet('10.0.0.0', 24), /invalid CIDR/);
  });
});

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const node = (name: string, podCIDR?: string): Node => ({
  metadata: { name },
  spec: podCIDR === undefined ? {} : { podCIDR, podCIDRs: [podCIDR] },
});

async function setup(nodes: Node[], clusterCidr = '10.42.0.0/16', mask = 24) {
  const cluster = new FakeCluster();
  cluster.seed(BUILTIN_RESOURCES.nodes, ...nodes);
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const ipam = new NodeIpamController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    clusterCidr,
    nodeCidrMaskSize: mask,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  const cidrOf = async (name: string): Promise<string | undefined> =>
    (await cluster.clientset.nodes.get('', name)).spec?.podCIDR;
  const stop = async (): Promise<void> => {
    ac.abort();
    await factory.stopped();
  };
  return { cluster, ipam, recorder, cidrOf, stop };
}

describe('node IPAM controller', () => {
  it('gives a node without a pod CIDR the next free one, after those nodes already hold', async () => {
    const { ipam, cidrOf, cluster, stop } = await setup([
      node('old', '10.42.0.0/24'),
      node('sim', '10.244.0.0/24'),
      node('new'),
    ]);
    await ipam.sync('new');
    assert.equal(await cidrOf('new'), '10.42.1.0/24');
    const n = await cluster.clientset.nodes.get('', 'new');
    assert.deepEqual(n.spec?.podCIDRs, ['10.42.1.0/24']);
    assert.equal(await cidrOf('sim'), '10.244.0.0/24', 'a CIDR outside the range is left alone');
    assert.equal(ipam.cidrs.usedCount, 2);
    await stop();
  });

  it('releases the CIDR of a deleted node', async () => {
    const { ipam, cluster, stop } = await setup([node('a')]);
    await ipam.sync('a');
    assert.equal(ipam.cidrs.usedCount, 1);
    await cluster.clientset.nodes.delete('', 'a');
    // Wait for the informer to see the deletion.
    const used = (): number => ipam.cidrs.usedCount;
    for (let i = 0; i < 100 && used() > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await ipam.sync('a');
    }
    assert.equal(ipam.cidrs.usedCount, 0);
    await stop();
  });

  it('reports CIDRNotAvailable when the range is exhausted', async () => {
    const { ipam, recorder, stop } = await setup([node('a'), node('b')], '10.42.0.0/24', 24);
    await ipam.sync('a');
    await assert.rejects(ipam.sync('b'), NoCidrsRemainingError);
    assert.deepEqual(recorder.events, [
      'Normal CIDRNotAvailable Node b status is now: CIDRNotAvailable',
    ]);
    await stop();
  });

  it('releases the CIDR when the node update fails, so the retry allocates afresh', async () => {
    const { ipam, cluster, stop } = await setup([node('a')]);
    cluster.prependReactor((a) => {
      if (a.verb === 'patch' && a.resource.resource === 'nodes') throw new Error('boom');
      return undefined;
    });
    await assert.rejects(ipam.sync('a'), /boom/);
    assert.equal(ipam.cidrs.usedCount, 0);
    await stop();
  });
});
