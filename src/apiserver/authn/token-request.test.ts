import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../api/index.ts';
import { generateSigningKey } from './keys.ts';
import { ServiceAccountTokens, type ServiceAccountTokenGetter } from './sa-tokens.ts';
import { tokenRequest, type TokenRequestOptions } from './token-request.ts';

const ISSUER = 'https://kubernetes.default.svc';
const NOW = new Date('2025-03-01T12:00:00.500Z');
const key = await generateSigningKey('ES256');

const objects: ServiceAccountTokenGetter = {
  getServiceAccount: (ns: string, name: string): ServiceAccount | undefined =>
    ns === 'dev' && name === 'builder'
      ? { metadata: { name: 'builder', namespace: 'dev', uid: 'sa-uid' } }
      : undefined,
  getPod: (ns: string, name: string): Pod | undefined =>
    ns === 'dev' && name === 'web'
      ? {
          metadata: { name: 'web', namespace: 'dev', uid: 'pod-uid' },
          spec: { containers: [], serviceAccountName: 'builder', nodeName: 'n1' },
        }
      : ns === 'dev' && name === 'other'
        ? {
            metadata: { name: 'other', uid: 'o' },
            spec: { containers: [], serviceAccountName: 'default' },
          }
        : undefined,
  getSecret: (ns: string, name: string): Secret | undefined =>
    ns === 'dev' && name === 's' ? { metadata: { name: 's', uid: 'secret-uid' } } : undefined,
  getNode: (name: string): Node | undefined =>
    name === 'n1' ? { metadata: { name: 'n1', uid: 'node-uid' } } : undefined,
};

const tokens = new ServiceAccountTokens({
  issuer: ISSUER,
  apiAudiences: [ISSUER, 'skiff'],
  signingKey: key,
  lookup: objects,
  now: () => NOW,
});

function opts(body: unknown, extra: Partial<TokenRequestOptions> = {}): TokenRequestOptions {
  return { namespace: 'dev', name: 'builder', body, tokens, lookup: objects, now: NOW, ...extra };
}

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

test('an empty request gets a 1 h token for the API audiences', async () => {
  const { tokenRequest: out, warnings } = await tokenRequest(opts({ spec: {} }));
  assert.deepEqual(warnings, []);
  assert.equal(out.kind, 'TokenRequest');
  assert.equal(out.apiVersion, 'authentication.k8s.io/v1');
  assert.deepEqual(out.metadata, {
    name: 'builder',
    namespace: 'dev',
    creationTimestamp: '2025-03-01T12:00:00Z',
  });
  assert.deepEqual(out.spec, { audiences: [ISSUER, 'skiff'], expirationSeconds: 3600 });
  assert.equal(out.status?.expirationTimestamp, '2025-03-01T13:00:00Z');
  const c = claims(out.status.token);
  assert.equal(c['exp'], Math.floor(NOW.getTime() / 1000) + 3600);
  assert.deepEqual(c['aud'], [ISSUER, 'skiff']);
  assert.equal((await tokens.verify(out.status.token))?.ok, true);
});

test('a pod-bound token names the pod and its node', async () => {
  const { tokenRequest: out } = await tokenRequest(
    opts({
      spec: {
        audiences: ['vault'],
        expirationSeconds: 7200,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'pod-uid' },
      },
    }),
  );
  assert.deepEqual(claims(out.status!.token)['kubernetes.io'], {
    namespace: 'dev',
    node: { name: 'n1', uid: 'node-uid' },
    pod: { name: 'web', uid: 'pod-uid' },
    serviceaccount: { name: 'builder', uid: 'sa-uid' },
  });
  assert.equal(out.status?.expirationTimestamp, '2025-03-01T14:00:00Z');
});

test('kubelet-style 3607 s pod tokens are extended to a year with warnafter', async () => {
  const { tokenRequest: out } = await tokenRequest(
    opts({
      spec: {
        expirationSeconds: 3607,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' },
      },
    }),
  );
  const c = claims(out.status!.token);
  const now = Math.floor(NOW.getTime() / 1000);
  assert.equal(c['exp'], now + 365 * 24 * 3600);
  assert.equal((c['kubernetes.io'] as { warnafter: number }).warnafter, now + 3607);
  // The status still reports what was asked for.
  assert.equal(out.status?.expirationTimestamp, '2025-03-01T13:00:07Z');
});

test('the server maximum shortens the token with a warning', async () => {
  const { tokenRequest: out, warnings } = await tokenRequest(
    opts({ spec: { expirationSeconds: 86400 } }, { maxExpirationSeconds: 7200 }),
  );
  assert.deepEqual(warnings, ['requested expiration of 86400 seconds shortened to 7200 seconds']);
  assert.equal(out.spec.expirationSeconds, 7200);
});

test('TokenRequest errors match upstream', async (t) => {
  const cases: { name: string; o: TokenRequestOptions; code: number; message: string }[] = [
    {
      name: 'too short',
      o: opts({ spec: { expirationSeconds: 60 } }),
      code: 422,
      message:
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    },
    {
      name: 'too long',
      o: opts({ spec: { expirationSeconds: 2 ** 32 + 1 } }),
      code: 422,
      message:
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
    },
    {
      name: 'name mismatch',
      o: opts({ metadata: { name: 'x' }, spec: {} }),
      code: 422,
      message:
        'TokenRequest.authentication.k8s.io "builder" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified',
    },
    {
      name: 'namespace mismatch',
      o: opts({ metadata: { namespace: 'prod' }, spec: {} }),
      code: 422,
      message:
        'TokenRequest.authentication.k8s.io "builder" is invalid: metadata.namespace: Invalid value: "prod": must match the service account namespace if specified',
    },
    {
      name: 'missing service account',
      o: opts({ spec: {} }, { name: 'ghost' }),
      code: 404,
      message: 'serviceaccounts "ghost" not found',
    },
    {
      name: 'missing pod',
      o: opts({ spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'gone' } } }),
      code: 404,
      message: 'pods "gone" not found',
    },
    {
      name: 'pod of another account',
      o: opts({ spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other' } } }),
      code: 400,
      message:
        'cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.',
    },
    {
      name: 'unsupported kind',
      o: opts({ spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'c' } } }),
      code: 400,
      message: 'cannot bind token to object of type /v1, Kind=ConfigMap',
    },
    {
      name: 'pod in another group',
      o: opts({
        spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'example.com/v1', name: 'web' } },
      }),
      code: 400,
      message: 'cannot bind token to object of type example.com/v1, Kind=Pod',
    },
    {
      name: 'uid mismatch',
      o: opts({
        spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: 'old' } },
      }),
      code: 409,
      message:
        'Operation cannot be fulfilled on Secret "s": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      await assert.rejects(tokenRequest(c.o), (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.equal(err.status.code, c.code);
        assert.equal(err.message, c.message);
        return true;
      });
    });
  }
});

test('admission sees the defaulted request and may deny it', async () => {
  let seen: unknown;
  await assert.rejects(
    tokenRequest(
      opts(
        { spec: {} },
        {
          admit: (req) => {
            seen = req;
            return Promise.reject(new Error('denied'));
          },
        },
      ),
    ),
    { message: 'denied' },
  );
  assert.deepEqual((seen as { spec: unknown }).spec, {
    audiences: [ISSUER, 'skiff'],
    expirationSeconds: 3600,
  });
});
