/**
 * Issue 3's kubectl command list (kubectl-wire.md §8) with the real kubectl 1.32 against one
 * `./skiff server`: every get output format and flag, describe, create -f, apply, patch,
 * label/annotate, replace, edit, delete (selectors, cascade, grace, wait), scale, wait, diff,
 * discovery commands, every `kubectl create <generator>`, dry-run and namespace deletion.
 * Each test works in its own namespace (or with unique cluster-scoped names), so the tests
 * run concurrently against the shared server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { API_SERVER_ONLY, startSkiffServer, type RunResult, type SkiffServer } from './harness.ts';

describe('kubectl 1.32 commands against skiff server', { concurrency: 4 }, () => {
  let s: SkiffServer;
  before(async () => {
    s = await startSkiffServer([...API_SERVER_ONLY]);
    // Warm the discovery cache once instead of in every concurrent test.
    await ok(['api-resources']);
  });
  after(async () => {
    await s.stop();
  });

  const run = (
    args: string[],
    opts: { input?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> => s.kubectl(args, opts);

  const ok = async (
    args: string[],
    opts: { input?: string; env?: Record<string, string> } = {},
  ): Promise<string> => {
    const r = await run(args, opts);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${String(r.code)}): ${r.stderr}`);
    return r.stdout;
  };

  const json = async <T>(args: string[]): Promise<T> =>
    JSON.parse(await ok([...args, '-o', 'json'])) as T;

  /**
   * Creates a namespace for one test and waits for what every namespace holds (the root CA
   * ConfigMap `kube-root-ca.crt` and the `default` ServiceAccount), as tests on a real cluster do.
   */
  const ns = async (name: string): Promise<string> => {
    assert.match(await ok(['create', 'namespace', name]), new RegExp(`namespace/${name} created`));
    await until(async () => {
      const r = await run(['get', 'cm/kube-root-ca.crt', 'sa/default', '-n', name, '-o', 'name']);
      return r.code === 0;
    }, 15_000);
    return name;
  };

  const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = {}) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

  /** `kubectl ... -w` in the background; stop() kills it (by its own PID). */
  const watch = (args: string[]): { output: () => string; stop: () => void } => {
    const child = spawn('kubectl', [
      '--kubeconfig',
      s.kubeconfig,
      '--cache-dir',
      join(s.dataDir, 'kube-cache'),
      ...args,
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return {
      output: () => out,
      stop: () => {
        child.kill('SIGTERM');
      },
    };
  };

  it('reports version, api-versions, api-resources and cluster-info', async () => {
    const v = JSON.parse(await ok(['version', '-o', 'json'])) as {
      serverVersion: { major: string; minor: string; gitVersion: string };
    };
    assert.equal(v.serverVersion.major, '1');
    assert.equal(v.serverVersion.minor, '32');
    assert.match(v.serverVersion.gitVersion, /^v1\.32\./);

    const versions = (await ok(['api-versions'])).trim().split('\n');
    for (const gv of ['v1', 'apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'policy/v1']) {
      assert.ok(versions.includes(gv), `api-versions lacks ${gv}`);
    }
    assert.deepEqual([...versions].sort(), versions, 'api-versions is sorted');

    const namespaced = await ok(['api-resources', '--namespaced=true']);
    assert.match(namespaced, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
    assert.doesNotMatch(namespaced, /^namespaces\s/m);
    const cluster = await ok(['api-resources', '--namespaced=false']);
    assert.match(cluster, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    assert.match(
      cluster,
      /^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole$/m,
    );
    assert.doesNotMatch(cluster, /^pods\s/m);

    const listable = await ok(['api-resources', '--verbs=list', '-o', 'name']);
    assert.match(listable, /^pods$/m);
    assert.match(listable, /^deployments\.apps$/m);
    assert.doesNotMatch(listable, /^bindings$/m, 'bindings are create-only');

    const wide = await ok(['api-resources', '-o', 'wide']);
    assert.match(
      wide,
      /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s+VERBS\s+CATEGORIES$/m,
    );
    assert.match(
      wide,
      /^pods\s+po\s+v1\s+true\s+Pod\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m,
    );

    const info = await ok(['cluster-info']);
    assert.match(info, /Kubernetes control plane is running at https:\/\/127\.0\.0\.1:\d+/);
  });

  it('prints every get output format', async () => {
    const n = await ns('fmt');
    await ok(['create', '-n', n, '-f', '-'], {
      input: `${cm('one', { a: '1' }, { app: 'x' })}\n${cm('two', { a: '2', b: '3' })}`,
    });
    const table = await ok(['get', 'cm', '-n', n]);
    assert.match(table, /^NAME\s+DATA\s+AGE$/m);
    assert.match(table, /^one\s+1\s+\d+s$/m);
    assert.match(table, /^two\s+2\s+\d+s$/m);

    await ok(['create', 'deployment', 'web', '-n', n, '--image=nginx:1.27', '--replicas=2']);
    const wide = await ok(['get', 'deploy', '-n', n, '-o', 'wide']);
    assert.match(
      wide,
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m,
    );
    assert.match(wide, /^web\s+0\/2\s+0\s+0\s+\d+s\s+nginx\s+nginx:1\.27\s+app=web$/m);

    const list = await json<{ kind: string; items: { metadata: { name: string } }[] }>([
      'get',
      'cm',
      '-n',
      n,
    ]);
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['kube-root-ca.crt', 'one', 'two'],
    );

    const yaml = await ok(['get', 'cm', 'one', '-n', n, '-o', 'yaml']);
    assert.match(yaml, /^apiVersion: v1$/m);
    assert.match(yaml, /^kind: ConfigMap$/m);
    assert.match(yaml, /^ {2}a: "1"$/m);
    assert.match(yaml, /^ {2}resourceVersion: "\d+"$/m);
    assert.match(yaml, /^ {2}uid: [0-9a-f-]{36}$/m);

    assert.equal(
      await ok(['get', 'cm', '-n', n, '-o', 'name']),
      'configmap/kube-root-ca.crt\nconfigmap/one\nconfigmap/two\n',
    );
    assert.equal(
      await ok([
        'get',
        'cm',
        '-n',
        n,
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.data.a};{end}',
      ]),
      'kube-root-ca.crt=;one=1;two=2;',
    );
    const cc = await ok([
      'get',
      'cm',
      '-n',
      n,
      '-o',
      'custom-columns=NAME:.metadata.name,B:.data.b,APP:.metadata.labels.app',
    ]);
    assert.match(cc, /^NAME\s+B\s+APP$/m);
    assert.match(cc, /^one\s+<none>\s+x$/m);
    assert.match(cc, /^two\s+3\s+<none>$/m);
    assert.equal(await ok(['get', 'cm', 'two', '-n', n, '-o', 'go-template={{.data.b}}']), '3');
  });

  it('filters and decorates get: -A, -l, --field-selector, --sort-by, --show-labels, -L', async () => {
    const a = await ns('filter-a');
    const b = await ns('filter-b');
    await ok(['create', '-n', a, '-f', '-'], {
      input: `${cm('zeta', { k: 'v' }, { tier: 'web', team: 'red' })}\n${cm('alpha', {}, { tier: 'db' })}`,
    });
    await ok(['create', '-n', b, '-f', '-'], {
      input: cm('mid', { k: 'v', l: 'w' }, { tier: 'web' }),
    });

    const all = await ok(['get', 'cm', '-A', '-l', 'tier']);
    assert.match(all, /^NAMESPACE\s+NAME\s+DATA\s+AGE$/m);
    assert.match(all, /^filter-a\s+zeta\s+1\s+/m);
    assert.match(all, /^filter-b\s+mid\s+2\s+/m);

    assert.equal(
      await ok(['get', 'cm', '-A', '-l', 'tier=web', '-o', 'name']),
      'configmap/zeta\nconfigmap/mid\n',
    );
    assert.equal(
      await ok(['get', 'cm', '-n', a, '-l', 'tier in (db),!team', '-o', 'name']),
      'configmap/alpha\n',
    );
    assert.equal(
      await ok(['get', 'cm', '-n', a, '-l', 'tier!=db', '-o', 'name']),
      'configmap/kube-root-ca.crt\nconfigmap/zeta\n',
    );
    assert.equal(
      await ok(['get', 'cm', '-A', '--field-selector', `metadata.namespace=${b}`, '-o', 'name']),
      'configmap/kube-root-ca.crt\nconfigmap/mid\n',
    );
    assert.equal(
      await ok(['get', 'cm', '-n', a, '--field-selector', 'metadata.name!=zeta', '-o', 'name']),
      'configmap/alpha\nconfigmap/kube-root-ca.crt\n',
    );
    const badField = await run(['get', 'cm', '-n', a, '--field-selector', 'data.k=v']);
    assert.notEqual(badField.code, 0);
    assert.match(badField.stderr, /BadRequest.*field label not supported: data\.k/);

    // Table output with --sort-by (kubectl asks for the objects inside the Table).
    const sorted = await ok(['get', 'cm', '-A', '-l', 'tier', '--sort-by=.metadata.name']);
    const names = sorted
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(names, ['alpha', 'mid', 'zeta']);
    const byData = await ok([
      'get',
      'cm',
      '-A',
      '-l',
      'tier',
      '--sort-by=.metadata.labels.tier',
      '-o',
      'name',
    ]);
    assert.equal(byData.split('\n')[0], 'configmap/alpha');

    const labels = await ok(['get', 'cm', 'zeta', '-n', a, '--show-labels']);
    assert.match(labels, /^NAME\s+DATA\s+AGE\s+LABELS$/m);
    assert.match(labels, /^zeta\s+1\s+\d+s\s+team=red,tier=web$/m);
    const cols = await ok(['get', 'cm', '-n', a, '-L', 'tier,team']);
    assert.match(cols, /^NAME\s+DATA\s+AGE\s+TIER\s+TEAM$/m);
    assert.match(cols, /^alpha\s+0\s+\d+s\s+db\s*$/m);
    assert.match(cols, /^zeta\s+1\s+\d+s\s+web\s+red$/m);

    // Pods: the selectable fields beyond metadata.
    await ok(['run', 'p', '-n', a, '--image=nginx', '--labels=app=p']);
    assert.equal(
      await ok([
        'get',
        'pods',
        '-A',
        '--field-selector',
        'status.phase=Pending,spec.nodeName=',
        '-o',
        'name',
        '-l',
        'app=p',
      ]),
      'pod/p\n',
    );
    assert.equal(
      await ok(['get', 'pods', '-n', a, '--field-selector', 'status.phase=Running', '-o', 'name']),
      '',
    );
  });

  it('pages with --chunk-size=2 through more objects than the chunk', async () => {
    const n = await ns('chunks');
    const docs = Array.from({ length: 7 }, (_, i) => cm(`c${String(i)}`, { i: String(i) }));
    await ok(['create', '-n', n, '-f', '-'], { input: docs.join('\n') });
    const r = await run(['get', 'cm', '-n', n, '--chunk-size=2', '-v=6']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n');
    assert.match(rows[0] ?? '', /^NAME\s+DATA\s+AGE$/);
    assert.deepEqual(
      rows.slice(1).map((l) => l.split(/\s+/)[0]),
      ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'kube-root-ca.crt'],
    );
    const requests = r.stderr.split('\n').filter((l) => /GET https:\S+\/configmaps\?/.test(l));
    assert.equal(requests.length, 4, requests.join('\n'));
    assert.equal(requests.filter((l) => l.includes('continue=')).length, 3);
    for (const format of ['name', 'json']) {
      const out = await ok(['get', 'cm', '-n', n, '--chunk-size=2', '-o', format]);
      for (let i = 0; i < 7; i++) assert.match(out, new RegExp(`c${String(i)}`));
    }
    const allNs = await ok(['get', 'cm', '-A', '--chunk-size=2', '-o', 'name']);
    assert.equal(allNs.split('\n').filter((l) => /^configmap\/c\d$/.test(l)).length, 7);
  });

  it('streams ADDED, MODIFIED and DELETED rows with get -w', async () => {
    const n = await ns('watching');
    await ok(['create', 'configmap', 'before', '-n', n, '--from-literal=a=1']);
    const w = watch(['get', 'cm', '-n', n, '-w', '--output-watch-events']);
    let wj: ReturnType<typeof watch> | undefined;
    try {
      await until(() => /ADDED\s+before\s+1\s+/.test(w.output()), 15_000);
      await ok(['create', 'configmap', 'later', '-n', n, '--from-literal=a=1']);
      await until(() => /ADDED\s+later\s+1\s+/.test(w.output()), 15_000);
      // A watch of one object (it must exist when kubectl starts), printed as JSON.
      wj = watch(['get', 'cm', 'later', '-n', n, '-w', '-o', 'json']);
      const seen = (): number => (wj?.output().match(/"name": "later"/g) ?? []).length;
      await until(() => seen() >= 1, 15_000);
      await ok(['label', 'cm', 'later', '-n', n, 'x=y']);
      await until(() => /MODIFIED\s+later\s+1\s+/.test(w.output()), 15_000);
      await until(() => seen() >= 2, 15_000);
      await ok(['delete', 'cm', 'later', '-n', n]);
      await until(() => /DELETED\s+later\s+1\s+/.test(w.output()), 15_000);
      await until(() => seen() >= 3, 15_000);
      assert.match(w.output(), /^EVENT\s+NAME\s+DATA\s+AGE$/m);
      assert.match(wj.output(), /"x": "y"/);
      assert.doesNotMatch(wj.output(), /"name": "before"/, 'the watch is for one name');
    } finally {
      w.stop();
      wj?.stop();
    }
  });

  it('describes a pod, a deployment, a namespace and a configmap', async () => {
    const n = await ns('described');
    await ok(['run', 'web', '-n', n, '--image=nginx:1.27', '--port=80', '--labels=app=web']);
    const pod = await ok(['describe', 'pod', 'web', '-n', n]);
    assert.match(pod, /^Name:\s+web$/m);
    assert.match(pod, /^Namespace:\s+described$/m);
    assert.match(pod, /^Labels:\s+app=web$/m);
    assert.match(pod, /^Status:\s+Pending$/m);
    assert.match(pod, /^ {4}Image:\s+nginx:1\.27$/m);
    assert.match(pod, /^ {4}Port:\s+80\/TCP$/m);
    assert.match(pod, /^QoS Class:\s+BestEffort$/m);
    assert.match(pod, /^Events:\s+<none>$/m);

    await ok(['create', 'deployment', 'api', '-n', n, '--image=nginx', '--replicas=3']);
    const dep = await ok(['describe', 'deployment', 'api', '-n', n]);
    assert.match(dep, /^Selector:\s+app=api$/m);
    assert.match(
      dep,
      /^Replicas:\s+3 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m,
    );
    assert.match(dep, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(dep, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    assert.match(dep, /^ {3}nginx:$/m);

    await ok(['create', 'quota', 'q', '-n', n, '--hard=pods=5']);
    const nsOut = await ok(['describe', 'namespace', n]);
    assert.match(nsOut, /^Name:\s+described$/m);
    assert.match(nsOut, /^Labels:\s+kubernetes\.io\/metadata\.name=described$/m);
    assert.match(nsOut, /^Status:\s+Active$/m);
    assert.match(nsOut, /^ {2}Name:\s+q$/m);

    await ok(['create', 'configmap', 'cfg', '-n', n, '--from-literal=key=value']);
    const cmOut = await ok(['describe', 'configmap', 'cfg', '-n', n]);
    assert.match(cmOut, /^Data\n====\nkey:\n----\nvalue\n/m);
  });

  it('creates from multi-document YAML, then get -f and delete -f', async () => {
    const n = await ns('multidoc');
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: m1
data: {k: v}
---
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  selector: {app: m}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: m
spec:
  selector: {matchLabels: {app: m}}
  template:
    metadata: {labels: {app: m}}
    spec:
      containers: [{name: c, image: nginx}]
`;
    const out = await ok(['create', '-n', n, '-f', '-'], { input: manifest });
    assert.equal(out, 'configmap/m1 created\nservice/svc created\ndeployment.apps/m created\n');
    const svc = await json<{
      spec: {
        clusterIP: string;
        type: string;
        sessionAffinity: string;
        ports: { protocol: string; targetPort: number }[];
      };
    }>(['get', 'svc', 'svc', '-n', n]);
    assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|1[01]\d)\.\d+\.\d+$/);
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.equal(svc.spec.ports[0]?.protocol, 'TCP');
    const dup = await run(['create', '-n', n, '-f', '-'], { input: manifest });
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /AlreadyExists.*configmaps "m1" already exists/);

    const got = await ok(['get', '-n', n, '-f', '-', '-o', 'name'], { input: manifest });
    assert.equal(got, 'configmap/m1\nservice/svc\ndeployment.apps/m\n');
    const del = await ok(['delete', '-n', n, '-f', '-'], { input: manifest });
    assert.equal(
      del,
      'configmap "m1" deleted\nservice "svc" deleted\ndeployment.apps "m" deleted\n',
    );
    assert.equal(
      await ok(['get', 'all,cm', '-n', n, '-o', 'name']),
      'configmap/kube-root-ca.crt\n',
    );
  });

  it('applies twice with fields removed, reports unchanged, diffs with exit codes', async () => {
    const n = await ns('applied');
    const dep = (second: boolean): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels: {app: app${second ? '' : ', old: "yes"'}}
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: a
        image: nginx
${
  second
    ? `        args: ["x"]
        env: [{name: E2, value: "2"}]
      volumes: [{name: v1, configMap: {name: cfg}}]`
    : `        env: [{name: E1, value: "1"}, {name: E2, value: "2"}]
        volumeMounts: [{name: v1, mountPath: /v}]
      - name: b
        image: busybox
      volumes: [{name: v1, emptyDir: {}}]`
}
`;
    assert.equal(
      await ok(['apply', '-n', n, '-f', '-'], { input: dep(false) }),
      'deployment.apps/app created\n',
    );
    assert.equal(
      await ok(['apply', '-n', n, '-f', '-'], { input: dep(false) }),
      'deployment.apps/app unchanged\n',
    );
    const diff = await run(['diff', '-n', n, '-f', '-'], { input: dep(true) });
    assert.equal(diff.code, 1, `diff exits 1 on differences: ${diff.stderr}`);
    assert.match(diff.stdout, /^-\s+old: "yes"$/m);
    assert.match(diff.stdout, /^-\s+- image: busybox\n-\s+imagePullPolicy: Always\n-\s+name: b$/m);
    assert.equal(
      await ok(['apply', '-n', n, '-f', '-'], { input: dep(true) }),
      'deployment.apps/app configured\n',
    );
    const d = await json<{
      metadata: {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        generation: number;
      };
      spec: {
        template: {
          spec: {
            containers: {
              name: string;
              args?: string[];
              env?: { name: string }[];
              volumeMounts?: unknown[];
            }[];
            volumes: {
              name: string;
              configMap?: { name: string; defaultMode: number };
              emptyDir?: unknown;
            }[];
          };
        };
      };
    }>(['get', 'deploy', 'app', '-n', n]);
    assert.deepEqual(d.metadata.labels, { app: 'app' });
    assert.equal(d.metadata.generation, 2);
    assert.match(
      d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '',
      /"args":\["x"\]/,
    );
    const containers = d.spec.template.spec.containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ['a'],
    );
    const [a] = containers;
    assert.ok(a);
    assert.deepEqual(a.args, ['x']);
    assert.deepEqual(
      a.env?.map((e) => e.name),
      ['E2'],
    );
    assert.equal(a.volumeMounts, undefined);
    assert.deepEqual(d.spec.template.spec.volumes, [
      { name: 'v1', configMap: { name: 'cfg', defaultMode: 420 } },
    ]);
    const same = await run(['diff', '-n', n, '-f', '-'], { input: dep(true) });
    assert.equal(same.code, 0, `diff exits 0 without differences: ${same.stdout}${same.stderr}`);
    assert.equal(same.stdout, '');
  });

  it('prunes with apply --prune -l', async () => {
    const n = await ns('pruned');
    const both = `${cm('keep', {}, { set: 'p' })}\n${cm('drop', {}, { set: 'p' })}`;
    await ok(['apply', '-n', n, '-l', 'set=p', '--prune', '-f', '-'], { input: both });
    const out = await ok(['apply', '-n', n, '-l', 'set=p', '--prune', '-f', '-'], {
      input: cm('keep', {}, { set: 'p' }),
    });
    assert.match(out, /^configmap\/keep unchanged$/m);
    assert.match(out, /^configmap\/drop pruned$/m);
    assert.equal(await ok(['get', 'cm', '-n', n, '-l', 'set=p', '-o', 'name']), 'configmap/keep\n');
  });

  it('patches with strategic, merge and json patches', async () => {
    const n = await ns('patched');
    await ok(['create', 'deployment', 'p', '-n', n, '--image=nginx']);
    assert.equal(
      await ok([
        'patch',
        'deploy',
        'p',
        '-n',
        n,
        '-p',
        '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}',
      ]),
      'deployment.apps/p patched\n',
    );
    // Strategic: containers merge by name (patch items first, as upstream orders them).
    assert.equal(
      await ok([
        'get',
        'deploy',
        'p',
        '-n',
        n,
        '-o',
        'jsonpath={.spec.template.spec.containers[*].name}',
      ]),
      'side nginx',
    );
    await ok([
      'patch',
      'deploy',
      'p',
      '-n',
      n,
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}',
    ]);
    await ok([
      'patch',
      'deploy',
      'p',
      '-n',
      n,
      '--type=merge',
      '-p',
      '{"metadata":{"labels":{"m":"1"}}}',
    ]);
    await ok([
      'patch',
      'deploy',
      'p',
      '-n',
      n,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/annotations","value":{"j":"1"}}]',
    ]);
    const d = await json<{
      metadata: {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        generation: number;
      };
      spec: { replicas: number; template: { spec: { containers: { name: string }[] } } };
    }>(['get', 'deploy', 'p', '-n', n]);
    assert.deepEqual(
      d.spec.template.spec.containers.map((c) => c.name),
      ['nginx'],
    );
    assert.equal(d.metadata.labels['m'], '1');
    assert.equal(d.metadata.annotations['j'], '1');
    assert.equal(d.spec.replicas, 4);
    assert.equal(d.metadata.generation, 4, 'three spec changes, the label patch is not one');
    assert.equal(
      await ok(['patch', 'deploy', 'p', '-n', n, '--type=merge', '-p', '{"spec":{"replicas":4}}']),
      'deployment.apps/p patched (no change)\n',
    );
    const bad = await run([
      'patch',
      'deploy',
      'p',
      '-n',
      n,
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":9}]',
    ]);
    assert.notEqual(bad.code, 0);
    // Upstream answers a failed JSON patch test with a generic 422 (reason Invalid).
    assert.match(
      bad.stderr,
      /The request is invalid: the server rejected our request due to an error in our request/,
    );
    const subresource = await ok([
      'patch',
      'deploy',
      'p',
      '-n',
      n,
      '--subresource=scale',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":2}}',
    ]);
    assert.equal(subresource, 'scale.autoscaling/p patched\n');
    assert.equal(await ok(['get', 'deploy', 'p', '-n', n, '-o', 'jsonpath={.spec.replicas}']), '2');
  });

  it('labels and annotates: add, refuse to overwrite, --overwrite, remove with key-', async () => {
    const n = await ns('labelled');
    await ok(['create', 'configmap', 'l', '-n', n]);
    assert.equal(
      await ok(['label', 'cm', 'l', '-n', n, 'env=prod', 'team=a']),
      'configmap/l labeled\n',
    );
    const refused = await run(['label', 'cm', 'l', '-n', n, 'env=dev']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /'env' already has a value \(prod\), and --overwrite is false/);
    await ok(['label', 'cm', 'l', '-n', n, 'env=dev', '--overwrite']);
    assert.equal(await ok(['label', 'cm', 'l', '-n', n, 'team-']), 'configmap/l unlabeled\n');
    assert.equal(
      await ok(['annotate', 'cm', 'l', '-n', n, 'note=hi', 'x=1']),
      'configmap/l annotated\n',
    );
    const refusedA = await run(['annotate', 'cm', 'l', '-n', n, 'note=bye']);
    assert.equal(refusedA.code, 1);
    await ok(['annotate', 'cm', 'l', '-n', n, 'note=bye', '--overwrite']);
    await ok(['annotate', 'cm', 'l', '-n', n, 'x-']);
    const obj = await json<{
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    }>(['get', 'cm', 'l', '-n', n]);
    assert.deepEqual(obj.metadata.labels, { env: 'dev' });
    assert.deepEqual(obj.metadata.annotations, { note: 'bye' });
    // Many objects at once, by selector.
    await ok(['create', 'configmap', 'l2', '-n', n]);
    await ok(['label', 'cm', '--all', '-n', n, 'bulk=yes']);
    assert.equal(
      await ok(['get', 'cm', '-n', n, '-l', 'bulk=yes', '-o', 'name']),
      'configmap/kube-root-ca.crt\nconfigmap/l\nconfigmap/l2\n',
    );
  });

  it('replaces, refuses a stale resourceVersion with Conflict, and replaces --force', async () => {
    const n = await ns('replaced');
    await ok(['create', 'configmap', 'r', '-n', n, '--from-literal=a=1']);
    const stale = await ok(['get', 'cm', 'r', '-n', n, '-o', 'yaml']);
    const edited = stale.replace('a: "1"', 'a: "2"');
    assert.equal(
      await ok(['replace', '-n', n, '-f', '-'], { input: edited }),
      'configmap/r replaced\n',
    );
    assert.equal(await ok(['get', 'cm', 'r', '-n', n, '-o', 'jsonpath={.data.a}']), '2');
    const conflict = await run(['replace', '-n', n, '-f', '-'], {
      input: stale.replace('a: "1"', 'a: "3"'),
    });
    assert.equal(conflict.code, 1);
    assert.match(
      conflict.stderr,
      /Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "r": the object has been modified; please apply your changes to the latest version and try again/,
    );
    const uid = await ok(['get', 'cm', 'r', '-n', n, '-o', 'jsonpath={.metadata.uid}']);
    const forced = await ok(['replace', '--force', '-n', n, '-f', '-'], {
      input: cm('r', { a: '4' }),
    });
    assert.match(forced, /configmap "r" deleted\nconfigmap\/r replaced/);
    const after = await json<{ metadata: { uid: string }; data: Record<string, string> }>([
      'get',
      'cm',
      'r',
      '-n',
      n,
    ]);
    assert.notEqual(after.metadata.uid, uid);
    assert.deepEqual(after.data, { a: '4' });
    const missing = await run(['replace', '-n', n, '-f', '-'], { input: cm('absent', {}) });
    assert.match(missing.stderr, /NotFound.*configmaps "absent" not found/);
  });

  it('edits through an EDITOR script', async () => {
    const n = await ns('edited');
    await ok(['create', 'configmap', 'e', '-n', n, '--from-literal=greeting=hello']);
    await ok(['create', 'deployment', 'e', '-n', n, '--image=nginx:1.26']);
    assert.equal(
      await ok(['edit', 'cm', 'e', '-n', n], { env: { EDITOR: 'sed -i s/hello/bonjour/' } }),
      'configmap/e edited\n',
    );
    assert.equal(
      await ok(['get', 'cm', 'e', '-n', n, '-o', 'jsonpath={.data.greeting}']),
      'bonjour',
    );
    await ok(['edit', 'deploy', 'e', '-n', n], {
      env: { EDITOR: 'sed -i s/nginx:1.26/nginx:1.27/' },
    });
    const d = await json<{
      metadata: { generation: number };
      spec: { template: { spec: { containers: { image: string }[] } } };
    }>(['get', 'deploy', 'e', '-n', n]);
    assert.equal(d.spec.template.spec.containers[0]?.image, 'nginx:1.27');
    assert.equal(d.metadata.generation, 2);
    const cancelled = await run(['edit', 'cm', 'e', '-n', n], { env: { EDITOR: 'true' } });
    assert.equal(cancelled.code, 0);
    assert.match(cancelled.stderr, /Edit cancelled, no changes made\./);
  });

  it('deletes by name, by -l, with --all, --grace-period and --wait', async () => {
    const n = await ns('deleting');
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await ok(['create', 'configmap', name, '-n', n]);
    }
    await ok(['label', 'cm', 'b', 'c', '-n', n, 'grp=x']);
    assert.equal(await ok(['delete', 'cm', 'a', '-n', n]), 'configmap "a" deleted\n');
    const again = await run(['delete', 'cm', 'a', '-n', n]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Error from server \(NotFound\): configmaps "a" not found/);
    assert.equal((await run(['delete', 'cm', 'a', '-n', n, '--ignore-not-found'])).code, 0);
    assert.equal(
      await ok(['delete', 'cm', '-n', n, '-l', 'grp=x']),
      'configmap "b" deleted\nconfigmap "c" deleted\n',
    );
    assert.equal(
      await ok(['delete', 'cm', 'd', '-n', n, '--wait=true', '--timeout=10s']),
      'configmap "d" deleted\n',
    );
    assert.equal(
      await ok(['delete', 'cm', '--all', '-n', n]),
      'configmap "e" deleted\nconfigmap "kube-root-ca.crt" deleted\n',
    );
    // The root CA publisher puts its ConfigMap back, as upstream's does.
    await until(
      async () =>
        (await ok(['get', 'cm', '-n', n, '-o', 'name'])) === 'configmap/kube-root-ca.crt\n',
      15_000,
    );

    // Pods: unbound ones go at once; a bound one is deleted gracefully (the kubelet finishes it).
    await ok(['run', 'unbound', '-n', n, '--image=nginx']);
    assert.equal(
      await ok(['delete', 'pod', 'unbound', '-n', n, '--timeout=10s']),
      'pod "unbound" deleted\n',
    );
    await ok([
      'run',
      'bound',
      '-n',
      n,
      '--image=nginx',
      '--overrides={"spec":{"nodeName":"node-1"}}',
    ]);
    assert.equal(
      await ok(['delete', 'pod', 'bound', '-n', n, '--grace-period=45', '--wait=false']),
      'pod "bound" deleted\n',
    );
    const pod = await json<{
      metadata: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
    }>(['get', 'pod', 'bound', '-n', n]);
    assert.match(pod.metadata.deletionTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(pod.metadata.deletionGracePeriodSeconds, 45);
    assert.match(await ok(['get', 'pod', 'bound', '-n', n]), /^bound\s+0\/1\s+Terminating\s+/m);
    const forced = await run(['delete', 'pod', 'bound', '-n', n, '--grace-period=0', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'pod "bound" force deleted\n');
    assert.equal((await run(['get', 'pod', 'bound', '-n', n])).code, 1);
  });

  it('deletes with --cascade=background at once and records foreground/orphan as finalizers', async () => {
    const n = await ns('cascade');
    for (const name of ['bg', 'fg', 'or']) {
      await ok(['create', 'deployment', name, '-n', n, '--image=nginx']);
    }
    assert.equal(
      await ok(['delete', 'deploy', 'bg', '-n', n, '--cascade=background', '--timeout=10s']),
      'deployment.apps "bg" deleted\n',
    );
    assert.equal((await run(['get', 'deploy', 'bg', '-n', n])).code, 1);
    for (const [name, policy, finalizer] of [
      ['fg', 'foreground', 'foregroundDeletion'],
      ['or', 'orphan', 'orphan'],
    ] as const) {
      assert.equal(
        await ok(['delete', 'deploy', name, '-n', n, `--cascade=${policy}`, '--wait=false']),
        `deployment.apps "${name}" deleted\n`,
      );
      const d = await json<{ metadata: { finalizers?: string[]; deletionTimestamp?: string } }>([
        'get',
        'deploy',
        name,
        '-n',
        n,
      ]);
      assert.deepEqual(d.metadata.finalizers, [finalizer]);
      assert.ok(d.metadata.deletionTimestamp !== undefined);
    }
  });

  it('scales deployments, replica sets, stateful sets and replication controllers', async () => {
    const n = await ns('scaling');
    const template = (app: string) =>
      `template: {metadata: {labels: {app: ${app}}}, spec: {containers: [{name: c, image: nginx}]}}`;
    await ok(['create', '-n', n, '-f', '-'], {
      input: `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {selector: {matchLabels: {app: d}}, ${template('d')}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec: {selector: {matchLabels: {app: rs}}, ${template('rs')}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ss}
spec: {serviceName: ss, selector: {matchLabels: {app: ss}}, ${template('ss')}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec: {selector: {app: rc}, ${template('rc')}}
`,
    });
    assert.equal(
      await ok(['scale', 'deploy/d', 'rs/rs', 'sts/ss', 'rc/rc', '-n', n, '--replicas=3']),
      'deployment.apps/d scaled\nreplicaset.apps/rs scaled\nstatefulset.apps/ss scaled\nreplicationcontroller/rc scaled\n',
    );
    for (const kind of ['deploy/d', 'rs/rs', 'sts/ss', 'rc/rc']) {
      assert.equal(await ok(['get', kind, '-n', n, '-o', 'jsonpath={.spec.replicas}']), '3', kind);
    }
    assert.equal(
      await ok(['scale', 'deploy', 'd', '-n', n, '--replicas=1', '--current-replicas=3']),
      'deployment.apps/d scaled\n',
    );
    const pre = await run([
      'scale',
      'deploy',
      'd',
      '-n',
      n,
      '--replicas=2',
      '--current-replicas=5',
    ]);
    assert.equal(pre.code, 1);
    assert.match(pre.stderr, /Expected replicas to be 5, was 1/);
    const scale = JSON.parse(
      await ok(['get', '--raw', `/apis/apps/v1/namespaces/${n}/deployments/d/scale`]),
    ) as { kind: string; spec: { replicas: number }; status: { selector: string } };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 1);
    assert.equal(scale.status.selector, 'app=d');
  });

  it('waits for a jsonpath value and for deletion', async () => {
    const n = await ns('waiting');
    await ok(['create', 'configmap', 'w', '-n', n, '--from-literal=state=old']);
    const waiting = run([
      'wait',
      'cm/w',
      '-n',
      n,
      '--for=jsonpath={.data.state}=new',
      '--timeout=20s',
    ]);
    await new Promise((r) => setTimeout(r, 300));
    await ok(['patch', 'cm', 'w', '-n', n, '--type=merge', '-p', '{"data":{"state":"new"}}']);
    const met = await waiting;
    assert.equal(met.code, 0, met.stderr);
    assert.equal(met.stdout, 'configmap/w condition met\n');

    const gone = run(['wait', 'cm/w', '-n', n, '--for=delete', '--timeout=20s']);
    // kubectl exits 0 silently when the object is already gone as it starts: give it time to
    // start watching (a loaded CI machine takes over a second to start kubectl).
    await new Promise((r) => setTimeout(r, 2500));
    await ok(['delete', 'cm', 'w', '-n', n]);
    const deleted = await gone;
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'configmap/w condition met\n');

    await ok(['create', 'deployment', 'd', '-n', n, '--image=nginx']);
    const timeout = await run([
      'wait',
      'deploy/d',
      '-n',
      n,
      '--for=jsonpath={.spec.replicas}=5',
      '--timeout=1s',
    ]);
    assert.equal(timeout.code, 1);
    assert.match(timeout.stderr, /timed out waiting for the condition on deployments\/d/);
  });

  it('runs with --dry-run=client and --dry-run=server on create, apply and delete without persisting', async () => {
    const n = await ns('dry');
    const doc = cm('ghost', { a: '1' });
    assert.equal(
      await ok(['create', '-n', n, '-f', '-', '--dry-run=client'], { input: doc }),
      'configmap/ghost created (dry run)\n',
    );
    assert.equal(
      await ok(['create', '-n', n, '-f', '-', '--dry-run=server'], { input: doc }),
      'configmap/ghost created (server dry run)\n',
    );
    // The server fills in what it would store.
    const server = JSON.parse(
      await ok([
        'create',
        'deployment',
        'dd',
        '-n',
        n,
        '--image=nginx',
        '--dry-run=server',
        '-o',
        'json',
      ]),
    ) as { metadata: { uid: string }; spec: { strategy: { type: string } } };
    assert.match(server.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal(server.spec.strategy.type, 'RollingUpdate');
    assert.equal(
      await ok(['apply', '-n', n, '-f', '-', '--dry-run=server'], { input: doc }),
      'configmap/ghost created (server dry run)\n',
    );
    assert.equal(
      await ok(['get', 'cm,deploy', '-n', n, '-o', 'name']),
      'configmap/kube-root-ca.crt\n',
    );
    const svc = await ok([
      'create',
      'service',
      'nodeport',
      'np',
      '-n',
      n,
      '--tcp=80:80',
      '--node-port=31999',
      '--dry-run=server',
    ]);
    assert.equal(svc, 'service/np created (server dry run)\n');
    // The dry run reserved nothing: the real create gets the same port.
    await ok(['create', 'service', 'nodeport', 'np', '-n', n, '--tcp=80:80', '--node-port=31999']);

    await ok(['apply', '-n', n, '-f', '-'], { input: doc });
    assert.equal(
      await ok(['apply', '-n', n, '-f', '-', '--dry-run=server'], {
        input: cm('ghost', { a: '2' }),
      }),
      'configmap/ghost configured (server dry run)\n',
    );
    assert.equal(await ok(['get', 'cm', 'ghost', '-n', n, '-o', 'jsonpath={.data.a}']), '1');
    assert.equal(
      await ok(['delete', 'cm', 'ghost', '-n', n, '--dry-run=server']),
      'configmap "ghost" deleted (server dry run)\n',
    );
    assert.equal(
      await ok(['delete', 'cm', 'ghost', '-n', n, '--dry-run=client']),
      'configmap "ghost" deleted (dry run)\n',
    );
    assert.equal(await ok(['get', 'cm', 'ghost', '-n', n, '-o', 'name']), 'configmap/ghost\n');
  });

  it('lists workloads and services with kubectl get all', async () => {
    const n = await ns('everything');
    await ok(['create', 'deployment', 'web', '-n', n, '--image=nginx']);
    await ok(['create', 'service', 'clusterip', 'web', '-n', n, '--tcp=80:80']);
    await ok(['run', 'solo', '-n', n, '--image=nginx']);
    await ok(['create', 'job', 'once', '-n', n, '--image=busybox']);
    await ok(['create', 'cronjob', 'tick', '-n', n, '--image=busybox', '--schedule=*/5 * * * *']);
    await ok(['create', 'configmap', 'not-in-all', '-n', n]);
    const names = (await ok(['get', 'all', '-n', n, '-o', 'name'])).trim().split('\n').sort();
    assert.deepEqual(names, [
      'cronjob.batch/tick',
      'deployment.apps/web',
      'job.batch/once',
      'pod/solo',
      'service/web',
    ]);
    const table = await ok(['get', 'all', '-n', n]);
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.match(table, /^pod\/solo\s+0\/1\s+Pending\s+0\s+/m);
    assert.match(table, /^service\/web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+/m);
    assert.match(table, /^deployment\.apps\/web\s+0\/1\s+0\s+0\s+/m);
    assert.match(
      table,
      /^cronjob\.batch\/tick\s+\*\/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+/m,
    );
    assert.match(table, /^job\.batch\/once\s+Running\s+0\/1\s+/m);
    const everywhere = await ok(['get', 'all', '-A', '-o', 'name']);
    assert.match(everywhere, /^service\/kubernetes$/m);
  });

  it('deletes a namespace and returns once it and its contents are gone', async () => {
    const n = await ns('doomed');
    await ok(['create', 'configmap', 'c', '-n', n]);
    await ok(['create', 'deployment', 'd', '-n', n, '--image=nginx']);
    await ok(['create', 'service', 'clusterip', 's', '-n', n, '--tcp=80:80']);
    await ok(['create', 'secret', 'generic', 'x', '-n', n, '--from-literal=a=b']);
    assert.equal(
      await ok(['delete', 'namespace', n, '--timeout=30s']),
      `namespace "${n}" deleted\n`,
    );
    const gone = await run(['get', 'namespace', n]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /namespaces "doomed" not found/);
    assert.equal(await ok(['get', 'cm,deploy,svc,secret', '-n', n, '-o', 'name']), '');
    // The name is free again.
    await ns(n);
    assert.equal(await ok(['get', 'cm', '-n', n, '-o', 'name']), 'configmap/kube-root-ca.crt\n');
    const immortal = await run(['delete', 'namespace', 'default']);
    assert.notEqual(immortal.code, 0);
    assert.match(immortal.stderr, /Forbidden/);
  });

  /** Every `kubectl create <generator>`: output line, then what the server stored. */
  describe('create generators', { concurrency: 8 }, () => {
    const n = 'gen';
    before(async () => {
      await ns(n);
    });

    interface Case {
      name: string;
      args: (dataDir: string) => string[];
      created: string;
      /** kubectl get args and the jsonpath result expected. */
      get: [string[], string][];
      table?: [string[], RegExp];
    }
    const cases: Case[] = [
      {
        name: 'namespace',
        args: () => ['namespace', 'gen-ns'],
        created: 'namespace/gen-ns created',
        get: [
          [
            ['ns', 'gen-ns', '-o', 'jsonpath={.status.phase} {.spec.finalizers}'],
            'Active ["kubernetes"]',
          ],
        ],
      },
      {
        name: 'configmap',
        args: () => ['configmap', 'c', '-n', n, '--from-literal=a=1', '--from-literal=b=2'],
        created: 'configmap/c created',
        get: [[['cm', 'c', '-n', n, '-o', 'jsonpath={.data}'], '{"a":"1","b":"2"}']],
      },
      {
        name: 'secret generic',
        args: () => ['secret', 'generic', 's', '-n', n, '--from-literal=k=v', '--type=my/type'],
        created: 'secret/s created',
        get: [[['secret', 's', '-n', n, '-o', 'jsonpath={.type} {.data.k}'], 'my/type dg==']],
        table: [['secret', 's', '-n', n], /^s\s+my\/type\s+1\s+\d+s$/m],
      },
      {
        name: 'secret tls',
        args: (dir) => [
          'secret',
          'tls',
          't',
          '-n',
          n,
          `--cert=${join(dir, 'pki', 'serving.crt')}`,
          `--key=${join(dir, 'pki', 'serving.key')}`,
        ],
        created: 'secret/t created',
        get: [[['secret', 't', '-n', n, '-o', 'jsonpath={.type}'], 'kubernetes.io/tls']],
        table: [['secret', 't', '-n', n], /^t\s+kubernetes\.io\/tls\s+2\s+\d+s$/m],
      },
      {
        name: 'secret docker-registry',
        args: () => [
          'secret',
          'docker-registry',
          'reg',
          '-n',
          n,
          '--docker-server=registry.example',
          '--docker-username=u',
          '--docker-password=p',
        ],
        created: 'secret/reg created',
        get: [
          [['secret', 'reg', '-n', n, '-o', 'jsonpath={.type}'], 'kubernetes.io/dockerconfigjson'],
        ],
      },
      {
        name: 'serviceaccount',
        args: () => ['serviceaccount', 'sa', '-n', n],
        created: 'serviceaccount/sa created',
        get: [[['sa', 'sa', '-n', n, '-o', 'jsonpath={.metadata.name}'], 'sa']],
      },
      {
        name: 'service clusterip',
        args: () => ['service', 'clusterip', 'cip', '-n', n, '--tcp=80:8080'],
        created: 'service/cip created',
        get: [
          [
            [
              'svc',
              'cip',
              '-n',
              n,
              '-o',
              'jsonpath={.spec.type} {.spec.ports[0].targetPort} {.spec.selector}',
            ],
            'ClusterIP 8080 {"app":"cip"}',
          ],
        ],
        table: [
          ['svc', 'cip', '-n', n],
          /^cip\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s$/m,
        ],
      },
      {
        name: 'service clusterip headless',
        args: () => ['service', 'clusterip', 'headless', '-n', n, '--clusterip=None'],
        created: 'service/headless created',
        get: [[['svc', 'headless', '-n', n, '-o', 'jsonpath={.spec.clusterIP}'], 'None']],
      },
      {
        name: 'service nodeport',
        args: () => ['service', 'nodeport', 'np', '-n', n, '--tcp=80:8080', '--node-port=30123'],
        created: 'service/np created',
        get: [
          [
            ['svc', 'np', '-n', n, '-o', 'jsonpath={.spec.type} {.spec.ports[0].nodePort}'],
            'NodePort 30123',
          ],
        ],
        table: [
          ['svc', 'np', '-n', n],
          /^np\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:30123\/TCP\s+/m,
        ],
      },
      {
        name: 'service loadbalancer',
        args: () => ['service', 'loadbalancer', 'lb', '-n', n, '--tcp=443:8443'],
        created: 'service/lb created',
        get: [[['svc', 'lb', '-n', n, '-o', 'jsonpath={.spec.type}'], 'LoadBalancer']],
        table: [
          ['svc', 'lb', '-n', n],
          /^lb\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+<pending>\s+443:3\d{4}\/TCP\s+/m,
        ],
      },
      {
        name: 'service externalname',
        args: () => ['service', 'externalname', 'ext', '-n', n, '--external-name=example.com'],
        created: 'service/ext created',
        get: [
          [
            ['svc', 'ext', '-n', n, '-o', 'jsonpath={.spec.type} {.spec.externalName}'],
            'ExternalName example.com',
          ],
        ],
        table: [
          ['svc', 'ext', '-n', n],
          /^ext\s+ExternalName\s+<none>\s+example\.com\s+<none>\s+/m,
        ],
      },
      {
        name: 'deployment',
        args: () => [
          'deployment',
          'dep',
          '-n',
          n,
          '--image=nginx:1.27',
          '--replicas=2',
          '--port=80',
        ],
        created: 'deployment.apps/dep created',
        get: [
          [
            [
              'deploy',
              'dep',
              '-n',
              n,
              '-o',
              'jsonpath={.spec.replicas} {.spec.strategy.type} {.spec.revisionHistoryLimit} {.spec.progressDeadlineSeconds} {.spec.template.spec.containers[0].ports[0].protocol}',
            ],
            '2 RollingUpdate 10 600 TCP',
          ],
        ],
      },
      {
        name: 'job',
        args: () => ['job', 'job', '-n', n, '--image=busybox', '--', 'echo', 'hi'],
        created: 'job.batch/job created',
        get: [
          [
            [
              'job',
              'job',
              '-n',
              n,
              '-o',
              'jsonpath={.spec.backoffLimit} {.spec.completions} {.spec.parallelism} {.spec.template.spec.restartPolicy} {.spec.template.spec.containers[0].command}',
            ],
            '6 1 1 Never ["echo","hi"]',
          ],
        ],
      },
      {
        name: 'cronjob',
        args: () => ['cronjob', 'cj', '-n', n, '--image=busybox', '--schedule=*/1 * * * *'],
        created: 'cronjob.batch/cj created',
        get: [
          [
            [
              'cronjob',
              'cj',
              '-n',
              n,
              '-o',
              'jsonpath={.spec.schedule} {.spec.concurrencyPolicy} {.spec.suspend} {.spec.successfulJobsHistoryLimit} {.spec.failedJobsHistoryLimit}',
            ],
            '*/1 * * * * Allow false 3 1',
          ],
        ],
      },
      {
        name: 'role',
        args: () => ['role', 'r', '-n', n, '--verb=get,list', '--resource=pods,deployments.apps'],
        created: 'role.rbac.authorization.k8s.io/r created',
        get: [
          [
            ['role', 'r', '-n', n, '-o', 'jsonpath={.rules[*].resources}'],
            '["pods"] ["deployments"]',
          ],
        ],
      },
      {
        name: 'clusterrole',
        args: () => ['clusterrole', 'gen-cr', '--verb=get', '--resource=nodes'],
        created: 'clusterrole.rbac.authorization.k8s.io/gen-cr created',
        get: [[['clusterrole', 'gen-cr', '-o', 'jsonpath={.rules[0].verbs}'], '["get"]']],
      },
      {
        name: 'clusterrole with aggregation rule',
        args: () => ['clusterrole', 'gen-agg', '--aggregation-rule=team=a'],
        created: 'clusterrole.rbac.authorization.k8s.io/gen-agg created',
        get: [
          [
            [
              'clusterrole',
              'gen-agg',
              '-o',
              'jsonpath={.aggregationRule.clusterRoleSelectors[0].matchLabels}',
            ],
            '{"team":"a"}',
          ],
        ],
      },
      {
        name: 'rolebinding',
        args: () => [
          'rolebinding',
          'rb',
          '-n',
          n,
          '--role=r',
          '--user=alice',
          '--serviceaccount=gen:sa',
        ],
        created: 'rolebinding.rbac.authorization.k8s.io/rb created',
        get: [
          [
            ['rolebinding', 'rb', '-n', n, '-o', 'jsonpath={.roleRef.kind}/{.roleRef.name}'],
            'Role/r',
          ],
        ],
        table: [
          ['rolebinding', 'rb', '-n', n, '-o', 'wide'],
          /^rb\s+Role\/r\s+\d+s\s+alice\s+gen\/sa$/m,
        ],
      },
      {
        name: 'clusterrolebinding',
        args: () => ['clusterrolebinding', 'gen-crb', '--clusterrole=gen-cr', '--group=devs'],
        created: 'clusterrolebinding.rbac.authorization.k8s.io/gen-crb created',
        get: [
          [
            [
              'clusterrolebinding',
              'gen-crb',
              '-o',
              'jsonpath={.subjects[0].kind}/{.subjects[0].name}',
            ],
            'Group/devs',
          ],
        ],
      },
      {
        name: 'quota',
        args: () => ['quota', 'q', '-n', n, '--hard=pods=10,cpu=2', '--scopes=NotTerminating'],
        created: 'resourcequota/q created',
        get: [
          [
            ['quota', 'q', '-n', n, '-o', 'jsonpath={.spec.hard.pods} {.spec.scopes}'],
            '10 ["NotTerminating"]',
          ],
        ],
      },
      {
        name: 'priorityclass',
        args: () => [
          'priorityclass',
          'gen-pc',
          '--value=1000',
          '--description=high',
          '--preemption-policy=Never',
        ],
        created: 'priorityclass.scheduling.k8s.io/gen-pc created',
        get: [
          [
            ['pc', 'gen-pc', '-o', 'jsonpath={.value} {.preemptionPolicy} {.description}'],
            '1000 Never high',
          ],
        ],
        table: [['pc', 'gen-pc'], /^gen-pc\s+1000\s+false\s+\d+s\s+Never$/m],
      },
      {
        name: 'poddisruptionbudget',
        args: () => [
          'poddisruptionbudget',
          'pdb',
          '-n',
          n,
          '--selector=app=x',
          '--min-available=50%',
        ],
        created: 'poddisruptionbudget.policy/pdb created',
        get: [[['pdb', 'pdb', '-n', n, '-o', 'jsonpath={.spec.minAvailable}'], '50%']],
        table: [['pdb', 'pdb', '-n', n], /^pdb\s+50%\s+N\/A\s+0\s+\d+s$/m],
      },
      {
        name: 'ingress',
        args: () => [
          'ingress',
          'ing',
          '-n',
          n,
          '--class=nginx',
          '--rule=foo.example/bar=cip:80',
          '--rule=secure.example/*=cip:80,tls=tls-secret',
        ],
        created: 'ingress.networking.k8s.io/ing created',
        get: [
          [
            [
              'ing',
              'ing',
              '-n',
              n,
              '-o',
              'jsonpath={.spec.rules[0].http.paths[0].pathType} {.spec.tls[0].secretName}',
            ],
            'Exact tls-secret',
          ],
        ],
        table: [
          ['ing', 'ing', '-n', n],
          /^ing\s+nginx\s+foo\.example,secure\.example\s+80, 443\s+\d+s$/m,
        ],
      },
    ];

    for (const c of cases) {
      it(`create ${c.name}`, async () => {
        const r = await s.kubectl(['create', ...c.args(s.dataDir)]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `${c.created}\n`);
        for (const [args, want] of c.get) {
          const g = await s.kubectl(['get', ...args]);
          assert.equal(g.code, 0, g.stderr);
          assert.equal(g.stdout, want, args.join(' '));
        }
        if (c.table) {
          const t = await s.kubectl(['get', ...c.table[0]]);
          assert.equal(t.code, 0, t.stderr);
          assert.match(t.stdout, c.table[1]);
        }
      });
    }

    it('create job --from=cronjob', async () => {
      await s.kubectl([
        'create',
        'cronjob',
        'src',
        '-n',
        n,
        '--image=busybox',
        '--schedule=@daily',
      ]);
      const r = await s.kubectl(['create', 'job', 'manual', '-n', n, '--from=cronjob/src']);
      assert.equal(r.code, 0, r.stderr);
      const g = await s.kubectl([
        'get',
        'job',
        'manual',
        '-n',
        n,
        '-o',
        'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}',
      ]);
      assert.equal(g.stdout, 'CronJob/src manual');
    });
  });

  it(
    'create token prints a service account token (TokenRequest, issue 5)',
    { skip: 'belongs to a later issue' },
    async () => {
      const n = await ns('tokens');
      await ok(['create', 'serviceaccount', 'bot', '-n', n]);
      const token = await ok(['create', 'token', 'bot', '-n', n, '--duration=10m']);
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    },
  );

  it('apply --server-side and diff --server-side (server-side apply, issue 4)', async () => {
    const n = await ns('ssa');
    assert.equal(
      await ok(['apply', '--server-side', '-n', n, '-f', '-'], { input: cm('s', { a: '1' }) }),
      'configmap/s serverside-applied\n',
    );
    const diff = await run(['diff', '--server-side', '-n', n, '-f', '-'], {
      input: cm('s', { a: '2' }),
    });
    assert.equal(diff.code, 1);
    assert.match(diff.stdout, /^\+\s+a: "2"$/m);
  });

  it('create -f rejects an unknown field under fieldValidation=Strict (issue 4)', async () => {
    const n = await ns('strict');
    const r = await run(['create', '-n', n, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
        bogus: 1,
      }),
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /strict decoding error: unknown field "bogus"/);
  });
});

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
