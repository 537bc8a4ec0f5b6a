import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import {
  BootstrapTokenAuthenticator,
  bootstrapTokenFromSecret,
  bootstrapTokenIdOf,
  bootstrapTokenSecret,
  formatBootstrapTokenTable,
  generateBootstrapToken,
  parseBootstrapToken,
} from './bootstrap.ts';

const ID = 'foobar';
const SECRET = 'circumnavigation';
const NOW = new Date('2025-01-01T00:00:00Z');

function secret(name: string, data: Record<string, string>, extra: Partial<Secret> = {}): Secret {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return {
    metadata: { name, namespace: 'kube-system', ...extra.metadata },
    type: extra.type ?? 'bootstrap.kubernetes.io/token',
    data: encoded,
  };
}

const valid = {
  'token-id': ID,
  'token-secret': SECRET,
  'usage-bootstrap-authentication': 'true',
};

test('BootstrapTokenAuthenticator (cases from upstream bootstrap_test.go)', async (t) => {
  const cases: { name: string; secrets: Secret[]; token: string; want?: unknown }[] = [
    {
      name: 'valid token',
      secrets: [secret(`bootstrap-token-${ID}`, valid)],
      token: `${ID}.${SECRET}`,
      want: { username: `system:bootstrap:${ID}`, groups: ['system:bootstrappers'] },
    },
    {
      name: 'valid token with extra group',
      secrets: [
        secret(`bootstrap-token-${ID}`, {
          ...valid,
          'auth-extra-groups': 'system:bootstrappers:foo',
        }),
      ],
      token: `${ID}.${SECRET}`,
      want: {
        username: `system:bootstrap:${ID}`,
        groups: ['system:bootstrappers', 'system:bootstrappers:foo'],
      },
    },
    {
      name: 'invalid group',
      secrets: [secret(`bootstrap-token-${ID}`, { ...valid, 'auth-extra-groups': 'foo' })],
      token: `${ID}.${SECRET}`,
    },
    { name: 'invalid secret name', secrets: [secret('bad-name', valid)], token: `${ID}.${SECRET}` },
    {
      name: 'no usage',
      secrets: [secret(`bootstrap-token-${ID}`, { 'token-id': ID, 'token-secret': SECRET })],
      token: `${ID}.${SECRET}`,
    },
    {
      name: 'wrong token',
      secrets: [secret(`bootstrap-token-${ID}`, valid)],
      token: `barfoo.${SECRET}`,
    },
    {
      name: 'wrong secret',
      secrets: [secret(`bootstrap-token-${ID}`, valid)],
      token: `${ID}.aaaaaaaaaaaaaaaa`,
    },
    {
      name: 'deleted token',
      secrets: [
        secret(`bootstrap-token-${ID}`, valid, {
          metadata: { deletionTimestamp: '2024-12-31T00:00:00Z' },
        }),
      ],
      token: `${ID}.${SECRET}`,
    },
    {
      name: 'wrong type',
      secrets: [secret(`bootstrap-token-${ID}`, valid, { type: 'Opaque' })],
      token: `${ID}.${SECRET}`,
    },
    {
      name: 'expired token',
      secrets: [secret(`bootstrap-token-${ID}`, { ...valid, expiration: '2009-11-10T23:00:00Z' })],
      token: `${ID}.${SECRET}`,
    },
    {
      name: 'unparsable expiration counts as expired',
      secrets: [secret(`bootstrap-token-${ID}`, { ...valid, expiration: 'tomorrow' })],
      token: `${ID}.${SECRET}`,
    },
    {
      name: 'not expired token',
      secrets: [secret(`bootstrap-token-${ID}`, { ...valid, expiration: '2109-11-10T23:00:00Z' })],
      token: `${ID}.${SECRET}`,
      want: { username: `system:bootstrap:${ID}`, groups: ['system:bootstrappers'] },
    },
    {
      name: 'token id wrong length',
      secrets: [secret('bootstrap-token-foo', { ...valid, 'token-id': 'foo' })],
      token: `foo.${SECRET}`,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const a = new BootstrapTokenAuthenticator(
        {
          getSecret: (ns, name) =>
            ns === 'kube-system' ? c.secrets.find((s) => s.metadata?.name === name) : undefined,
        },
        () => NOW,
      );
      const r = await a.authenticateToken(c.token);
      if (c.want === undefined) assert.notEqual(r?.ok, true);
      else assert.deepEqual(r, { ok: true, user: c.want });
    });
  }
});

test('rejections explain themselves without echoing the secret', async () => {
  const a = new BootstrapTokenAuthenticator(
    {
      getSecret: () =>
        secret(`bootstrap-token-${ID}`, { ...valid, 'usage-bootstrap-authentication': 'false' }),
    },
    () => NOW,
  );
  assert.deepEqual(await a.authenticateToken(`${ID}.${SECRET}`), {
    ok: false,
    reason: `Bootstrap secret kube-system/bootstrap-token-${ID} matching bearer token not marked usage-bootstrap-authentication=true.`,
  });
});

test('generated tokens are well formed and unbiased draws skip bytes >= 252', () => {
  for (let i = 0; i < 20; i++) assert.ok(parseBootstrapToken(generateBootstrapToken()));
  let calls = 0;
  const token = generateBootstrapToken((n) => {
    calls++;
    // 255 is redrawn; 0 -> '0', 35 -> 'z', 36 -> '0'.
    return Uint8Array.from({ length: n }, (_, i) => [255, 0, 35, 36][i % 4] ?? 0);
  });
  assert.ok(calls >= 2);
  assert.equal(token, '0z00z0.0z00z00z00z00z00');
});

test('token secrets round-trip for create and list', () => {
  const s = bootstrapTokenSecret({
    token: `${ID}.${SECRET}`,
    ttlSeconds: 24 * 3600,
    description: 'join nodes',
    groups: ['system:bootstrappers:skiff:default-node-token'],
    now: NOW,
  });
  assert.equal(s.metadata?.name, `bootstrap-token-${ID}`);
  assert.equal(s.metadata.namespace, 'kube-system');
  assert.equal(s.type, 'bootstrap.kubernetes.io/token');
  assert.equal(
    Buffer.from(s.data?.['expiration'] ?? '', 'base64').toString(),
    '2025-01-02T00:00:00Z',
  );
  assert.equal(Buffer.from(s.data?.['usage-bootstrap-signing'] ?? '', 'base64').toString(), 'true');
  const info = bootstrapTokenFromSecret(s);
  assert.deepEqual(info, {
    token: `${ID}.${SECRET}`,
    id: ID,
    description: 'join nodes',
    usages: ['authentication', 'signing'],
    groups: ['system:bootstrappers:skiff:default-node-token'],
    expires: new Date('2025-01-02T00:00:00Z'),
  });
  const forever = bootstrapTokenFromSecret(
    bootstrapTokenSecret({ token: 'abcdef.0123456789abcdef', usages: [] }),
  );
  assert.ok(forever !== undefined);
  assert.equal(
    formatBootstrapTokenTable([info, forever], new Date('2025-01-01T01:00:00Z')),
    'TOKEN                     TTL       EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS\n' +
      'foobar.circumnavigation   23h       2025-01-02T00:00:00Z   authentication,signing   join nodes    system:bootstrappers:skiff:default-node-token\n' +
      'abcdef.0123456789abcdef   <forever>   <never>   <none>    <none>    <none>\n',
  );
  assert.throws(() => bootstrapTokenSecret({ token: 'short.x' }), /was not of the form/);
  assert.throws(() => bootstrapTokenSecret({ token: `${ID}.${SECRET}`, groups: ['admins'] }), {
    message:
      'bootstrap group "admins" is invalid (must match \\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z)',
  });
  assert.throws(() => bootstrapTokenSecret({ token: `${ID}.${SECRET}`, usages: ['root'] }), {
    message:
      'invalid bootstrap token usage string: root, valid usage options: signing,authentication',
  });
});

test('delete accepts an id or a whole token', () => {
  assert.deepEqual(bootstrapTokenIdOf(ID), { id: ID });
  assert.deepEqual(bootstrapTokenIdOf(`${ID}.${SECRET}`), { id: ID });
  assert.deepEqual(bootstrapTokenIdOf('nope'), {
    error:
      'given token didn\'t match pattern "^([a-z0-9]{6})$" or "^([a-z0-9]{6})\\.([a-z0-9]{16})$"',
  });
});
