/**
 * The certificates as the real OpenSSL sees them: chain verification with purposes, and the
 * decoded text of every extension.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCA, issueCertificate } from './index.ts';

const run = promisify(execFile);

async function openssl(...args: string[]): Promise<string> {
  const { stdout } = await run('openssl', args, { timeout: 10_000 });
  return stdout;
}

describe('certificates checked by openssl', () => {
  let dir = '';
  const ca = createCA({ commonName: 'skiff-ca', validDays: 3650 });
  const serving = issueCertificate(ca, {
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes.default.svc.cluster.local'],
    ipAddresses: ['127.0.0.1', '::1', '10.96.0.1'],
    usages: ['server'],
    validDays: 365,
  });
  const admin = issueCertificate(ca, {
    commonName: 'admin',
    organizations: ['system:masters'],
    usages: ['client'],
    validDays: 365,
  });
  const file = (name: string): string => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-pki-'));
    await writeFile(file('ca.crt'), ca.certPem);
    await writeFile(file('ca.key'), ca.keyPem);
    await writeFile(file('serving.crt'), serving.certPem);
    await writeFile(file('admin.crt'), admin.certPem);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const verifyCases: { cert: string; purpose: string; ok: boolean }[] = [
    { cert: 'serving.crt', purpose: 'sslserver', ok: true },
    { cert: 'admin.crt', purpose: 'sslclient', ok: true },
    { cert: 'serving.crt', purpose: 'sslclient', ok: false },
    { cert: 'admin.crt', purpose: 'sslserver', ok: false },
  ];
  for (const c of verifyCases) {
    it(`openssl verify -purpose ${c.purpose} ${c.cert} ${c.ok ? 'passes' : 'fails'}`, async () => {
      const args = ['verify', '-x509_strict', '-purpose', c.purpose, '-CAfile', file('ca.crt')];
      if (c.ok) {
        assert.equal(await openssl(...args, file(c.cert)), `${file(c.cert)}: OK\n`);
      } else {
        await assert.rejects(
          openssl(...args, file(c.cert)),
          /unsuitable certificate purpose|unsupported certificate purpose/,
        );
      }
    });
  }

  it('decodes the CA extensions', async () => {
    const text = await openssl('x509', '-in', file('ca.crt'), '-noout', '-text');
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /Issuer: CN ?= ?skiff-ca/);
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE/);
    assert.match(
      text,
      /X509v3 Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign/,
    );
    assert.match(text, /X509v3 Subject Key Identifier/);
  });

  it('decodes the serving certificate extensions', async () => {
    const text = await openssl('x509', '-in', file('serving.crt'), '-noout', '-text');
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Subject: CN ?= ?kube-apiserver/);
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    assert.match(text, /X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication\n/);
    assert.match(
      text,
      /DNS:localhost, DNS:kubernetes\.default\.svc\.cluster\.local, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10\.96\.0\.1/,
    );
    assert.match(text, /X509v3 Authority Key Identifier/);
  });

  it('decodes the admin subject as user and group', async () => {
    const subject = await openssl('x509', '-in', file('admin.crt'), '-noout', '-subject');
    assert.match(subject, /^subject ?= ?O ?= ?system:masters, CN ?= ?admin$/m);
  });

  it('accepts the CA key as a key file', async () => {
    const out = await openssl('pkey', '-in', file('ca.key'), '-noout', '-text');
    assert.match(out, /NIST CURVE: P-256/);
  });
});
