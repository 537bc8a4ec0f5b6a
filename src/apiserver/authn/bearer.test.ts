import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import {
  authenticateBearer,
  BearerAuthenticator,
  bearerTokenFromHeader,
  bearerTokenFromWebSocketProtocols,
  INVALID_TOKEN_WITH_SPACE_WARNING,
  type TokenAuthenticator,
} from './bearer.ts';
import { BootstrapTokenAuthenticator, bootstrapTokenSecret } from './bootstrap.ts';
import { generateSigningKey } from './keys.ts';
import { ServiceAccountTokens } from './sa-tokens.ts';
import { StaticTokenFile } from './token-file.ts';
import { withAuthenticatedGroup } from './service-account.ts';

test('bearerTokenFromHeader (upstream bearertoken_test.go)', () => {
  assert.deepEqual(bearerTokenFromHeader('Bearer token'), { token: 'token' });
  assert.deepEqual(bearerTokenFromHeader('bearer token'), { token: 'token' });
  assert.deepEqual(bearerTokenFromHeader('  Bearer token  '), { token: 'token' });
  assert.deepEqual(bearerTokenFromHeader('Bearer token extra'), { token: 'token' });
  assert.deepEqual(bearerTokenFromHeader('Bearer  token'), {
    warning: INVALID_TOKEN_WITH_SPACE_WARNING,
  });
  assert.deepEqual(bearerTokenFromHeader('Bearer'), {});
  assert.deepEqual(bearerTokenFromHeader('Basic Zm9vOmJhcg=='), {});
  assert.deepEqual(bearerTokenFromHeader(undefined), {});
});

test('bearerTokenFromWebSocketProtocols (upstream protocol_test.go)', () => {
  const enc = Buffer.from('token').toString('base64url');
  assert.deepEqual(
    bearerTokenFromWebSocketProtocols([
      `base64url.bearer.authorization.k8s.io.${enc}, v4.channel.k8s.io`,
    ]),
    { token: 'token', protocols: ['v4.channel.k8s.io'] },
  );
  assert.deepEqual(
    bearerTokenFromWebSocketProtocols([`base64url.bearer.authorization.k8s.io.${enc}`]),
    {
      protocols: [],
      error: 'missing additional subprotocol',
    },
  );
  assert.deepEqual(
    bearerTokenFromWebSocketProtocols([
      `base64url.bearer.authorization.k8s.io.${enc},base64url.bearer.authorization.k8s.io.${enc},x`,
    ]).error,
    'multiple base64.bearer.authorization tokens specified',
  );
  assert.equal(
    bearerTokenFromWebSocketProtocols(['base64url.bearer.authorization.k8s.io.a=b,x']).error,
    'invalid base64.bearer.authorization token encoding',
  );
  assert.deepEqual(bearerTokenFromWebSocketProtocols(['v4.channel.k8s.io']), {
    protocols: ['v4.channel.k8s.io'],
  });
});

test('withAuthenticatedGroup follows AuthenticatedGroupAdder', () => {
  assert.deepEqual(withAuthenticatedGroup({ username: 'a', groups: ['g'] }).groups, [
    'g',
    'system:authenticated',
  ]);
  assert.deepEqual(
    withAuthenticatedGroup({ username: 'a', groups: ['system:unauthenticated'] }).groups,
    ['system:unauthenticated'],
  );
  assert.deepEqual(withAuthenticatedGroup({ username: 'system:anonymous', groups: [] }).groups, []);
});

const ISSUER = 'https://kubernetes.default.svc';
const NOW = new Date('2025-01-01T00:00:00Z');
const key = await generateSigningKey('ES256');
const sa: ServiceAccount = { metadata: { name: 'default', namespace: 'dev', uid: 'sa-1' } };
const bootstrapSecret: Secret = bootstrapTokenSecret({
  token: 'abcdef.0123456789abcdef',
  now: NOW,
});
const lookup = {
  getServiceAccount: (ns: string, name: string) =>
    ns === 'dev' && name === 'default' ? sa : undefined,
  getPod: () => undefined,
  getSecret: (ns: string, name: string) =>
    ns === 'kube-system' && name === 'bootstrap-token-abcdef' ? bootstrapSecret : undefined,
  getNode: () => undefined,
};
const saTokens = new ServiceAccountTokens({
  issuer: ISSUER,
  signingKey: key,
  lookup,
  now: () => NOW,
});
const chain: TokenAuthenticator[] = [
  StaticTokenFile.parse('static-token,admin,1,system:masters\n', 'tokens.csv'),
  new BootstrapTokenAuthenticator(lookup, () => NOW),
  saTokens,
];

test('the chain tries static, bootstrap and service account tokens', async () => {
  assert.deepEqual(await authenticateBearer('static-token', chain), {
    username: 'admin',
    uid: '1',
    groups: ['system:masters', 'system:authenticated'],
  });
  assert.deepEqual(await authenticateBearer('abcdef.0123456789abcdef', chain), {
    username: 'system:bootstrap:abcdef',
    groups: ['system:bootstrappers', 'system:authenticated'],
  });
  const { token } = await saTokens.issue({
    serviceAccount: { namespace: 'dev', name: 'default', uid: 'sa-1' },
    audiences: [ISSUER],
    expirationSeconds: 3600,
    jti: 'j',
  });
  assert.deepEqual(await authenticateBearer(token, chain), {
    username: 'system:serviceaccount:dev:default',
    uid: 'sa-1',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j'] },
  });
  assert.equal(await authenticateBearer('nope', chain), undefined);
});

test('BearerAuthenticator caches successes for the TTL and reports rejections', async () => {
  let calls = 0;
  let clock = 0;
  const counting: TokenAuthenticator = {
    authenticateToken: (t) => {
      calls++;
      return t === 'good'
        ? { ok: true, user: { username: 'u', groups: [] } }
        : { ok: false, reason: 'bad token' };
    },
  };
  const b = new BearerAuthenticator({
    authenticators: [counting],
    successTtlMs: 10_000,
    now: () => clock,
  });
  const first = await b.authenticate('good');
  assert.deepEqual(first.user, { username: 'u', groups: ['system:authenticated'] });
  first.user.groups.push('tampered');
  clock = 9_999;
  assert.deepEqual((await b.authenticate('good')).user?.groups, ['system:authenticated']);
  assert.equal(calls, 1);
  clock = 10_000;
  await b.authenticate('good');
  assert.equal(calls, 2);
  assert.deepEqual(await b.authenticate('bad'), { reasons: ['bad token'] });
  assert.deepEqual(await b.authenticate('bad'), { reasons: ['bad token'] });
  assert.equal(calls, 4);
  const none = new BearerAuthenticator({ authenticators: [] });
  assert.deepEqual(await none.authenticate('x'), { reasons: ['invalid bearer token'] });
});
