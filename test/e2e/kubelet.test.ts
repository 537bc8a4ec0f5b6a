/**
 * `./skiff up` makes this machine a node that runs real containers (runc, an image imported
 * with `skiff image import`, the CNI bridge), driven by the real kubectl: run a pod and read its
 * logs; exec with an exit code and stdin; port-forward to a busybox httpd; cp; a crashing
 * container backs off; a Job completes; a Deployment's pods all run; a configMap volume is
 * updated in place; `kubectl top` reads the node's cgroup stats; a failing liveness probe
 * restarts the container; readiness gates the Service's endpoints; a memory hog is OOMKilled;
 * a graceful delete runs preStop. Needs root and the Debian tools (runc, umoci,
 * busybox-static, socat); skipped with the reason otherwise. The node listens on 127.0.0.1 and
 * a free port; every pod is deleted, and the bridge and cgroups this test made are removed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import type { RunResult } from './harness.ts';
import { nodeTestSkipReason, runTool, startUpNode, type UpNode } from './node-host.ts';

const IMAGE = 'skiff.test/busybox:busybox';

const skip = nodeTestSkipReason();
const run = runTool;

describe('skiff up: this machine as a node with real containers', { skip }, () => {
  let node: UpNode | undefined;
  const up = (): UpNode => node ?? assert.fail('the node did not start');
  const kubectl = (args: string[], input?: string): Promise<RunResult> => up().kubectl(args, input);
  const ok = (args: string[], input?: string): Promise<string> => up().ok(args, input);
  const until = (what: string, cond: () => Promise<boolean>, ms?: number): Promise<void> =>
    up().until(what, cond, ms);
  const podField = async (pod: string, path: string): Promise<string> =>
    (await kubectl(['get', 'pod', pod, '-o', `jsonpath={${path}}`])).stdout;

  before(async () => {
    node = await startUpNode('skiff-e2e-kubelet-');
  });

  after(async () => {
    await node?.stop('deployments,jobs,pods,configmaps,services');
  });

  it('registers the node with real capacity and the control-plane role', async () => {
    const out = await ok(['get', 'nodes', '-o', 'wide']);
    assert.match(out, /Ready\s+control-plane,master/);
    assert.match(out, /runc:\/\//);
    const pods = await ok(['get', 'nodes', '-o', 'jsonpath={.items[0].status.allocatable.pods}']);
    assert.equal(pods, '110');
  });

  it('runs a pod from an imported image and shows its logs', async () => {
    await ok([
      'run',
      'bb',
      `--image=${IMAGE}`,
      '--image-pull-policy=Never',
      '--restart=Never',
      '--',
      'sh',
      '-c',
      'echo hello from skiff; sleep 3600',
    ]);
    await ok(['wait', '--for=condition=Ready', 'pod/bb', '--timeout=60s']);
    assert.match(await podField('bb', '.status.podIP'), /^10\.42\.0\.\d+$/);
    assert.equal(await ok(['logs', 'bb']), 'hello from skiff\n');
  });

  it('execs with the exit code and stdin', async () => {
    const r = await kubectl(['exec', 'bb', '--', 'sh', '-c', 'echo in-exec; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'in-exec\n');
    assert.equal(await ok(['exec', '-i', 'bb', '--', 'cat'], 'through stdin\n'), 'through stdin\n');
  });

  it('copies a file out of the container (kubectl cp)', async () => {
    const dest = join(up().work, 'motd-copy');
    await ok(['cp', 'bb:/www/index.html', dest]);
    const r = await run('cat', [dest]);
    assert.equal(r.stdout, '<h1>hello</h1>\n');
  });

  it('port-forwards to a busybox httpd', async () => {
    await ok([
      'run',
      'web',
      `--image=${IMAGE}`,
      '--image-pull-policy=Never',
      '--',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '8080',
      '-h',
      '/www',
    ]);
    await ok(['wait', '--for=condition=Ready', 'pod/web', '--timeout=60s']);
    const pf = spawn(
      'kubectl',
      [
        '--kubeconfig',
        up().server.kubeconfig,
        'port-forward',
        'pod/web',
        ':8080',
        '--address',
        '127.0.0.1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        pf.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
          if (m !== null) resolve(Number(m[1]));
        });
        pf.once('exit', (code) => {
          reject(new Error(`kubectl port-forward exited with ${String(code)}: ${out}`));
        });
      });
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/index.html' }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => {
            resolve(b);
          });
        })
          .on('error', reject)
          .end();
      });
      assert.equal(body, '<h1>hello</h1>\n');
    } finally {
      pf.kill('SIGTERM');
    }
  });

  it('backs off a crashing container', async () => {
    await ok([
      'run',
      'crash',
      `--image=${IMAGE}`,
      '--image-pull-policy=Never',
      '--',
      'sh',
      '-c',
      'echo crashing; exit 2',
    ]);
    await until(
      'CrashLoopBackOff',
      async () =>
        (await podField('crash', '.status.containerStatuses[0].state.waiting.reason')) ===
        'CrashLoopBackOff',
    );
    assert.equal(
      await podField('crash', '.status.containerStatuses[0].lastState.terminated.exitCode'),
      '2',
    );
    assert.match(await ok(['logs', 'crash', '--previous']), /crashing/);
  });

  it('runs a Job to completion', async () => {
    await ok(['create', 'job', 'once', `--image=${IMAGE}`, '--', 'sh', '-c', 'echo done']);
    await ok(['wait', '--for=condition=Complete', 'job/once', '--timeout=90s']);
    assert.equal(await ok(['logs', 'job/once']), 'done\n');
  });

  it('runs every pod of a Deployment', async () => {
    await ok([
      'create',
      'deployment',
      'fleet',
      `--image=${IMAGE}`,
      '--replicas=5',
      '--',
      'sleep',
      '3600',
    ]);
    await ok(['rollout', 'status', 'deployment/fleet', '--timeout=120s']);
    const phases = await ok([
      'get',
      'pods',
      '-l',
      'app=fleet',
      '-o',
      'jsonpath={.items[*].status.phase}',
    ]);
    assert.deepEqual(phases.split(' '), ['Running', 'Running', 'Running', 'Running', 'Running']);
  });

  it('updates a configMap volume in place', async () => {
    await ok(['create', 'configmap', 'settings', '--from-literal=greeting=one']);
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'reader' },
        spec: {
          containers: [
            {
              name: 'c',
              image: IMAGE,
              imagePullPolicy: 'Never',
              command: ['sleep', '3600'],
              volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }],
            },
          ],
          volumes: [{ name: 'cfg', configMap: { name: 'settings' } }],
        },
      }),
    );
    await ok(['wait', '--for=condition=Ready', 'pod/reader', '--timeout=60s']);
    assert.equal(await ok(['exec', 'reader', '--', 'cat', '/cfg/greeting']), 'one');
    await ok([
      'create',
      'configmap',
      'settings',
      '--from-literal=greeting=two',
      '--dry-run=client',
      '-o',
      'yaml',
    ]).then((yaml) => ok(['replace', '-f', '-'], yaml));
    await until(
      'the volume to show the new value',
      async () =>
        (await kubectl(['exec', 'reader', '--', 'cat', '/cfg/greeting'])).stdout === 'two',
      90_000,
    );
  });

  it("shows resource usage (kubectl top) from the kubelet's cgroup stats", async () => {
    // metrics.k8s.io needs two scrapes (15 s apart) for a CPU rate.
    await until(
      'kubectl top pod to answer',
      async () => (await kubectl(['top', 'pod', 'bb', '--no-headers'])).code === 0,
      90_000,
    );
    assert.match(await ok(['top', 'pod', 'bb', '--no-headers']), /^bb\s+\d+m\s+\d+Mi\s*$/m);
    assert.match(await ok(['top', 'node', '--no-headers']), /\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  it('restarts a container whose liveness probe fails', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'alive' },
        spec: {
          // The restart stops the container with the grace period first (sleep ignores TERM).
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'c',
              image: IMAGE,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', 'echo ok > /tmp/ok; exec sleep 3600'],
              livenessProbe: {
                exec: { command: ['cat', '/tmp/ok'] },
                periodSeconds: 1,
                failureThreshold: 1,
              },
            },
          ],
        },
      }),
    );
    await ok(['wait', '--for=condition=Ready', 'pod/alive', '--timeout=60s']);
    await ok(['exec', 'alive', '--', 'busybox', 'rm', '/tmp/ok']);
    await until(
      'the liveness restart',
      async () => Number(await podField('alive', '.status.containerStatuses[0].restartCount')) >= 1,
    );
    const events = await ok(['get', 'events', '--field-selector', 'involvedObject.name=alive']);
    assert.match(events, /Unhealthy/);
    assert.match(events, /failed liveness probe, will be restarted/);
  });

  it('puts a pod behind its Service only once the readiness probe passes', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'gate' },
            spec: { selector: { app: 'gate' }, ports: [{ port: 80, targetPort: 8080 }] },
          },
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'gate', labels: { app: 'gate' } },
            spec: {
              containers: [
                {
                  name: 'c',
                  image: IMAGE,
                  imagePullPolicy: 'Never',
                  command: ['sleep', '3600'],
                  readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
                },
              ],
            },
          },
        ],
      }),
    );
    await until(
      'the pod to run (not ready)',
      async () => (await podField('gate', '.status.phase')) === 'Running',
    );
    const endpoints = async (path: string): Promise<string> =>
      (await kubectl(['get', 'endpoints', 'gate', '-o', `jsonpath={${path}}`])).stdout;
    await until(
      'a not-ready endpoint',
      async () => (await endpoints('.subsets[0].notReadyAddresses[0].ip')) !== '',
    );
    assert.equal(await endpoints('.subsets[0].addresses[0].ip'), '');
    await ok(['exec', 'gate', '--', 'busybox', 'touch', '/tmp/ready']);
    const ip = await podField('gate', '.status.podIP');
    await until(
      'a ready endpoint',
      async () => (await endpoints('.subsets[0].addresses[0].ip')) === ip,
    );
  });

  it('reports OOMKilled for a container over its memory limit', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'hog' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'c',
              image: IMAGE,
              imagePullPolicy: 'Never',
              // The shell keeps 200 MB of "a" in a variable: far over the 32Mi limit.
              command: [
                'sh',
                '-c',
                'x=$(busybox head -c 200000000 /dev/zero | busybox tr "\\0" a); echo survived',
              ],
              resources: { limits: { memory: '32Mi' } },
            },
          ],
        },
      }),
    );
    await until(
      'the OOM kill',
      async () =>
        (await podField('hog', '.status.containerStatuses[0].state.terminated.reason')) ===
        'OOMKilled',
      90_000,
    );
    assert.equal(await podField('hog', '.status.phase'), 'Failed');
    assert.equal(
      await podField('hog', '.status.containerStatuses[0].state.terminated.exitCode'),
      '137',
    );
  });

  it('honours preStop on a graceful delete', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'stopper' },
        spec: {
          terminationGracePeriodSeconds: 20,
          containers: [
            {
              name: 'c',
              image: IMAGE,
              imagePullPolicy: 'Never',
              command: [
                'sh',
                '-c',
                'trap "echo got TERM; exit 0" TERM; while true; do sleep 1; done',
              ],
              volumeMounts: [{ name: 'out', mountPath: '/out' }],
              lifecycle: {
                preStop: { exec: { command: ['sh', '-c', 'echo prestop > /out/mark'] } },
              },
            },
          ],
          volumes: [
            {
              name: 'out',
              hostPath: { path: join(up().work, 'prestop'), type: 'DirectoryOrCreate' },
            },
          ],
        },
      }),
    );
    await ok(['wait', '--for=condition=Ready', 'pod/stopper', '--timeout=60s']);
    const t0 = Date.now();
    await ok(['delete', 'pod', 'stopper', '--wait=true', '--timeout=60s']);
    // The container handled SIGTERM: well within the grace period.
    assert.ok(Date.now() - t0 < 15_000, `delete took ${String(Date.now() - t0)} ms`);
    const mark = await run('cat', [join(up().work, 'prestop', 'mark')]);
    assert.equal(mark.stdout, 'prestop\n');
  });
});
