/**
 * Value transformers for data at rest: k8s.io/apiserver/pkg/storage/value (transformer.go:
 * prefix transformers, stale detection), value/encrypt/identity and value/encrypt/aes (GCM and
 * CBC), byte-compatible with Kubernetes so an etcd written by one can be read by the other.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The result of reading a stored value. */
export interface FromStorageResult {
  /** The plaintext (may share memory with the input for identity). */
  data: Uint8Array;
  /**
   * True when the value was not written by the preferred (first) provider and key: a write of
   * the same object must happen even if its content is unchanged, so that rewriting every
   * object re-encrypts it (key rotation, starting or stopping encryption).
   */
  stale: boolean;
}

/**
 * Transforms values on their way to and from storage (upstream value.Transformer). `key` is the
 * storage key of the value; encrypting providers authenticate it (AES-GCM additional data), so
 * a value copied to another key does not decrypt. Both methods are synchronous and throw
 * TransformError when the value cannot be transformed. Inputs are never mutated.
 */
export interface ValueTransformer {
  toStorage(data: Uint8Array, key: string): Uint8Array;
  fromStorage(data: Uint8Array, key: string): FromStorageResult;
}

/** A value could not be encrypted or decrypted; `message` is upstream's error text. */
export class TransformError extends Error {
  override readonly name = 'TransformError';
}

const textEncoder = new TextEncoder();

/** The AES-GCM additional authenticated data of a key (upstream authenticatedDataString). */
function authenticatedData(key: string): Uint8Array {
  return textEncoder.encode(key);
}

function hasPrefix(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.byteLength < prefix.byteLength) return false;
  for (let i = 0; i < prefix.byteLength; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/** Data written by an encrypting provider starts with this (reserved by Kubernetes). */
export const ENCRYPTED_DATA_PREFIX = 'k8s:enc:';
const ENCRYPTED_PREFIX_BYTES = textEncoder.encode(ENCRYPTED_DATA_PREFIX);

/**
 * The identity transformer (upstream NewEncryptCheckTransformer): stores plaintext, and refuses
 * to read data carrying the `k8s:enc:` prefix, so encrypted data is never mistaken for JSON.
 */
export const identityTransformer: ValueTransformer = {
  toStorage(data: Uint8Array): Uint8Array {
    return data;
  },
  fromStorage(data: Uint8Array): FromStorageResult {
    if (hasPrefix(data, ENCRYPTED_PREFIX_BYTES)) {
      throw new TransformError('identity transformer tried to read encrypted data');
    }
    return { data, stale: false };
  },
};

/** A transformer and the prefix its values carry on disk. */
export interface PrefixTransformer {
  prefix: Uint8Array;
  transformer: ValueTransformer;
}

/** Go's errors.Reduce(NewAggregate(errs)).Error(). */
function aggregateMessage(errs: readonly Error[]): string {
  const msgs: string[] = [];
  for (const e of errs) if (!msgs.includes(e.message)) msgs.push(e.message);
  return msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`;
}

/**
 * Upstream NewPrefixTransformers: writes with the first transformer (prefixing its values);
 * reads with the first whose prefix matches and succeeds, trying later ones after a failure
 * (several providers or keys may share a prefix during rotation). A value read by any but the
 * first is stale. `noMatch` is the message when no prefix matches.
 */
export class PrefixTransformers implements ValueTransformer {
  private readonly list: readonly PrefixTransformer[];
  private readonly noMatch: string;

  constructor(noMatch: string, list: readonly PrefixTransformer[]) {
    if (list.length === 0) throw new Error('PrefixTransformers needs at least one transformer');
    this.noMatch = noMatch;
    this.list = list;
  }

  toStorage(data: Uint8Array, key: string): Uint8Array {
    const first = this.list[0];
    if (first === undefined) throw new TransformError(this.noMatch);
    const out = first.transformer.toStorage(data, key);
    return first.prefix.byteLength === 0 ? out : concat(first.prefix, out);
  }

  fromStorage(data: Uint8Array, key: string): FromStorageResult {
    const errs: Error[] = [];
    for (let i = 0; i < this.list.length; i++) {
      const t = this.list[i];
      if (t === undefined || !hasPrefix(data, t.prefix)) continue;
      try {
        const r = t.transformer.fromStorage(data.subarray(t.prefix.byteLength), key);
        return { data: r.data, stale: r.stale || i !== 0 };
      } catch (err) {
        // The identity transformer's refusal of encrypted data is not an error of its own:
        // a later provider may read the value.
        if (t.prefix.byteLength === 0) continue;
        errs.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    if (errs.length > 0) throw new TransformError(aggregateMessage(errs));
    throw new TransformError(this.noMatch);
  }
}

const GCM_NONCE_SIZE = 12;
const GCM_TAG_SIZE = 16;
const AES_BLOCK_SIZE = 16;

/** AES key sizes in bits Node names its ciphers by. */
type AesBits = 128 | 192 | 256;

function aesBits(key: Uint8Array): AesBits {
  switch (key.byteLength) {
    case 16:
      return 128;
    case 24:
      return 192;
    case 32:
      return 256;
    default:
      // Go's aes.KeySizeError.
      throw new TransformError(`crypto/aes: invalid key size ${key.byteLength}`);
  }
}

/**
 * AES-GCM (upstream aes.NewGCMTransformer): `nonce(12) || ciphertext || tag(16)` with a random
 * nonce and the storage key as additional authenticated data.
 */
export class AesGcmTransformer implements ValueTransformer {
  private readonly algorithm: `aes-${AesBits}-gcm`;
  private readonly key: KeyObject;

  /** `key` is 16, 24 or 32 bytes (AES-128/192/256); it is copied. */
  constructor(key: Uint8Array) {
    this.algorithm = `aes-${aesBits(key)}-gcm`;
    this.key = createSecretKey(Buffer.from(key));
  }

  toStorage(data: Uint8Array, key: string): Uint8Array {
    const out = Buffer.allocUnsafe(GCM_NONCE_SIZE + data.byteLength + GCM_TAG_SIZE);
    const nonce = out.subarray(0, GCM_NONCE_SIZE);
    randomFillSync(nonce);
    const cipher = createCipheriv(this.algorithm, this.key, nonce, { authTagLength: GCM_TAG_SIZE });
    cipher.setAAD(authenticatedData(key));
    let n = GCM_NONCE_SIZE;
    n += cipher.update(data).copy(out, n);
    n += cipher.final().copy(out, n);
    cipher.getAuthTag().copy(out, n);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  fromStorage(data: Uint8Array, key: string): FromStorageResult {
    if (data.byteLength < GCM_NONCE_SIZE) {
      throw new TransformError('the stored data was shorter than the required size');
    }
    if (data.byteLength < GCM_NONCE_SIZE + GCM_TAG_SIZE) {
      throw new TransformError('cipher: message authentication failed');
    }
    const nonce = data.subarray(0, GCM_NONCE_SIZE);
    const tagAt = data.byteLength - GCM_TAG_SIZE;
    try {
      const decipher = createDecipheriv(this.algorithm, this.key, nonce, {
        authTagLength: GCM_TAG_SIZE,
      });
      decipher.setAAD(authenticatedData(key));
      decipher.setAuthTag(data.subarray(tagAt));
      const head = decipher.update(data.subarray(GCM_NONCE_SIZE, tagAt));
      const tail = decipher.final();
      const plain = tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
      return {
        data: new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength),
        stale: false,
      };
    } catch {
      // Node reports "Unsupported state or unable to authenticate data"; Go's message is this.
      throw new TransformError('cipher: message authentication failed');
    }
  }
}

/**
 * AES-CBC with PKCS#7 padding (upstream aes.NewCBCTransformer): `iv(16) || ciphertext`, random
 * IV, no authentication (upstream discourages it; kept for compatibility).
 */
export class AesCbcTransformer implements ValueTransformer {
  private readonly algorithm: `aes-${AesBits}-cbc`;
  private readonly key: KeyObject;

  /** `key` is 16, 24 or 32 bytes (AES-128/192/256); it is copied. */
  constructor(key: Uint8Array) {
    this.algorithm = `aes-${aesBits(key)}-cbc`;
    this.key = createSecretKey(Buffer.from(key));
  }

  toStorage(data: Uint8Array): Uint8Array {
    const padding = AES_BLOCK_SIZE - (data.byteLength % AES_BLOCK_SIZE);
    const out = Buffer.allocUnsafe(AES_BLOCK_SIZE + data.byteLength + padding);
    const iv = out.subarray(0, AES_BLOCK_SIZE);
    randomFillSync(iv);
    // Node's automatic padding is PKCS#7, the same bytes Go appends by hand.
    const cipher = createCipheriv(this.algorithm, this.key, iv);
    let n = AES_BLOCK_SIZE;
    n += cipher.update(data).copy(out, n);
    cipher.final().copy(out, n);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  fromStorage(data: Uint8Array): FromStorageResult {
    if (data.byteLength < AES_BLOCK_SIZE) {
      throw new TransformError('the stored data was shorter than the required size');
    }
    const body = data.subarray(AES_BLOCK_SIZE);
    if (body.byteLength % AES_BLOCK_SIZE !== 0) {
      throw new TransformError('the stored data is not a multiple of the block size');
    }
    if (body.byteLength === 0) throw new TransformError('invalid PKCS7 data (empty or not padded)');
    // Padding is checked by hand to give upstream's errors.
    const decipher = createDecipheriv(this.algorithm, this.key, data.subarray(0, AES_BLOCK_SIZE));
    decipher.setAutoPadding(false);
    const head = decipher.update(body);
    const tail = decipher.final();
    const plain = tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
    const c = plain[plain.byteLength - 1] ?? 0;
    if (c === 0 || c > plain.byteLength) {
      throw new TransformError('invalid PKCS7 data (empty or not padded)');
    }
    const size = plain.byteLength - c;
    for (let i = size; i < plain.byteLength; i++) {
      if (plain[i] !== c) throw new TransformError('invalid padding on input');
    }
    return { data: new Uint8Array(plain.buffer, plain.byteOffset, size), stale: false };
  }
}
