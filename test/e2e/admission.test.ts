/**
 * The real kubectl against `./skiff server` with real HTTPS admission webhooks started by the
 * test (allow, deny with the message kubectl prints, mutate with a JSON patch), and the
 * `fieldValidation` and `Warning` behaviour kubectl shows (`--validate=strict|warn|ignore`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCA, issueCertificate } from '../../src/apiserver/pki/index.ts';
import { startSkiffServer, type SkiffServer } from './harness.ts';

const ca = createCA({ commonName: 'webhook-e2e-ca', validDays: 1 });
const serving = issueCertificate(ca, {
  commonName: '127.0.0.1',
  ipAddresses: ['127.0.0.1'],
  usages: ['server'],
  validDays: 1,
});

interface Review {
  apiVersion: string;
  kind: string;
  request: {
    uid: string;
    operation: string;
    userInfo: { username: string };
    object?: { metadata?: { name?: string; labels?: Record<string, string> } };
  };
}

/** An HTTPS webhook server: /validate denies objects labelled deny=yes, /mutate adds a label. */
function startWebhookServer(seen: Review[]): Promise<https.Server> {
  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
      seen.push(review);
      const labels = review.request.object?.metadata?.labels ?? {};
      let response: Record<string, unknown> = { uid: review.request.uid, allowed: true };
      if ((req.url ?? '').startsWith('/validate') && labels['deny'] === 'yes') {
        response = {
          uid: review.request.uid,
          allowed: false,
          status: { code: 403, message: 'configmaps labelled deny=yes are not welcome here' },
        };
      } else if ((req.url ?? '').startsWith('/mutate')) {
        const patch = [
          labels['stamped'] === undefined && Object.keys(labels).length === 0
            ? { op: 'add', path: '/metadata/labels', value: { stamped: 'by-webhook' } }
            : { op: 'add', path: '/metadata/labels/stamped', value: 'by-webhook' },
        ];
        response = {
          uid: review.request.uid,
          allowed: true,
          patchType: 'JSONPatch',
          patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
          warnings: ['stamped by the e2e webhook'],
        };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, response }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}

describe('admission webhooks and field validation with kubectl', () => {
  let s: SkiffServer;
  let hook: https.Server;
  const seen: Review[] = [];
  before(async () => {
    s = await startSkiffServer();
    hook = await startWebhookServer(seen);
  });
  after(async () => {
    await s.stop();
    await new Promise((r) => hook.close(r));
  });

  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  it('calls validating and mutating webhooks: allow, deny with the message, mutate', async () => {
    const port = (hook.address() as AddressInfo).port;
    const caBundle = Buffer.from(ca.certPem).toString('base64');
    const webhook = (name: string, path: string): string => `
  - name: ${name}
    clientConfig:
      url: https://127.0.0.1:${String(port)}${path}
      caBundle: ${caBundle}
    rules:
      - operations: ["CREATE", "UPDATE"]
        apiGroups: [""]
        apiVersions: ["v1"]
        resources: ["configmaps"]
    namespaceSelector:
      matchLabels:
        webhooks: "on"
    matchConditions:
      - name: not-exempt
        expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)"
      - name: not-kube-system
        expression: "request.namespace != 'kube-system'"
    sideEffects: None
    admissionReviewVersions: ["v1"]`;
    await ok(['create', 'namespace', 'hooked']);
    await ok(['label', 'namespace', 'hooked', 'webhooks=on']);
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: e2e-validate
webhooks:${webhook('deny.e2e.skiff.dev', '/validate')}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: e2e-mutate
webhooks:${webhook('stamp.e2e.skiff.dev', '/mutate')}
`,
    );
    // Defaults as upstream.
    const vwc = JSON.parse(
      await ok(['get', 'validatingwebhookconfiguration', 'e2e-validate', '-o', 'json']),
    ) as {
      webhooks: { failurePolicy: string; matchPolicy: string; timeoutSeconds: number }[];
    };
    assert.deepEqual(
      [
        vwc.webhooks[0]?.failurePolicy,
        vwc.webhooks[0]?.matchPolicy,
        vwc.webhooks[0]?.timeoutSeconds,
      ],
      ['Fail', 'Equivalent', 10],
    );

    // The server learns of new configurations through a watch: wait until the webhook acts.
    const deadline = Date.now() + 10_000;
    let denied = await s.kubectl([
      'create',
      'configmap',
      'bad',
      '-n',
      'hooked',
      '--dry-run=server',
      '-o',
      'name',
    ]);
    while (denied.code === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      denied = await s.kubectl(['create', '-n', 'hooked', '-f', '-'], {
        input:
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  labels:\n    deny: "yes"\n',
      });
    }
    assert.notEqual(denied.code, 0, 'the validating webhook denies');
    assert.match(
      denied.stderr,
      /admission webhook "deny\.e2e\.skiff\.dev" denied the request: configmaps labelled deny=yes are not welcome here/,
    );
    const gone = await s.kubectl(['get', 'configmap', 'bad', '-n', 'hooked']);
    assert.notEqual(gone.code, 0, 'nothing was stored');

    // Allowed and mutated: the label comes from the webhook's JSON patch; its warning is shown.
    const created = await s.kubectl([
      'create',
      'configmap',
      'good',
      '-n',
      'hooked',
      '--from-literal=a=b',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /Warning: stamped by the e2e webhook/);
    const labels = JSON.parse(
      await ok(['get', 'configmap', 'good', '-n', 'hooked', '-o', 'jsonpath={.metadata.labels}']),
    ) as Record<string, string>;
    assert.equal(labels['stamped'], 'by-webhook');

    // matchConditions (CEL) skip the webhooks for objects labelled exempt.
    await ok(
      ['create', '-n', 'hooked', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: exempt\n  labels:\n    deny: "yes"\n    exempt: "1"\n',
    );
    const exempt = await ok([
      'get',
      'configmap',
      'exempt',
      '-n',
      'hooked',
      '-o',
      'jsonpath={.metadata.labels.stamped}',
    ]);
    assert.equal(exempt, '', 'the mutating webhook was not called either');

    // Namespaces without the label are not selected.
    await ok(['create', 'configmap', 'plain', '-n', 'default']);
    const plain = await ok([
      'get',
      'configmap',
      'plain',
      '-n',
      'default',
      '-o',
      'jsonpath={.metadata.labels}',
    ]);
    assert.equal(plain, '');

    // The webhook saw who asked.
    const review = seen.find((r) => r.request.object?.metadata?.name === 'good');
    assert.equal(review?.request.userInfo.username, 'admin');
    assert.equal(review.request.operation, 'CREATE');

    // Deleting the configurations turns the webhooks off again.
    await ok(['delete', 'validatingwebhookconfiguration', 'e2e-validate']);
    await ok(['delete', 'mutatingwebhookconfiguration', 'e2e-mutate']);
  });

  it('rejects unknown fields with --validate=strict, warns with warn, ignores with ignore', async () => {
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: fv
  bogus: 1
data:
  a: b
`;
    // kubectl's client-side schema check would catch it first; skip it to reach the server.
    const strict = await s.kubectl(['create', '--validate=strict', '-f', '-'], { input: manifest });
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /unknown field "metadata\.bogus"/);
    const warn = await s.kubectl(['create', '--validate=warn', '-f', '-'], { input: manifest });
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stderr, /Warning: unknown field "metadata\.bogus"/);
    await ok(['delete', 'configmap', 'fv']);
    const ignore = await s.kubectl(['create', '--validate=ignore', '-f', '-'], { input: manifest });
    assert.equal(ignore.code, 0, ignore.stderr);
    assert.doesNotMatch(ignore.stderr, /unknown field/);
  });

  it('shows upstream object warnings (deprecated node labels in a pod)', async () => {
    const r = await s.kubectl(['create', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata:
  name: warned
spec:
  nodeSelector:
    beta.kubernetes.io/arch: amd64
  containers:
    - name: c
      image: pause
`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Warning: spec\.nodeSelector\[beta\.kubernetes\.io\/arch\]: deprecated since v1\.14; use "kubernetes\.io\/arch" instead/,
    );
  });
});
