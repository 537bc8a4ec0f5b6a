/**
 * A core kubectl subset with every versioned kubectl binary on this machine (1.27 to 1.33)
 * against one `./skiff server`: version, api-resources, create -f, get (table and YAML),
 * apply twice, patch, label, scale, get -w and delete. Old clients ask only for aggregated
 * discovery v2beta1 and send JSON bodies; 1.32+ send protobuf from `kubectl create`.
 * The binaries sit beside the target of the `kubectl` dispatcher on PATH; each version gets
 * its own discovery cache dir (inside the server's data dir, removed by stop()).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { API_SERVER_ONLY, startSkiffServer, type RunResult, type SkiffServer } from './harness.ts';

const VERSIONS = [27, 28, 29, 30, 31, 32, 33];

/** Directory of the versioned binaries (kubectl.1.27 ...), next to the dispatcher's target. */
function binDir(): string {
  const onPath = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  return dirname(realpathSync(onPath));
}

describe('kubectl 1.27 to 1.33 against one skiff server', { concurrency: 3 }, () => {
  let s: SkiffServer;
  const dir = binDir();
  before(async () => {
    s = await startSkiffServer([...API_SERVER_ONLY]);
  });
  after(async () => {
    await s.stop();
  });

  for (const minor of VERSIONS) {
    const bin = join(dir, `kubectl.1.${String(minor)}`);
    it(
      `kubectl 1.${String(minor)}`,
      { skip: !existsSync(bin) && `${bin} is missing` },
      async () => {
        const args = (a: string[]): string[] => [
          '--kubeconfig',
          s.kubeconfig,
          '--cache-dir',
          join(s.dataDir, `cache-1.${String(minor)}`),
          ...a,
        ];
        const run = (a: string[], input?: string): Promise<RunResult> =>
          new Promise((resolve) => {
            const child = execFile(bin, args(a), { timeout: 60_000 }, (err, stdout, stderr) => {
              const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
              resolve({ code, stdout, stderr });
            });
            if (input !== undefined) child.stdin?.end(input);
          });
        const ok = async (a: string[], input?: string): Promise<string> => {
          const r = await run(a, input);
          assert.equal(r.code, 0, `kubectl 1.${String(minor)} ${a.join(' ')}: ${r.stderr}`);
          return r.stdout;
        };
        const n = `v1-${String(minor)}`;

        const version = JSON.parse(await ok(['version', '-o', 'json'])) as {
          clientVersion: { minor: string };
          serverVersion: { minor: string };
        };
        assert.equal(version.clientVersion.minor, String(minor));
        assert.equal(version.serverVersion.minor, '32');

        const resources = await ok(['api-resources']);
        assert.match(resources, /^pods\s+po\s+v1\s+true\s+Pod$/m);
        assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
        assert.match(
          resources,
          /^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole$/m,
        );

        assert.equal(await ok(['create', 'namespace', n]), `namespace/${n} created\n`);
        const manifest = (replicas: number, extraLabel: boolean): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data: {a: "1"${extraLabel ? ', b: "2"' : ''}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web${extraLabel ? ', extra: "yes"' : ''}}
spec:
  replicas: ${String(replicas)}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27}]
`;
        assert.equal(
          await ok(['create', '-n', n, '-f', '-'], manifest(1, true)),
          'configmap/cfg created\ndeployment.apps/web created\n',
        );

        const table = await ok(['get', 'cm,deploy', '-n', n]);
        assert.match(table, /^configmap\/cfg\s+2\s+\d+s$/m);
        assert.match(table, /^deployment\.apps\/web\s+0\/1\s+0\s+0\s+\d+s$/m);

        const yaml = await ok(['get', 'deploy', 'web', '-n', n, '-o', 'yaml']);
        assert.match(yaml, /^kind: Deployment$/m);
        assert.match(yaml, /^ {4}type: RollingUpdate$/m);
        assert.match(yaml, /^ {2}revisionHistoryLimit: 10$/m);

        // Created without the last-applied annotation: the first apply warns and patches.
        const first = await run(['apply', '-n', n, '-f', '-'], manifest(1, false));
        assert.equal(first.code, 0, first.stderr);
        assert.equal(first.stdout, 'configmap/cfg configured\ndeployment.apps/web configured\n');
        assert.match(
          first.stderr,
          /missing the kubectl\.kubernetes\.io\/last-applied-configuration/,
        );
        assert.equal(
          await ok(['apply', '-n', n, '-f', '-'], manifest(1, true)),
          'configmap/cfg configured\ndeployment.apps/web configured\n',
        );
        assert.equal(
          await ok(['apply', '-n', n, '-f', '-'], manifest(1, false)),
          'configmap/cfg configured\ndeployment.apps/web configured\n',
        );
        const applied = JSON.parse(
          await ok(['get', 'cm/cfg', 'deploy/web', '-n', n, '-o', 'json']),
        ) as {
          items: { data?: Record<string, string>; metadata: { labels?: Record<string, string> } }[];
        };
        assert.deepEqual(applied.items[0]?.data, { a: '1' });
        assert.deepEqual(applied.items[1]?.metadata.labels, { app: 'web' });

        assert.equal(
          await ok(['patch', 'deploy', 'web', '-n', n, '-p', '{"spec":{"minReadySeconds":5}}']),
          'deployment.apps/web patched\n',
        );
        assert.equal(
          await ok(['label', 'deploy', 'web', '-n', n, `client=v${String(minor)}`]),
          'deployment.apps/web labeled\n',
        );
        assert.equal(
          await ok(['scale', 'deploy', 'web', '-n', n, '--replicas=3']),
          'deployment.apps/web scaled\n',
        );
        const d = JSON.parse(await ok(['get', 'deploy', 'web', '-n', n, '-o', 'json'])) as {
          metadata: { labels: Record<string, string> };
          spec: { replicas: number; minReadySeconds: number };
        };
        assert.equal(d.spec.replicas, 3);
        assert.equal(d.spec.minReadySeconds, 5);
        assert.equal(d.metadata.labels['client'], `v${String(minor)}`);

        // get -w: the initial row, then a change made by another client.
        const child = spawn(bin, args(['get', 'cm', '-n', n, '-w']));
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        try {
          await until(() => /^cfg\s+1\s+/m.test(out), 20_000);
          await ok(['create', 'configmap', 'watched', '-n', n, '--from-literal=x=1']);
          await until(() => /^watched\s+1\s+/m.test(out), 20_000);
        } finally {
          child.kill('SIGTERM');
        }

        assert.equal(
          await ok(['delete', '-n', n, '-f', '-'], manifest(1, false)),
          'configmap "cfg" deleted\ndeployment.apps "web" deleted\n',
        );
        assert.equal(await ok(['delete', 'namespace', n]), `namespace "${n}" deleted\n`);
        const gone = await run(['get', 'namespace', n]);
        assert.equal(gone.code, 1);
        assert.match(gone.stderr, /NotFound/);
      },
    );
  }
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
