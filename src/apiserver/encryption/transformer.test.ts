import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseEncryptionConfig } from './config.ts';
import type { EncryptionTransformers } from './config.ts';
import {
  AesCbcTransformer,
  AesGcmTransformer,
  PrefixTransformers,
  TransformError,
  identityTransformer,
} from './transformer.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const KEY = '/registry/secrets/default/s1';
const PLAIN = enc.encode('{"kind":"Secret","apiVersion":"v1","data":{"a":"Yg=="}}');

const K16 = Buffer.alloc(16, 1).toString('base64');
const K24 = Buffer.alloc(24, 2).toString('base64');
const K32a = Buffer.alloc(32, 3).toString('base64');
const K32b = Buffer.alloc(32, 4).toString('base64');

function cfg(providers: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}`;
}
const gcm = (name: string, secret: string) =>
  `      - aesgcm:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;
const cbc = (name: string, secret: string) =>
  `      - aescbc:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;
const identity = '      - identity: {}\n';

function secretsTransformer(providers: string) {
  const t: EncryptionTransformers = parseEncryptionConfig(cfg(providers)).transformers;
  return t.transformerFor({ group: '', resource: 'secrets' });
}

function startsWith(data: Uint8Array, prefix: string): boolean {
  return dec.decode(data.subarray(0, prefix.length)) === prefix;
}

describe('on-disk format', () => {
  for (const [bits, secret] of [
    [128, K16],
    [192, K24],
    [256, K32a],
  ] as const) {
    it(`aesgcm ${bits}: k8s:enc:aesgcm:v1:<key>: nonce(12) ciphertext tag(16), AAD = storage key`, () => {
      const t = secretsTransformer(gcm('key1', secret));
      const out = t.toStorage(PLAIN, KEY);
      const prefix = 'k8s:enc:aesgcm:v1:key1:';
      assert.ok(startsWith(out, prefix));
      const body = out.subarray(prefix.length);
      assert.equal(body.byteLength, 12 + PLAIN.byteLength + 16);
      // Independent decryption with the layout Kubernetes uses.
      const d = createDecipheriv(
        `aes-${bits}-gcm`,
        Buffer.from(secret, 'base64'),
        body.subarray(0, 12),
      );
      d.setAAD(Buffer.from(KEY));
      d.setAuthTag(body.subarray(body.byteLength - 16));
      const plain = Buffer.concat([d.update(body.subarray(12, body.byteLength - 16)), d.final()]);
      assert.deepEqual(new Uint8Array(plain), PLAIN);
      assert.deepEqual(t.fromStorage(out, KEY), { data: PLAIN, stale: false });
      // Random nonces: two writes differ.
      assert.notDeepEqual(t.toStorage(PLAIN, KEY), out);
    });

    it(`aescbc ${bits}: k8s:enc:aescbc:v1:<key>: iv(16) PKCS#7 ciphertext`, () => {
      const t = secretsTransformer(cbc('k', secret));
      const out = t.toStorage(PLAIN, KEY);
      const prefix = 'k8s:enc:aescbc:v1:k:';
      assert.ok(startsWith(out, prefix));
      const body = out.subarray(prefix.length);
      const padded = PLAIN.byteLength + 16 - (PLAIN.byteLength % 16);
      assert.equal(body.byteLength, 16 + padded);
      const d = createDecipheriv(
        `aes-${bits}-cbc`,
        Buffer.from(secret, 'base64'),
        body.subarray(0, 16),
      );
      d.setAutoPadding(false);
      const raw = Buffer.concat([d.update(body.subarray(16)), d.final()]);
      const pad = raw[raw.length - 1] ?? 0;
      assert.ok(raw.subarray(raw.length - pad).every((b) => b === pad));
      assert.deepEqual(new Uint8Array(raw.subarray(0, raw.length - pad)), PLAIN);
      assert.deepEqual(t.fromStorage(out, KEY), { data: PLAIN, stale: false });
    });
  }

  it('aescbc pads a block-aligned value with a full block', () => {
    const t = new AesCbcTransformer(Buffer.alloc(32, 9));
    const data = new Uint8Array(32).fill(7);
    const out = t.toStorage(data);
    assert.equal(out.byteLength, 16 + 48);
    assert.deepEqual(t.fromStorage(out).data, data);
    assert.deepEqual(t.fromStorage(t.toStorage(new Uint8Array(0))).data, new Uint8Array(0));
  });

  it('identity stores plaintext and refuses encrypted data', () => {
    const t = secretsTransformer(identity);
    assert.deepEqual(t.toStorage(PLAIN, KEY), PLAIN);
    assert.deepEqual(t.fromStorage(PLAIN, KEY), { data: PLAIN, stale: false });
    assert.throws(
      () => identityTransformer.fromStorage(enc.encode('k8s:enc:aesgcm:v1:k:xxxx'), KEY),
      { name: 'TransformError', message: 'identity transformer tried to read encrypted data' },
    );
    // Within a provider list, the refusal falls through to "no matching prefix found".
    assert.throws(() => t.fromStorage(enc.encode('k8s:enc:aesgcm:v1:k:xxxx'), KEY), {
      message: 'no matching prefix found',
    });
  });
});

describe('rotation and stale detection', () => {
  it('a second key reads old data as stale; rewriting re-encrypts with the first', () => {
    const before = secretsTransformer(gcm('key1', K32a));
    const old = before.toStorage(PLAIN, KEY);
    // Step 1 of rotation: key2 added second (reads) - still writes key1.
    const both = parseEncryptionConfig(
      cfg(`      - aesgcm:
          keys:
            - name: key2
              secret: ${K32b}
            - name: key1
              secret: ${K32a}
`),
    ).transformers.transformerFor({ group: '', resource: 'secrets' });
    assert.deepEqual(both.fromStorage(old, KEY), { data: PLAIN, stale: true });
    const rewritten = both.toStorage(PLAIN, KEY);
    assert.ok(startsWith(rewritten, 'k8s:enc:aesgcm:v1:key2:'));
    assert.deepEqual(both.fromStorage(rewritten, KEY), { data: PLAIN, stale: false });
    // After the old key is removed, old data is unreadable.
    const after = secretsTransformer(gcm('key2', K32b));
    assert.deepEqual(after.fromStorage(rewritten, KEY).data, PLAIN);
    assert.throws(() => after.fromStorage(old, KEY), {
      message: 'no matching key was found for the provided AES transformer',
    });
  });

  it('changing provider: data of a later provider is stale', () => {
    const gcmOnly = secretsTransformer(gcm('g', K32a));
    const cbcFirst = secretsTransformer(cbc('c', K32b) + gcm('g', K32a));
    const fromGcm = gcmOnly.toStorage(PLAIN, KEY);
    assert.deepEqual(cbcFirst.fromStorage(fromGcm, KEY), { data: PLAIN, stale: true });
    const out = cbcFirst.toStorage(PLAIN, KEY);
    assert.ok(startsWith(out, 'k8s:enc:aescbc:v1:c:'));
    assert.deepEqual(cbcFirst.fromStorage(out, KEY), { data: PLAIN, stale: false });
  });

  it('starting encryption: plaintext read through a later identity is stale', () => {
    const t = secretsTransformer(gcm('k', K32a) + identity);
    assert.deepEqual(t.fromStorage(PLAIN, KEY), { data: PLAIN, stale: true });
  });

  it('stopping encryption: identity first still reads encrypted data, as stale', () => {
    const encrypted = secretsTransformer(gcm('k', K32a)).toStorage(PLAIN, KEY);
    const t = secretsTransformer(identity + gcm('k', K32a));
    assert.deepEqual(t.fromStorage(encrypted, KEY), { data: PLAIN, stale: true });
    assert.deepEqual(t.fromStorage(PLAIN, KEY), { data: PLAIN, stale: false });
    assert.deepEqual(t.toStorage(PLAIN, KEY), PLAIN);
  });

  it('same provider twice with different keys: a failure of the first is not final', () => {
    const old = secretsTransformer(cbc('one', K32a)).toStorage(PLAIN, KEY);
    const t = secretsTransformer(cbc('two', K32b) + cbc('one', K32a));
    assert.deepEqual(t.fromStorage(old, KEY), { data: PLAIN, stale: true });
  });
});

describe('failures', () => {
  const t = secretsTransformer(gcm('k', K32a));

  it('a value moved to another key fails authentication (AAD)', () => {
    const out = t.toStorage(PLAIN, KEY);
    assert.throws(() => t.fromStorage(out, '/registry/secrets/default/other'), {
      name: 'TransformError',
      message: 'cipher: message authentication failed',
    });
  });

  it('tampered or short data fails', () => {
    const out = t.toStorage(PLAIN, KEY);
    const tampered = out.slice();
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 1;
    assert.throws(() => t.fromStorage(tampered, KEY), {
      message: 'cipher: message authentication failed',
    });
    assert.throws(() => t.fromStorage(enc.encode('k8s:enc:aesgcm:v1:k:short'), KEY), {
      message: 'the stored data was shorter than the required size',
    });
  });

  it('data with no known prefix fails without identity', () => {
    assert.throws(() => t.fromStorage(PLAIN, KEY), {
      name: 'TransformError',
      message: 'no matching prefix found',
    });
  });

  it('aescbc errors as upstream', () => {
    const c = new AesCbcTransformer(Buffer.alloc(16, 1));
    assert.throws(() => c.fromStorage(new Uint8Array(8)), {
      message: 'the stored data was shorter than the required size',
    });
    assert.throws(() => c.fromStorage(new Uint8Array(20)), {
      message: 'the stored data is not a multiple of the block size',
    });
    // A wrong key almost always yields bad padding.
    const other = new AesCbcTransformer(Buffer.alloc(16, 2));
    let failures = 0;
    for (let i = 0; i < 20; i++) {
      try {
        other.fromStorage(c.toStorage(randomBytes(40)));
      } catch (err) {
        assert.ok(err instanceof TransformError);
        assert.match(
          err.message,
          /^invalid (PKCS7 data \(empty or not padded\)|padding on input)$/,
        );
        failures++;
      }
    }
    assert.ok(failures >= 15);
  });

  it('several failing providers aggregate their errors', () => {
    const a = new PrefixTransformers('none', [
      { prefix: enc.encode('p:'), transformer: new AesGcmTransformer(Buffer.alloc(16, 1)) },
      { prefix: enc.encode('p:'), transformer: new AesCbcTransformer(Buffer.alloc(16, 1)) },
    ]);
    assert.throws(() => a.fromStorage(enc.encode('p:0123456789abcdefX'), KEY), {
      message:
        '[cipher: message authentication failed, the stored data is not a multiple of the block size]',
    });
  });

  it('invalid AES key sizes are refused', () => {
    assert.throws(() => new AesGcmTransformer(new Uint8Array(10)), {
      message: 'crypto/aes: invalid key size 10',
    });
  });
});
