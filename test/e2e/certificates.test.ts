/**
 * TLS bootstrap on `./skiff server` with the real kubectl: a bootstrap token files a node client
 * CSR that the csrapproving controller approves and csrsigning issues, and the issued
 * certificate authenticates as `system:node:NAME`; a plain user's CSR stays Pending until
 * `kubectl certificate approve`; `deny` denies; a request that is not PEM gets upstream's 422.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateRequest, issueCertificate } from '../../src/api/index.ts';
import {
  SKIFF,
  startSkiffServer,
  writeUserKubeconfig,
  type RunResult,
  type SkiffServer,
} from './harness.ts';

describe('certificate signing requests against skiff server', { timeout: 300_000 }, () => {
  let s: SkiffServer;
  let caPem: string;
  before(async () => {
    s = await startSkiffServer(['--disable-scheduler']);
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
  const until = async (what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  /** A kubeconfig for this server with the given user fields; kubectl with it. */
  const kubectlAs = (user: Record<string, string>) => {
    const file = writeUserKubeconfig(s, user);
    return (args: string[], input?: string): Promise<RunResult> =>
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
  };
  const withCert = (certPem: string, keyPem: string) =>
    kubectlAs({
      'client-certificate-data': Buffer.from(certPem).toString('base64'),
      'client-key-data': Buffer.from(keyPem).toString('base64'),
    });

  const csrManifest = (name: string, csrPem: string, signerName: string, usages: string[]) =>
    JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName,
        usages,
        expirationSeconds: 3600,
      },
    });
  const issued = async (name: string): Promise<string> => {
    let cert = '';
    await until(`certificate of ${name}`, async () => {
      cert = await ok(['get', 'csr', name, '-o', 'jsonpath={.status.certificate}']);
      return cert !== '';
    });
    return Buffer.from(cert, 'base64').toString();
  };
  const condition = async (name: string): Promise<string> =>
    (await ok(['get', 'csr', name, '--no-headers'])).trim().split(/\s+/).at(-1) ?? '';

  it('auto-approves and issues a node client CSR of a bootstrap token; the certificate works', async () => {
    const created = await new Promise<RunResult>((resolve) => {
      execFile(SKIFF, ['token', 'create', '--data-dir', s.dataDir], (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : 1, stdout, stderr });
      });
    });
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    const bootstrap = kubectlAs({ token });
    const { csrPem, keyPem } = createCertificateRequest({
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
    });
    const r = await bootstrap(
      ['create', '-f', '-'],
      csrManifest('node-csr-n1', csrPem, 'kubernetes.io/kube-apiserver-client-kubelet', [
        'digital signature',
        'client auth',
      ]),
    );
    assert.equal(r.code, 0, r.stderr);
    const certPem = await issued('node-csr-n1');
    const spec = JSON.parse(await ok(['get', 'csr', 'node-csr-n1', '-o', 'json'])) as {
      spec: { username: string; groups: string[] };
      status: { conditions: { type: string; reason: string }[] };
    };
    assert.equal(spec.spec.username, `system:bootstrap:${token.slice(0, 6)}`);
    assert.ok(spec.spec.groups.includes('system:bootstrappers:skiff:default-node-token'));
    assert.deepEqual(
      spec.status.conditions.map((c) => [c.type, c.reason]),
      [['Approved', 'AutoApproved']],
    );
    assert.equal(await condition('node-csr-n1'), 'Approved,Issued');
    const node = withCert(certPem, keyPem);
    const who = await node(['auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.stderr);
    const info = JSON.parse(who.stdout) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    assert.equal(info.status.userInfo.username, 'system:node:n1');
    assert.ok(info.status.userInfo.groups.includes('system:nodes'));
  });

  it('leaves a plain user CSR Pending; kubectl certificate approve issues it, deny denies', async () => {
    await ok([
      'create',
      'clusterrolebinding',
      'alice-csr',
      '--clusterrole=system:node-bootstrapper',
      '--user=alice',
    ]);
    const key = readFileSync(join(s.dataDir, 'pki', 'ca.key'), 'utf8');
    const alicePair = issueCertificate(
      { certPem: caPem, keyPem: key },
      { commonName: 'alice', usages: ['client'], validDays: 1 },
    );
    const alice = withCert(alicePair.certPem, alicePair.keyPem);
    const node = createCertificateRequest({
      commonName: 'system:node:n2',
      organizations: ['system:nodes'],
    });
    const r = await alice(
      ['create', '-f', '-'],
      csrManifest('by-alice', node.csrPem, 'kubernetes.io/kube-apiserver-client-kubelet', [
        'digital signature',
        'client auth',
      ]),
    );
    assert.equal(r.code, 0, r.stderr);
    const bob = createCertificateRequest({ commonName: 'bob', organizations: ['devs'] });
    await ok(
      ['create', '-f', '-'],
      csrManifest('bob', bob.csrPem, 'kubernetes.io/kube-apiserver-client', ['client auth']),
    );
    // The approver has seen them (it answers the bootstrap CSR above within ms); give it time.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await condition('by-alice'), 'Pending');
    assert.equal(await condition('bob'), 'Pending');
    const table = await ok(['get', 'csr']);
    assert.match(table, /NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/);
    assert.match(
      table,
      /by-alice\s+\S+\s+kubernetes\.io\/kube-apiserver-client-kubelet\s+alice\s+60m\s+Pending/,
    );

    assert.match(
      await ok(['certificate', 'approve', 'bob']),
      /certificatesigningrequest.certificates.k8s.io\/bob approved/,
    );
    const bobCert = await issued('bob');
    assert.equal(await condition('bob'), 'Approved,Issued');
    const asBob = withCert(bobCert, bob.keyPem);
    const who = await asBob(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who.stdout, 'bob', who.stderr);

    assert.match(
      await ok(['certificate', 'deny', 'by-alice']),
      /certificatesigningrequest.certificates.k8s.io\/by-alice denied/,
    );
    assert.equal(await condition('by-alice'), 'Denied');
    // alice may write /approval but not approve for the signer (CertificateApproval admission).
    await ok([
      'create',
      'clusterrole',
      'csr-approval-writer',
      '--verb=update',
      '--resource=certificatesigningrequests.certificates.k8s.io/approval',
    ]);
    await ok([
      'create',
      'clusterrolebinding',
      'alice-approval',
      '--clusterrole=csr-approval-writer',
      '--user=alice',
    ]);
    const again = createCertificateRequest({
      commonName: 'system:node:n3',
      organizations: ['system:nodes'],
    });
    const r2 = await alice(
      ['create', '-f', '-'],
      csrManifest('by-alice-2', again.csrPem, 'kubernetes.io/kube-apiserver-client-kubelet', [
        'digital signature',
        'client auth',
      ]),
    );
    assert.equal(r2.code, 0, r2.stderr);
    const selfApprove = await alice(['certificate', 'approve', 'by-alice-2']);
    assert.notEqual(selfApprove.code, 0);
    assert.match(
      selfApprove.stderr,
      /certificatesigningrequests.certificates.k8s.io "by-alice-2" is forbidden: user not permitted to approve requests with signerName "kubernetes.io\/kube-apiserver-client-kubelet"/,
    );
    assert.equal(await condition('by-alice-2'), 'Pending');
  });

  it('refuses a request that is not a PEM certificate request (422)', async () => {
    const r = await s.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: 'bad' },
        spec: {
          request: Buffer.from('hello').toString('base64'),
          signerName: 'kubernetes.io/kube-apiserver-client',
          usages: ['client auth'],
        },
      }),
    });
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /The CertificateSigningRequest "bad" is invalid: spec.request: Invalid value: \[\]byte\{0x68, 0x65, 0x6c, 0x6c, 0x6f\}: PEM block type must be CERTIFICATE REQUEST/,
    );
  });
});
