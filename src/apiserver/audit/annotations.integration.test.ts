/**
 * Admission audit annotations reach the audit log, through a real in-process API server: the
 * PodSecurity plugin's (`pod-security.kubernetes.io/enforce-policy`, `.../audit-violations`),
 * also on a denied request, and a validating webhook's (`<webhook name>/<key>`), with the log
 * rotating at a tiny size without losing or splitting an event.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Store } from '../../storage/index.ts';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { createCA, issueCertificate } from '../pki/index.ts';
import { startApiServer, type RunningApiServer } from '../index.ts';

const ca = createCA({ commonName: 'audit-test-ca', validDays: 1 });
const serving = issueCertificate(ca, {
  commonName: '127.0.0.1',
  ipAddresses: ['127.0.0.1'],
  usages: ['server'],
  validDays: 1,
});
const admin = issueCertificate(ca, {
  commonName: 'admin',
  organizations: ['system:masters'],
  usages: ['client'],
  validDays: 1,
});

interface AuditLine {
  verb: string;
  stage: string;
  objectRef?: { resource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  annotations?: Record<string, string>;
}

describe('admission audit annotations in the audit log', () => {
  let server: RunningApiServer;
  let webhook: https.Server;
  let dir: string;

  const call = (method: string, path: string, body?: unknown): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        `${server.url}${path}`,
        {
          method,
          ca: ca.certPem,
          cert: admin.certPem,
          key: admin.keyPem,
          headers: { 'Content-Type': 'application/json' },
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            resolve(res.statusCode ?? 0);
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-audit-ann-'));
    webhook = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          request: { uid: string };
        };
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: {
              uid: review.request.uid,
              allowed: true,
              auditAnnotations: { checked: 'yes' },
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    await writeFile(
      join(dir, 'policy.yaml'),
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n',
    );
    server = await startApiServer({
      storage: new Store(createMemoryBackend()),
      bindAddress: '127.0.0.1',
      port: 0,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
      audit: {
        policyFile: join(dir, 'policy.yaml'),
        logPath: join(dir, 'log', 'audit.log'),
        rotation: { maxSizeBytes: 4096, maxBackups: 1000 },
      },
    });
  });
  after(async () => {
    await server.close();
    await new Promise((r) => webhook.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  /** Every event so far, oldest file first; asserts no file is over the size or ends mid-line. */
  const events = async (): Promise<AuditLine[]> => {
    const logDir = join(dir, 'log');
    const names = (await readdir(logDir)).filter((n) => n !== 'audit.log').sort();
    const out: AuditLine[] = [];
    for (const name of [...names, 'audit.log']) {
      // A rotation renames audit.log before it opens the next one (and may prune backups
      // listed a moment ago): a missing file holds no events yet.
      const text = await readFile(join(logDir, name), 'utf8').catch((err: unknown) => {
        if ((err as { code?: unknown }).code === 'ENOENT') return '';
        throw err;
      });
      assert.ok(Buffer.byteLength(text) <= 4096, `${name} is over the maximum size`);
      assert.ok(text === '' || text.endsWith('\n'), `${name} ends mid-event`);
      for (const line of text.split('\n')) if (line !== '') out.push(JSON.parse(line) as AuditLine);
    }
    return out;
  };

  const waitFor = async (pred: (e: AuditLine) => boolean): Promise<AuditLine> => {
    for (let i = 0; i < 100; i++) {
      const found = (await events()).find(pred);
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('the event was not audited');
  };

  const created = (namespace: string, name: string) => (e: AuditLine) =>
    e.verb === 'create' &&
    e.stage === 'ResponseComplete' &&
    e.objectRef?.namespace === namespace &&
    e.objectRef.name === name;

  it('records PodSecurity annotations for admitted and denied pods', async () => {
    assert.equal(
      await call('POST', '/api/v1/namespaces', {
        metadata: {
          name: 'psa',
          labels: {
            'pod-security.kubernetes.io/enforce': 'baseline',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      }),
      201,
    );
    const sa = await call('POST', '/api/v1/namespaces/psa/serviceaccounts', {
      metadata: { name: 'default' },
    });
    assert.ok(sa === 201 || sa === 409, String(sa));
    const pod = (name: string, privileged: boolean) => ({
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged } }] },
    });
    assert.equal(await call('POST', '/api/v1/namespaces/psa/pods', pod('ok', false)), 201);
    assert.equal(await call('POST', '/api/v1/namespaces/psa/pods', pod('bad', true)), 403);

    const ok = await waitFor(created('psa', 'ok'));
    assert.equal(ok.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
    assert.match(
      ok.annotations['pod-security.kubernetes.io/audit-violations'] ?? '',
      /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/,
    );
    const bad = await waitFor(created('psa', 'bad'));
    assert.equal(bad.responseStatus?.code, 403);
    assert.equal(bad.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
    assert.match(
      bad.annotations['pod-security.kubernetes.io/audit-violations'] ?? '',
      /^would violate PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/,
    );
  });

  it("records a validating webhook's audit annotations as <webhook>/<key>", async () => {
    const port = (webhook.address() as AddressInfo).port;
    assert.equal(
      await call('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
        metadata: { name: 'annotating' },
        webhooks: [
          {
            name: 'annotate.example.com',
            clientConfig: {
              url: `https://127.0.0.1:${String(port)}/validate`,
              caBundle: Buffer.from(ca.certPem).toString('base64'),
            },
            rules: [
              {
                apiGroups: [''],
                apiVersions: ['v1'],
                operations: ['CREATE'],
                resources: ['configmaps'],
              },
            ],
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
          },
        ],
      }),
      201,
    );
    // The webhook configuration mirror catches up asynchronously.
    let last: AuditLine | undefined;
    for (
      let i = 0;
      i < 50 && last?.annotations?.['annotate.example.com/checked'] === undefined;
      i++
    ) {
      const name = `cm-${String(i)}`;
      assert.equal(
        await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name } }),
        201,
      );
      last = await waitFor(created('default', name));
    }
    assert.equal(last?.annotations?.['annotate.example.com/checked'], 'yes');
  });

  it('rotated the log without losing an event', async () => {
    // Enough requests to rotate several times at 4 KiB.
    for (let i = 0; i < 40; i++) {
      assert.equal(
        await call('POST', '/api/v1/namespaces/default/configmaps', {
          metadata: { name: `fill-${String(i)}` },
        }),
        201,
      );
    }
    await waitFor(created('default', 'fill-39'));
    const all = await events();
    for (let i = 0; i < 40; i++) {
      assert.equal(
        all.filter(created('default', `fill-${String(i)}`)).length,
        1,
        `fill-${String(i)}`,
      );
    }
    const backups = (await readdir(join(dir, 'log'))).filter((n) => n !== 'audit.log');
    assert.ok(backups.length >= 3, `rotated ${String(backups.length)} times`);
    for (const b of backups)
      assert.match(b, /^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$/);
  });
});
