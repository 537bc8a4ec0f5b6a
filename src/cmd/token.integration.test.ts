/**
 * `skiff token create|list|delete` against the real API server in process (memory storage, the
 * data dir's PKI and admin kubeconfig, loopback, port 0), plus the failure lines for a server
 * that is down and one that refuses the credentials.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { startApiServer, type RunningApiServer } from '../apiserver/index.ts';
import { openStorage, type Storage } from '../storage/index.ts';
import { ensurePki, type Pki } from './data-dir.ts';
import { renderKubeconfig, writeAdminKubeconfig } from './kubeconfig.ts';
import type { CommandIo } from './server.ts';
import {
  apiRequest,
  loadApiTarget,
  runTokenCreate,
  runTokenDelete,
  runTokenList,
} from './token.ts';

function captureIo(): { io: CommandIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

let root = '';
let dataDir = '';
let pki: Pki;
let storage: Storage;
let server: RunningApiServer;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skiff-token-'));
  dataDir = join(root, 'data');
  pki = await ensurePki(dataDir);
  storage = await openStorage('memory://');
  server = await startApiServer({
    storage,
    bindAddress: '127.0.0.1',
    port: 0,
    tls: { certPem: pki.serving.certPem, keyPem: pki.serving.keyPem, caPem: pki.ca.certPem },
  });
  await writeAdminKubeconfig(dataDir, server.url);
});

after(async () => {
  await server.close();
  await storage.close();
  await rm(root, { recursive: true, force: true });
});

describe('skiff token against the API server', () => {
  // Whole seconds: the stored expiration is RFC 3339 without fractions. Listed a second after
  // creation, a 24h token shows 23h, as `kubeadm token list` does.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const at = (): Date => now;
  const later = (): Date => new Date(now.getTime() + 1000);

  it('create → list → delete → list', async () => {
    // A generated token with the defaults.
    const c1 = captureIo();
    assert.equal(await runTokenCreate({ dataDir }, { io: c1.io, now: at }), 0);
    assert.deepEqual(c1.err, []);
    assert.equal(c1.out.length, 1);
    const generated = c1.out[0] ?? '';
    assert.match(generated, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);

    // A given token, never expiring, with its own description, usage and group.
    const given = 'abcdef.0123456789abcdef';
    const c2 = captureIo();
    const flags = {
      dataDir,
      token: given,
      ttl: '0',
      description: 'worker one',
      usages: ['authentication'],
      groups: ['system:bootstrappers:workers'],
    };
    assert.equal(await runTokenCreate(flags, { io: c2.io, now: at }), 0);
    assert.deepEqual(c2.out, [given]);

    // Stored as kubeadm stores it.
    const target = await loadApiTarget({ dataDir });
    const secret = (await apiRequest(
      target,
      'GET',
      '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef',
    )) as Secret;
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
    assert.equal(
      Buffer.from(secret.data?.['token-secret'] ?? '', 'base64').toString(),
      '0123456789abcdef',
    );

    // The same id again is refused.
    const c3 = captureIo();
    assert.equal(await runTokenCreate(flags, { io: c3.io, now: at }), 1);
    assert.deepEqual(c3.err, [
      'skiff token create: error: a token with id "abcdef" already exists',
    ]);

    const l1 = captureIo();
    assert.equal(await runTokenList({ dataDir }, { io: l1.io, now: later }), 0);
    assert.deepEqual(l1.err, []);
    assert.match(l1.out[0] ?? '', /^TOKEN +TTL +EXPIRES +USAGES +DESCRIPTION +EXTRA GROUPS$/);
    const rows = l1.out.slice(1);
    assert.equal(rows.length, 2);
    const row = (token: string): string[] =>
      (rows.find((r) => r.startsWith(token)) ?? '').split(/ {3,}/);
    const expires = new Date(now.getTime() + 24 * 3600 * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    assert.deepEqual(row(generated), [
      generated,
      '23h',
      expires,
      'authentication,signing',
      '<none>',
      'system:bootstrappers:skiff:default-node-token',
    ]);
    assert.deepEqual(row(given), [
      given,
      '<forever>',
      '<never>',
      'authentication',
      'worker one',
      'system:bootstrappers:workers',
    ]);

    // Delete one by id and the other by full token.
    const d1 = captureIo();
    assert.equal(await runTokenDelete(['abcdef', generated], { dataDir }, { io: d1.io }), 0);
    assert.deepEqual(d1.out, [
      'bootstrap token "abcdef" deleted',
      `bootstrap token "${generated.slice(0, 6)}" deleted`,
    ]);

    const l2 = captureIo();
    assert.equal(await runTokenList({ dataDir }, { io: l2.io, now: at }), 0);
    assert.deepEqual(l2.out, []);
    assert.deepEqual(l2.err, []);

    const d2 = captureIo();
    assert.equal(await runTokenDelete(['abcdef'], { dataDir }, { io: d2.io }), 1);
    assert.deepEqual(d2.err, [
      'skiff token delete: error: failed to delete bootstrap token "abcdef": secrets "bootstrap-token-abcdef" not found',
    ]);
  });

  it('list skips a bootstrap-typed Secret that is not a token', async () => {
    const target = await loadApiTarget({ dataDir });
    await apiRequest(target, 'POST', '/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-broken' },
      type: 'bootstrap.kubernetes.io/token',
      data: { 'token-id': Buffer.from('other1').toString('base64') },
    });
    const l = captureIo();
    assert.equal(await runTokenList({ dataDir }, { io: l.io }), 0);
    assert.deepEqual(l.out, []);
    assert.deepEqual(l.err, [
      'skipping Secret kube-system/bootstrap-token-broken: not a well-formed bootstrap token',
    ]);
  });
});

describe('skiff token failures', () => {
  it('says so in one line when nothing listens', async () => {
    const probe = createTcpServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const kubeconfig = join(root, 'down.yaml');
    await writeFile(
      kubeconfig,
      renderKubeconfig(`https://127.0.0.1:${String(port)}`, {
        caPem: pki.ca.certPem,
        clientCertPem: pki.admin.certPem,
        clientKeyPem: pki.admin.keyPem,
      }),
    );
    const c = captureIo();
    assert.equal(await runTokenList({ kubeconfig }, { io: c.io }), 1);
    assert.deepEqual(c.out, []);
    assert.deepEqual(c.err, [
      `skiff token list: error: cannot reach the API server at https://127.0.0.1:${String(port)}: ECONNREFUSED; is skiff server running?`,
    ]);
  });

  const refusals: [number, Record<string, unknown>, string][] = [
    [
      401,
      {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      },
      'Unauthorized',
    ],
    [
      403,
      {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message:
          'secrets is forbidden: User "bob" cannot create resource "secrets" in API group "" in the namespace "kube-system"',
        reason: 'Forbidden',
        code: 403,
      },
      'secrets is forbidden: User "bob" cannot create resource "secrets" in API group "" in the namespace "kube-system"',
    ],
  ];
  for (const [code, status, message] of refusals) {
    it(`prints the Status message of a ${String(code)}`, async () => {
      const stub = createServer(
        { cert: pki.serving.certPem, key: pki.serving.keyPem },
        (_req, res) => {
          res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(status));
        },
      );
      stub.listen(0, '127.0.0.1');
      await once(stub, 'listening');
      try {
        const kubeconfig = join(root, `stub-${String(code)}.yaml`);
        await writeFile(
          kubeconfig,
          renderKubeconfig(`https://127.0.0.1:${String((stub.address() as AddressInfo).port)}`, {
            caPem: pki.ca.certPem,
            clientCertPem: pki.admin.certPem,
            clientKeyPem: pki.admin.keyPem,
          }),
        );
        const c = captureIo();
        assert.equal(await runTokenCreate({ kubeconfig }, { io: c.io }), 1);
        assert.deepEqual(c.out, []);
        assert.deepEqual(c.err, [`skiff token create: error: ${message}`]);
      } finally {
        stub.close();
        stub.closeAllConnections();
        await once(stub, 'close');
      }
    });
  }
});
