/**
 * Kubernetes protobuf decoding speed (src/api/protobuf): 1 MB bodies of three shapes, best of 7
 * runs each (load only adds time), next to JSON.parse of the same object.
 * Usage: node --import tsx bench/protobuf/run.ts
 */
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf } from '../../src/api/index.ts';

function best(fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const configMapFiles: Record<string, string> = {};
for (let i = 0; i < 1000; i++) configMapFiles[`file-${String(i)}.conf`] = 'x = 1\n'.repeat(171);
const tinyKeys: Record<string, string> = {};
for (let i = 0; i < 16_000; i++) tinyKeys[`key-${String(i)}`] = 'v'.repeat(50);
const containers = Array.from({ length: 1200 }, (_, i) => ({
  name: `c${String(i)}`,
  image: 'registry.example/app:1.0',
  env: Array.from({ length: 40 }, (_, j) => ({
    name: `VAR_${String(j)}`,
    value: `value-${String(j)}`,
  })),
  resources: { limits: { cpu: '1', memory: '1Gi' } },
  ports: [{ containerPort: 8000 + i, protocol: 'TCP' }],
}));

const cases: [string, Record<string, unknown>][] = [
  [
    'ConfigMap, 1000 files of 1 KB',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: configMapFiles },
  ],
  [
    'ConfigMap, 16k keys of 50 B',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: tinyKeys },
  ],
  [
    'Deployment, 1200 containers',
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'c' },
      spec: { replicas: 1, template: { spec: { containers } } },
    },
  ],
];

console.log('| body | bytes | protobuf decode ms (best of 7) | JSON.parse ms (best of 7) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, object] of cases) {
  const body = encodeKubernetesProtobuf(object);
  const json = JSON.stringify(object);
  const pb = best(() => decodeKubernetesProtobuf(body));
  const js = best(() => JSON.parse(json) as unknown);
  console.log(`| ${name} | ${String(body.length)} | ${pb.toFixed(1)} | ${js.toFixed(1)} |`);
}
