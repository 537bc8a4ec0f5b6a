import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCertificate, parseCertificateRequestPem } from '../api/index.ts';
import { createCertificateRequest } from '../api/index.ts';
import {
  RotatingTransport,
  certificateNames,
  loadServingCertificate,
  servingFiles,
  storeServingCertificate,
} from './agent-kubelet.ts';
import { csrName, kubeletServingRequest, nodeClientRequest, servingNamesOf } from './agent-csr.ts';

const CA = createCA({ commonName: 'skiff-ca', validDays: 3650 });
const OTHER_CA = createCA({ commonName: 'other-ca', validDays: 3650 });

describe('servingNamesOf', () => {
  it("takes the Node's names and IPs as the kubelet's serving certificate template", () => {
    assert.deepEqual(
      servingNamesOf([
        { type: 'InternalIP', address: '10.0.0.7' },
        { type: 'ExternalIP', address: '203.0.113.7' },
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalDNS', address: 'n1.internal' },
        { type: 'ExternalDNS', address: 'n1.example.com' },
        { type: 'InternalIP', address: '10.0.0.7' },
        { type: 'Other', address: 'x' },
      ]),
      {
        dnsNames: ['n1', 'n1.internal', 'n1.example.com'],
        ipAddresses: ['10.0.0.7', '203.0.113.7'],
      },
    );
    assert.deepEqual(servingNamesOf([]), { dnsNames: [], ipAddresses: [] });
  });
});

describe('kubeletServingRequest', () => {
  it('asks for system:node:<name> in system:nodes, server usages for an ECDSA key, the SANs', () => {
    assert.deepEqual(kubeletServingRequest('n1', { dnsNames: ['n1'], ipAddresses: ['10.0.0.7'] }), {
      signerName: 'kubernetes.io/kubelet-serving',
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
      usages: ['digital signature', 'server auth'],
      dnsNames: ['n1'],
      ipAddresses: ['10.0.0.7'],
    });
  });

  it('names the CSR by its key, subject, usages and SANs; client names are unchanged', () => {
    const { keyPem } = createCertificateRequest({ commonName: 'x' });
    const spki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
    const a = kubeletServingRequest('n1', { dnsNames: ['n1'], ipAddresses: ['10.0.0.7'] });
    const b = kubeletServingRequest('n1', { dnsNames: ['n1'], ipAddresses: ['10.0.0.8'] });
    assert.match(csrName(spki, a), /^node-csr-[A-Za-z0-9_-]{43}$/);
    assert.equal(csrName(spki, a), csrName(spki, { ...a }));
    assert.notEqual(csrName(spki, a), csrName(spki, b));
    const client = nodeClientRequest('kubelet', 'n1');
    assert.equal(
      csrName(spki, client),
      csrName(spki, { ...client, dnsNames: [], ipAddresses: [] }),
    );
  });

  it('builds a PKCS#10 request the signer and approver read back', () => {
    const req = kubeletServingRequest('n1', { dnsNames: ['n1'], ipAddresses: ['10.0.0.7', '::1'] });
    const { csrPem } = createCertificateRequest({
      commonName: req.commonName,
      organizations: [...req.organizations],
      dnsNames: [...(req.dnsNames ?? [])],
      ipAddresses: [...(req.ipAddresses ?? [])],
    });
    const info = parseCertificateRequestPem(Buffer.from(csrPem));
    assert.equal(info.commonName, 'system:node:n1');
    assert.deepEqual(info.organizations, ['system:nodes']);
    assert.deepEqual(info.dnsNames, ['n1']);
    assert.deepEqual(info.ipAddresses, ['10.0.0.7', '::1']);
    assert.equal(info.publicKeyAlgorithm, 'ec');
  });
});

describe('the stored serving certificate', () => {
  const names = { dnsNames: ['n1'], ipAddresses: ['10.0.0.7', '2001:db8::7'] };
  const request = kubeletServingRequest('n1', names);
  const issue = (
    o: { cn?: string; dns?: string[]; ips?: string[]; ca?: typeof CA; now?: Date } = {},
  ) =>
    issueCertificate(o.ca ?? CA, {
      commonName: o.cn ?? 'system:node:n1',
      organizations: ['system:nodes'],
      dnsNames: o.dns ?? names.dnsNames,
      ipAddresses: o.ips ?? names.ipAddresses,
      usages: ['server'],
      validDays: 365,
      ...(o.now !== undefined ? { now: o.now } : {}),
    });

  it('is stored with its key (0600) and reused while valid for the same names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-kubelet-'));
    try {
      const { kubeconfig: path } = servingFiles(dir);
      assert.equal(path, join(dir, 'agent', 'kubelet-server-current.pem'));
      const pair = issue();
      await storeServingCertificate(path, pair);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const now = new Date();
      const loaded = await loadServingCertificate(path, CA.certPem, request, now);
      assert.ok(loaded);
      assert.equal(
        new X509Certificate(loaded.certPem).fingerprint256,
        new X509Certificate(pair.certPem).fingerprint256,
      );
      // The same addresses written another way still match.
      const reordered = kubeletServingRequest('n1', {
        dnsNames: ['n1'],
        ipAddresses: ['2001:DB8:0::7', '10.0.0.7'],
      });
      assert.ok(await loadServingCertificate(path, CA.certPem, reordered, now));

      const refused: [string, Parameters<typeof loadServingCertificate>][] = [
        ['another CA', [path, OTHER_CA.certPem, request, now]],
        ['another node', [path, CA.certPem, kubeletServingRequest('n2', names), now]],
        [
          'a new address',
          [
            path,
            CA.certPem,
            kubeletServingRequest('n1', { ...names, ipAddresses: ['10.0.0.9'] }),
            now,
          ],
        ],
        ['expired', [path, CA.certPem, request, new Date(Date.now() + 400 * 86_400_000)]],
        ['missing', [join(dir, 'none.pem'), CA.certPem, request, now]],
      ];
      for (const [name, args] of refused) {
        assert.equal(await loadServingCertificate(...args), undefined, name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the SANs of a certificate', () => {
    const cert = new X509Certificate(issue().certPem);
    assert.deepEqual(certificateNames(cert), {
      dnsNames: ['n1'],
      ipAddresses: ['10.0.0.7', '2001:db8::7'],
    });
  });
});

describe('RotatingTransport', () => {
  it('sends with the current client certificate; after rotate, with the new one at once', async () => {
    const serving = issueCertificate(CA, {
      commonName: 'server',
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
      validDays: 1,
    });
    const server = http2.createSecureServer({
      cert: serving.certPem,
      key: serving.keyPem,
      ca: CA.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    // Answers with the CN of the client certificate of the connection.
    server.on('stream', (stream) => {
      const socket = stream.session?.socket as TLSSocket | undefined;
      const cn = socket?.getPeerCertificate().subject.CN ?? '';
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ cn }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = (cn: string) => {
      const pair = issueCertificate(CA, { commonName: cn, usages: ['client'], validDays: 1 });
      return {
        server: `https://127.0.0.1:${String(port)}`,
        ca: Buffer.from(CA.certPem),
        cert: Buffer.from(pair.certPem),
        key: Buffer.from(pair.keyPem),
      };
    };
    const transport = new RotatingTransport(client('system:node:old'));
    try {
      const ask = async (): Promise<unknown> => transport.request({ method: 'GET', path: '/' });
      assert.deepEqual(await ask(), { cn: 'system:node:old' });
      transport.rotate(client('system:node:new'));
      assert.deepEqual(await ask(), { cn: 'system:node:new' });
    } finally {
      transport.close();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });
});
