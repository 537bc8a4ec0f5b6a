import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createCA, createCertificateRequest, issueCertificate } from '../api/index.ts';
import {
  caCertHash,
  csrName,
  csrOutcome,
  findPinnedCertificate,
  nodeClientRequest,
  parseCaCertHash,
  rotationDeadline,
  subjectPublicKeyInfo,
} from './agent-csr.ts';

const openssl = (args: string[], input: string | Buffer): string =>
  execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

describe('nodeClientRequest', () => {
  it('asks for a simulated pool identity from the generic client signer', () => {
    assert.deepEqual(nodeClientRequest('simulated', 'box'), {
      signerName: 'kubernetes.io/kube-apiserver-client',
      commonName: 'skiff:simulated-node-pool:box',
      organizations: ['skiff:simulated-node-pools'],
      usages: ['digital signature', 'client auth'],
    });
  });
  it('asks for the kubelet identity as upstream does', () => {
    assert.deepEqual(nodeClientRequest('kubelet', 'box'), {
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      commonName: 'system:node:box',
      organizations: ['system:nodes'],
      usages: ['digital signature', 'client auth'],
    });
  });
});

describe('the requests the agent files (api/pki createCertificateRequest)', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  for (const [name, cn, orgs, subject] of [
    [
      'simulated pool',
      'skiff:simulated-node-pool:n1',
      ['skiff:simulated-node-pools'],
      'subject=O = skiff:simulated-node-pools, CN = skiff:simulated-node-pool:n1',
    ],
    [
      'kubelet',
      'system:node:n1',
      ['system:nodes'],
      'subject=O = system:nodes, CN = system:node:n1',
    ],
    // Not a PrintableString: written as UTF8String.
    ['utf-8', 'nœud_1', [], 'subject=CN = n\\C5\\93ud_1'],
  ] as const) {
    it(`builds a request openssl verifies (${name})`, () => {
      const keyPem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
      const csr = {
        pem: createCertificateRequest({ commonName: cn, organizations: [...orgs], keyPem }).csrPem,
      };
      assert.match(csr.pem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
      const out = openssl(['req', '-verify', '-noout', '-subject'], csr.pem);
      assert.equal(out.trim(), subject);
      // The public key is the signing key's.
      const pub = openssl(['req', '-noout', '-pubkey'], csr.pem);
      const ours = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
      assert.equal(pub, ours);
    });
  }
});

describe('caCertHash', () => {
  const ca = createCA({ commonName: 'pin-test-ca', validDays: 1 });

  it('equals openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256', () => {
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], {
      input: openssl(['x509', '-pubkey', '-noout'], ca.certPem),
    });
    const want = execFileSync('sha256sum', { input: der, encoding: 'utf8' }).split(' ')[0];
    assert.equal(caCertHash(ca.certPem), `sha256:${want ?? ''}`);
    assert.equal(caCertHash(new X509Certificate(ca.certPem).raw), `sha256:${want ?? ''}`);
  });

  it('hashes the exact SubjectPublicKeyInfo of an RSA certificate too', () => {
    const pem = openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        '/dev/null',
        '-subj',
        '/CN=rsa',
        '-days',
        '1',
      ],
      '',
    );
    const spki = subjectPublicKeyInfo(new X509Certificate(pem).raw);
    const want = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], {
      input: openssl(['x509', '-pubkey', '-noout'], pem),
    });
    assert.deepEqual(spki, want);
  });

  it('finds the pinned CA in a served chain, or says which keys it saw', () => {
    const leaf = issueCertificate(ca, {
      commonName: 'kube-apiserver',
      usages: ['server'],
      validDays: 1,
    });
    const chain = [new X509Certificate(leaf.certPem), new X509Certificate(ca.certPem)];
    const found = findPinnedCertificate(chain, [caCertHash(ca.certPem)]);
    assert.ok(found instanceof X509Certificate);
    assert.equal(found.subject, 'CN=pin-test-ca');
    const other = createCA({ commonName: 'other', validDays: 1 });
    const missing = findPinnedCertificate(chain, [caCertHash(other.certPem)]);
    assert.ok(missing instanceof Error);
    assert.equal(
      missing.message,
      `none of the public keys "${caCertHash(leaf.certPem)}:${caCertHash(ca.certPem)}" are pinned`,
    );
  });
});

describe('parseCaCertHash (kubeadm pubkeypin.Allow)', () => {
  const hex = 'C35B00989D4DC0F20B51EB38746DDD285B418934B87D608257EA4EB888A25991';
  it('accepts sha256:<hex> in any case and returns it lowercase', () => {
    assert.equal(parseCaCertHash(`SHA256:${hex}`), `sha256:${hex.toLowerCase()}`);
  });
  for (const [input, message] of [
    [hex, 'invalid hash, expected "format:hex-value". Known format(s) are: sha256'],
    [`md5:${hex}`, 'unknown hash format "md5". Known format(s) are: sha256'],
    ['sha256:abcd', 'invalid hash "sha256:abcd", expected a 32 byte SHA-256 hash, found 2 bytes'],
    [
      `sha256:${'zz'.repeat(32)}`,
      `invalid hash "sha256:${'zz'.repeat(32)}", could not decode SHA-256 from hex: encoding/hex: invalid byte`,
    ],
  ] as const) {
    it(`rejects ${input.slice(0, 20)}…`, () => {
      assert.throws(() => parseCaCertHash(input), { message });
    });
  }
});

describe('rotationDeadline', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date('2026-01-11T00:00:00Z'); // 10 days
  it('falls between 70% and 90% of the lifetime', () => {
    assert.equal(rotationDeadline(from, to, 0).toISOString(), '2026-01-08T00:00:00.000Z');
    assert.equal(rotationDeadline(from, to, 0.5).toISOString(), '2026-01-09T00:00:00.000Z');
    assert.ok(rotationDeadline(from, to, 1).getTime() < new Date('2026-01-10T00:00:00Z').getTime());
  });
});

describe('csrName (upstream digestedName)', () => {
  it('is stable for one key and subject, different for another subject', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const a = csrName(spki, nodeClientRequest('simulated', 'a'));
    assert.match(a, /^node-csr-[A-Za-z0-9_-]{43}$/);
    assert.equal(csrName(spki, nodeClientRequest('simulated', 'a')), a);
    assert.notEqual(csrName(spki, nodeClientRequest('simulated', 'b')), a);
  });
});

describe('csrOutcome (upstream WaitForCertificate)', () => {
  const cert = Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64');
  it('waits while pending, or approved but not yet signed', () => {
    assert.equal(csrOutcome({}), undefined);
    assert.equal(csrOutcome({ status: { conditions: [{ type: 'Approved' }] } }), undefined);
    // Signed but not approved: not a certificate to use.
    assert.equal(csrOutcome({ status: { certificate: cert } }), undefined);
  });
  it('returns the certificate once approved and signed', () => {
    assert.deepEqual(
      csrOutcome({ status: { certificate: cert, conditions: [{ type: 'Approved' }] } }),
      { certificatePem: '-----BEGIN CERTIFICATE-----\n' },
    );
  });
  it('fails on Denied and Failed with upstream messages', () => {
    const denied = csrOutcome({
      status: { conditions: [{ type: 'Denied', reason: 'NotMine', message: 'no' }] },
    });
    assert.ok(denied instanceof Error);
    assert.equal(
      denied.message,
      'certificate signing request is denied, reason: NotMine, message: no',
    );
    const failed = csrOutcome({
      status: {
        conditions: [{ type: 'Approved' }, { type: 'Failed', reason: 'SignerError', message: 'x' }],
      },
    });
    assert.ok(failed instanceof Error);
    assert.equal(
      failed.message,
      'certificate signing request failed, reason: SignerError, message: x',
    );
  });
});
