import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  StatusError,
  createCA,
  createCertificateRequest,
  issueCertificate,
  newBuiltinScheme,
} from '../../api/index.ts';
import { Store, type StoredObject } from '../../storage/index.ts';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { ResourceRegistry, type RegistryHooks } from './registry.ts';
import { strategyFor } from './strategy.ts';

const scheme = newBuiltinScheme();

function setup() {
  const storage = new Store(createMemoryBackend());
  const hooks: RegistryHooks = {
    setDefaults: () => undefined,
    validateCreate: () => [],
    validateUpdate: () => [],
    validateStatusUpdate: () => [],
    applyPatch: (_t, current) => current,
    namespacePhase: () => Promise.resolve('Active'),
    now: () => new Date('2026-01-02T03:04:05Z'),
  };
  const info = scheme.byGroupVersionResource({
    group: 'certificates.k8s.io',
    version: 'v1',
    resource: 'certificatesigningrequests',
  });
  assert.ok(info);
  return new ResourceRegistry(info, storage, strategyFor(info), hooks);
}

const user = {
  username: 'system:bootstrap:abcdef',
  uid: 'u-1',
  groups: ['system:bootstrappers', 'system:authenticated'],
  extra: { scope: ['a'] },
};
const opts = { dryRun: false, user };

function csrBody(name: string, extra: Partial<CertificateSigningRequest['spec']> = {}) {
  const { csrPem } = createCertificateRequest({
    commonName: 'system:node:n1',
    organizations: ['system:nodes'],
  });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(csrPem).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
      username: 'forged',
      groups: ['system:masters'],
      ...extra,
    },
    status: { conditions: [{ type: 'Approved', status: 'True' }] },
  } as unknown as StoredObject;
}

function message(err: unknown): string {
  assert.ok(err instanceof StatusError, String(err));
  return err.status.message ?? '';
}

const asCsr = (o: StoredObject) => o as unknown as CertificateSigningRequest;

describe('CertificateSigningRequest strategy', () => {
  it('stamps the requesting user into the spec and clears status on create', async () => {
    const r = setup();
    const created = asCsr(await r.create('', csrBody('a'), opts));
    assert.equal(created.spec.username, 'system:bootstrap:abcdef');
    assert.equal(created.spec.uid, 'u-1');
    assert.deepEqual(created.spec.groups, ['system:bootstrappers', 'system:authenticated']);
    assert.deepEqual(created.spec.extra, { scope: ['a'] });
    assert.deepEqual(created.status ?? {}, {});
  });

  it('refuses a request that is not a PEM CERTIFICATE REQUEST, with upstream message', async () => {
    const r = setup();
    const body = csrBody('bad', { request: Buffer.from('hi').toString('base64') });
    await assert.rejects(r.create('', body, opts), (err) => {
      assert.equal(
        message(err),
        'CertificateSigningRequest.certificates.k8s.io "bad" is invalid: spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST',
      );
      return true;
    });
  });

  it('refuses a tampered signature, a short duration, unknown usages and a bad signer', async () => {
    const r = setup();
    const good = csrBody('x');
    const spec = good['spec'] as { request: string };
    const pem = Buffer.from(spec.request, 'base64').toString();
    // Flip one base64 character inside the signature (near the end of the body).
    const lines = pem.trim().split('\n');
    const last = lines.length - 2;
    const line = lines[last] ?? '';
    lines[last] = line.slice(0, 2) + (line[2] === 'A' ? 'B' : 'A') + line.slice(3);
    const tampered = csrBody('t', {
      request: Buffer.from(lines.join('\n') + '\n').toString('base64'),
      expirationSeconds: 599,
      usages: ['client auth', 'bogus', 'client auth'],
      signerName: 'nodomain',
    });
    await assert.rejects(r.create('', tampered, opts), (err) => {
      const m = message(err);
      assert.match(
        m,
        /spec\.request: Invalid value: \[\]byte\{0x2d, .*: (x509: ECDSA verification failure|x509: malformed certificate request)/,
      );
      assert.match(
        m,
        /spec\.usages\[1\]: Unsupported value: "bogus": supported values: "any", "cert sign"/,
      );
      assert.match(m, /spec\.usages\[2\]: Duplicate value: "client auth"/);
      assert.match(
        m,
        /spec\.signerName: Invalid value: "nodomain": must be a fully qualified domain and path of the form 'example.com\/signer-name'/,
      );
      assert.match(
        m,
        /spec\.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds \(10 minutes\)/,
      );
      return true;
    });
  });

  it('keeps spec and status on a plain update', async () => {
    const r = setup();
    const created = await r.create('', csrBody('u'), opts);
    const next = structuredClone(created);
    (next['spec'] as { signerName: string }).signerName = 'example.com/other';
    next['status'] = { conditions: [{ type: 'Approved', status: 'True' }] };
    const { object } = await r.update('', 'u', next, '', opts);
    assert.equal(asCsr(object).spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
    assert.deepEqual(asCsr(object).status ?? {}, {});
  });

  it('changes only conditions through /approval, never both Approved and Denied', async () => {
    const r = setup();
    const created = await r.create('', csrBody('ap'), opts);
    const approve = structuredClone(created);
    approve['status'] = {
      certificate: 'Zm9v',
      conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }],
    };
    const { object } = await r.update('', 'ap', approve, 'approval', opts);
    const status = asCsr(object).status;
    assert.equal(status?.certificate, undefined);
    const cond = status?.conditions?.[0];
    assert.ok(cond);
    assert.equal(cond.type, 'Approved');
    assert.match(cond.lastUpdateTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const both = structuredClone(object);
    both['status'] = { conditions: [cond, { type: 'Denied', status: 'True' }] };
    await assert.rejects(r.update('', 'ap', both, 'approval', opts), (err) => {
      assert.match(
        message(err),
        /status\.conditions\[1\]\.type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive/,
      );
      return true;
    });
    const removed = structuredClone(object);
    removed['status'] = { conditions: [] };
    await assert.rejects(r.update('', 'ap', removed, 'approval', opts), (err) => {
      assert.match(message(err), /updates may not remove a condition of type "Approved"/);
      return true;
    });
  });

  it('sets the certificate once through /status and keeps approval conditions', async () => {
    const r = setup();
    const created = await r.create('', csrBody('st'), opts);
    const addApproved = structuredClone(created);
    addApproved['status'] = { conditions: [{ type: 'Approved', status: 'True' }] };
    await assert.rejects(r.update('', 'st', addApproved, 'status', opts), (err) => {
      assert.match(
        message(err),
        /status\.conditions: Forbidden: updates may not add a condition of type "Approved"/,
      );
      return true;
    });
    const notPem = structuredClone(created);
    notPem['status'] = { certificate: Buffer.from('junk').toString('base64') };
    await assert.rejects(r.update('', 'st', notPem, 'status', opts), (err) => {
      assert.match(
        message(err),
        /status\.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block/,
      );
      return true;
    });
    const ca = createCA({ commonName: 'ca', validDays: 10 });
    const leaf = issueCertificate(ca, { commonName: 'x', usages: ['client'], validDays: 1 });
    const withCert = structuredClone(created);
    withCert['status'] = { certificate: Buffer.from(leaf.certPem).toString('base64') };
    const { object } = await r.update('', 'st', withCert, 'status', opts);
    assert.equal(asCsr(object).status?.certificate, Buffer.from(leaf.certPem).toString('base64'));
    const again = structuredClone(object);
    again['status'] = { certificate: Buffer.from(ca.certPem).toString('base64') };
    await assert.rejects(r.update('', 'st', again, 'status', opts), (err) => {
      assert.match(message(err), /updates may not modify existing certificate content/);
      return true;
    });
    const viaMain = structuredClone(object);
    await r.update('', 'st', viaMain, '', opts);
  });
});
