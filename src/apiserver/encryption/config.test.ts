import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  EncryptionConfigError,
  buildEncryptionTransformers,
  decodeBase64Strict,
  loadEncryptionConfigFile,
  parseEncryptionConfig,
  parseGroupResource,
  validateEncryptionConfiguration,
} from './config.ts';
import type { EncryptionConfiguration, ProviderConfiguration } from './config.ts';
import { KeyPrefixTransformer } from './storage.ts';
import { identityTransformer } from './transformer.ts';

const SECRET = 'A/j5CnrWGB83ylcPkuUhm/6TSyrQtsNJtDPwPHNOj4Q=';
const aescbc: ProviderConfiguration = { aescbc: { keys: [{ name: 'foo', secret: SECRET }] } };
const aesgcm: ProviderConfiguration = { aesgcm: { keys: [{ name: 'foo', secret: SECRET }] } };
const kms: ProviderConfiguration = {
  kms: {
    apiVersion: 'v1',
    name: 'foo',
    endpoint: 'unix:///tmp/kms-provider.socket',
    timeout: '3s',
    cachesize: 1,
  },
};

function errors(c: EncryptionConfiguration): string[] {
  return validateEncryptionConfiguration(c).map((e) => e.error());
}

function one(
  resources: string[],
  providers: ProviderConfiguration[] = [kms],
): EncryptionConfiguration {
  return { resources: [{ resources, providers }] };
}

// Upstream validation_encryption_test.go TestStructure and friends.
describe('validateEncryptionConfiguration', () => {
  const cases: [string, EncryptionConfiguration, string[]][] = [
    ['empty', { resources: [] }, ['resources: Required value: at least one resources is required']],
    [
      'no k8s resources',
      { resources: [{ resources: [], providers: [aescbc] }] },
      ['resources[0].resources: Required value: at least one resources[0].resources is required'],
    ],
    [
      'no providers',
      { resources: [{ resources: ['secrets'], providers: [] }] },
      ['resources[0].providers: Required value: at least one resources[0].providers is required'],
    ],
    [
      'multiple providers',
      one(['secrets'], [{ ...aesgcm, ...aescbc }]),
      [
        'resources[0].providers[0]: Invalid value: apiserver.ProviderConfiguration{AESGCM:(*apiserver.AESConfiguration)(0x0), AESCBC:(*apiserver.AESConfiguration)(0x0), Secretbox:(*apiserver.SecretboxConfiguration)(nil), Identity:(*apiserver.IdentityConfiguration)(nil), KMS:(*apiserver.KMSConfiguration)(nil)}: more than one provider specified in a single element, should split into different list elements',
      ],
    ],
    [
      'empty provider',
      one(['secrets'], [{}]),
      [
        'resources[0].providers[0]: Invalid value: apiserver.ProviderConfiguration{AESGCM:(*apiserver.AESConfiguration)(nil), AESCBC:(*apiserver.AESConfiguration)(nil), Secretbox:(*apiserver.SecretboxConfiguration)(nil), Identity:(*apiserver.IdentityConfiguration)(nil), KMS:(*apiserver.KMSConfiguration)(nil)}: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity',
      ],
    ],
    ['valid', one(['secrets'], [aesgcm]), []],
    [
      'events.k8s.io',
      one(['events.events.k8s.io']),
      [
        `resources[0].resources[0]: Invalid value: "events.events.k8s.io": '*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file`,
      ],
    ],
    [
      '*.events.k8s.io',
      one(['*.events.k8s.io']),
      [
        `resources[0].resources[0]: Invalid value: "*.events.k8s.io": '*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file`,
      ],
    ],
    [
      'extensions',
      one(['*.extensions']),
      [
        `resources[0].resources[0]: Invalid value: "*.extensions": 'extensions' group has been removed and cannot be used for encryption`,
      ],
    ],
    [
      "'*'",
      one(['*']),
      [
        `resources[0].resources[0]: Invalid value: "*": use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources`,
      ],
    ],
    [
      'capital letters',
      one(['apiServerIPInfo']),
      [
        'resources[0].resources[0]: Invalid value: "apiServerIPInfo": resource name should not contain capital letters',
      ],
    ],
    [
      'apiserveripinfo',
      one(['apiserveripinfo']),
      [
        'resources[0].resources[0]: Invalid value: "apiserveripinfo": resources which do not have REST API/s cannot be encrypted',
      ],
    ],
    [
      'resource across groups',
      one(['secrets.*']),
      [
        'resources[0].resources[0]: Invalid value: "secrets.*": encrypting the same resource across groups is not supported',
      ],
    ],
    [
      'overlap',
      one(['secrets', '*.']),
      [
        `resources[0].resources: Invalid value: []string{"secrets", "*."}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked`,
      ],
    ],
    [
      'overlap with *.*',
      one(['*.*', 'deployments.apps']),
      [
        `resources[0].resources: Invalid value: []string{"*.*", "deployments.apps"}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked`,
      ],
    ],
    ['no overlap across groups', one(['*.apps', 'secrets', '*.batch']), []],
    [
      'duplicate',
      one(['secrets', 'secrets']),
      [
        'resources[0].resources: Invalid value: []string{"secrets", "secrets"}: the same resource cannot be specified multiple times',
      ],
    ],
    [
      'key length',
      one(['secrets'], [{ aesgcm: { keys: [{ name: 'k', secret: 'YWJjZGVmZ2g=' }] } }]),
      [
        'resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]',
      ],
    ],
    [
      'secretbox key length',
      one(
        ['secrets'],
        [{ secretbox: { keys: [{ name: 'k', secret: 'YWJjZGVmZ2hpamtsbW5vcA==' }] } }],
      ),
      [
        'resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]',
      ],
    ],
    [
      'not base64',
      one(['secrets'], [{ aescbc: { keys: [{ name: 'k', secret: 'not base64!' }] } }]),
      [
        'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded',
      ],
    ],
    [
      'missing key fields',
      one(['secrets'], [{ aescbc: { keys: [{ name: '', secret: '' }] } }]),
      [
        'resources[0].providers[0].aescbc.keys[0].name: Required value: name is a mandatory field for a key',
        'resources[0].providers[0].aescbc.keys[0].secret: Required value: secret is a mandatory field for a key',
      ],
    ],
    [
      'no keys',
      one(['secrets'], [{ aesgcm: { keys: [] } }]),
      ['resources[0].providers[0].aesgcm.keys: Required value: at least one keys is required'],
    ],
    [
      'duplicate kms v2 names',
      one(
        ['secrets'],
        [
          { kms: { apiVersion: 'v2', name: 'foo', endpoint: 'unix:///a', timeout: '3s' } },
          { kms: { apiVersion: 'v2', name: 'foo', endpoint: 'unix:///b', timeout: '3s' } },
        ],
      ),
      [
        'resources[0].providers[1].kms.name: Invalid value: "foo": duplicate KMS provider name foo, names must be unique',
      ],
    ],
    [
      'kms endpoint scheme and timeout',
      one(
        ['secrets'],
        [
          {
            kms: { apiVersion: 'v1', name: 'k', endpoint: 'tcp://x', timeout: '0s', cachesize: 1 },
          },
        ],
      ),
      [
        'resources[0].providers[0].kms.timeout: Invalid value: "0s": timeout should be a positive value',
        'resources[0].providers[0].kms.endpoint: Invalid value: "tcp://x": unsupported scheme "tcp" for KMS provider, only unix is supported',
      ],
    ],
  ];
  for (const [name, config, want] of cases) {
    it(name, () => {
      assert.deepEqual(errors(config), want);
    });
  }
});

describe('parseEncryptionConfig', () => {
  const header = 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n';

  it('parses the documented example', () => {
    const { config, transformers } = parseEncryptionConfig(`${header}resources:
  - resources:
      - secrets
      - configmaps
    providers:
      - aesgcm:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZQ==
            - name: key2
              secret: dGhpcyBpcyBwYXNzd29yZA==
      - aescbc:
          keys:
            - name: key1
              secret: ${SECRET}
      - identity: {}
  - resources: ["*.apps"]
    providers: [{identity: {}}]
`);
    assert.equal(config.resources.length, 2);
    assert.deepEqual(config.resources[0]?.resources, ['secrets', 'configmaps']);
    assert.equal(config.resources[0].providers.length, 3);
    assert.ok(transformers.covers({ group: '', resource: 'secrets' }));
    assert.ok(transformers.covers({ group: '', resource: 'configmaps' }));
    assert.ok(!transformers.covers({ group: '', resource: 'pods' }));
  });

  it('resolves exact, *.group, *.* in that order', () => {
    const { transformers } = parseEncryptionConfig(`${header}resources:
  - resources: [secrets]
    providers: [{aesgcm: {keys: [{name: a, secret: "${SECRET}"}]}}]
  - resources: ["*.apps"]
    providers: [{aescbc: {keys: [{name: b, secret: "${SECRET}"}]}}]
  - resources: ["*."]
    providers: [{aescbc: {keys: [{name: c, secret: "${SECRET}"}]}}]
  - resources: ["*.*"]
    providers: [{aesgcm: {keys: [{name: d, secret: "${SECRET}"}]}}]
`);
    const prefixOf = (group: string, resource: string): string =>
      new TextDecoder()
        .decode(
          transformers.transformerFor({ group, resource }).toStorage(new Uint8Array([1]), '/k'),
        )
        .slice(0, 22);
    assert.ok(prefixOf('', 'secrets').startsWith('k8s:enc:aesgcm:v1:a:'));
    assert.ok(prefixOf('apps', 'deployments').startsWith('k8s:enc:aescbc:v1:b:'));
    assert.ok(prefixOf('', 'configmaps').startsWith('k8s:enc:aescbc:v1:c:'));
    assert.ok(prefixOf('batch', 'jobs').startsWith('k8s:enc:aesgcm:v1:d:'));
    assert.ok(prefixOf('stable.example.com', 'crontabs').startsWith('k8s:enc:aesgcm:v1:d:'));
  });

  const failures: [string, string, string | RegExp][] = [
    [
      'missing kind',
      'apiVersion: apiserver.config.k8s.io/v1\nresources: []\n',
      /^Object 'Kind' is missing in/,
    ],
    [
      'wrong version',
      'apiVersion: apiserver.config.k8s.io/v2\nkind: EncryptionConfiguration\nresources: []\n',
      /^no kind "EncryptionConfiguration" is registered for version "apiserver.config.k8s.io\/v2"/,
    ],
    [
      'no resources',
      `${header}resources: []\n`,
      'resources: Required value: at least one resources is required',
    ],
    [
      'several errors aggregate',
      `${header}resources:\n- resources: ["*"]\n  providers: [{identity: {}, aesgcm: {keys: [{name: k, secret: "${SECRET}"}]}}]\n`,
      /^\[resources\[0\]\.resources\[0\]: Invalid value: "\*": .*, resources\[0\]\.providers\[0\]: Invalid value: .*more than one provider/,
    ],
    [
      'masked by *.',
      `${header}resources:\n- resources: ["*."]\n  providers: [{identity: {}}]\n- resources: [secrets]\n  providers: [{identity: {}}]\n`,
      'resource "secrets" is masked by earlier rule "*."',
    ],
    [
      'masked by *.*',
      `${header}resources:\n- resources: ["*.*"]\n  providers: [{identity: {}}]\n- resources: ["*.apps"]\n  providers: [{identity: {}}]\n`,
      'resource "*.apps" is masked by earlier rule "*.*"',
    ],
    [
      'secretbox refused',
      `${header}resources:\n- resources: [secrets]\n  providers: [{secretbox: {keys: [{name: k, secret: "${SECRET}"}]}}]\n`,
      /^secretbox provider is not supported by this server: XSalsa20-Poly1305 is not available in node:crypto/,
    ],
    [
      'kms refused',
      `${header}resources:\n- resources: [secrets]\n  providers: [{kms: {name: k, endpoint: "unix:///tmp/k.sock"}}]\n`,
      /^could not configure KMS plugin "k": KMS providers are not supported/,
    ],
    [
      'null identity is no provider (as upstream)',
      `${header}resources:\n- resources: [secrets]\n  providers:\n  - identity:\n`,
      /^resources\[0\]\.providers\[0\]: Invalid value: .*provider does not contain any of the expected providers/,
    ],
  ];
  for (const [name, text, message] of failures) {
    it(`fails: ${name}`, () => {
      assert.throws(
        () => parseEncryptionConfig(text),
        (err: unknown) => {
          assert.ok(err instanceof EncryptionConfigError, String(err));
          if (typeof message === 'string') assert.equal(err.message, message);
          else assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('a resource in two entries gets both provider lists, first entry first', () => {
    const t = buildEncryptionTransformers({
      resources: [
        { resources: ['secrets'], providers: [aesgcm] },
        { resources: ['secrets'], providers: [{ identity: {} }] },
      ],
    }).transformerFor({ group: '', resource: 'secrets' });
    const plain = new TextEncoder().encode('{}');
    assert.deepEqual(t.fromStorage(plain, '/k'), { data: plain, stale: true });
  });
});

describe('loadEncryptionConfigFile', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('wraps errors as upstream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-enc-'));
    dirs.push(dir);
    const missing = join(dir, 'missing.yaml');
    await assert.rejects(loadEncryptionConfigFile(missing), {
      message: new RegExp(
        `^error while parsing file: error while loading file: error opening encryption provider configuration file "${missing}": ENOENT`,
      ),
    });
    const empty = join(dir, 'empty.yaml');
    await writeFile(empty, '');
    await assert.rejects(loadEncryptionConfigFile(empty), {
      message: `error while parsing file: error while loading file: encryption provider configuration file "${empty}" is empty`,
    });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'kind: EncryptionConfiguration\n');
    await assert.rejects(loadEncryptionConfigFile(bad), {
      message: new RegExp(
        `^error while parsing file: error decoding encryption provider configuration file "${bad}": Object 'apiVersion' is missing`,
      ),
    });
    const masked = join(dir, 'masked.yaml');
    await writeFile(
      masked,
      'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: ["*."]\n  providers: [{identity: {}}]\n- resources: ["*."]\n  providers: [{identity: {}}]\n',
    );
    await assert.rejects(loadEncryptionConfigFile(masked), {
      message: 'error while building transformers: resource "*." is masked by earlier rule "*."',
    });
    const good = join(dir, 'good.yaml');
    await writeFile(
      good,
      `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: [{name: k, secret: "${SECRET}"}]}}]\n`,
    );
    const { transformers } = await loadEncryptionConfigFile(good);
    assert.ok(transformers.covers({ group: '', resource: 'secrets' }));
  });
});

describe('helpers', () => {
  it('parseGroupResource as schema.ParseGroupResource', () => {
    assert.deepEqual(parseGroupResource('secrets'), { group: '', resource: 'secrets' });
    assert.deepEqual(parseGroupResource('*.'), { group: '', resource: '*' });
    assert.deepEqual(parseGroupResource('*.*'), { group: '*', resource: '*' });
    assert.deepEqual(parseGroupResource('crontabs.stable.example.com'), {
      group: 'stable.example.com',
      resource: 'crontabs',
    });
  });

  it('decodeBase64Strict is as strict as Go StdEncoding', () => {
    assert.deepEqual(decodeBase64Strict('YWJj'), new Uint8Array([97, 98, 99]));
    assert.equal(decodeBase64Strict('YWJ'), undefined);
    assert.equal(decodeBase64Strict('YW Jj'), undefined);
    assert.equal(decodeBase64Strict('YWJj\n'), undefined);
    assert.equal(decodeBase64Strict('YR=='), undefined);
  });
});

describe('KeyPrefixTransformer', () => {
  const { transformers } = parseEncryptionConfig(
    `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets, "*.stable.example.com"]\n  providers: [{aesgcm: {keys: [{name: k, secret: "${SECRET}"}]}}, {identity: {}}]\n`,
  );
  const router = new KeyPrefixTransformer(transformers);
  router.register('/registry/secrets', { group: '', resource: 'secrets' });
  router.register('/registry/configmaps', { group: '', resource: 'configmaps' });
  router.register('/registry/stable.example.com/crontabs/', {
    group: 'stable.example.com',
    resource: 'crontabs',
  });
  const plain = new TextEncoder().encode('{"a":1}');

  it('encrypts registered encrypted resources by key, passes others through', () => {
    const key = '/registry/secrets/default/s';
    const out = router.toStorage(plain, key);
    assert.ok(new TextDecoder().decode(out).startsWith('k8s:enc:aesgcm:v1:k:'));
    assert.deepEqual(router.fromStorage(out, key), { data: plain, stale: false });
    assert.deepEqual(router.toStorage(plain, '/registry/configmaps/default/c'), plain);
    assert.equal(router.transformerForKey('/registry/configmaps/default/c'), identityTransformer);
    assert.equal(router.transformerForKey('/registry/secretsx/default/c'), identityTransformer);
    const cr = router.toStorage(plain, '/registry/stable.example.com/crontabs/ns/c');
    assert.ok(new TextDecoder().decode(cr).startsWith('k8s:enc:aesgcm:v1:k:'));
    // Old plaintext of an encrypted resource reads as stale; encrypted data elsewhere fails.
    assert.deepEqual(router.fromStorage(plain, key), { data: plain, stale: true });
    assert.throws(() => router.fromStorage(out, '/registry/ranges/serviceips'), {
      message: 'identity transformer tried to read encrypted data',
    });
    router.unregister('/registry/secrets');
    assert.equal(router.transformerForKey(key), identityTransformer);
  });
});

describe('KeyPrefixTransformer.registerAll and custom resources', () => {
  const header = 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n';
  const gcm = `[{aesgcm: {keys: [{name: k, secret: "${SECRET}"}]}}, {identity: {}}]`;
  const scheme = [
    { storagePrefix: '/registry/secrets', group: '', resource: 'secrets' },
    { storagePrefix: '/registry/events', group: '', resource: 'events' },
    { storagePrefix: '/registry/events', group: 'events.k8s.io', resource: 'events' },
    { storagePrefix: '/registry/deployments', group: 'apps', resource: 'deployments' },
    { storagePrefix: undefined, group: '', resource: 'bindings' },
  ];
  const route = (resources: string): KeyPrefixTransformer => {
    const { transformers } = parseEncryptionConfig(
      `${header}resources:\n- resources: ${resources}\n  providers: ${gcm}\n`,
    );
    const router = new KeyPrefixTransformer(transformers);
    router.registerAll(scheme);
    return router;
  };
  const encrypts = (router: KeyPrefixTransformer, key: string): boolean =>
    router.transformerForKey(key) !== identityTransformer;

  it('encrypts a named custom resource from its key, without registration', () => {
    const router = route('[widgets.example.com]');
    assert.ok(encrypts(router, '/registry/example.com/widgets/ns/w1'));
    assert.ok(encrypts(router, '/registry/example.com/widgets/w1'), 'cluster-scoped');
    assert.equal(encrypts(router, '/registry/example.com/gadgets/ns/g'), false);
    assert.equal(encrypts(router, '/registry/secrets/ns/s'), false);
    // A prefix alone (a list's range) is no object key.
    assert.equal(encrypts(router, '/registry/example.com/widgets'), false);
  });

  it('*.group covers the custom resources of that group only', () => {
    const router = route('["*.example.com"]');
    assert.ok(encrypts(router, '/registry/example.com/widgets/ns/w'));
    assert.ok(encrypts(router, '/registry/example.com/gadgets/ns/g'));
    assert.equal(encrypts(router, '/registry/other.io/widgets/ns/w'), false);
    assert.equal(encrypts(router, '/registry/deployments/ns/d'), false);
  });

  it('*.* covers built-in and custom resources, events included', () => {
    const router = route('["*.*"]');
    for (const key of [
      '/registry/secrets/ns/s',
      '/registry/deployments/ns/d',
      '/registry/events/ns/e',
      '/registry/example.com/widgets/ns/w',
    ]) {
      assert.ok(encrypts(router, key), key);
    }
    // Keys of no resource (range allocations, unknown roots) stay as they are.
    assert.equal(encrypts(router, '/registry/ranges/serviceips'), false);
    assert.equal(encrypts(router, '/other/example.com/widgets/ns/w'), false);
  });

  it('*. covers core resources only; a shared prefix belongs to its first resource', () => {
    const core = route('["*."]');
    assert.ok(encrypts(core, '/registry/secrets/ns/s'));
    assert.ok(encrypts(core, '/registry/events/ns/e'));
    assert.equal(encrypts(core, '/registry/deployments/ns/d'), false);
    assert.equal(encrypts(core, '/registry/example.com/widgets/ns/w'), false);
    // `events` is stored by the core resource: events.k8s.io's registration does not undo it.
    assert.ok(encrypts(route('[events]'), '/registry/events/ns/e'));
    assert.ok(encrypts(route('["*.apps"]'), '/registry/deployments/ns/d'));
  });

  it('a registered prefix wins over the custom-resource rule of its key', () => {
    const router = route('["*.example.com"]');
    const key = '/registry/example.com/widgets/ns/w';
    assert.ok(encrypts(router, key));
    // Registered as a resource no rule covers: identity, even though the key looks custom.
    router.register('/registry/example.com/widgets', { group: 'other.io', resource: 'widgets' });
    assert.equal(encrypts(router, key), false);
    router.unregister('/registry/example.com/widgets');
    assert.ok(encrypts(router, key));
  });

  it('round-trips a custom resource and rotates keys by rewriting (stale reads)', () => {
    const key = '/registry/example.com/widgets/ns/w';
    const plain = new TextEncoder().encode('{"spec":{"secret":"cleartext-marker"}}');
    const old = route('[widgets.example.com]');
    const stored = old.toStorage(plain, key);
    assert.equal(Buffer.from(stored).includes('cleartext-marker'), false);
    // A new first key: the old value still decrypts, as stale, so an update rewrites it.
    const rotated = parseEncryptionConfig(
      `${header}resources:\n- resources: [widgets.example.com]\n  providers: [{aescbc: {keys: [{name: k2, secret: "${SECRET}"}]}}, {aesgcm: {keys: [{name: k, secret: "${SECRET}"}]}}]\n`,
    ).transformers;
    const router = new KeyPrefixTransformer(rotated);
    const read = router.fromStorage(stored, key);
    assert.deepEqual(read, { data: plain, stale: true });
    const rewritten = router.toStorage(read.data, key);
    assert.ok(Buffer.from(rewritten).toString('latin1').startsWith('k8s:enc:aescbc:v1:k2:'));
    assert.deepEqual(router.fromStorage(rewritten, key), { data: plain, stale: false });
  });
});
