import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { labelSelectorAsSelector } from '../../api/index.ts';
import { affinityTermKey, exactLabelOf } from './domain-counts.ts';
import type { PodCountSpec } from './domain-counts.ts';
import { newPodInfo, podHasAffinity, podHasScoredAffinity } from './node-info.ts';
import type { PodInfo } from './node-info.ts';
import { MAX_POD_COUNT_INDEXES, Snapshot } from './snapshot.ts';
import { makeNode, makePod, seededRandomInt } from './testing.ts';

const ZONE = 'zone';
const HOST = 'kubernetes.io/hostname';

/** Specs of the kinds the plugins use: per namespace and selector, with and without required keys. */
function specs(): PodCountSpec[] {
  const out: PodCountSpec[] = [];
  for (const ns of ['a', 'b']) {
    for (const app of ['x', 'y']) {
      const sel = labelSelectorAsSelector({ matchLabels: { app } });
      for (const [topologyKey, requiredNodeKeys, keepEmptyDomains] of [
        [ZONE, [ZONE], true],
        [ZONE, [], true],
        [HOST, [HOST, ZONE], true],
        [HOST, [HOST], true],
        [ZONE, [ZONE], false],
        [HOST, [HOST], false],
      ] as const) {
        out.push({
          id: `${ns}/${app}/${topologyKey}/${requiredNodeKeys.join(',')}/${keepEmptyDomains}`,
          topologyKey,
          requiredNodeKeys,
          keepEmptyDomains,
          // Half of them visited through their label bucket on pod changes.
          podLabel: app === 'x' ? exactLabelOf(sel) : undefined,
          matches: (pi) =>
            pi.pod.metadata?.namespace === ns &&
            pi.pod.metadata.deletionTimestamp === undefined &&
            sel.matches(pi.pod.metadata.labels ?? {}),
        });
      }
    }
  }
  return out;
}

/** What a spec's counts must be: the scan the plugins did before the index. */
function scratchCounts(s: Snapshot, spec: PodCountSpec): Map<string, number> {
  const m = new Map<string, number>();
  for (const ni of s.list()) {
    const labels = ni.node?.metadata?.labels ?? {};
    if (spec.requiredNodeKeys.some((k) => labels[k] === undefined)) continue;
    const d = labels[spec.topologyKey] ?? '';
    let n = m.get(d) ?? 0;
    for (const p of ni.pods) if (spec.matches(p)) n++;
    m.set(d, n);
  }
  if (!spec.keepEmptyDomains) for (const [d, n] of m) if (n === 0) m.delete(d);
  return m;
}

/** Existing pods' required anti-affinity terms grouped by key, from a scan. */
function scratchAntiGroups(s: Snapshot): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const ni of s.list()) {
    const labels = ni.node?.metadata?.labels ?? {};
    for (const p of ni.pods) {
      for (const t of p.requiredAntiAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v === undefined) continue;
        const k = affinityTermKey(t);
        const g = out.get(k) ?? new Map<string, number>();
        g.set(v, (g.get(v) ?? 0) + 1);
        out.set(k, g);
      }
    }
  }
  return out;
}

function sorted<V>(m: ReadonlyMap<string, V>): [string, V][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function names(ns: readonly { name: string }[]): string[] {
  return ns.map((n) => n.name).sort();
}

function assertConsistent(s: Snapshot, all: readonly PodCountSpec[], step: string): void {
  for (const spec of all) {
    const got = s.podCountsByDomain(spec);
    const want = scratchCounts(s, spec);
    assert.deepEqual(sorted(got.pods), sorted(want), `${step}: ${spec.id}`);
  }
  const groups = new Map<string, Map<string, number>>();
  for (const g of s.requiredAntiAffinityTermGroups()) {
    const k = affinityTermKey(g.term);
    assert.ok(!groups.has(k), `${step}: one group per term key`);
    groups.set(k, new Map(g.counts));
  }
  assert.deepEqual(
    sorted(groups).map(([k, m]) => [k, sorted(m)]),
    sorted(scratchAntiGroups(s)).map(([k, m]) => [k, sorted(m)]),
    `${step}: anti-affinity groups`,
  );
  const having = (f: (pi: PodInfo) => boolean): string[] =>
    names(s.list().filter((ni) => ni.pods.some(f)));
  assert.deepEqual(names(s.havePodsWithAffinityList()), having(podHasAffinity), step);
  assert.deepEqual(
    names(s.havePodsWithRequiredAntiAffinityList()),
    having((p) => p.requiredAntiAffinityTerms.length > 0),
    step,
  );
  assert.deepEqual(names(s.havePodsWithScoredAffinityList()), having(podHasScoredAffinity), step);
}

describe('Snapshot incremental domain counts', () => {
  it('stay equal to a from-scratch computation over random adds, removes and node changes', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = seededRandomInt(seed);
      const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
      const all = specs();
      const s = new Snapshot();
      const nodeLabels = (i: number): Record<string, string> => {
        const l: Record<string, string> = {};
        if (rnd(5) > 0) l[HOST] = `n${i}`;
        if (rnd(4) > 0) l[ZONE] = `z${rnd(3)}`;
        return l;
      };
      const numNodes = 8;
      const present = new Set<number>();
      // Pods by UID with the node they were added to (the snapshot's own bookkeeping is what we test).
      const pods = new Map<string, { pod: Pod; node: string }>();
      const antiTerm = (): PodAffinityTerm => ({
        topologyKey: pick([ZONE, HOST, 'missing']),
        labelSelector: { matchLabels: { app: pick(['x', 'y']) } },
        ...(rnd(3) === 0 ? { namespaces: [pick(['a', 'b'])] } : {}),
      });
      const randomPod = (uid: string, node: string): Pod => {
        const kind = rnd(6);
        const p = makePod(`p-${uid}`, {
          uid,
          namespace: pick(['a', 'b']),
          labels: { app: pick(['x', 'y', 'z']) },
          nodeName: node,
          ...(kind === 0
            ? {
                affinity: {
                  podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [antiTerm()],
                  },
                },
              }
            : kind === 1
              ? {
                  affinity: {
                    podAffinity: {
                      preferredDuringSchedulingIgnoredDuringExecution: [
                        { weight: 3, podAffinityTerm: antiTerm() },
                      ],
                    },
                  },
                }
              : {}),
        });
        return rnd(8) === 0
          ? { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }
          : p;
      };
      for (let i = 0; i < numNodes; i++) {
        if (rnd(4) === 0) continue;
        s.setNode(makeNode(`node-${i}`, { labels: nodeLabels(i) }));
        present.add(i);
      }
      // Build every index now, so that the rest exercises the incremental updates.
      assertConsistent(s, all, `seed ${seed} start`);
      let next = 0;
      for (let step = 0; step < 150; step++) {
        const op = rnd(10);
        const where = `seed ${seed} step ${step} op ${op}`;
        if (op <= 3) {
          const node = `node-${rnd(numNodes + 1)}`; // node-8 never exists: an orphan
          const uid = `u${next++}`;
          const pod = randomPod(uid, node);
          s.addPod(pod);
          pods.set(uid, { pod, node });
        } else if (op === 4 && pods.size > 0) {
          // Replace a pod with a new version (new labels), as the informer's update does.
          const [uid, { node }] = pick([...pods]);
          const pod = randomPod(uid, node);
          s.addPod(pod);
          pods.set(uid, { pod, node });
        } else if (op <= 6 && pods.size > 0) {
          const [uid, { pod }] = pick([...pods]);
          s.removePod(pod);
          pods.delete(uid);
        } else if (op === 7) {
          const i = rnd(numNodes);
          // Same labels (a heartbeat) or new ones.
          const labels =
            rnd(2) === 0 && present.has(i)
              ? { ...(s.get(`node-${i}`)?.node?.metadata?.labels ?? {}) }
              : nodeLabels(i);
          s.setNode(makeNode(`node-${i}`, { labels }));
          present.add(i);
        } else if (op === 8 && present.size > 0) {
          const i = pick([...present]);
          s.removeNode(`node-${i}`);
          present.delete(i);
          for (const [uid, { node }] of pods) if (node === `node-${i}`) pods.delete(uid);
        } else {
          assert.equal(s.removePod(makePod('nope', { nodeName: 'node-0' })), false);
        }
        assertConsistent(s, all, where);
      }
    }
  });

  it('drops the least recently used index past the limit and rebuilds it on use', () => {
    const s = Snapshot.from(
      [makeNode('n1', { labels: { [ZONE]: 'z1' } })],
      [makePod('p', { nodeName: 'n1', labels: { app: 'x' } })],
    );
    const spec = (i: number): PodCountSpec => ({
      id: `s${i}`,
      topologyKey: ZONE,
      requiredNodeKeys: [ZONE],
      keepEmptyDomains: true,
      podLabel: i % 2 === 0 ? ['app', 'x'] : undefined,
      matches: (pi) => pi.pod.metadata?.labels?.app === 'x',
    });
    for (let i = 0; i <= MAX_POD_COUNT_INDEXES + 5; i++) s.podCountsByDomain(spec(i));
    assert.equal(s.numPodCountIndexes(), MAX_POD_COUNT_INDEXES);
    s.addPod(makePod('q', { nodeName: 'n1', labels: { app: 'x' } }));
    assert.deepEqual([...s.podCountsByDomain(spec(0)).pods], [['z1', 2]]);
    assert.deepEqual([...s.podCountsByDomain(spec(MAX_POD_COUNT_INDEXES + 5)).pods], [['z1', 2]]);
    assert.deepEqual([...s.podCountsByDomain(spec(MAX_POD_COUNT_INDEXES + 4)).pods], [['z1', 2]]);
  });

  it('finds a label every selected pod has', () => {
    const sel = (s: Parameters<typeof labelSelectorAsSelector>[0]) => labelSelectorAsSelector(s);
    assert.deepEqual(exactLabelOf(sel({ matchLabels: { app: 'x', tier: 'web' } })), ['app', 'x']);
    assert.deepEqual(
      exactLabelOf(
        sel({
          matchExpressions: [
            { key: 'a', operator: 'Exists' },
            { key: 'b', operator: 'In', values: ['1'] },
          ],
        }),
      ),
      ['b', '1'],
    );
    assert.equal(
      exactLabelOf(sel({ matchExpressions: [{ key: 'b', operator: 'In', values: ['1', '2'] }] })),
      undefined,
    );
    assert.equal(exactLabelOf(sel({})), undefined);
    assert.equal(exactLabelOf(sel(undefined)), undefined);
  });

  it('keys equal terms alike and different terms apart', () => {
    const pod = makePod('p', { namespace: 'a' });
    const key = (t: PodAffinityTerm): string =>
      affinityTermKey(
        newPodInfo({
          ...pod,
          spec: {
            ...pod.spec,
            containers: [],
            affinity: {
              podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] },
            },
          },
        }).requiredAntiAffinityTerms[0] as never,
      );
    const base = { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'x' } } };
    assert.equal(key(base), key({ ...base }));
    assert.equal(
      key({ ...base, namespaces: ['b', 'a'] }),
      key({ ...base, namespaces: ['a', 'b'] }),
    );
    assert.notEqual(key(base), key({ ...base, topologyKey: HOST }));
    assert.notEqual(key(base), key({ ...base, namespaces: ['b'] }));
    // No selector matches nothing, an empty one everything: both print as ''.
    assert.notEqual(key({ topologyKey: ZONE }), key({ topologyKey: ZONE, labelSelector: {} }));
    assert.notEqual(key(base), key({ ...base, namespaceSelector: {} }));
  });
});
