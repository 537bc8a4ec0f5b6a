/**
 * A small AES-GCM StoreTransformer for storage tests, which cannot import the API server's
 * encryption package (layer rule). It writes Kubernetes' on-disk form of the aesgcm provider,
 * `k8s:enc:aesgcm:v1:<name>:` + 12-byte nonce + ciphertext + 16-byte tag with the storage key
 * as additional data, and reads like upstream's prefix transformers: the first provider whose
 * prefix matches and decrypts wins, and a value read by any but the first is stale. `identity`
 * stores plaintext and reads anything without the `k8s:enc:` prefix.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CipherGCMTypes } from 'node:crypto';
import type { StoreFromStorageResult, StoreTransformer } from './transformer.ts';

/** One provider of a {@link TestAesGcmTransformer}: an AES key (16/24/32 bytes) or identity. */
export type TestProvider = { name: string; secret: Uint8Array } | 'identity';

const textEncoder = new TextEncoder();
const ENC_PREFIX = textEncoder.encode('k8s:enc:');
const NONCE = 12;
const TAG = 16;

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.byteLength < prefix.byteLength) return false;
  for (let i = 0; i < prefix.byteLength; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

function gcm(secret: Uint8Array): CipherGCMTypes {
  switch (secret.byteLength) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new Error(`invalid AES key size ${String(secret.byteLength)}`);
  }
}

interface Compiled {
  prefix: Uint8Array;
  secret: Uint8Array | undefined;
}

/** Test-only AES-GCM/identity prefix transformer; counts its calls for the tests. */
export class TestAesGcmTransformer implements StoreTransformer {
  private readonly providers: readonly Compiled[];
  /** Number of fromStorage calls (successful or not). */
  reads = 0;
  /** Number of toStorage calls. */
  writes = 0;

  /** The first provider writes; all of them read, in order. */
  constructor(providers: readonly TestProvider[]) {
    if (providers.length === 0) throw new Error('at least one provider');
    this.providers = providers.map((p) =>
      p === 'identity'
        ? { prefix: new Uint8Array(0), secret: undefined }
        : { prefix: textEncoder.encode(`k8s:enc:aesgcm:v1:${p.name}:`), secret: p.secret },
    );
  }

  toStorage(data: Uint8Array, key: string): Uint8Array {
    this.writes++;
    const first = this.providers[0];
    if (first?.secret === undefined) return data;
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv(gcm(first.secret), first.secret, nonce);
    cipher.setAAD(textEncoder.encode(key));
    const ct = Buffer.concat([cipher.update(data), cipher.final()]);
    const out = new Uint8Array(first.prefix.byteLength + NONCE + ct.byteLength + TAG);
    out.set(first.prefix, 0);
    out.set(nonce, first.prefix.byteLength);
    out.set(ct, first.prefix.byteLength + NONCE);
    out.set(cipher.getAuthTag(), first.prefix.byteLength + NONCE + ct.byteLength);
    return out;
  }

  fromStorage(data: Uint8Array, key: string): StoreFromStorageResult {
    this.reads++;
    let lastError: Error | undefined;
    for (let i = 0; i < this.providers.length; i++) {
      const p = this.providers[i];
      if (p === undefined) continue;
      if (p.secret === undefined) {
        if (startsWith(data, ENC_PREFIX)) continue;
        return { data, stale: i !== 0 };
      }
      if (!startsWith(data, p.prefix)) continue;
      const body = data.subarray(p.prefix.byteLength);
      try {
        const decipher = createDecipheriv(gcm(p.secret), p.secret, body.subarray(0, NONCE));
        decipher.setAAD(textEncoder.encode(key));
        decipher.setAuthTag(body.subarray(body.byteLength - TAG));
        const plain = Buffer.concat([
          decipher.update(body.subarray(NONCE, body.byteLength - TAG)),
          decipher.final(),
        ]);
        return { data: plain, stale: i !== 0 };
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err));
      }
    }
    throw lastError ?? new Error('no matching prefix found');
  }
}
