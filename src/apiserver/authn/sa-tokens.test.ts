import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import {
  generateSigningKey,
  keyIdFromPublicKey,
  loadOrCreateSigningKey,
  publicJwk,
  verificationKeyFromPem,
  publicKeyPem,
} from './keys.ts';
import { ServiceAccountTokens, type ServiceAccountTokenGetter } from './sa-tokens.ts';
import { JWKS_PATH, newOpenIDMetadata } from './openid.ts';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const T0 = new Date('2025-01-01T00:00:00Z');

const key = await generateSigningKey('RS256');
const otherKey = await generateSigningKey('RS256');
const ecKey = await generateSigningKey('ES256');

/** An in-memory lookup the tests mutate. */
class Objects implements ServiceAccountTokenGetter {
  sas = new Map<string, ServiceAccount>();
  pods = new Map<string, Pod>();
  secrets = new Map<string, Secret>();
  nodes = new Map<string, Node>();
  getServiceAccount(ns: string, name: string): ServiceAccount | undefined {
    return this.sas.get(`${ns}/${name}`);
  }
  getPod(ns: string, name: string): Pod | undefined {
    return this.pods.get(`${ns}/${name}`);
  }
  getSecret(ns: string, name: string): Secret | undefined {
    return this.secrets.get(`${ns}/${name}`);
  }
  getNode(name: string): Node | undefined {
    return this.nodes.get(name);
  }
}

function fixture(): { objects: Objects; clock: { now: Date } } {
  const objects = new Objects();
  objects.sas.set('dev/builder', {
    metadata: { name: 'builder', namespace: 'dev', uid: 'sa-uid' },
  });
  objects.pods.set('dev/web', {
    metadata: { name: 'web', namespace: 'dev', uid: 'pod-uid' },
    spec: { containers: [], serviceAccountName: 'builder', nodeName: 'n1' },
  });
  objects.secrets.set('dev/s', { metadata: { name: 's', namespace: 'dev', uid: 'secret-uid' } });
  objects.nodes.set('n1', { metadata: { name: 'n1', uid: 'node-uid' } });
  return { objects, clock: { now: T0 } };
}

function tokens(
  objects: Objects,
  clock: { now: Date },
  signingKey = key,
  extra: Partial<ConstructorParameters<typeof ServiceAccountTokens>[0]> = {},
): ServiceAccountTokens {
  return new ServiceAccountTokens({
    issuer: ISSUER,
    signingKey,
    lookup: objects,
    now: () => clock.now,
    ...extra,
  });
}

const SA = { namespace: 'dev', name: 'builder', uid: 'sa-uid' };

function decodePart(token: string, i: number): unknown {
  return JSON.parse(Buffer.from(token.split('.')[i] ?? '', 'base64url').toString('utf8'));
}

test('issue writes upstream-shaped header and claims', async () => {
  const { objects, clock } = fixture();
  const t = tokens(objects, clock);
  const { token } = await t.issue({
    serviceAccount: SA,
    pod: { name: 'web', uid: 'pod-uid' },
    node: { name: 'n1', uid: 'node-uid' },
    audiences: [ISSUER],
    expirationSeconds: 3600,
    jti: 'the-jti',
  });
  assert.deepEqual(decodePart(token, 0), { alg: 'RS256', kid: key.kid });
  const payload = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8');
  const now = T0.getTime() / 1000;
  // Key order as Go writes the merged claims map: alphabetical, nested maps too.
  assert.equal(
    payload,
    `{"aud":["${ISSUER}"],"exp":${now + 3600},"iat":${now},"iss":"${ISSUER}","jti":"the-jti",` +
      `"kubernetes.io":{"namespace":"dev","node":{"name":"n1","uid":"node-uid"},"pod":{"name":"web","uid":"pod-uid"},` +
      `"serviceaccount":{"name":"builder","uid":"sa-uid"}},"nbf":${now},"sub":"system:serviceaccount:dev:builder"}`,
  );
});

test('issue/verify round trip gives the service account user with pod extras', async () => {
  const { objects, clock } = fixture();
  const t = tokens(objects, clock);
  const { token } = await t.issue({
    serviceAccount: SA,
    pod: { name: 'web', uid: 'pod-uid' },
    node: { name: 'n1', uid: 'node-uid' },
    audiences: [ISSUER],
    expirationSeconds: 3600,
    jti: 'abc',
  });
  const r = await t.verify(token);
  assert.deepEqual(r, {
    ok: true,
    audiences: [ISSUER],
    user: {
      username: 'system:serviceaccount:dev:builder',
      uid: 'sa-uid',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:dev'],
      extra: {
        'authentication.kubernetes.io/pod-name': ['web'],
        'authentication.kubernetes.io/pod-uid': ['pod-uid'],
        'authentication.kubernetes.io/credential-id': ['JTI=abc'],
        'authentication.kubernetes.io/node-name': ['n1'],
        'authentication.kubernetes.io/node-uid': ['node-uid'],
      },
    },
  });
});

test('verify rejects', async (t) => {
  const cases: {
    name: string;
    issueWith?: ServiceAccountTokens;
    change?: (o: Objects, clock: { now: Date }) => void;
    pod?: boolean;
    secret?: boolean;
    node?: boolean;
    audiences?: string[];
    verifyAudiences?: string[];
    reason: string;
  }[] = [
    {
      name: 'token signed by another key with the same kid-less issuer',
      issueWith: tokens(fixture().objects, { now: T0 }, otherKey),
      reason: 'invalid signature, no keys found',
    },
    {
      name: 'expired (beyond the 60 s leeway)',
      change: (_o, c) => (c.now = new Date(T0.getTime() + (3600 + 61) * 1000)),
      reason: 'service account token has expired',
    },
    {
      name: 'not valid yet',
      change: (_o, c) => (c.now = new Date(T0.getTime() - 61 * 1000)),
      reason: 'service account token is not valid yet',
    },
    {
      name: 'wrong audience',
      audiences: ['vault'],
      reason: `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]`,
    },
    {
      name: 'requested audience not in the token',
      verifyAudiences: ['other'],
      reason: `token audiences ["${ISSUER}"] is invalid for the target audiences ["other"]`,
    },
    {
      name: 'service account deleted',
      change: (o) => {
        o.sas.clear();
      },
      reason: 'serviceaccounts "builder" not found',
    },
    {
      name: 'service account recreated',
      change: (o) => {
        o.sas.set('dev/builder', { metadata: { name: 'builder', namespace: 'dev', uid: 'new' } });
      },
      reason: 'service account UID (new) does not match claim (sa-uid)',
    },
    {
      name: 'service account being deleted for over a minute',
      change: (o) => {
        o.sas.set('dev/builder', {
          metadata: { uid: 'sa-uid', deletionTimestamp: '2024-12-31T23:58:00Z' },
        });
      },
      reason: 'service account dev/builder has been deleted',
    },
    {
      name: 'bound pod deleted',
      pod: true,
      change: (o) => {
        o.pods.clear();
      },
      reason: 'service account token has been invalidated',
    },
    {
      name: 'bound pod being deleted for over a minute',
      pod: true,
      change: (o) => {
        o.pods.set('dev/web', {
          metadata: { uid: 'pod-uid', deletionTimestamp: '2024-12-31T23:58:59Z' },
        });
      },
      reason: 'service account token has been invalidated',
    },
    {
      name: 'bound pod recreated',
      pod: true,
      change: (o) => {
        o.pods.set('dev/web', { metadata: { uid: 'pod-2' } });
      },
      reason: 'pod UID (pod-2) does not match service account pod ref claim (pod-uid)',
    },
    {
      name: 'bound secret deleted',
      secret: true,
      change: (o) => {
        o.secrets.clear();
      },
      reason: 'service account token has been invalidated',
    },
    {
      name: 'bound secret recreated',
      secret: true,
      change: (o) => {
        o.secrets.set('dev/s', { metadata: { uid: 'x' } });
      },
      reason: 'secret UID (x) does not match service account secret ref claim (secret-uid)',
    },
    {
      name: 'bound node deleted',
      node: true,
      change: (o) => {
        o.nodes.clear();
      },
      reason: 'service account token has been invalidated',
    },
    {
      name: 'bound node recreated',
      node: true,
      change: (o) => {
        o.nodes.set('n1', { metadata: { uid: 'n-2' } });
      },
      reason: 'node UID (n-2) does not match service account node ref claim (node-uid)',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { objects, clock } = fixture();
      const verifier = tokens(objects, clock);
      const issuer = c.issueWith ?? verifier;
      const { token } = await issuer.issue({
        serviceAccount: SA,
        ...(c.pod ? { pod: { name: 'web', uid: 'pod-uid' } } : {}),
        ...(c.secret ? { secret: { name: 's', uid: 'secret-uid' } } : {}),
        ...(c.node ? { node: { name: 'n1', uid: 'node-uid' } } : {}),
        audiences: c.audiences ?? [ISSUER],
        expirationSeconds: 3600,
        now: T0,
      });
      c.change?.(objects, clock);
      assert.deepEqual(await verifier.verify(token, c.verifyAudiences), {
        ok: false,
        reason: c.reason,
      });
    });
  }
});

test('verify tolerates 60 s of skew and recent deletions, as upstream', async () => {
  const { objects, clock } = fixture();
  const t = tokens(objects, clock);
  const { token } = await t.issue({
    serviceAccount: SA,
    pod: { name: 'web', uid: 'pod-uid' },
    audiences: [ISSUER],
    expirationSeconds: 600,
  });
  clock.now = new Date(T0.getTime() + 660 * 1000);
  objects.pods.set('dev/web', {
    metadata: {
      uid: 'pod-uid',
      deletionTimestamp: new Date(clock.now.getTime() - 30_000).toISOString(),
    },
  });
  const r = await t.verify(token);
  assert.equal(r?.ok, true);
});

test('a forged signature with our kid is rejected', async () => {
  const { objects, clock } = fixture();
  const t = tokens(objects, clock);
  const { token } = await t.issue({
    serviceAccount: SA,
    audiences: [ISSUER],
    expirationSeconds: 600,
  });
  const [h, , s] = token.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ iss: ISSUER, sub: 'x' })).toString('base64url')}.${s}`;
  assert.deepEqual(await t.verify(forged), {
    ok: false,
    reason: 'go-jose/go-jose: error in cryptographic primitive',
  });
});

test('tokens of other issuers and non-JWTs are not ours', async () => {
  const { objects, clock } = fixture();
  const t = tokens(objects, clock);
  const other = new ServiceAccountTokens({
    issuer: 'https://elsewhere',
    signingKey: key,
    lookup: objects,
  });
  const { token } = await other.issue({
    serviceAccount: SA,
    audiences: [ISSUER],
    expirationSeconds: 600,
  });
  assert.equal(await t.verify(token), undefined);
  assert.equal(await t.verify('abcdef.0123456789abcdef'), undefined);
  assert.equal(await t.verify('{"iss":"x"}.a.b'), undefined);
});

test('old keys still verify during rotation; ES256 keys work', async () => {
  const { objects, clock } = fixture();
  const old = tokens(objects, clock, ecKey);
  const { token } = await old.issue({
    serviceAccount: SA,
    audiences: [ISSUER],
    expirationSeconds: 600,
  });
  assert.equal(
    decodePart(token, 0) instanceof Object && (decodePart(token, 0) as { alg: string }).alg,
    'ES256',
  );
  const rotated = tokens(objects, clock, key, { verificationKeys: [ecKey] });
  assert.equal((await rotated.verify(token))?.ok, true);
  assert.deepEqual(await tokens(objects, clock).verify(token), {
    ok: false,
    reason: 'invalid signature, no keys found',
  });
});

test('stale projected tokens carry an audit annotation', async () => {
  const { objects, clock } = fixture();
  const t = tokens(objects, clock);
  const { token } = await t.issue({
    serviceAccount: SA,
    pod: { name: 'web', uid: 'pod-uid' },
    audiences: [ISSUER],
    expirationSeconds: 365 * 24 * 3600,
    warnAfterSeconds: 3607,
  });
  clock.now = new Date(T0.getTime() + 4000 * 1000);
  const r = await t.verify(token);
  assert.ok(r?.ok === true);
  assert.deepEqual(r.auditAnnotations, {
    'authentication.k8s.io/stale-token':
      'subject: system:serviceaccount:dev:builder, seconds after warning threshold: 393',
  });
});

test('kid is base64url(sha256(DER SubjectPublicKeyInfo))', () => {
  const der = key.publicKey.export({ type: 'spki', format: 'der' });
  assert.equal(key.kid, createHash('sha256').update(der).digest('base64url'));
  assert.equal(keyIdFromPublicKey(key.publicKey), key.kid);
  assert.equal(verificationKeyFromPem(publicKeyPem(key)).kid, key.kid);
});

test('loadOrCreateSigningKey creates once, then loads the same key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-authn-'));
  try {
    const sub = join(dir, 'pki');
    const [a, b] = await Promise.all([loadOrCreateSigningKey(sub), loadOrCreateSigningKey(sub)]);
    assert.equal(a.kid, b.kid);
    assert.equal(a.alg, 'RS256');
    const again = await loadOrCreateSigningKey(sub);
    assert.equal(again.kid, a.kid);
    assert.equal((await stat(join(sub, 'sa.key'))).mode & 0o777, 0o600);
    assert.match(await readFile(join(sub, 'sa.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('OIDC discovery documents match upstream', () => {
  const md = newOpenIDMetadata(ISSUER, '', '10.0.0.1:6443', [key, ecKey]);
  assert.equal(
    md.configJSON,
    `{"issuer":"${ISSUER}","jwks_uri":"https://10.0.0.1:6443${JWKS_PATH}",` +
      '"response_types_supported":["id_token"],"subject_types_supported":["public"],' +
      '"id_token_signing_alg_values_supported":["ES256","RS256"]}',
  );
  const rsa = publicJwk(key);
  const n = (key.publicKey.export({ format: 'jwk' }) as { n: string }).n;
  assert.equal(
    JSON.stringify(rsa),
    `{"use":"sig","kty":"RSA","kid":"${key.kid}","alg":"RS256","n":"${n}","e":"AQAB"}`,
  );
  const ec = key.publicKey.export({ format: 'jwk' });
  assert.ok(ec);
  const parsed = JSON.parse(md.keysetJSON) as { keys: { kty: string; crv?: string }[] };
  assert.deepEqual(
    parsed.keys.map((k) => Object.keys(k)),
    [
      ['use', 'kty', 'kid', 'alg', 'n', 'e'],
      ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y'],
    ],
  );
  assert.equal(parsed.keys[1]?.crv, 'P-256');
});

test('OIDC discovery validation messages', () => {
  const cases: [string, string, string, string][] = [
    ['', '', 'a', 'empty issuer URL'],
    [ISSUER, '', '', 'either the JWKS URI or the default external address, or both, must be set'],
    ['http://x', '', 'a', 'issuer URL must use https scheme, got: http://x'],
    ['https://x?a=b', '', 'a', 'issuer URL may not include a query, got: https://x?a=b'],
    ['https://x#f', '', 'a', 'issuer URL may not include a fragment, got: https://x#f'],
    [ISSUER, 'http://x/jwks', '', 'jwksURI requires https scheme, parsed as: http://x/jwks'],
  ];
  for (const [iss, jwks, addr, msg] of cases) {
    assert.throws(() => newOpenIDMetadata(iss, jwks, addr, [key]), { message: msg });
  }
  assert.throws(() => newOpenIDMetadata(ISSUER, '', 'a', []), {
    message: 'no keys provided for validating keyset',
  });
  assert.equal(
    (
      JSON.parse(newOpenIDMetadata(ISSUER, 'https://x/keys', '', [key]).configJSON) as {
        jwks_uri: string;
      }
    ).jwks_uri,
    'https://x/keys',
  );
});
