/**
 * CPU profile of the API server under one workload: starts `node --cpu-prof dist/cmd/main.js
 * server` (direct, so the profile is the server's), runs the workload, stops it by PID, and
 * prints the functions with the most self time and the files with the most total self time.
 * Usage:
 *
 *   node --import tsx bench/apiserver/profile.ts --root DIR [--workload startup|pods|writes|lists]
 *        [--datastore DSN] [--top 25] [--control-plane] [--keep-profile FILE]
 *
 * `--root` should be a built checkout (e.g. one made by run.ts --snapshot, or the repo itself).
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePorts } from '../../src/storage/etcd/index.ts';
import { closeAll, connect, readKubeconfig } from './client.ts';
import { startServer } from './proc.ts';
import {
  creates,
  ensureNamespace,
  listLatency,
  openClients,
  pod,
  writePhase,
} from './workloads.ts';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string' },
    workload: { type: 'string', default: 'pods' },
    datastore: { type: 'string' },
    top: { type: 'string', default: '25' },
    // The whole control plane (controller-manager, scheduler) instead of the API server alone.
    'control-plane': { type: 'boolean', default: false },
    // Copy the .cpuprofile here before the work dir is removed (for timeline analysis).
    'keep-profile': { type: 'string' },
  },
});
const root = resolve(args.root ?? join(import.meta.dirname, '..', '..'));
const work = mkdtempSync(join(tmpdir(), 'skiff-apiprof-'));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time per node id, in ms, from the sample deltas. */
function selfTimes(p: Profile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let k = 0; k < samples.length; k++) {
    const id = samples[k] ?? 0;
    // Each delta is the time before sample k; attribute the next one to sample k.
    const dt = (deltas[k + 1] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  return self;
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(root) ? relative(root, path) : path === '' ? '(native)' : path;
}

/** Prints the top functions and files by self time. */
function summarizeProfile(p: Profile, top: number): string {
  const self = selfTimes(p);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    if (t === 0) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const file = shortUrl(url);
    const fn = `${functionName === '' ? '(anonymous)' : functionName} ${file}:${String(lineNumber + 1)}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
    byFile.set(file, (byFile.get(file) ?? 0) + t);
  }
  const rows = (m: Map<string, number>): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `| ${k} | ${v.toFixed(0)} | ${((v / total) * 100).toFixed(1)}% |`);
  return [
    `Profile: ${(total / 1000).toFixed(2)} s of samples.`,
    '',
    '| function (self time) | ms | share |',
    '| --- | ---: | ---: |',
    ...rows(byFn),
    '',
    '| file (self time) | ms | share |',
    '| --- | ---: | ---: |',
    ...rows(byFile),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const profDir = join(work, 'prof');
  const server = await startServer({
    root,
    launch: 'direct',
    dataDir: join(work, 'data'),
    port,
    datastore: args.datastore,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    ...(args['control-plane']
      ? {}
      : { serverArgs: ['--disable-controller-manager', '--disable-scheduler'] }),
  });
  try {
    const creds = readKubeconfig(server.kubeconfig);
    const admin = await connect(creds);
    try {
      switch (args.workload) {
        case 'startup':
          break;
        case 'pods':
        case 'lists': {
          await ensureNamespace(admin, 'prof');
          const clients = await openClients(creds, 100);
          try {
            await creates(clients, '/api/v1/namespaces/prof/pods', pod, {
              total: args.workload === 'pods' ? 5000 : 10_000,
            });
          } finally {
            closeAll(clients);
          }
          if (args.workload === 'lists') {
            await listLatency(admin, '/api/v1/namespaces/prof/pods', 10);
          }
          break;
        }
        case 'writes':
          await writePhase(creds, admin, 'prof', {
            clients: 100,
            watchers: 100,
            seconds: 10,
            perSec: 500,
          });
          break;
        default:
          throw new Error(`unknown workload ${args.workload}`);
      }
    } finally {
      admin.destroy();
    }
  } finally {
    await server.stop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no profile written');
  if (args['keep-profile'] !== undefined) copyFileSync(join(profDir, file), args['keep-profile']);
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile;
  process.stdout.write(summarizeProfile(profile, Number(args.top)));
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
