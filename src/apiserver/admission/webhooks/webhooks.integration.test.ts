// Real HTTPS webhook servers on 127.0.0.1, certificates from our PKI, the dispatcher calling
// them through URL and Service references.
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type {
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../../api/index.ts';
import { createCA, issueCertificate } from '../../pki/index.ts';
import { WebhookAdmission } from './index.ts';
import type { AdmissionAttributes, JsonObject, WebhookAdmissionOptions } from './index.ts';

interface Received {
  readonly path: string;
  readonly host: string | undefined;
  readonly review: JsonObject;
}

const ca = createCA({ commonName: 'webhook-test-ca', validDays: 1 });
const otherCa = createCA({ commonName: 'other-ca', validDays: 1 });
const serving = issueCertificate(ca, {
  commonName: 'webhook',
  dnsNames: ['webhook.test.svc'],
  ipAddresses: ['127.0.0.1'],
  usages: ['server'],
  validDays: 1,
});
const caBundle = Buffer.from(ca.certPem).toString('base64');

const received: Received[] = [];
let server: Server;
let port = 0;

function respond(res: ServerResponse, review: JsonObject, response: JsonObject): void {
  const request = review.request as JsonObject;
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: request.uid, ...response },
    }),
  );
}

function patch(ops: unknown[]): JsonObject {
  return { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') };
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonObject;
    const path = req.url ?? '';
    received.push({ path, host: req.headers.host, review });
    const request = review.request as JsonObject;
    const object = request.object as JsonObject | null;
    const labels = ((object?.metadata as JsonObject | undefined)?.labels ?? {}) as Record<
      string,
      string
    >;
    switch (path.split('?')[0]) {
      case '/allow': {
        respond(res, review, {
          allowed: true,
          warnings: ['be careful'],
          auditAnnotations: { seen: 'yes' },
        });
        return;
      }
      case '/deny': {
        respond(res, review, {
          allowed: false,
          status: { code: 403, reason: 'Forbidden', message: 'pods named bad are not allowed' },
        });
        return;
      }
      case '/deny-bare': {
        respond(res, review, { allowed: false });
        return;
      }
      case '/mutate': {
        respond(res, review, {
          allowed: true,
          ...patch([{ op: 'add', path: '/metadata/labels/mutated', value: 'true' }]),
        });
        return;
      }
      case '/add-b': {
        // Changes the object only the first time it sees it without label b.
        respond(res, review, {
          allowed: true,
          ...(labels.b === undefined
            ? patch([{ op: 'add', path: '/metadata/labels/b', value: 'x' }])
            : {}),
        });
        return;
      }
      case '/count-a': {
        respond(res, review, {
          allowed: true,
          ...patch([
            {
              op: 'add',
              path: '/metadata/labels/a',
              value: labels.b === undefined ? 'without-b' : 'with-b',
            },
          ]),
        });
        return;
      }
      case '/bad-uid':
        res.setHeader('content-type', 'application/json');
        return void res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: { uid: 'wrong', allowed: true },
          }),
        );
      case '/slow':
        // Never answers in time; the server is closed with closeAllConnections.
        return;
      default:
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain');
        res.end('no such webhook');
    }
  });
}

before(async () => {
  server = createServer({ cert: serving.certPem, key: serving.keyPem }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

function urlHook(
  name: string,
  path: string,
  extra: Partial<ValidatingWebhook> = {},
): ValidatingWebhook {
  return {
    name,
    clientConfig: { url: `https://127.0.0.1:${String(port)}${path}`, caBundle },
    rules: [
      {
        operations: ['CREATE', 'UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
        scope: '*',
      },
    ] as unknown as ValidatingWebhook['rules'],
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    sideEffects: 'None',
    timeoutSeconds: 10,
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}

function vconfig(name: string, hooks: ValidatingWebhook[]): ValidatingWebhookConfiguration {
  return { metadata: { name }, webhooks: hooks };
}

function mconfig(name: string, hooks: MutatingWebhook[]): MutatingWebhookConfiguration {
  return { metadata: { name }, webhooks: hooks };
}

function admission(
  validating: ValidatingWebhookConfiguration[],
  mutating: MutatingWebhookConfiguration[] = [],
  extra: Partial<WebhookAdmissionOptions> = {},
): WebhookAdmission {
  return new WebhookAdmission({
    mutatingConfigs: () => mutating,
    validatingConfigs: () => validating,
    getNamespace: (name): Namespace | undefined => ({
      metadata: { name, labels: { env: 'test' } },
    }),
    resolveService: () => new Error('no services here'),
    ...extra,
  });
}

function podAttrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: '',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    name: 'p1',
    namespace: 'default',
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p1', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    },
    options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    dryRun: false,
    userInfo: { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] },
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, `not a StatusError: ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

describe('validating webhooks over HTTPS', () => {
  it('allows, passing warnings and audit annotations, with a full AdmissionReview v1', async () => {
    received.length = 0;
    const a = admission([vconfig('cfg', [urlHook('allow.example.com', '/allow')])]);
    const res = await a.admitValidating(podAttrs());
    a.close();
    assert.deepEqual(res.warnings, ['be careful']);
    assert.deepEqual(res.auditAnnotations, { 'allow.example.com/seen': 'yes' });
    assert.equal(received.length, 1);
    const got = received[0];
    assert.ok(got !== undefined);
    assert.equal(got.path, '/allow?timeout=10s');
    assert.equal(got.host, `127.0.0.1:${String(port)}`);
    const review = got.review;
    assert.equal(review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(review.kind, 'AdmissionReview');
    const request = review.request as JsonObject;
    assert.match(String(request.uid), /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      { ...request, uid: 'x' },
      {
        uid: 'x',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        requestKind: { group: '', version: 'v1', kind: 'Pod' },
        requestResource: { group: '', version: 'v1', resource: 'pods' },
        name: 'p1',
        namespace: 'default',
        operation: 'CREATE',
        userInfo: { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] },
        object: podAttrs().object,
        oldObject: null,
        dryRun: false,
        options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      },
    );
  });

  it('denies with the webhook message and code', async () => {
    const a = admission([
      vconfig('cfg', [
        urlHook('allow.example.com', '/allow'),
        urlHook('deny.example.com', '/deny'),
      ]),
    ]);
    const err = await rejection(a.admitValidating(podAttrs()));
    a.close();
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(
      err.message,
      'admission webhook "deny.example.com" denied the request: pods named bad are not allowed',
    );
  });

  it('denies without explanation with code 400', async () => {
    const a = admission([vconfig('cfg', [urlHook('bare.example.com', '/deny-bare')])]);
    const err = await rejection(a.admitValidating(podAttrs()));
    a.close();
    assert.equal(err.code, 400);
    assert.equal(
      err.message,
      'admission webhook "bare.example.com" denied the request without explanation',
    );
  });

  it('fails closed on a timeout under Fail, within timeoutSeconds', async () => {
    const a = admission([
      vconfig('cfg', [urlHook('slow.example.com', '/slow', { timeoutSeconds: 1 })]),
    ]);
    const start = Date.now();
    const err = await rejection(a.admitValidating(podAttrs()));
    a.close();
    assert.ok(Date.now() - start < 3000);
    assert.equal(err.code, 500);
    assert.equal(
      err.message,
      `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${String(port)}/slow?timeout=1s": context deadline exceeded`,
    );
  });

  it('fails open on a timeout under Ignore, with the failed-open annotation', async () => {
    const a = admission([
      vconfig('cfg', [
        urlHook('slow.example.com', '/slow', { timeoutSeconds: 1, failurePolicy: 'Ignore' }),
      ]),
    ]);
    const res = await a.admitValidating(podAttrs());
    a.close();
    assert.deepEqual(res.auditAnnotations, {
      'failed-open.validating.webhook.admission.k8s.io/round_0_index_0': 'slow.example.com',
    });
  });

  it('treats an untrusted certificate and a bad response as call failures', async () => {
    const a = admission([
      vconfig('cfg', [
        urlHook('untrusted.example.com', '/allow', {
          clientConfig: {
            url: `https://127.0.0.1:${String(port)}/allow`,
            caBundle: Buffer.from(otherCa.certPem).toString('base64'),
          },
        }),
      ]),
    ]);
    const err = await rejection(a.admitValidating(podAttrs()));
    a.close();
    assert.equal(
      err.message,
      `Internal error occurred: failed calling webhook "untrusted.example.com": failed to call webhook: Post "https://127.0.0.1:${String(port)}/allow?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    const b = admission([vconfig('cfg', [urlHook('uid.example.com', '/bad-uid')])]);
    const err2 = await rejection(b.admitValidating(podAttrs()));
    b.close();
    assert.match(
      err2.message,
      /^Internal error occurred: failed calling webhook "uid\.example\.com": received invalid webhook response: expected response\.uid="[0-9a-f-]+", got "wrong"$/,
    );
    const c = admission([vconfig('cfg', [urlHook('missing.example.com', '/nowhere')])]);
    const err3 = await rejection(c.admitValidating(podAttrs()));
    c.close();
    assert.equal(
      err3.message,
      'Internal error occurred: failed calling webhook "missing.example.com": failed to call webhook: an error on the server ("no such webhook") has prevented the request from succeeding',
    );
  });

  it('rejects dry-run for webhooks with side effects, and calls None ones', async () => {
    const a = admission([
      vconfig('cfg', [
        urlHook('some.example.com', '/allow', { sideEffects: 'Some', failurePolicy: 'Ignore' }),
      ]),
    ]);
    const err = await rejection(a.admitValidating(podAttrs({ dryRun: true })));
    a.close();
    assert.equal(err.code, 400);
    assert.equal(err.message, 'admission webhook "some.example.com" does not support dry run');
    received.length = 0;
    const b = admission([vconfig('cfg', [urlHook('none.example.com', '/allow')])]);
    await b.admitValidating(podAttrs({ dryRun: true }));
    b.close();
    assert.equal((received[0]?.review.request as JsonObject).dryRun, true);
  });

  it('calls a Service reference at the resolved address, verifying <svc>.<ns>.svc', async () => {
    received.length = 0;
    const resolved: string[] = [];
    const a = admission(
      [
        vconfig('cfg', [
          urlHook('svc.example.com', '', {
            clientConfig: {
              service: { namespace: 'test', name: 'webhook', path: '/allow', port: 8443 },
              caBundle,
            },
          }),
        ]),
      ],
      [],
      {
        resolveService: (ns, name, p) => {
          resolved.push(`${ns}/${name}:${String(p)}`);
          return { host: '127.0.0.1', port };
        },
      },
    );
    const res = await a.admitValidating(podAttrs());
    assert.deepEqual(resolved, ['test/webhook:8443']);
    assert.deepEqual(res.warnings, ['be careful']);
    const call = received[0];
    assert.ok(call !== undefined);
    assert.equal(call.host, 'webhook.test.svc:8443');
    assert.equal(call.path, '/allow?timeout=10s');
    a.close();

    const b = admission(
      [
        vconfig('cfg', [
          urlHook('svc.example.com', '', {
            clientConfig: { service: { namespace: 'other', name: 'webhook', port: 443 }, caBundle },
          }),
        ]),
      ],
      [],
      { resolveService: () => ({ host: '127.0.0.1', port }) },
    );
    const err = await rejection(b.admitValidating(podAttrs()));
    b.close();
    assert.equal(
      err.message,
      'Internal error occurred: failed calling webhook "svc.example.com": failed to call webhook: Post "https://webhook.other.svc:443/?timeout=10s": tls: failed to verify certificate: x509: certificate is valid for webhook.test.svc, 127.0.0.1, not webhook.other.svc',
    );
    const c = admission([
      vconfig('cfg', [
        urlHook('svc.example.com', '', {
          clientConfig: { service: { namespace: 'x', name: 'gone', port: 443 } },
        }),
      ]),
    ]);
    const err2 = await rejection(c.admitValidating(podAttrs()));
    c.close();
    assert.equal(
      err2.message,
      'Internal error occurred: failed calling webhook "svc.example.com": failed to call webhook: Post "https://gone.x.svc:443/?timeout=10s": no services here',
    );
  });
});

function mutHook(
  name: string,
  path: string,
  extra: Partial<MutatingWebhook> = {},
): MutatingWebhook {
  return { ...urlHook(name, path), reinvocationPolicy: 'Never', ...extra };
}

describe('mutating webhooks over HTTPS', () => {
  it('applies JSON patches in order and reports audit annotations', async () => {
    const a = admission(
      [],
      [
        mconfig('b-cfg', [mutHook('add-b.example.com', '/add-b')]),
        mconfig('a-cfg', [mutHook('mutate.example.com', '/mutate')]),
      ],
    );
    const attrs = podAttrs();
    const before = structuredClone(attrs.object);
    const res = await a.admitMutating(attrs);
    a.close();
    assert.deepEqual(attrs.object, before, 'request object untouched');
    assert.equal(res.mutated, true);
    assert.deepEqual((res.object?.metadata as JsonObject).labels, {
      app: 'web',
      mutated: 'true',
      b: 'x',
    });
    assert.deepEqual(res.auditAnnotations, {
      'patch.webhook.admission.k8s.io/round_0_index_0':
        '{"configuration":"a-cfg","webhook":"mutate.example.com","patch":[{"op":"add","path":"/metadata/labels/mutated","value":"true"}],"patchType":"JSONPatch"}',
      'mutation.webhook.admission.k8s.io/round_0_index_0':
        '{"configuration":"a-cfg","webhook":"mutate.example.com","mutated":true}',
      'patch.webhook.admission.k8s.io/round_0_index_1':
        '{"configuration":"b-cfg","webhook":"add-b.example.com","patch":[{"op":"add","path":"/metadata/labels/b","value":"x"}],"patchType":"JSONPatch"}',
      'mutation.webhook.admission.k8s.io/round_0_index_1':
        '{"configuration":"b-cfg","webhook":"add-b.example.com","mutated":true}',
    });
  });

  it('reinvokes an IfNeeded webhook once after a later webhook changed the object', async () => {
    received.length = 0;
    const a = admission(
      [],
      [
        mconfig('cfg', [
          mutHook('count-a.example.com', '/count-a', { reinvocationPolicy: 'IfNeeded' }),
          mutHook('add-b.example.com', '/add-b'),
        ]),
      ],
    );
    const res = await a.admitMutating(podAttrs());
    a.close();
    assert.deepEqual(
      received.map((r) => r.path.split('?')[0]),
      ['/count-a', '/add-b', '/count-a'],
    );
    assert.deepEqual((res.object?.metadata as JsonObject).labels, {
      app: 'web',
      a: 'with-b',
      b: 'x',
    });
    assert.equal(
      res.auditAnnotations['mutation.webhook.admission.k8s.io/round_1_index_0'],
      '{"configuration":"cfg","webhook":"count-a.example.com","mutated":true}',
    );
  });

  it('does not reinvoke with Never, nor when nothing changed after', async () => {
    received.length = 0;
    const a = admission(
      [],
      [
        mconfig('cfg', [
          mutHook('add-b.example.com', '/add-b', { reinvocationPolicy: 'IfNeeded' }),
          mutHook('allow.example.com', '/allow'),
        ]),
      ],
    );
    await a.admitMutating(podAttrs());
    a.close();
    assert.deepEqual(
      received.map((r) => r.path.split('?')[0]),
      ['/add-b', '/allow'],
    );
  });

  it('fails closed and open on timeouts', async () => {
    const a = admission(
      [],
      [mconfig('cfg', [mutHook('slow.example.com', '/slow', { timeoutSeconds: 1 })])],
    );
    const err = await rejection(a.admitMutating(podAttrs()));
    assert.equal(err.code, 500);
    assert.match(
      err.message,
      /failed calling webhook "slow\.example\.com": failed to call webhook: Post ".*\/slow\?timeout=1s": context deadline exceeded$/,
    );
    a.close();
    const b = admission(
      [],
      [
        mconfig('cfg', [
          mutHook('slow.example.com', '/slow', { timeoutSeconds: 1, failurePolicy: 'Ignore' }),
          mutHook('mutate.example.com', '/mutate'),
        ]),
      ],
    );
    const res = await b.admitMutating(podAttrs());
    b.close();
    assert.equal(res.mutated, true);
    assert.equal(
      res.auditAnnotations['failed-open.mutation.webhook.admission.k8s.io/round_0_index_0'],
      'slow.example.com',
    );
  });

  it('denies through a mutating webhook and rejects dry-run with side effects', async () => {
    const a = admission([], [mconfig('cfg', [mutHook('deny.example.com', '/deny')])]);
    const err = await rejection(a.admitMutating(podAttrs()));
    assert.equal(err.code, 403);
    a.close();
    const b = admission(
      [],
      [mconfig('cfg', [mutHook('unknown.example.com', '/mutate', { sideEffects: 'Unknown' })])],
    );
    const err2 = await rejection(b.admitMutating(podAttrs({ dryRun: true })));
    b.close();
    assert.equal(err2.message, 'admission webhook "unknown.example.com" does not support dry run');
  });

  it('sends an Equivalent match under the webhook version and converts the result back', async () => {
    received.length = 0;
    const rules = [
      {
        operations: ['CREATE'],
        apiGroups: ['apps'],
        apiVersions: ['v1beta1'],
        resources: ['deployments'],
      },
    ] as unknown as MutatingWebhook['rules'];
    const configs = [mconfig('cfg', [mutHook('mutate.example.com', '/mutate', { rules })])];
    const equivalentResources = (): {
      resource: { group: string; version: string; resource: string };
      kind: { group: string; version: string; kind: string };
    }[] => [
      {
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      },
      {
        resource: { group: 'apps', version: 'v1beta1', resource: 'deployments' },
        kind: { group: 'apps', version: 'v1beta1', kind: 'Deployment' },
      },
    ];
    const attrs = podAttrs({
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: {} } },
    });
    const a = admission([], configs, { equivalentResources });
    const res = await a.admitMutating(attrs);
    a.close();
    const request = received[0]?.review.request as JsonObject;
    assert.deepEqual(request.kind, { group: 'apps', version: 'v1beta1', kind: 'Deployment' });
    assert.deepEqual(request.resource, {
      group: 'apps',
      version: 'v1beta1',
      resource: 'deployments',
    });
    assert.deepEqual(request.requestKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.equal((request.object as JsonObject).apiVersion, 'apps/v1beta1');
    assert.deepEqual(res.object, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { mutated: 'true' } },
    });
    received.length = 0;
    const exact = admission(
      [],
      [mconfig('cfg', [mutHook('mutate.example.com', '/mutate', { rules, matchPolicy: 'Exact' })])],
      {
        equivalentResources,
      },
    );
    const res2 = await exact.admitMutating(attrs);
    exact.close();
    assert.equal(res2.mutated, false);
    assert.equal(received.length, 0);
  });

  it('refuses a patch for DELETE, which has no object', async () => {
    const a = admission(
      [],
      [
        mconfig('cfg', [
          mutHook('mutate.example.com', '/mutate', {
            rules: [
              { operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
            ] as unknown as MutatingWebhook['rules'],
          }),
        ]),
      ],
    );
    const attrs = podAttrs({
      operation: 'DELETE',
      oldObject: podAttrs().object,
      object: undefined,
    });
    const err = await rejection(a.admitMutating(attrs));
    a.close();
    assert.equal(
      err.message,
      'Internal error occurred: admission webhook "mutate.example.com" attempted to modify the object, which is not supported for this operation',
    );
  });
});
