/**
 * Issue 5 with the real kubectl against `./skiff server`: authentication (certificates,
 * service account tokens, 401s), RBAC (roles, bindings, escalation prevention, can-i,
 * impersonation) and admission (ResourceQuota under concurrency, LimitRanger, PodSecurity,
 * ServiceAccount).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:https';
import { join } from 'node:path';
import {
  generateSigningKey,
  ServiceAccountTokens,
  signingKeyFromPem,
} from '../../src/apiserver/authn/index.ts';
import { createCA, issueCertificate } from '../../src/apiserver/pki/index.ts';
import {
  SKIFF,
  startSkiffServer,
  writeUserKubeconfig,
  type RunResult,
  type SkiffServer,
} from './harness.ts';

describe('security against skiff server', { timeout: 300_000 }, () => {
  let s: SkiffServer;
  let caPem: string;
  before(async () => {
    s = await startSkiffServer();
    caPem = readFileSync(join(s.dataDir, 'pki', 'ca.crt'), 'utf8');
  });
  after(async () => {
    await s.stop();
  });

  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  /** A kubeconfig for this server's address and CA with the given user fields. */
  const kubeconfigWith = (user: Record<string, string>): string => writeUserKubeconfig(s, user);

  const kubectlWith = (file: string, args: string[], input?: string): Promise<RunResult> =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', file, '--cache-dir', join(s.dataDir, 'kube-cache'), ...args],
        (err, stdout, stderr) => {
          resolve({ code: err === null ? 0 : 1, stdout, stderr });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });

  /** kubectl as a certificate user `user` (groups as O) signed by `ca` (the cluster's by default). */
  const as = (user: string, groups: string[] = [], ca?: { certPem: string; keyPem: string }) => {
    const clusterCa = ca ?? {
      certPem: caPem,
      keyPem: readFileSync(join(s.dataDir, 'pki', 'ca.key'), 'utf8'),
    };
    const pair = issueCertificate(clusterCa, {
      commonName: user,
      organizations: groups,
      usages: ['client'],
      validDays: 1,
    });
    const file = kubeconfigWith({
      'client-certificate-data': Buffer.from(pair.certPem).toString('base64'),
      'client-key-data': Buffer.from(pair.keyPem).toString('base64'),
    });
    return (args: string[], input?: string) => kubectlWith(file, args, input);
  };

  /** kubectl with only a bearer token. */
  const withToken = (token: string, args: string[]): Promise<RunResult> =>
    kubectlWith(kubeconfigWith({ token }), args);

  it('answers 401 without a valid credential', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `https://127.0.0.1:${String(s.port)}/api/v1/namespaces`,
        { ca: caPem },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 401);

    // A certificate from another CA, even naming system:masters.
    const otherCa = createCA({ commonName: 'other-ca', validDays: 1 });
    const foreign = await as('admin', ['system:masters'], otherCa)(['get', 'pods']);
    assert.notEqual(foreign.code, 0);
    assert.match(
      foreign.stderr,
      /the server has asked for the client to provide credentials|Unauthorized/,
    );

    // A well-formed service account token signed by another key.
    await ok(['create', 'namespace', 'authn']);
    const sa = JSON.parse(await ok(['get', 'sa', 'default', '-n', 'authn', '-o', 'json'])) as {
      metadata: { uid: string };
    };
    const lookup = {
      getServiceAccount: () => ({ metadata: { uid: sa.metadata.uid } }),
      getPod: () => undefined,
      getSecret: () => undefined,
      getNode: () => undefined,
    };
    const issue = async (key: Awaited<ReturnType<typeof generateSigningKey>>, now: Date) =>
      (
        await new ServiceAccountTokens({
          issuer: 'https://kubernetes.default.svc.cluster.local',
          signingKey: key,
          lookup,
          now: () => now,
        }).issue({
          serviceAccount: { namespace: 'authn', name: 'default', uid: sa.metadata.uid },
          audiences: ['https://kubernetes.default.svc.cluster.local'],
          expirationSeconds: 3600,
        })
      ).token;
    const otherKey = await issue(await generateSigningKey('RS256'), new Date());
    const r1 = await withToken(otherKey, ['get', 'pods', '-n', 'authn']);
    assert.match(
      r1.stderr,
      /the server has asked for the client to provide credentials|Unauthorized/,
    );
    // Signed by the server's own key, but expired two hours ago.
    const serverKey = signingKeyFromPem(readFileSync(join(s.dataDir, 'pki', 'sa.key')));
    const expired = await issue(serverKey, new Date(Date.now() - 3 * 3600_000));
    const r2 = await withToken(expired, ['get', 'pods', '-n', 'authn']);
    assert.match(
      r2.stderr,
      /the server has asked for the client to provide credentials|Unauthorized/,
    );
    // The same key with a valid lifetime authenticates (the two above failed for their reason).
    const valid = await issue(serverKey, new Date());
    const r3 = await withToken(valid, [
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    assert.equal(r3.stdout, 'system:serviceaccount:authn:default', r3.stderr);
  });

  it('lets alice (edit in dev) create deployments in dev and not read secrets in prod', async () => {
    await ok(['create', 'namespace', 'dev']);
    await ok(['create', 'namespace', 'prod']);
    await ok([
      'create',
      'rolebinding',
      'alice-edit',
      '--clusterrole=edit',
      '--user=alice',
      '-n',
      'dev',
    ]);
    const alice = as('alice');
    const created = await alice(['create', 'deployment', 'web', '--image=nginx', '-n', 'dev']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /deployment.apps\/web created/);
    const secrets = await alice(['get', 'secrets', '-n', 'prod']);
    assert.notEqual(secrets.code, 0);
    assert.match(
      secrets.stderr,
      /Error from server \(Forbidden\): secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "prod"/,
    );
    const canI = await alice(['auth', 'can-i', 'create', 'deployments', '-n', 'dev']);
    assert.equal(canI.stdout.trim(), 'yes');
    const cannot = await alice(['auth', 'can-i', 'get', 'secrets', '-n', 'prod']);
    assert.equal(cannot.stdout.trim(), 'no');
    const list = await alice(['auth', 'can-i', '--list', '-n', 'dev']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      /^deployments\.apps\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update get list watch\]$/m,
    );
    assert.match(
      list.stdout,
      /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m,
    );
  });

  it('refuses to grant what the granter does not hold (escalation prevention)', async () => {
    await ok([
      'create',
      'rolebinding',
      'bob-admin',
      '--clusterrole=admin',
      '--user=bob',
      '-n',
      'dev',
    ]);
    const bob = as('bob');
    // admin may manage roles in its namespace, but not grant writes on resource quotas.
    const role = await bob([
      'create',
      'role',
      'quota-writer',
      '--verb=create',
      '--resource=resourcequotas',
      '-n',
      'dev',
    ]);
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /is attempting to grant RBAC permissions not currently held/);
    assert.match(role.stderr, /resourcequotas/);
    // Nor bind cluster-admin.
    const bind = await bob([
      'create',
      'rolebinding',
      'mine',
      '--clusterrole=cluster-admin',
      '--user=bob',
      '-n',
      'dev',
    ]);
    assert.notEqual(bind.code, 0);
    assert.match(
      bind.stderr,
      /rolebindings.rbac.authorization.k8s.io "mine" is forbidden: user "bob" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held/,
    );
    // What bob holds he may grant.
    const fine = await bob([
      'create',
      'role',
      'reader',
      '--verb=get',
      '--resource=pods',
      '-n',
      'dev',
    ]);
    assert.equal(fine.code, 0, fine.stderr);
  });

  it('issues a token with create token and accepts it', async () => {
    const token = (await ok(['create', 'token', 'default', '-n', 'dev'])).trim();
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const who = await withToken(token, [
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    assert.equal(who.stdout, 'system:serviceaccount:dev:default', who.stderr);
    const pods = await withToken(token, ['get', 'pods', '-n', 'dev']);
    assert.match(
      pods.stderr,
      /pods is forbidden: User "system:serviceaccount:dev:default" cannot list resource "pods" in API group "" in the namespace "dev"/,
    );
    const review = JSON.parse(
      await ok(
        ['create', '-o', 'json', '-f', '-'],
        JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token },
        }),
      ),
    ) as { status: { authenticated?: boolean; user?: { username?: string } } };
    assert.equal(review.status.authenticated, true);
    assert.equal(review.status.user?.username, 'system:serviceaccount:dev:default');
  });

  it('authenticates a bootstrap token from skiff token create, allowed only to bootstrap a node', async () => {
    const created = await new Promise<RunResult>((resolve) => {
      execFile(SKIFF, ['token', 'create', '--data-dir', s.dataDir], (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : 1, stdout, stderr });
      });
    });
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const who = await withToken(token, [
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    assert.equal(who.stdout, `system:bootstrap:${token.slice(0, 6)}`, who.stderr);
    const csr = await withToken(token, ['auth', 'can-i', 'create', 'certificatesigningrequests']);
    assert.equal(csr.stdout.trim(), 'yes');
    const pods = await withToken(token, ['auth', 'can-i', 'list', 'pods', '-A']);
    assert.equal(pods.stdout.trim(), 'no');
    const bad = await withToken(`${token.slice(0, 7)}${'0'.repeat(16)}`, ['get', 'pods']);
    assert.match(bad.stderr, /Unauthorized|provide credentials/);
  });

  it('impersonates when allowed and refuses otherwise', async () => {
    assert.equal(
      (await ok(['--as', 'alice', 'auth', 'can-i', 'create', 'deployments', '-n', 'dev'])).trim(),
      'yes',
    );
    const denied = await s.kubectl(['--as', 'alice', 'get', 'secrets', '-n', 'prod']);
    assert.match(denied.stderr, /User "alice" cannot list resource "secrets"/);
    const alice = as('alice');
    const r = await alice(['--as', 'bob', 'get', 'pods', '-n', 'dev']);
    assert.match(
      r.stderr,
      /users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/,
    );
  });

  it('scopes a kubelet to its node (Node authorizer and NodeRestriction)', async () => {
    await ok(['create', 'namespace', 'nodes']);
    const kubelet = as('system:node:n1', ['system:nodes']);
    const node = (name: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    const own = await kubelet(['create', '-f', '-'], node('n1'));
    assert.equal(own.code, 0, own.stderr);
    const other = await kubelet(['create', '-f', '-'], node('n2'));
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /node "n1" is not allowed to modify node "n2"/);
    await ok(['create', 'secret', 'generic', 'mounted', '--from-literal=a=b', '-n', 'nodes']);
    await ok(['create', 'secret', 'generic', 'unrelated', '--from-literal=a=b', '-n', 'nodes']);
    await ok(
      ['create', '-n', 'nodes', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'on-n1' },
        spec: {
          nodeName: 'n1',
          containers: [{ name: 'c', image: 'nginx' }],
          volumes: [{ name: 's', secret: { secretName: 'mounted' } }],
        },
      }),
    );
    let mounted: RunResult | undefined;
    for (let i = 0; i < 50; i++) {
      mounted = await kubelet(['get', 'secret', 'mounted', '-n', 'nodes', '-o', 'name']);
      if (mounted.code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(mounted?.stdout, 'secret/mounted\n', mounted?.stderr);
    const unrelated = await kubelet(['get', 'secret', 'unrelated', '-n', 'nodes']);
    assert.notEqual(unrelated.code, 0);
    assert.match(
      unrelated.stderr,
      /secrets "unrelated" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "nodes": no relationship found between node 'n1' and this object/,
    );
    const mine = await kubelet([
      'get',
      'pods',
      '-A',
      '--field-selector',
      'spec.nodeName=n1',
      '-o',
      'name',
    ]);
    assert.equal(mine.stdout, 'pod/on-n1\n', mine.stderr);
  });

  it('admits exactly 10 of 50 concurrent pod creates against pods: "10"', async () => {
    await ok(['create', 'namespace', 'quota']);
    await ok(['create', 'quota', 'pods', '--hard=pods=10', '-n', 'quota']);
    // Admission enforces a quota once its status is known (the quota controller fills it).
    for (let i = 0; i < 100; i++) {
      const hard = await ok([
        'get',
        'quota',
        'pods',
        '-n',
        'quota',
        '-o',
        'jsonpath={.status.hard.pods}',
      ]);
      if (hard === '10') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        s.kubectl(['run', `p${String(i)}`, '--image=nginx', '-n', 'quota']),
      ),
    );
    const admitted = results.filter((r) => r.code === 0).length;
    assert.equal(admitted, 10);
    for (const r of results.filter((x) => x.code !== 0)) {
      assert.match(
        r.stderr,
        /exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10/,
      );
    }
    const names = (await ok(['get', 'pods', '-n', 'quota', '-o', 'name'])).trim().split('\n');
    assert.equal(names.length, 10);
    assert.equal(
      await ok(['get', 'quota', 'pods', '-n', 'quota', '-o', 'jsonpath={.status.used.pods}']),
      '10',
    );
    // Deleting a pod gives its share back.
    await ok([
      'delete',
      'pod',
      '-n',
      'quota',
      (names[0] ?? '').replace('pod/', ''),
      '--grace-period=0',
      '--force',
    ]);
    for (let i = 0; i < 100; i++) {
      const used = await ok([
        'get',
        'quota',
        'pods',
        '-n',
        'quota',
        '-o',
        'jsonpath={.status.used.pods}',
      ]);
      if (used === '9') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('quota usage was not given back after a delete');
  });

  it('applies LimitRange defaults and mounts the service account token', async () => {
    await ok(['create', 'namespace', 'limits']);
    await ok(
      ['apply', '-n', 'limits', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'defaults' },
        spec: {
          limits: [
            {
              type: 'Container',
              default: { cpu: '500m', memory: '256Mi' },
              defaultRequest: { cpu: '250m', memory: '128Mi' },
            },
          ],
        },
      }),
    );
    await ok(['run', 'sized', '--image=nginx', '-n', 'limits']);
    const pod = JSON.parse(await ok(['get', 'pod', 'sized', '-n', 'limits', '-o', 'json'])) as {
      metadata: { annotations?: Record<string, string> };
      spec: {
        serviceAccountName: string;
        containers: { resources: unknown; volumeMounts?: { mountPath: string }[] }[];
        volumes?: { name: string; projected?: unknown }[];
      };
    };
    assert.deepEqual(pod.spec.containers[0]?.resources, {
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '250m', memory: '128Mi' },
    });
    assert.equal(
      pod.metadata.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container sized; cpu, memory limit for container sized',
    );
    assert.equal(pod.spec.serviceAccountName, 'default');
    assert.match(pod.spec.volumes?.[0]?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
    const mounts = pod.spec.containers.at(0)?.volumeMounts ?? [];
    assert.equal(mounts.at(0)?.mountPath, '/var/run/secrets/kubernetes.io/serviceaccount');
  });

  it('rejects a privileged pod in a restricted namespace with the upstream message', async () => {
    await ok(['create', 'namespace', 'locked']);
    await ok(['label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted']);
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'priv' },
      spec: { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] },
    });
    const r = await s.kubectl(['create', '-n', 'locked', '-f', '-'], { input: pod });
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false \(container "c" must set securityContext.allowPrivilegeEscalation=false\)/,
    );
    // The same pod where only warnings are asked for is created, with the warning printed.
    await ok(['create', 'namespace', 'warned']);
    await ok(['label', 'namespace', 'warned', 'pod-security.kubernetes.io/warn=baseline']);
    const w = await s.kubectl(['create', '-n', 'warned', '-f', '-'], { input: pod });
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, /Warning: would violate PodSecurity "baseline:latest": privileged/);
  });
});

describe('encryption at rest', { timeout: 120_000 }, () => {
  let s: SkiffServer;
  const work = mkdtempSync(join(tmpdir(), 'skiff-enc-'));
  const config = join(work, 'encryption.yaml');
  const key = randomBytes(32).toString('base64');
  const policy = join(work, 'audit-policy.yaml');
  const auditLog = join(work, 'audit.log');
  before(async () => {
    writeFileSync(
      config,
      [
        'apiVersion: apiserver.config.k8s.io/v1',
        'kind: EncryptionConfiguration',
        'resources:',
        '  - resources: [secrets]',
        '    providers:',
        '      - aesgcm:',
        '          keys:',
        `            - {name: key1, secret: ${key}}`,
        '      - identity: {}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      policy,
      [
        'apiVersion: audit.k8s.io/v1',
        'kind: Policy',
        'omitStages: [RequestReceived]',
        'rules:',
        '  - level: None',
        '    nonResourceURLs: ["/api*", "/openapi*", "/version"]',
        '  - level: Metadata',
        '    resources: [{group: "", resources: [secrets]}]',
        '  - level: RequestResponse',
        '    resources: [{group: "", resources: [configmaps]}]',
        '  - level: Metadata',
        '',
      ].join('\n'),
    );
    s = await startSkiffServer([
      '--encryption-provider-config',
      config,
      '--audit-policy-file',
      policy,
      '--audit-log-path',
      auditLog,
    ]);
  });
  after(async () => {
    await s.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('never writes Secret data in clear to the SQLite file', async () => {
    const marker = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const cm = `cm-${randomBytes(8).toString('hex')}`;
    const create = await s.kubectl([
      'create',
      'secret',
      'generic',
      'db',
      `--from-literal=password=${marker}`,
    ]);
    assert.equal(create.code, 0, create.stderr);
    await s.kubectl(['create', 'configmap', 'plain', `--from-literal=v=${cm}`]);
    const got = await s.kubectl(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(got.stdout, 'base64').toString(), marker);
    const raw = ['state.db', 'state.db-wal']
      .map((f) => join(s.dataDir, f))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f));
    const all = Buffer.concat(raw);
    assert.ok(
      all.includes(Buffer.from('k8s:enc:aesgcm:v1:key1:')),
      'the encrypted prefix is stored',
    );
    for (const needle of [marker, Buffer.from(marker).toString('base64')]) {
      assert.equal(all.includes(Buffer.from(needle)), false, `${needle} is stored in clear`);
    }
    // Control: a ConfigMap (not configured for encryption) is stored as JSON.
    assert.ok(
      all.includes(Buffer.from(Buffer.from(cm).toString('base64'))) ||
        all.includes(Buffer.from(cm)),
    );
  });

  it('writes the audit log by the policy: Metadata for secrets, bodies for configmaps', async () => {
    let lines: {
      verb: string;
      level: string;
      stage: string;
      objectRef?: { resource?: string; name?: string };
      requestObject?: unknown;
      responseObject?: unknown;
      user: { username: string };
    }[] = [];
    for (let i = 0; i < 50; i++) {
      lines = readFileSync(auditLog, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as (typeof lines)[number]);
      if (lines.some((e) => e.objectRef?.name === 'plain' && e.verb === 'create')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const secret = lines.find((e) => e.objectRef?.resource === 'secrets' && e.verb === 'create');
    assert.ok(secret, 'the secret create is audited');
    assert.equal(secret.level, 'Metadata');
    assert.equal(secret.stage, 'ResponseComplete');
    assert.equal(secret.user.username, 'admin');
    assert.equal(secret.requestObject, undefined);
    const cm = lines.find((e) => e.objectRef?.name === 'plain' && e.verb === 'create');
    assert.ok(cm, 'the configmap create is audited');
    assert.equal(cm.level, 'RequestResponse');
    assert.ok(cm.requestObject !== undefined && cm.responseObject !== undefined);
    assert.equal(
      lines.some((e) => e.stage === 'RequestReceived'),
      false,
    );
  });
});
