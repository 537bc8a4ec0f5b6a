/**
 * The controller-manager, the scheduler and simulated nodes, driven by the real kubectl against
 * `./skiff server --simulated-nodes 3` (the components `skiff up` runs): deployments roll out,
 * roll back, scale and restart; services get endpoints and slices; jobs complete; cronjobs make
 * jobs; deletes cascade; namespaces go; the scheduler places and explains.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from './harness.ts';

describe('controllers, scheduler and simulated nodes with kubectl', () => {
  let s: SkiffServer;
  before(async () => {
    // A shorter node monitor grace period than upstream's 50 s keeps the stopped-node test short
    // (the default itself is unit-tested in the node lifecycle controller).
    s = await startSkiffServer(['--simulated-nodes', '3', '--node-monitor-grace-period', '20s']);
  });
  after(async () => {
    await s.stop();
  });

  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const until = async (what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  it('registers the simulated nodes as Ready', async () => {
    await until('three Ready nodes', async () => {
      const out = await ok(['get', 'nodes', '--no-headers']);
      return (
        out
          .trim()
          .split('\n')
          .filter((l) => / Ready /.test(l)).length === 3
      );
    });
    assert.match(await ok(['get', 'nodes', '-o', 'name']), /node\/sim-node-0\n/);
  });

  it('rolls a deployment out, updates, rolls back, scales and restarts it', async () => {
    await ok(['create', 'namespace', 'roll']);
    await ok(['create', 'deployment', 'web', '-n', 'roll', '--image=nginx:1', '--replicas=3']);
    assert.match(
      await ok(['rollout', 'status', 'deploy/web', '-n', 'roll', '--timeout=60s']),
      /deployment "web" successfully rolled out/,
    );
    const pods = await ok([
      'get',
      'pods',
      '-n',
      'roll',
      '-o',
      'jsonpath={.items[*].spec.nodeName}',
    ]);
    assert.equal(pods.split(' ').length, 3);
    assert.ok(
      pods.split(' ').every((n) => n.startsWith('sim-node-')),
      pods,
    );

    await ok(['set', 'image', 'deploy/web', 'nginx=nginx:2', '-n', 'roll']);
    await ok(['rollout', 'status', 'deploy/web', '-n', 'roll', '--timeout=60s']);
    assert.match(
      await ok(['rollout', 'history', 'deploy/web', '-n', 'roll']),
      /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
    );
    await ok(['rollout', 'undo', 'deploy/web', '-n', 'roll']);
    await ok(['rollout', 'status', 'deploy/web', '-n', 'roll', '--timeout=60s']);
    assert.equal(
      await ok([
        'get',
        'deploy/web',
        '-n',
        'roll',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ]),
      'nginx:1',
    );
    assert.equal(
      await ok([
        'get',
        'deploy/web',
        '-n',
        'roll',
        '-o',
        'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
      ]),
      '3',
    );

    await ok(['scale', 'deploy/web', '-n', 'roll', '--replicas=5']);
    await ok(['rollout', 'status', 'deploy/web', '-n', 'roll', '--timeout=60s']);
    await until('5 running pods', async () => {
      const out = await ok([
        'get',
        'pods',
        '-n',
        'roll',
        '--field-selector=status.phase=Running',
        '-o',
        'name',
      ]);
      return out.trim().split('\n').filter(Boolean).length === 5;
    });

    await ok(['rollout', 'restart', 'deploy/web', '-n', 'roll']);
    await ok(['rollout', 'status', 'deploy/web', '-n', 'roll', '--timeout=60s']);
    const events = await ok([
      'get',
      'events',
      '-n',
      'roll',
      '--field-selector=reason=ScalingReplicaSet',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    assert.match(events, /Scaled up replica set web-[a-z0-9]+ from 0 to 3/);
  });

  it('fills endpoints and endpoint slices from ready pods', async () => {
    await ok(['create', 'namespace', 'svc']);
    await ok([
      'create',
      'deployment',
      'api',
      '-n',
      'svc',
      '--image=nginx',
      '--replicas=2',
      '--port=8080',
    ]);
    await ok(['expose', 'deploy/api', '-n', 'svc', '--port=80', '--target-port=8080']);
    await ok(['rollout', 'status', 'deploy/api', '-n', 'svc', '--timeout=60s']);
    await until('two endpoint addresses', async () => {
      const ips = await ok([
        'get',
        'endpoints',
        'api',
        '-n',
        'svc',
        '-o',
        'jsonpath={.subsets[*].addresses[*].ip}',
      ]);
      return ips.trim().split(' ').filter(Boolean).length === 2;
    });
    const slice = JSON.parse(
      await ok([
        'get',
        'endpointslices',
        '-n',
        'svc',
        '-l',
        'kubernetes.io/service-name=api',
        '-o',
        'json',
      ]),
    ) as {
      items: {
        endpoints: { addresses: string[]; conditions: { ready: boolean } }[];
        ports: { port: number }[];
      }[];
    };
    assert.equal(slice.items.length, 1);
    const [only] = slice.items;
    assert.ok(only);
    assert.equal(only.endpoints.length, 2);
    assert.ok(only.endpoints.every((e) => e.conditions.ready));
    assert.equal(only.ports[0]?.port, 8080);
  });

  it('runs a stateful set in order, a daemon set on every node, and a disruption budget', async () => {
    await ok(['create', 'namespace', 'apps']);
    await ok(
      ['apply', '-n', 'apps', '-f', '-'],
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: postgres}]}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: c, image: busybox}]}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec: {minAvailable: 2, selector: {matchLabels: {app: db}}}
`,
    );
    await ok(['rollout', 'status', 'sts/db', '-n', 'apps', '--timeout=60s']);
    await ok(['rollout', 'status', 'ds/agent', '-n', 'apps', '--timeout=60s']);
    assert.equal(
      await ok([
        'get',
        'pods',
        '-n',
        'apps',
        '-l',
        'app=db',
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ]),
      'db-0 db-1 db-2',
    );
    const agents = await ok([
      'get',
      'pods',
      '-n',
      'apps',
      '-l',
      'app=agent',
      '-o',
      'jsonpath={.items[*].spec.nodeName}',
    ]);
    assert.deepEqual(agents.split(' ').sort(), ['sim-node-0', 'sim-node-1', 'sim-node-2']);
    await until(
      'the budget to allow one disruption',
      async () =>
        (await ok([
          'get',
          'pdb/db',
          '-n',
          'apps',
          '-o',
          'jsonpath={.status.disruptionsAllowed}',
        ])) === '1',
    );
  });

  it('runs a job to completion, and a cronjob through create job --from', async () => {
    await ok(['create', 'namespace', 'batch']);
    await ok(['create', 'job', 'once', '-n', 'batch', '--image=busybox']);
    await ok(['wait', '--for=condition=complete', 'job/once', '-n', 'batch', '--timeout=60s']);
    assert.equal(
      await ok(['get', 'job/once', '-n', 'batch', '-o', 'jsonpath={.status.succeeded}']),
      '1',
    );
    await ok([
      'create',
      'cronjob',
      'tick',
      '-n',
      'batch',
      '--image=busybox',
      '--schedule=*/5 * * * *',
    ]);
    await ok(['create', 'job', 'manual', '-n', 'batch', '--from=cronjob/tick']);
    await ok(['wait', '--for=condition=complete', 'job/manual', '-n', 'batch', '--timeout=60s']);
  });

  it('cascades deletes (background, foreground, orphan) and deletes a namespace with its content', async () => {
    await ok(['create', 'namespace', 'gc']);
    for (const name of ['bg', 'fg', 'or']) {
      await ok(['create', 'deployment', name, '-n', 'gc', '--image=nginx']);
    }
    await until('three replica sets', async () => {
      const out = await ok(['get', 'rs', '-n', 'gc', '-o', 'name']);
      return out.trim().split('\n').filter(Boolean).length === 3;
    });
    await ok(['delete', 'deploy/fg', '-n', 'gc', '--cascade=foreground']);
    await ok(['delete', 'deploy/or', '-n', 'gc', '--cascade=orphan']);
    await ok(['delete', 'deploy/bg', '-n', 'gc']);
    await until('only the orphaned replica set left', async () => {
      const out = await ok(['get', 'rs', '-n', 'gc', '-o', 'name']);
      return /^replicaset\.apps\/or-[a-z0-9]+\n$/.test(out);
    });
    await ok(['delete', 'namespace', 'gc', '--timeout=60s']);
    const gone = await s.kubectl(['get', 'namespace', 'gc']);
    assert.match(gone.stderr, /namespaces "gc" not found/);
  });

  it('marks a stopped node unreachable, evicts its pods and recreates them elsewhere', async () => {
    await ok(['create', 'namespace', 'evict']);
    await ok(
      ['apply', '-n', 'evict', '-f', '-'],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: mover}
spec:
  replicas: 2
  selector: {matchLabels: {app: mover}}
  template:
    metadata: {labels: {app: mover}}
    spec:
      containers: [{name: c, image: nginx}]
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 1}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 1}
`,
    );
    await ok(['rollout', 'status', 'deploy/mover', '-n', 'evict', '--timeout=60s']);
    // Nodes of the running pods that are not being deleted (an evicted pod on a stopped node
    // stays Terminating, as upstream, until its kubelet comes back).
    const placed = async (): Promise<string[]> => {
      const list = JSON.parse(await ok(['get', 'pods', '-n', 'evict', '-o', 'json'])) as {
        items: {
          metadata: { deletionTimestamp?: string };
          spec: { nodeName?: string };
          status: { phase?: string };
        }[];
      };
      return list.items
        .filter((p) => p.metadata.deletionTimestamp === undefined && p.status.phase === 'Running')
        .map((p) => p.spec.nodeName ?? '');
    };
    const victim = (await placed())[0] ?? '';
    assert.match(victim, /^sim-node-/);
    // Stop the node's (simulated) kubelet: no more lease renewals.
    await ok(['annotate', 'node', victim, 'skiff.dev/simulated-stopped=true']);
    await until(
      'the node to be marked unreachable',
      async () =>
        (await ok([
          'get',
          'node',
          victim,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.taints[*].key}',
        ])) === 'Unknown node.kubernetes.io/unreachable node.kubernetes.io/unreachable',
      90_000,
    );
    await until(
      'two pods running away from the stopped node',
      async () => {
        const nodes = await placed();
        return nodes.length === 2 && !nodes.includes(victim);
      },
      60_000,
    );
    await ok(['annotate', 'node', victim, 'skiff.dev/simulated-stopped-']);
    await until(
      'the node to be Ready again, untainted',
      async () =>
        (await ok([
          'get',
          'node',
          victim,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.taints}',
        ])) === 'True ',
      60_000,
    );
  });

  it('explains an unschedulable pod as upstream does', async () => {
    await ok(['create', 'namespace', 'sched']);
    await ok(
      ['create', '-n', 'sched', '-f', '-'],
      'apiVersion: v1\nkind: Pod\nmetadata: {name: huge}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: "1000"}}}]}\n',
    );
    await until('a FailedScheduling event', async () =>
      (await ok(['get', 'events', '-n', 'sched', '-o', 'jsonpath={.items[*].reason}'])).includes(
        'FailedScheduling',
      ),
    );
    assert.match(
      await ok(['describe', 'pod', 'huge', '-n', 'sched']),
      /0\/3 nodes are available: 3 Insufficient cpu\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\./,
    );
    assert.equal(
      await ok([
        'get',
        'pod',
        'huge',
        '-n',
        'sched',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}',
      ]),
      'Unschedulable',
    );
  });
});
