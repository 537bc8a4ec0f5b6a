import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  checkCertificateRequestSignature,
  createCA,
  createCertificateRequest,
  parseCertificateRequestPem,
  signCertificateRequest,
} from '../pki/index.ts';
import { StatusError } from '../errors.ts';
import type { AuthorizationAttributes, Decision } from '../rbac/index.ts';
import { admitCertificateSigningRequest, validateSignerName } from './index.ts';
import { newPath } from '../validation/index.ts';

describe('PKCS#10 requests', () => {
  it('round-trips subject and SANs and verifies EC, RSA and Ed25519 signatures', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const ed = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const keyPem of [undefined, rsa, ed]) {
      const { csrPem } = createCertificateRequest({
        commonName: 'system:node:n1',
        organizations: ['system:nodes', 'b'],
        dnsNames: ['n1.example'],
        ipAddresses: ['10.0.0.1', '::1'],
        ...(keyPem !== undefined ? { keyPem } : {}),
      });
      const req = parseCertificateRequestPem(csrPem);
      assert.equal(req.commonName, 'system:node:n1');
      assert.deepEqual(req.organizations, ['system:nodes', 'b']);
      assert.deepEqual(req.dnsNames, ['n1.example']);
      assert.deepEqual(req.ipAddresses, ['10.0.0.1', '::1']);
      checkCertificateRequestSignature(req);
      const tampered = { ...req, rawTbs: Buffer.concat([req.rawTbs, Buffer.from([0])]) };
      assert.throws(() => {
        checkCertificateRequestSignature(tampered);
      }, /verification (error|failure)/);
    }
  });

  it('refuses other PEM blocks with upstream message', () => {
    assert.throws(
      () =>
        parseCertificateRequestPem(
          '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        ),
      /^CertificateError: PEM block type must be CERTIFICATE REQUEST$/,
    );
  });

  it('issues a certificate the way the local signer does (usages, SANs, validity capped by CA)', () => {
    const ca = createCA({ commonName: 'ca', validDays: 2, now: new Date('2026-01-01T00:00:00Z') });
    const req = parseCertificateRequestPem(
      createCertificateRequest({ commonName: 'web', dnsNames: ['web.local'] }).csrPem,
    );
    const pem = signCertificateRequest(ca, req, {
      usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
      ttlMs: 365 * 24 * 3600_000,
      backdateMs: 300_000,
      shortMs: 8 * 3600_000,
      now: new Date('2026-01-01T12:00:00Z'),
    });
    const x = new X509Certificate(pem);
    assert.equal(x.subject, 'CN=web');
    assert.equal(x.subjectAltName, 'DNS:web.local');
    assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(x.ca, false);
    assert.equal(new Date(x.validFrom).toISOString(), '2026-01-01T11:55:00.000Z');
    assert.equal(new Date(x.validTo).toISOString(), '2026-01-03T00:00:00.000Z');
    assert.ok(x.verify(new X509Certificate(ca.certPem).publicKey));
    assert.throws(
      () =>
        signCertificateRequest(ca, req, {
          usages: ['bogus'],
          ttlMs: 1,
          backdateMs: 0,
          shortMs: 0,
          now: new Date(),
        }),
      /unrecognized usage values: \["bogus"\]/,
    );
  });
});

describe('validateSignerName (upstream cases)', () => {
  const cases: [string, string[]][] = [
    ['kubernetes.io/kube-apiserver-client', []],
    ['example.com/a.b', []],
    ['', ['spec.signerName: Required value']],
    [
      'a/b/c',
      [
        'spec.signerName: Invalid value: "a/b/c": must be a fully qualified domain and path of the form \'example.com/signer-name\'',
      ],
    ],
    [
      'example/path',
      [
        'spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots',
      ],
    ],
    [
      'Example.com/x',
      [
        "spec.signerName: Invalid value: \"Example.com\": validating label \"Example\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
  ];
  for (const [name, want] of cases) {
    it(JSON.stringify(name), () => {
      assert.deepEqual(validateSignerName(newPath('spec', 'signerName'), name).map(String), want);
    });
  }
});

describe('CertificateApproval and CertificateSigning admission', () => {
  const csr = {
    metadata: { name: 'c' },
    spec: { signerName: 'example.com/s', request: '', usages: [] },
  } as unknown as CertificateSigningRequest;
  const allowing =
    (ok: (a: AuthorizationAttributes) => boolean) =>
    (a: AuthorizationAttributes): Decision => ({
      decision: ok(a) ? 'allow' : 'no-opinion',
      reason: '',
    });
  const base = {
    operation: 'UPDATE',
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    name: 'c',
    user: { username: 'alice', groups: [] },
  };

  it('needs approve on signers/<name> or signers/<domain>/* for /approval', () => {
    const req = { ...base, subresource: 'approval', object: csr, oldObject: csr };
    assert.throws(
      () => {
        admitCertificateSigningRequest(
          req,
          allowing(() => false),
        );
      },
      (err) =>
        err instanceof StatusError &&
        err.status.code === 403 &&
        err.status.message ===
          'certificatesigningrequests.certificates.k8s.io "c" is forbidden: user not permitted to approve requests with signerName "example.com/s"',
    );
    admitCertificateSigningRequest(
      req,
      allowing(
        (a) => a.verb === 'approve' && a.name === 'example.com/*' && a.resource === 'signers',
      ),
    );
  });

  it('needs sign when /status changes the certificate, not otherwise', () => {
    const signed = { ...csr, status: { certificate: 'eA==' } };
    const deny = allowing(() => false);
    admitCertificateSigningRequest(
      { ...base, subresource: 'status', object: csr, oldObject: csr },
      deny,
    );
    assert.throws(() => {
      admitCertificateSigningRequest(
        { ...base, subresource: 'status', object: signed, oldObject: csr },
        deny,
      );
    }, /user not permitted to sign requests with signerName "example.com\/s"/);
  });
});
