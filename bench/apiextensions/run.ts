/**
 * Issue 4 benchmark: server-side apply latency of a ~200-field object, and custom resource
 * create throughput against a built-in type (ConfigMap), on the real `./skiff server` (SQLite),
 * driven over HTTPS/HTTP2 with the admin certificate. Usage:
 *
 *   node --import tsx bench/apiextensions/run.ts [--root DIR] [--applies 300] [--creates 3000]
 *
 * `--root` is a built checkout (default: this one; run `./skiff version` first to build).
 * `BENCH_NODE_ARGS` adds node flags to the server (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
 * Prints a Markdown report; stops the server by PID and removes its temp data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePorts } from '../../src/storage/etcd/index.ts';
import { closeAll, connect, readKubeconfig, request } from '../apiserver/client.ts';
import { cpuMsOf, startServer } from '../apiserver/proc.ts';
import { creates, ensureNamespace, openClients } from '../apiserver/workloads.ts';
import { summarize, type LatencySummary } from '../storage/stats.ts';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string' },
    applies: { type: 'string', default: '300' },
    creates: { type: 'string', default: '3000' },
  },
});
const root = resolve(args.root ?? join(import.meta.dirname, '..', '..'));
const nowMs = (): number => performance.now();

/** A CRD whose objects carry `fields` integer fields under spec (for the create comparison). */
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.bench.skiff.dev' },
  spec: {
    group: 'bench.skiff.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer', minimum: 0 },
                  color: { type: 'string', enum: ['red', 'green', 'blue'] },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/** A ConfigMap with `n` data keys plus labels/annotations: ~`n` + 10 leaf fields. */
function bigConfigMap(name: string, n: number, gen: number): string {
  const data: Record<string, string> = {};
  for (let i = 0; i < n; i++)
    data[`key-${String(i).padStart(3, '0')}`] = `value-${String(gen)}-${String(i)}`;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench', tier: 'ssa' }, annotations: { note: 'ssa bench' } },
    data,
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'skiff-bench-ext-'));
  const [port] = await freePorts(1);
  const server = await startServer({
    root,
    launch: 'direct',
    dataDir: join(work, 'data'),
    port: port ?? 0,
    // e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server.
    ...(process.env['BENCH_NODE_ARGS'] === undefined
      ? {}
      : { nodeArgs: process.env['BENCH_NODE_ARGS'].split(' ') }),
  });
  const lines: string[] = [];
  try {
    const creds = readKubeconfig(server.kubeconfig);
    const admin = await connect(creds);
    await ensureNamespace(admin, 'bench');

    // 1. Server-side apply of a 200-field object: first apply (create), then applies that change
    //    every value (each a real update with a new managedFields entry time), one client.
    const applyPath = (name: string): string =>
      `/api/v1/namespaces/bench/configmaps/${name}?fieldManager=bench&force=true`;
    const applyOnce = async (name: string, gen: number): Promise<number> => {
      const t = nowMs();
      const r = await request(admin, 'PATCH', applyPath(name), bigConfigMap(name, 200, gen), {
        'content-type': 'application/apply-patch+yaml',
      });
      if (r.status !== 200 && r.status !== 201) {
        throw new Error(`apply: ${String(r.status)} ${r.body.toString()}`);
      }
      return nowMs() - t;
    };
    const applies = Number(args.applies);
    for (let i = 0; i < 20; i++) await applyOnce('warm', i); // warm-up
    const createLat: number[] = [];
    const updateLat: number[] = [];
    const noopLat: number[] = [];
    const cpu0 = cpuMsOf(server.pid);
    for (let i = 0; i < applies; i++) createLat.push(await applyOnce(`ssa-${String(i)}`, 0));
    for (let i = 0; i < applies; i++) updateLat.push(await applyOnce(`ssa-${String(i)}`, 1));
    for (let i = 0; i < applies; i++) noopLat.push(await applyOnce(`ssa-${String(i)}`, 1));
    const applyCpu = (cpuMsOf(server.pid) - cpu0) / (3 * applies);
    // The same object written with a plain PUT (update tracking only), for comparison.
    const putLat: number[] = [];
    for (let i = 0; i < applies; i++) {
      const name = `ssa-${String(i)}`;
      const t = nowMs();
      const r = await request(
        admin,
        'PUT',
        `/api/v1/namespaces/bench/configmaps/${name}`,
        bigConfigMap(name, 200, 2),
      );
      if (r.status !== 200) throw new Error(`put: ${String(r.status)} ${r.body.toString()}`);
      putLat.push(nowMs() - t);
    }
    const row = (what: string, s: LatencySummary): string =>
      `| ${what} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.mean.toFixed(2)} |`;
    lines.push(
      '### Server-side apply, 200-field ConfigMap, 1 client',
      '',
      '| request | p50 ms | p99 ms | mean ms |',
      '| --- | ---: | ---: | ---: |',
      row('apply (creates the object)', summarize(createLat)),
      row('apply changing all 200 values', summarize(updateLat)),
      row('apply, no change', summarize(noopLat)),
      row('PUT of the same object (update tracking)', summarize(putLat)),
      '',
      `Server CPU per apply (mean of the three apply phases): ${applyCpu.toFixed(2)} ms.`,
      '',
    );

    // 2. Custom resource creates vs ConfigMap creates: 100 clients, as fast as possible.
    const r = await request(
      admin,
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      JSON.stringify(CRD),
    );
    if (r.status !== 201) throw new Error(`crd: ${String(r.status)} ${r.body.toString()}`);
    for (let i = 0; i < 100; i++) {
      const d = await request(admin, 'GET', '/apis/bench.skiff.dev/v1/namespaces/bench/widgets');
      if (d.status === 200) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const sessions = await openClients(creds, 100);
    const total = Number(args.creates);
    const widget = (i: number): string =>
      JSON.stringify({
        apiVersion: 'bench.skiff.dev/v1',
        kind: 'Widget',
        metadata: { name: `w-${String(i)}`, labels: { app: 'bench' } },
        spec: { size: i, color: 'red', labels: { a: 'b' } },
      });
    const cm = (i: number): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `c-${String(i)}`, labels: { app: 'bench' } },
        data: { size: String(i), color: 'red', a: 'b' },
      });
    const c0 = cpuMsOf(server.pid);
    const builtin = await creates(sessions, '/api/v1/namespaces/bench/configmaps', cm, { total });
    const c1 = cpuMsOf(server.pid);
    const custom = await creates(
      sessions,
      '/apis/bench.skiff.dev/v1/namespaces/bench/widgets',
      widget,
      {
        total,
      },
    );
    const c2 = cpuMsOf(server.pid);
    closeAll(sessions);
    const crow = (what: string, res: typeof builtin, cpuMs: number): string =>
      `| ${what} | ${res.createsPerSec.toFixed(0)} | ${res.service.p50.toFixed(1)} | ${res.service.p99.toFixed(1)} | ${(cpuMs / Math.max(1, res.created)).toFixed(2)} | ${String(res.failed)} |`;
    lines.push(
      `### Creates, 100 clients, ${String(total)} objects each`,
      '',
      '| type | creates/s | p50 ms | p99 ms | server CPU ms per create | failed |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      crow('ConfigMap (built-in)', builtin, c1 - c0),
      crow('Widget (custom resource, schema with enum/minimum)', custom, c2 - c1),
      '',
      `Ratio custom / built-in throughput: ${(custom.createsPerSec / builtin.createsPerSec).toFixed(2)}.`,
    );
    admin.close();
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
