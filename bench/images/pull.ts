// Pull throughput from a loopback registry: our client (RegistryClient into an ImageStore)
// vs `skopeo copy docker://… dir:` of the same image, with a ~50 MiB incompressible layer.
// Needs root-less tools only: docker-registry, umoci, skopeo. Usage:
//   node --import tsx bench/images/pull.ts [--mib 50] [--runs 3]
// Everything is created under a temp dir and removed; the registry is killed by PID.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ImageStore, RegistryClient, nodeTransport } from '../../src/kubelet/images/index.ts';

const run = promisify(execFile);
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MIB = arg('mib', 50);
const RUNS = arg('runs', 3);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => {
        resolve(typeof a === 'object' && a !== null ? a.port : 0);
      });
    });
  });
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const work = await mkdtemp(join(tmpdir(), 'skiff-bench-images-'));
const port = await freePort();
await mkdir(join(work, 'data'));
await writeFile(
  join(work, 'config.yml'),
  `version: 0.1\nlog: {level: error}\nstorage:\n  filesystem: {rootdirectory: ${join(work, 'data')}}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: bench\n`,
);
const registry = spawn('docker-registry', ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const layout = join(work, 'oci');
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:big`]);
  await run('umoci', ['unpack', '--rootless', '--image', `${layout}:big`, join(work, 'bundle')]);
  await writeFile(join(work, 'bundle/rootfs/blob.bin'), randomBytes(MIB * 1024 * 1024));
  await run('umoci', ['repack', '--image', `${layout}:big`, join(work, 'bundle')]);
  await run('umoci', [
    'config',
    '--image',
    `${layout}:big`,
    '--architecture',
    'amd64',
    '--os',
    'linux',
  ]);
  const ref = `127.0.0.1:${port}/bench/big:v1`;
  await run('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${layout}:big`,
    `docker://${ref}`,
  ]);

  const ours: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const store = new ImageStore(join(work, `store${i}`));
    const transport = nodeTransport();
    const t0 = performance.now();
    const rec = await new RegistryClient({ transport }).pull(ref, store);
    ours.push(performance.now() - t0);
    bytes = rec.size;
    transport.close();
    await rm(store.root, { recursive: true, force: true });
  }
  const skopeo: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dest = join(work, `dir${i}`);
    const t0 = performance.now();
    await run('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${ref}`,
      `dir:${dest}`,
    ]);
    skopeo.push(performance.now() - t0);
    await rm(dest, { recursive: true, force: true });
  }
  const mib = bytes / 1024 / 1024;
  const fmt = (ms: number): string =>
    `${ms.toFixed(0)} ms, ${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
  console.log(`image: ${mib.toFixed(1)} MiB (1 layer, incompressible), ${RUNS} runs, median`);
  console.log(
    `skiff RegistryClient.pull : ${fmt(median(ours))}  (runs: ${ours.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `skopeo copy → dir:         : ${fmt(median(skopeo))}  (runs: ${skopeo.map((x) => x.toFixed(0)).join(', ')})`,
  );
} finally {
  registry.kill('SIGTERM');
  await rm(work, { recursive: true, force: true });
}
