import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  CertificateError,
  createCA,
  isIssuedBy,
  issueCertificate,
  keyMatchesCertificate,
  readCertificate,
} from './index.ts';
import type { CertificateAuthority, CertificateKeyPair } from './index.ts';

const now = new Date('2030-06-15T12:00:00Z');
const ca = createCA({ commonName: 'skiff-ca', validDays: 3650, now });
const serving = issueCertificate(ca, {
  commonName: 'kube-apiserver',
  dnsNames: ['localhost', 'kubernetes', 'kubernetes.default.svc.cluster.local', 'localhost'],
  ipAddresses: ['127.0.0.1', '::1', '10.96.0.1', '2001:db8::2:1'],
  usages: ['server'],
  validDays: 365,
  now,
});
const admin = issueCertificate(ca, {
  commonName: 'admin',
  organizations: ['system:masters'],
  usages: ['client'],
  validDays: 365,
  now,
});

describe('createCA', () => {
  const cert = new X509Certificate(ca.certPem);

  it('is a self-signed CA with the requested subject', () => {
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=skiff-ca');
    assert.equal(cert.issuer, 'CN=skiff-ca');
    assert.equal(cert.checkIssued(cert), true);
    assert.equal(cert.verify(cert.publicKey), true);
  });

  it('uses a P-256 key and the given lifetime, backdated one hour', () => {
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(new Date(cert.validFrom).toISOString(), '2030-06-15T11:00:00.000Z');
    assert.equal(new Date(cert.validTo).toISOString(), '2040-06-12T12:00:00.000Z');
    assert.equal(cert.checkPrivateKey(createPrivateKey(ca.keyPem)), true);
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('carries a subject key identifier and no SANs', () => {
    const info = readCertificate(ca.certPem);
    assert.equal(info.isCA, true);
    assert.equal(info.subjectKeyId?.length, 20);
    assert.equal(info.authorityKeyId, undefined);
    assert.equal(cert.subjectAltName, undefined);
  });

  it('gives each CA a new key and serial', () => {
    const other = createCA({ commonName: 'skiff-ca', validDays: 1 });
    assert.notEqual(other.keyPem, ca.keyPem);
    assert.notEqual(new X509Certificate(other.certPem).serialNumber, cert.serialNumber);
  });
});

describe('issueCertificate', () => {
  const caCert = new X509Certificate(ca.certPem);

  it('issues a serving certificate with DNS and IP SANs (duplicates removed)', () => {
    const cert = new X509Certificate(serving.certPem);
    assert.equal(cert.subject, 'CN=kube-apiserver');
    assert.equal(cert.issuer, 'CN=skiff-ca');
    assert.equal(cert.ca, false);
    assert.equal(
      cert.subjectAltName,
      'DNS:localhost, DNS:kubernetes, DNS:kubernetes.default.svc.cluster.local, ' +
        'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.96.0.1, ' +
        'IP Address:2001:DB8:0:0:0:0:2:1',
    );
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(cert.checkIssued(caCert), true);
    assert.equal(cert.verify(caCert.publicKey), true);
    assert.equal(cert.checkHost('kubernetes'), 'kubernetes');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkIP('10.96.0.2'), undefined);
  });

  it('issues a client certificate whose subject carries user and group', () => {
    const cert = new X509Certificate(admin.certPem);
    assert.equal(cert.subject, 'O=system:masters\nCN=admin');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.subjectAltName, undefined);
    assert.equal(cert.verify(caCert.publicKey), true);
  });

  it('reads back what it wrote', () => {
    const info = readCertificate(serving.certPem);
    assert.equal(info.commonName, 'kube-apiserver');
    assert.equal(info.isCA, false);
    assert.deepEqual(info.dnsNames, [
      'localhost',
      'kubernetes',
      'kubernetes.default.svc.cluster.local',
    ]);
    assert.deepEqual(info.ipAddresses, ['127.0.0.1', '::1', '10.96.0.1', '2001:db8::2:1']);
    assert.deepEqual(info.usages, ['server']);
    assert.deepEqual(info.authorityKeyId, readCertificate(ca.certPem).subjectKeyId);
    const a = readCertificate(admin.certPem);
    assert.equal(a.commonName, 'admin');
    assert.deepEqual(a.organizations, ['system:masters']);
  });

  it('supports several organizations, both usages and non-ASCII names', () => {
    const pair = issueCertificate(ca, {
      commonName: 'système',
      organizations: ['system:nodes', 'team_b'],
      usages: ['server', 'client'],
      validDays: 1,
    });
    const cert = new X509Certificate(pair.certPem);
    assert.equal(cert.subject, 'O=system:nodes\nO=team_b\nCN=système');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.deepEqual(readCertificate(pair.certPem).organizations, ['system:nodes', 'team_b']);
  });

  it('never outlives its CA', () => {
    const shortCa = createCA({ commonName: 'short', validDays: 2, now });
    const leaf = issueCertificate(shortCa, {
      commonName: 'x',
      usages: ['client'],
      validDays: 365,
      now,
    });
    assert.equal(
      new X509Certificate(leaf.certPem).validTo,
      new X509Certificate(shortCa.certPem).validTo,
    );
  });

  const bad: {
    name: string;
    ca?: CertificateAuthority;
    opts: Partial<Parameters<typeof issueCertificate>[1]>;
  }[] = [
    { name: 'a bad IP', opts: { ipAddresses: ['1.2.3.256'] } },
    { name: 'a bad DNS name', opts: { dnsNames: ['under_score.example'] } },
    { name: 'an empty DNS label', opts: { dnsNames: ['a..b'] } },
    { name: 'no usages', opts: { usages: [] } },
    { name: 'a zero lifetime', opts: { validDays: 0 } },
    { name: 'an empty common name', opts: { commonName: '' } },
    { name: 'a leaf as issuer', ca: admin, opts: {} },
    {
      name: 'a CA key that does not match',
      ca: { certPem: ca.certPem, keyPem: admin.keyPem },
      opts: {},
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(
        () =>
          issueCertificate(c.ca ?? ca, {
            commonName: 'x',
            usages: ['server'],
            validDays: 1,
            ...c.opts,
          }),
        CertificateError,
      );
    });
  }

  it('accepts a wildcard DNS name', () => {
    const pair = issueCertificate(ca, {
      commonName: 'w',
      dnsNames: ['*.example.com'],
      usages: ['server'],
      validDays: 1,
    });
    assert.equal(new X509Certificate(pair.certPem).checkHost('a.example.com'), '*.example.com');
  });
});

describe('helpers', () => {
  it('keyMatchesCertificate and isIssuedBy', () => {
    const other = createCA({ commonName: 'skiff-ca', validDays: 1 });
    assert.equal(keyMatchesCertificate(admin.certPem, admin.keyPem), true);
    assert.equal(keyMatchesCertificate(admin.certPem, serving.keyPem), false);
    assert.equal(keyMatchesCertificate('junk', admin.keyPem), false);
    assert.equal(isIssuedBy(admin.certPem, ca.certPem), true);
    // Same subject name, different key: must not pass.
    assert.equal(isIssuedBy(admin.certPem, other.certPem), false);
    assert.equal(isIssuedBy('junk', ca.certPem), false);
  });

  it('readCertificate rejects non-certificates', () => {
    assert.throws(() => readCertificate('not a cert'), CertificateError);
    assert.throws(() => readCertificate(ca.keyPem), CertificateError);
  });
});

/** Starts an mTLS server on 127.0.0.1 that answers with the client's subject CN and O. */
async function withServer(
  server: CertificateKeyPair,
  clientCa: string,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const srv = createServer(
    // As kube-apiserver does: ask for a client certificate but let the request through without
    // one (anonymous /healthz, 401 elsewhere), and judge it by socket.authorized.
    {
      cert: server.certPem,
      key: server.keyPem,
      ca: clientCa,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket;
      assert.ok(socket instanceof TLSSocket);
      const peer = socket.getPeerCertificate();
      res.end(
        JSON.stringify({
          authorized: socket.authorized,
          cn: peer.subject.CN,
          o: peer.subject.O,
        }),
      );
    },
  );
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  try {
    await fn((srv.address() as AddressInfo).port);
  } finally {
    srv.close();
    srv.closeAllConnections();
    await once(srv, 'close');
  }
}

function get(
  port: number,
  client: CertificateKeyPair,
  caPem: string,
  servername = 'localhost',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername,
        path: '/',
        ca: caPem,
        cert: client.certPem,
        key: client.keyPem,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve(body);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TLS handshake with the issued certificates', () => {
  // The handshake checks the validity period against the real clock.
  const liveCa = createCA({ commonName: 'skiff-ca', validDays: 10 });
  const liveServing = issueCertificate(liveCa, {
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', '::1'],
    usages: ['server'],
    validDays: 1,
  });
  const liveAdmin = issueCertificate(liveCa, {
    commonName: 'admin',
    organizations: ['system:masters'],
    usages: ['client'],
    validDays: 1,
  });

  it('authenticates both sides and exposes the client subject to the server', async () => {
    await withServer(liveServing, liveCa.certPem, async (port) => {
      const body = JSON.parse(await get(port, liveAdmin, liveCa.certPem)) as unknown;
      assert.deepEqual(body, { authorized: true, cn: 'admin', o: 'system:masters' });
      // A SAN DNS name other than the one dialled also verifies.
      const again = JSON.parse(
        await get(port, liveAdmin, liveCa.certPem, 'kubernetes.default.svc'),
      ) as unknown;
      assert.deepEqual(again, { authorized: true, cn: 'admin', o: 'system:masters' });
    });
  });

  it('rejects a server name the certificate does not list', async () => {
    await withServer(liveServing, liveCa.certPem, async (port) => {
      await assert.rejects(get(port, liveAdmin, liveCa.certPem, 'example.com'), {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    });
  });

  it('rejects a server from another CA', async () => {
    const otherCa = createCA({ commonName: 'skiff-ca', validDays: 10 });
    await withServer(liveServing, liveCa.certPem, async (port) => {
      // OpenSSL reports the mismatch in different words depending on how the chain search ends.
      await assert.rejects(get(port, liveAdmin, otherCa.certPem), {
        code: /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_SIGNATURE_FAILURE)$/,
      });
    });
  });

  it('marks a client certificate from another CA as unauthorized', async () => {
    const otherCa = createCA({ commonName: 'skiff-ca', validDays: 10 });
    const stranger = issueCertificate(otherCa, {
      commonName: 'admin',
      organizations: ['system:masters'],
      usages: ['client'],
      validDays: 1,
    });
    await withServer(liveServing, liveCa.certPem, async (port) => {
      const body = JSON.parse(await get(port, stranger, liveCa.certPem)) as { authorized: boolean };
      assert.equal(body.authorized, false);
    });
  });
});
