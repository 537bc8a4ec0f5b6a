import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCertificate } from '../api/index.ts';
import type { CertificateAuthority, CertificateKeyPair } from '../api/index.ts';
import {
  agentFiles,
  establishTrust,
  loadStoredCredentials,
  storeCredentials,
} from './agent-bootstrap.ts';
import { caCertHash, nodeClientRequest } from './agent-csr.ts';

/** A TLS server presenting `chain` (leaf first) that counts the bytes clients send. */
async function tlsServer(
  leaf: CertificateKeyPair,
  extra: readonly string[],
): Promise<{ server: Server; url: string; received: () => number }> {
  let received = 0;
  const server = createServer(
    { cert: [leaf.certPem, ...extra].join(''), key: leaf.keyPem },
    (s) => {
      s.on('data', (d: Buffer) => (received += d.length));
      s.on('error', () => undefined);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return { server, url: `https://127.0.0.1:${String(port)}`, received: () => received };
}

describe('establishTrust', () => {
  let ca: CertificateAuthority;
  let rogue: CertificateAuthority;
  const servers: Server[] = [];
  before(() => {
    ca = createCA({ commonName: 'cluster-ca', validDays: 2 });
    rogue = createCA({ commonName: 'rogue-ca', validDays: 2 });
  });
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });
  const serve = async (leafCa: CertificateAuthority, extra: string[]) => {
    const leaf = issueCertificate(leafCa, {
      commonName: 'kube-apiserver',
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
      validDays: 1,
    });
    const t = await tlsServer(leaf, extra);
    servers.push(t.server);
    return t;
  };

  it('trusts the pinned CA the server sends with its certificate', async () => {
    const t = await serve(ca, [ca.certPem]);
    const trusted = await establishTrust(t.url, { kind: 'pin', pins: [caCertHash(ca.certPem)] });
    assert.equal(trusted.how, 'pinned');
    assert.equal(trusted.hash, caCertHash(ca.certPem));
    assert.equal(trusted.caPem.trim(), ca.certPem.trim());
    assert.equal(t.received(), 0);
  });

  it('refuses an unpinned CA without sending a byte', async () => {
    const t = await serve(rogue, [rogue.certPem]);
    await assert.rejects(
      establishTrust(t.url, { kind: 'pin', pins: [caCertHash(ca.certPem)] }),
      (err: Error) => {
        assert.equal(err.name, 'AgentError');
        assert.match(
          err.message,
          /none of the public keys ".*" are pinned \(check --ca-cert-hash\)/,
        );
        return true;
      },
    );
    assert.equal(t.received(), 0);
  });

  it('refuses a server that shows the pinned CA but whose certificate another CA signed', async () => {
    const t = await serve(rogue, [ca.certPem]);
    await assert.rejects(
      establishTrust(t.url, { kind: 'pin', pins: [caCertHash(ca.certPem)] }),
      // The pinned CA signed nothing the server sent: it is not part of the chain.
      /refusing to trust the server at .*: none of the public keys "[^:]*:[0-9a-f]{64}" are pinned/,
    );
    assert.equal(t.received(), 0);
  });

  it('refuses a certificate from an impostor CA of the same name sent with the pinned CA', async () => {
    const impostor = createCA({ commonName: 'cluster-ca', validDays: 2 });
    const t = await serve(impostor, [ca.certPem]);
    await assert.rejects(
      establishTrust(t.url, { kind: 'pin', pins: [caCertHash(ca.certPem)] }),
      /refusing to trust the server at .*: (its certificate is not signed by the pinned CA "CN=cluster-ca"|none of the public keys)/,
    );
    assert.equal(t.received(), 0);
  });

  it('takes the served root on --insecure-skip-ca-verification', async () => {
    const t = await serve(ca, [ca.certPem]);
    const trusted = await establishTrust(t.url, { kind: 'insecure' });
    assert.equal(trusted.how, 'unverified');
    assert.equal(trusted.hash, caCertHash(ca.certPem));
  });

  it('says when nothing answers', async () => {
    await assert.rejects(
      establishTrust('https://127.0.0.1:1', { kind: 'pin', pins: [] }),
      /cannot reach the server at https:\/\/127.0.0.1:1: connect ECONNREFUSED/,
    );
  });
});

describe('stored credentials', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-agent-creds-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('are reused for the same server and identity while valid, never otherwise', async () => {
    const ca = createCA({ commonName: 'cluster-ca', validDays: 30 });
    const request = nodeClientRequest('simulated', 'edge');
    const now = new Date();
    const leaf = issueCertificate(ca, {
      commonName: request.commonName,
      organizations: [...request.organizations],
      usages: ['client'],
      validDays: 10,
      now,
    });
    const files = agentFiles(dir, 'simulated-nodes');
    const server = 'https://10.0.0.1:6443';
    await storeCredentials(files, { server, caPem: ca.certPem, ...leaf });
    assert.equal(statSync(files.kubeconfig).mode & 0o777, 0o600);
    const pin = caCertHash(ca.certPem);
    const got = await loadStoredCredentials(files, server, request, now, [pin]);
    assert.deepEqual(got, { server, caPem: ca.certPem, ...leaf });
    // Another server, node name, CA pin, or a time past its expiry: bootstrap again.
    assert.equal(await loadStoredCredentials(files, 'https://h:1', request, now), undefined);
    const other = nodeClientRequest('simulated', 'other');
    assert.equal(await loadStoredCredentials(files, server, other, now), undefined);
    assert.equal(
      await loadStoredCredentials(files, server, request, now, [`sha256:${'0'.repeat(64)}`]),
      undefined,
    );
    const later = new Date(now.getTime() + 11 * 86_400_000);
    assert.equal(await loadStoredCredentials(files, server, request, later), undefined);
    assert.equal(
      await loadStoredCredentials(agentFiles(dir, 'missing'), server, request, now),
      undefined,
    );
  });
});
