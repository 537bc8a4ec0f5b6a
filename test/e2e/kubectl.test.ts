/**
 * The real kubectl (the dispatcher on PATH picks v1.32 for our /version) against
 * `./skiff server`: discovery, tables, CRUD, apply, patches, watch, scale and errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startSkiffServer, type SkiffServer } from './harness.ts';

describe('kubectl against skiff server', () => {
  let s: SkiffServer;
  before(async () => {
    s = await startSkiffServer();
  });
  after(async () => {
    await s.stop();
  });

  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  it('reports the server version', async () => {
    const out = JSON.parse(await ok(['version', '-o', 'json'])) as {
      serverVersion: { minor: string };
    };
    assert.equal(out.serverVersion.minor, '32');
  });

  it('lists API resources from discovery', async () => {
    const out = await ok(['api-resources']);
    assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    const versions = await ok(['api-versions']);
    assert.match(versions, /^apps\/v1$/m);
  });

  it('shows the system namespaces in a table', async () => {
    const out = await ok(['get', 'namespaces']);
    assert.match(out, /^NAME\s+STATUS\s+AGE$/m);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      assert.match(out, new RegExp(`^${ns}\\s+Active\\s+\\d+s$`, 'm'));
    }
  });

  it('creates, reads, labels, patches and deletes a ConfigMap', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n';
    assert.match(await ok(['create', '-f', '-'], cm), /configmap\/cfg created/);
    const got = JSON.parse(await ok(['get', 'cm', 'cfg', '-o', 'json'])) as {
      data: Record<string, string>;
      metadata: { uid: string; resourceVersion: string; creationTimestamp: string };
    };
    assert.deepEqual(got.data, { a: '1' });
    assert.match(got.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(got.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(await ok(['get', 'cm']), /^cfg\s+1\s+\d+s$/m);
    assert.match(await ok(['label', 'cm', 'cfg', 'tier=web']), /labeled/);
    assert.match(await ok(['get', 'cm', '-l', 'tier=web', '-o', 'name']), /configmap\/cfg/);
    // Every namespace holds the root CA bundle, as upstream's publisher keeps it.
    assert.equal(
      (await ok(['get', 'cm', '-l', 'tier!=web', '-o', 'name'])).trim(),
      'configmap/kube-root-ca.crt',
    );
    await ok(['patch', 'cm', 'cfg', '--type=merge', '-p', '{"data":{"b":"2"}}']);
    await ok(['patch', 'cm', 'cfg', '--type=json', '-p', '[{"op":"remove","path":"/data/a"}]']);
    await ok(['patch', 'cm', 'cfg', '-p', '{"data":{"c":"3"}}']); // strategic
    const after = JSON.parse(await ok(['get', 'cm', 'cfg', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    assert.deepEqual(after.data, { b: '2', c: '3' });
    assert.match(await ok(['delete', 'cm', 'cfg']), /configmap "cfg" deleted/);
    const gone = await s.kubectl(['get', 'cm', 'cfg']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /Error from server \(NotFound\): configmaps "cfg" not found/);
  });

  it('applies a Deployment twice, removing a label the second time, and scales it', async () => {
    const dep = (labels: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {${labels}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
`;
    assert.match(
      await ok(['apply', '-f', '-'], dep('app: web, extra: "yes"')),
      /deployment.apps\/web created/,
    );
    assert.match(
      await ok(['apply', '-f', '-'], dep('app: web')),
      /deployment.apps\/web configured/,
    );
    const d = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json'])) as {
      metadata: { labels: Record<string, string>; generation: number };
      spec: {
        strategy: { type: string };
        revisionHistoryLimit: number;
        template: { spec: { containers: { imagePullPolicy: string }[] } };
      };
    };
    assert.deepEqual(d.metadata.labels, { app: 'web' });
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.template.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.match(
      await ok(['scale', 'deployment', 'web', '--replicas=3']),
      /deployment.apps\/web scaled/,
    );
    const scaled = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json'])) as {
      spec: { replicas: number };
      metadata: { generation: number };
    };
    assert.equal(scaled.spec.replicas, 3);
    assert.equal(scaled.metadata.generation, d.metadata.generation + 1);
  });

  it('creates objects with kubectl generators (protobuf bodies on 1.32)', async () => {
    assert.match(await ok(['create', 'namespace', 'team-a']), /namespace\/team-a created/);
    assert.match(
      await ok(['create', 'configmap', 'gen', '-n', 'team-a', '--from-literal=k=v']),
      /configmap\/gen created/,
    );
    assert.match(
      await ok(['create', 'deployment', 'api', '-n', 'team-a', '--image=nginx', '--replicas=2']),
      /deployment.apps\/api created/,
    );
    const d = JSON.parse(await ok(['get', 'deploy', 'api', '-n', 'team-a', '-o', 'json'])) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.spec.template.spec.containers[0]?.image, 'nginx');
  });

  it('rejects invalid objects with upstream messages', async () => {
    const bad = await s.kubectl(['create', 'configmap', 'Bad_Name']);
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    const missingNs = await s.kubectl(['create', 'configmap', 'x', '-n', 'nope']);
    assert.match(missingNs.stderr, /namespaces "nope" not found/);
    const dup = await s.kubectl(['create', 'namespace', 'team-a']);
    assert.match(dup.stderr, /AlreadyExists/);
  });

  it('decodes bodies as the Go types do: type errors, dropped unknown fields, canonical quantities', async () => {
    const pod = (extra: string) => `apiVersion: v1
kind: Pod
metadata:
  name: typed
spec:
  bogus: {deep: {er: 1}}
  containers:
  - name: c
    image: busybox
    resources:
      limits: {cpu: 0.5, memory: 1024Mi}
${extra}`;
    const mistyped = await s.kubectl(['create', '-f', '-'], {
      input: pod('  nodeSelector: {disk: true}\n'),
    });
    assert.notEqual(mistyped.code, 0);
    assert.match(
      mistyped.stderr,
      /Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal bool into Go struct field PodSpec.spec.nodeSelector of type string/,
    );
    const badQuantity = await s.kubectl(['create', '-f', '-'], {
      input: pod('  overhead: {cpu: lots}\n'),
    });
    assert.match(badQuantity.stderr, /quantities must match the regular expression/);
    // --validate=false sends fieldValidation=Ignore: the unknown field is dropped, not kept.
    await ok(['create', '--validate=false', '-f', '-'], pod(''));
    const stored = JSON.parse(await ok(['get', 'pod', 'typed', '-o', 'json'])) as {
      spec: Record<string, unknown> & { containers: { resources: unknown }[] };
    };
    assert.equal(stored.spec['bogus'], undefined);
    assert.deepEqual(stored.spec.containers[0]?.resources, {
      limits: { cpu: '500m', memory: '1Gi' },
      requests: { cpu: '500m', memory: '1Gi' },
    });
    const patched = await s.kubectl([
      'patch',
      'pod',
      'typed',
      '-p',
      '{"metadata":{"labels":{"a":5}}}',
    ]);
    assert.match(
      patched.stderr,
      /json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string/,
    );
    await ok(['delete', 'pod', 'typed', '--grace-period=0', '--force']);
  });

  it('answers auth whoami and can-i (protobuf reviews on 1.32)', async () => {
    const who = await ok(['auth', 'whoami']);
    assert.match(who, /^Username\s+admin$/m);
    assert.match(who, /system:masters/);
    assert.equal((await ok(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
    assert.equal((await ok(['auth', 'can-i', '--list'])).includes('*.*'), true);
  });

  it('streams changes to kubectl get -w', async () => {
    const child = spawn('kubectl', [
      '--kubeconfig',
      s.kubeconfig,
      'get',
      'cm',
      '-w',
      '-n',
      'default',
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // Created before or after kubectl's initial list, the row shows up either way.
      await ok(['create', 'configmap', 'watched', '--from-literal=x=1']);
      await until(() => /^watched\s+1\s+/m.test(out), 15_000);
      await ok(['delete', 'configmap', 'watched']);
    } finally {
      child.kill('SIGTERM');
    }
    assert.match(out, /^watched\s+1\s+/m);
  });
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
