import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  createCA,
  createCertificateRequest,
  isIssuedBy,
  parseCSR,
  parseCertificateRequestPem,
  readCertificate,
} from '../../api/index.ts';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import type { FakeAction } from '../../client/fake/index.ts';
import { newRateLimitingQueue } from '../../client/workqueue/index.ts';
import {
  CSR_RESOURCE,
  KUBELET_SERVING_APPROVED_MESSAGE,
  NotApprovedError,
  certificateDurationMs,
  checkRequestForSigner,
  kubeletServingVerdict,
  newCSRApprovingController,
  newCSRSigningController,
  shouldCleanCSR,
} from './index.ts';

const CA = createCA({ commonName: 'skiff-ca', validDays: 3650 });
const T0 = Date.parse('2026-01-01T00:00:00Z');

interface CsrOpts {
  cn: string;
  orgs?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  signer: string;
  usages: string[];
  username?: string;
  groups?: string[];
  conditions?: { type: string; status: string; lastUpdateTime?: string }[];
  certificate?: string;
  expirationSeconds?: number;
  created?: string;
}

function csr(name: string, o: CsrOpts): CertificateSigningRequest {
  const { csrPem } = createCertificateRequest({
    commonName: o.cn,
    organizations: o.orgs ?? [],
    ...(o.dnsNames !== undefined ? { dnsNames: o.dnsNames } : {}),
    ...(o.ipAddresses !== undefined ? { ipAddresses: o.ipAddresses } : {}),
  });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: {
      request: Buffer.from(csrPem).toString('base64'),
      signerName: o.signer,
      usages: o.usages,
      username: o.username ?? 'someone',
      groups: o.groups ?? ['system:authenticated'],
      ...(o.expirationSeconds !== undefined ? { expirationSeconds: o.expirationSeconds } : {}),
    },
    status: {
      ...(o.conditions !== undefined ? { conditions: o.conditions } : {}),
      ...(o.certificate !== undefined ? { certificate: o.certificate } : {}),
    },
  };
}

const KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
const CLIENT = 'kubernetes.io/kube-apiserver-client';
const SERVING = 'kubernetes.io/kubelet-serving';
const approved = [{ type: 'Approved', status: 'True' }];

function harness(objs: CertificateSigningRequest[]) {
  const cluster = new FakeCluster({ now: () => new Date(T0) });
  cluster.seed(CSR_RESOURCE, ...objs);
  const factory = new InformerFactory(cluster.clientset);
  const queue = newRateLimitingQueue({});
  const ac = new AbortController();
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  return {
    cluster,
    factory,
    queue,
    start: async () => {
      factory.start(ac.signal);
      await factory.waitForCacheSync();
      cluster.clearActions();
    },
    stop,
  };
}

const certOf = (a: FakeAction | undefined): string => {
  const o = a?.object as CertificateSigningRequest | undefined;
  return Buffer.from(o?.status?.certificate ?? '', 'base64').toString();
};

describe('signer checks (upstream TestHandle-style table)', () => {
  const cases: { name: string; o: CsrOpts; err?: string }[] = [
    {
      name: 'kubelet client ok',
      o: {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        signer: KUBELET,
        usages: ['digital signature', 'key encipherment', 'client auth'],
      },
    },
    {
      name: 'kubelet client without key encipherment ok',
      o: {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        signer: KUBELET,
        usages: ['digital signature', 'client auth'],
      },
    },
    {
      name: 'kubelet client wrong org',
      o: {
        cn: 'system:node:n1',
        orgs: ['system:nodes', 'x'],
        signer: KUBELET,
        usages: ['digital signature', 'client auth'],
      },
      err: 'subject organization is not system:nodes',
    },
    {
      name: 'kubelet client wrong CN',
      o: {
        cn: 'n1',
        orgs: ['system:nodes'],
        signer: KUBELET,
        usages: ['digital signature', 'client auth'],
      },
      err: 'subject common name does not begin with system:node:',
    },
    {
      name: 'kubelet client with a DNS SAN',
      o: {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        dnsNames: ['n1'],
        signer: KUBELET,
        usages: ['digital signature', 'client auth'],
      },
      err: 'DNS subjectAltNames are not allowed',
    },
    {
      name: 'kubelet client with server auth',
      o: {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        signer: KUBELET,
        usages: ['digital signature', 'client auth', 'server auth'],
      },
      err: 'usages did not match [client auth digital signature key encipherment]',
    },
    {
      name: 'kubelet serving ok',
      o: {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        ipAddresses: ['10.0.0.1'],
        signer: SERVING,
        usages: ['digital signature', 'server auth'],
      },
    },
    {
      name: 'kubelet serving without SANs',
      o: {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        signer: SERVING,
        usages: ['digital signature', 'server auth'],
      },
      err: 'DNS or IP subjectAltName is required',
    },
    {
      name: 'apiserver client ok',
      o: { cn: 'alice', orgs: ['devs'], signer: CLIENT, usages: ['client auth'] },
    },
    {
      name: 'apiserver client with server auth',
      o: { cn: 'alice', signer: CLIENT, usages: ['client auth', 'server auth'] },
      err: 'invalid usage for client certificate: server auth',
    },
    {
      name: 'apiserver client without client auth',
      o: { cn: 'alice', signer: CLIENT, usages: ['digital signature'] },
      err: 'missing required usage for client certificate: client auth',
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const c = csr('x', tc.o);
      const req = parseCertificateRequestPem(Buffer.from(c.spec.request, 'base64'));
      assert.equal(checkRequestForSigner(c.spec.signerName, req, c.spec.usages ?? []), tc.err);
    });
  }

  it('bounds the duration as upstream signer.duration', () => {
    const year = 365 * 24 * 3600_000;
    assert.equal(certificateDurationMs(undefined, year), year);
    assert.equal(certificateDurationMs(3600, year), 3600_000);
    assert.equal(certificateDurationMs(2 * 365 * 24 * 3600, year), year);
    assert.equal(certificateDurationMs(60, year), 600_000);
  });
});

describe('csrsigning', () => {
  it('signs an approved kubelet client CSR with the CA, backdated, for the requested time', async () => {
    const h = harness([
      csr('node', {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        signer: KUBELET,
        usages: ['digital signature', 'client auth'],
        conditions: approved,
        expirationSeconds: 24 * 3600,
      }),
    ]);
    const c = newCSRSigningController({
      clientset: h.cluster.clientset,
      informers: h.factory,
      ca: CA,
      queue: h.queue,
      now: () => T0,
    });
    await h.start();
    try {
      await c.sync('node');
      const writes = h.cluster.writes();
      assert.equal(writes.length, 1);
      assert.equal(writes[0]?.subresource, 'status');
      const pem = certOf(writes[0]);
      assert.ok(isIssuedBy(pem, CA.certPem));
      const info = readCertificate(pem);
      assert.equal(info.commonName, 'system:node:n1');
      assert.deepEqual(info.organizations, ['system:nodes']);
      assert.deepEqual(info.usages, ['client']);
      assert.equal(info.isCA, false);
      assert.equal(info.notBefore.getTime(), T0 - 5 * 60_000);
      assert.equal(info.notAfter.getTime(), T0 - 5 * 60_000 + 24 * 3600_000);
      const x = new X509Certificate(pem);
      assert.match(x.keyUsage.join(','), /1\.3\.6\.1\.5\.5\.7\.3\.2/);
    } finally {
      await h.stop();
    }
  });

  it('marks a CSR failing its signer checks Failed, ignores pending and foreign signers', async () => {
    const h = harness([
      csr('bad', {
        cn: 'n1',
        orgs: ['system:nodes'],
        signer: KUBELET,
        usages: ['client auth'],
        conditions: approved,
      }),
      csr('pending', {
        cn: 'system:node:n1',
        orgs: ['system:nodes'],
        signer: KUBELET,
        usages: ['digital signature', 'client auth'],
      }),
      csr('other', {
        cn: 'x',
        signer: 'example.com/custom',
        usages: ['client auth'],
        conditions: approved,
      }),
    ]);
    const c = newCSRSigningController({
      clientset: h.cluster.clientset,
      informers: h.factory,
      ca: CA,
      queue: h.queue,
      now: () => T0,
    });
    await h.start();
    try {
      await c.sync('pending');
      await c.sync('other');
      assert.equal(h.cluster.writes().length, 0);
      await c.sync('bad');
      const w = h.cluster.writes();
      assert.equal(w.length, 1);
      const cond = (w[0]?.object as CertificateSigningRequest).status?.conditions?.at(-1);
      assert.equal(cond?.type, 'Failed');
      assert.equal(cond.reason, 'SignerValidationFailure');
      assert.equal(cond.message, 'subject common name does not begin with system:node:');
    } finally {
      await h.stop();
    }
  });
});

describe('csrapproving', () => {
  /** Answers SubjectAccessReviews from a table of "user subresource" allowed pairs. */
  function sarReactor(cluster: FakeCluster, allowed: Set<string>): FakeAction[] {
    const seen: FakeAction[] = [];
    cluster.prependReactor((a) => {
      if (a.resource.resource !== 'subjectaccessreviews' || a.verb !== 'create') return undefined;
      seen.push(a);
      const spec = (
        a.object as { spec: { user?: string; resourceAttributes: { subresource: string } } }
      ).spec;
      return {
        handled: true,
        result: {
          ...(a.object as object),
          status: {
            allowed: allowed.has(`${spec.user ?? ''} ${spec.resourceAttributes.subresource}`),
          },
        },
      };
    });
    return seen;
  }

  const nodeCsr = (name: string, username: string) =>
    csr(name, {
      cn: 'system:node:n1',
      orgs: ['system:nodes'],
      signer: KUBELET,
      usages: ['digital signature', 'key encipherment', 'client auth'],
      username,
      groups: ['system:bootstrappers'],
    });

  async function approve(objs: CertificateSigningRequest[], allowed: string[], name: string) {
    const h = harness(objs);
    const sars = sarReactor(h.cluster, new Set(allowed));
    const c = newCSRApprovingController({
      clientset: h.cluster.clientset,
      informers: h.factory,
      queue: h.queue,
    });
    await h.start();
    let error: unknown;
    try {
      await c.sync(name);
    } catch (err) {
      error = err;
    } finally {
      await h.stop();
    }
    const writes = h.cluster
      .writes()
      .filter((a) => a.resource.resource === 'certificatesigningrequests');
    return { writes, sars, error };
  }

  it('approves a bootstrapper asking for system:node:<name> (nodeclient)', async () => {
    const r = await approve(
      [nodeCsr('a', 'system:bootstrap:abc')],
      ['system:bootstrap:abc nodeclient'],
      'a',
    );
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.sars.map(
        (a) => (a.object as { spec: { resourceAttributes: unknown; groups: unknown } }).spec,
      ),
      [
        {
          user: 'system:bootstrap:abc',
          groups: ['system:bootstrappers'],
          resourceAttributes: {
            group: 'certificates.k8s.io',
            resource: 'certificatesigningrequests',
            verb: 'create',
            subresource: 'nodeclient',
          },
        },
      ],
    );
    assert.equal(r.writes.length, 1);
    const w = r.writes[0];
    assert.ok(w);
    assert.equal(w.subresource, 'approval');
    assert.deepEqual((w.object as CertificateSigningRequest).status?.conditions, [
      {
        type: 'Approved',
        status: 'True',
        reason: 'AutoApproved',
        message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
      },
    ]);
  });

  it('approves a node renewing its own certificate (selfnodeclient) first', async () => {
    const r = await approve(
      [nodeCsr('a', 'system:node:n1')],
      ['system:node:n1 selfnodeclient'],
      'a',
    );
    assert.equal(r.sars.length, 1);
    assert.match(
      (r.writes[0]?.object as CertificateSigningRequest).status?.conditions?.[0]?.message ?? '',
      /self kubelet client/,
    );
  });

  it('leaves a CSR of a user without the permission pending, and retries', async () => {
    const r = await approve([nodeCsr('a', 'alice')], [], 'a');
    assert.ok(r.error instanceof NotApprovedError);
    assert.equal(
      r.error.message,
      'recognized csr "a" as [nodeclient] but subject access review was not approved',
    );
    assert.equal(r.writes.length, 0);
  });

  it('ignores CSRs no recognizer matches and decided ones', async () => {
    const plain = csr('p', {
      cn: 'alice',
      signer: CLIENT,
      usages: ['client auth'],
      username: 'alice',
    });
    const decided = {
      ...nodeCsr('d', 'system:bootstrap:abc'),
      status: { conditions: [{ type: 'Denied', status: 'True' }] },
    };
    const r1 = await approve([plain], ['alice simulatednodepool'], 'p');
    assert.equal(r1.error, undefined);
    assert.equal(r1.sars.length, 0);
    assert.equal(r1.writes.length, 0);
    const r2 = await approve([decided], ['system:bootstrap:abc nodeclient'], 'd');
    assert.equal(r2.sars.length, 0);
    assert.equal(r2.writes.length, 0);
  });

  it('approves a simulated node pool client CSR (Skiff rule) only in its exact shape', async () => {
    const pool = (name: string, o: Partial<CsrOpts>) =>
      csr(name, {
        cn: 'skiff:simulated-node-pool:pool-a',
        orgs: ['skiff:simulated-node-pools'],
        signer: CLIENT,
        usages: ['digital signature', 'client auth'],
        username: 'system:bootstrap:abc',
        ...o,
      });
    const ok = await approve([pool('ok', {})], ['system:bootstrap:abc simulatednodepool'], 'ok');
    assert.equal(ok.writes.length, 1);
    const variants: [string, Partial<CsrOpts>][] = [
      ['orgs', { orgs: ['skiff:simulated-node-pools', 'system:masters'] }],
      ['cn', { cn: 'skiff:simulated-node-pool:' }],
      ['usage', { usages: ['client auth', 'server auth'] }],
      ['signer', { signer: KUBELET }],
      ['san', { dnsNames: ['x'] }],
    ];
    for (const [name, o] of variants) {
      const r = await approve([pool(name, o)], ['system:bootstrap:abc simulatednodepool'], name);
      assert.equal(r.writes.length, 0, name);
    }
  });
});

describe('csrcleaner', () => {
  const now = T0;
  const ago = (ms: number) => new Date(now - ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const base = { cn: 'alice', signer: CLIENT, usages: ['client auth'] };
  const cases: { name: string; o: Partial<CsrOpts>; clean: boolean }[] = [
    { name: 'pending 23h', o: { created: ago(23 * 3600_000) }, clean: false },
    { name: 'pending 25h', o: { created: ago(25 * 3600_000) }, clean: true },
    {
      name: 'denied 30m',
      o: { conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: ago(1800_000) }] },
      clean: false,
    },
    {
      name: 'denied 2h',
      o: { conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: ago(7200_000) }] },
      clean: true,
    },
    {
      name: 'approved 2h, not issued',
      o: { conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: ago(7200_000) }] },
      clean: false,
    },
    {
      name: 'issued 2h',
      o: {
        conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: ago(7200_000) }],
        certificate: Buffer.from(CA.certPem).toString('base64'),
      },
      clean: true,
    },
    {
      name: 'failed 2h',
      o: { conditions: [{ type: 'Failed', status: 'True', lastUpdateTime: ago(7200_000) }] },
      clean: true,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      assert.equal(shouldCleanCSR(csr('x', { ...base, ...tc.o }), now), tc.clean);
    });
  }
});

describe('kubelet serving CSR policy (kubelet-csr-approver checks)', () => {
  const NODE_IP = '10.0.0.7';
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: {
      addresses: [
        { type: 'InternalIP', address: NODE_IP },
        { type: 'ExternalIP', address: '2001:db8::7' },
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalDNS', address: 'n1.internal.example' },
      ],
    },
  };
  const serving = (name: string, o: Partial<CsrOpts> = {}): CertificateSigningRequest =>
    csr(name, {
      cn: 'system:node:n1',
      orgs: ['system:nodes'],
      signer: SERVING,
      usages: ['digital signature', 'server auth'],
      username: 'system:node:n1',
      groups: ['system:nodes', 'system:authenticated'],
      dnsNames: ['n1', 'n1.internal.example'],
      ipAddresses: [NODE_IP, '2001:db8:0::7'],
      ...o,
    });
  const cases: { name: string; o: Partial<CsrOpts>; node?: Node | null; want: string }[] = [
    { name: 'the node asking for its own names and addresses', o: {}, want: 'approve' },
    {
      name: 'only a subset of the addresses',
      o: { dnsNames: [], ipAddresses: [NODE_IP] },
      want: 'approve',
    },
    { name: 'wrong CN', o: { cn: 'system:node:n2' }, want: 'manual' },
    { name: 'CN without the prefix', o: { cn: 'n1' }, want: 'manual' },
    { name: 'extra O', o: { orgs: ['system:nodes', 'system:masters'] }, want: 'manual' },
    { name: 'no O', o: { orgs: [] }, want: 'manual' },
    { name: 'extra DNS SAN', o: { dnsNames: ['n1', 'kubernetes.default'] }, want: 'wait' },
    { name: 'IP not in the addresses', o: { ipAddresses: [NODE_IP, '10.0.0.8'] }, want: 'wait' },
    { name: 'loopback IP', o: { ipAddresses: ['127.0.0.1'] }, want: 'wait' },
    {
      name: 'client usages',
      o: { usages: ['digital signature', 'client auth'] },
      want: 'manual',
    },
    {
      name: 'server and client usages',
      o: { usages: ['digital signature', 'server auth', 'client auth'] },
      want: 'manual',
    },
    {
      name: 'key encipherment with an ECDSA key',
      o: { usages: ['digital signature', 'key encipherment', 'server auth'] },
      want: 'manual',
    },
    { name: 'requester is another node', o: { username: 'system:node:n2' }, want: 'manual' },
    {
      name: 'requester is a bootstrap token',
      o: { username: 'system:bootstrap:abcdef' },
      want: 'manual',
    },
    {
      name: 'requester not in system:nodes',
      o: { groups: ['system:authenticated'] },
      want: 'manual',
    },
    { name: 'no SAN at all', o: { dnsNames: [], ipAddresses: [] }, want: 'manual' },
    { name: 'another signer', o: { signer: KUBELET }, want: 'manual' },
    { name: 'the Node does not exist yet', o: {}, node: null, want: 'wait' },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const c = serving('x', tc.o);
      const v = kubeletServingVerdict(
        c,
        parseCSR(c),
        tc.node === null ? undefined : (tc.node ?? node),
      );
      assert.equal(v.kind, tc.want, v.kind === 'approve' ? '' : v.reason);
    });
  }

  it('allows key encipherment for an RSA key', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { csrPem } = createCertificateRequest({
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
      ipAddresses: [NODE_IP],
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const c = serving('rsa', { usages: ['digital signature', 'key encipherment', 'server auth'] });
    c.spec.request = Buffer.from(csrPem).toString('base64');
    assert.equal(kubeletServingVerdict(c, parseCSR(c), node).kind, 'approve');
  });

  it('the controller approves once the Node reports the addresses, without a SubjectAccessReview', async () => {
    const h = harness([serving('s1')]);
    const bare: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
    h.cluster.seed(BUILTIN_RESOURCES.nodes, bare);
    const c = newCSRApprovingController({
      clientset: h.cluster.clientset,
      informers: h.factory,
      queue: h.queue,
    });
    await h.start();
    try {
      await c.sync('s1');
      assert.equal(h.cluster.writes().length, 0, 'no addresses yet: left pending');
      // The Node's status update re-queues the node's pending serving CSR.
      await h.cluster.clientset.nodes.updateStatus('', { ...bare, status: node.status ?? {} });
      const deadline = Date.now() + 5_000;
      while (h.queue.len() === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const key = await h.queue.get();
      assert.equal(key, 's1');
      h.queue.done('s1');
      await c.sync('s1');
      const writes = h.cluster
        .writes()
        .filter((a) => a.resource.resource === 'certificatesigningrequests');
      assert.equal(writes.length, 1);
      const w = writes[0];
      assert.ok(w);
      assert.equal(w.subresource, 'approval');
      assert.deepEqual((w.object as CertificateSigningRequest).status?.conditions, [
        {
          type: 'Approved',
          status: 'True',
          reason: 'AutoApproved',
          message: KUBELET_SERVING_APPROVED_MESSAGE,
        },
      ]);
      assert.equal(
        h.cluster.actions.filter((a) => a.resource.resource === 'subjectaccessreviews').length,
        0,
      );
    } finally {
      await h.stop();
    }
  });
});
