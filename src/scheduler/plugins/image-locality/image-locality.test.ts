import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Framework, Snapshot, st } from '../../framework/index.ts';
import { ImageLocality, normalizedImageName } from './image-locality.ts';

const MB = 1024 * 1024;
const node1 = st.makeNode('node1', {
  images: [
    { names: ['gcr.io/40:latest', 'gcr.io/40:v1'], sizeBytes: 40 * MB },
    { names: ['gcr.io/300:latest', 'gcr.io/300:v1'], sizeBytes: 300 * MB },
    { names: ['gcr.io/2000:latest'], sizeBytes: 2000 * MB },
  ],
});
const node2 = st.makeNode('node2', {
  images: [
    { names: ['gcr.io/250:latest'], sizeBytes: 250 * MB },
    { names: ['gcr.io/10:latest', 'gcr.io/10:v1'], sizeBytes: 10 * MB },
  ],
});
const node3 = st.makeNode('node3', {
  images: [
    { names: ['gcr.io/300:latest', 'gcr.io/300:v1'], sizeBytes: 300 * MB },
    { names: ['gcr.io/3000:latest'], sizeBytes: 3000 * MB },
    { names: ['gcr.io/30:latest'], sizeBytes: 30 * MB },
    { names: ['gcr.io/666:latest'], sizeBytes: 666 * MB },
  ],
});

describe('ImageLocality (upstream TestImageLocalityPriority)', () => {
  const cases: { name: string; images: string[]; nodes: (typeof node1)[]; want: number[] }[] = [
    // node1: 40MB × 1/2 = 20MB < 23MB → 0; node2: 250MB × 1/2 = 125MB → 100 × (125-23)/(2000-23) = 5
    {
      name: 'two images spread on two nodes, prefer the larger image one',
      images: ['gcr.io/40', 'gcr.io/250'],
      nodes: [node1, node2],
      want: [0, 5],
    },
    // node1: (300 + 2000) × 1/2 = 1150MB → 57; node2: 0
    {
      name: 'two images on one node, prefer this node',
      images: ['gcr.io/300', 'gcr.io/2000'],
      nodes: [node1, node2],
      want: [57, 0],
    },
    // node1: 2000MB × 1/2 = 1000MB, two containers → 100 × (1000-23)/(2000-23) = 49; node2: 10MB × 1/2 → 0
    {
      name: 'a large image on one of two nodes',
      images: ['gcr.io/2000', 'gcr.io/10'],
      nodes: [node1, node2],
      want: [49, 0],
    },
    // node3: 3000MB × 1/2 = 1500MB > the one-container limit 1000MB → clamped → 100
    {
      name: 'if exceed limit, use limit',
      images: ['gcr.io/3000'],
      nodes: [node2, node3],
      want: [0, 100],
    },
    // 300MB on node1 and node3: spread 2/3 → 200MB; one container: 100 × (200-23)/(1000-23) = 18
    {
      name: 'image spread on 2 of 3 nodes',
      images: ['gcr.io/300'],
      nodes: [node1, node2, node3],
      want: [18, 0, 18],
    },
    { name: 'no images match', images: ['gcr.io/nothing'], nodes: [node1, node2], want: [0, 0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const snap = Snapshot.from(c.nodes);
      const fwk = new Framework(new Map(), {});
      fwk.setSnapshot(snap);
      const pod = st.makePod('p', { images: c.images, containers: c.images.map(() => ({})) });
      const got = st.runScorePlugin(new ImageLocality(fwk), pod, snap.list());
      assert.ok(Array.isArray(got));
      assert.deepEqual(
        got.map((s) => s.score),
        c.want,
      );
    });
  }

  it('normalizes image names like upstream', () => {
    assert.equal(normalizedImageName('gcr.io/40'), 'gcr.io/40:latest');
    assert.equal(normalizedImageName('gcr.io/40:v1'), 'gcr.io/40:v1');
    assert.equal(normalizedImageName('localhost:5000/img'), 'localhost:5000/img:latest');
  });
});
