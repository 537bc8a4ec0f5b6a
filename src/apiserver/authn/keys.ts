/**
 * Service account signing keys: load or create the PEM key pair the API server signs tokens
 * with, and derive what relying parties see of it (the key id and the JWK), as upstream's
 * pkg/serviceaccount/jwt.go (keyIDFromPublicKey) and openidmetadata.go (jwkFromPublicKey).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** JWS algorithms a service account key can sign with (upstream supports exactly these). */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

/** A public key tokens may be verified with, and its upstream-derived key id. */
export interface VerificationKey {
  alg: SigningAlgorithm;
  publicKey: KeyObject;
  /** base64url (no padding) of SHA-256 over the DER SubjectPublicKeyInfo. */
  kid: string;
}

/** The key new tokens are signed with; it verifies them too. */
export interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
}

/** File names inside the key directory (kubeadm's names). */
export const SIGNING_KEY_FILE = 'sa.key';
export const PUBLIC_KEY_FILE = 'sa.pub';

/**
 * The key id upstream puts in the JWT header and the JWKS: base64url of SHA-256 over the DER
 * public key (x509.MarshalPKIXPublicKey). Non-reversible so a kid can never stand in for a key.
 */
export function keyIdFromPublicKey(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/** RS256 for RSA keys, ES256/384/512 by curve for EC keys; throws for any other key. */
export function algorithmForKey(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    switch (key.asymmetricKeyDetails?.namedCurve) {
      case 'prime256v1':
      case 'P-256':
        return 'ES256';
      case 'secp384r1':
      case 'P-384':
        return 'ES384';
      case 'secp521r1':
      case 'P-521':
        return 'ES512';
      default:
        throw new Error('unknown private key curve, must be 256, 384, or 521');
    }
  }
  throw new Error(
    `unknown private key type ${key.asymmetricKeyType ?? key.type}, must be RSA or ECDSA`,
  );
}

/** A signing key from a PEM private key (PKCS#8, PKCS#1 or SEC1). Throws on a bad key. */
export function signingKeyFromPem(pem: string | Buffer): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return {
    alg: algorithmForKey(privateKey),
    privateKey,
    publicKey,
    kid: keyIdFromPublicKey(publicKey),
  };
}

/**
 * A verification key from a PEM public key, private key or certificate (upstream
 * --service-account-key-file accepts each of these). Throws on a bad key.
 */
export function verificationKeyFromPem(pem: string | Buffer): VerificationKey {
  const publicKey = createPublicKey(pem);
  return { alg: algorithmForKey(publicKey), publicKey, kid: keyIdFromPublicKey(publicKey) };
}

/**
 * Generates a fresh key pair: RSA 2048 for RS256 (upstream's default), the matching NIST
 * curve for ES*.
 */
export async function generateSigningKey(alg: SigningAlgorithm = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? await generateKeyPairAsync('rsa', { modulusLength: 2048 })
      : await generateKeyPairAsync('ec', {
          namedCurve: alg === 'ES256' ? 'P-256' : alg === 'ES384' ? 'P-384' : 'P-521',
        });
  return { alg, privateKey, publicKey, kid: keyIdFromPublicKey(publicKey) };
}

/** PKCS#8 PEM of a signing key's private half. */
export function privateKeyPem(key: SigningKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** SPKI PEM of a key's public half. */
export function publicKeyPem(key: VerificationKey): string {
  return key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/**
 * Loads `<dir>/sa.key`, or creates it (mode 0600, directory 0700) with its public half in
 * `<dir>/sa.pub` when missing. Creation is atomic and race-safe: the key is written to a
 * temporary file and hard-linked into place, so two servers starting together on a shared
 * directory end up with the same key. An existing key of another algorithm is kept (the
 * algorithm only applies to a new key).
 */
export async function loadOrCreateSigningKey(
  dir: string,
  alg: SigningAlgorithm = 'RS256',
): Promise<SigningKey> {
  const keyFile = join(dir, SIGNING_KEY_FILE);
  try {
    return signingKeyFromPem(await readFile(keyFile));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await generateSigningKey(alg);
  const tmp = join(dir, `.${SIGNING_KEY_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, privateKeyPem(key), { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, keyFile);
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
    // Another process won the race: use its key.
    return signingKeyFromPem(await readFile(keyFile));
  } finally {
    await rm(tmp, { force: true });
  }
  await writeFile(join(dir, PUBLIC_KEY_FILE), publicKeyPem(key), { mode: 0o644 });
  return key;
}

/** A JSON Web Key as upstream serves it (go-jose's field order). */
export interface PublicJwk {
  use: 'sig';
  kty: 'RSA' | 'EC';
  kid: string;
  crv?: string;
  alg: SigningAlgorithm;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
}

/** The public JWK of a key, fields in go-jose's order: use, kty, kid, crv, alg, n, e, x, y. */
export function publicJwk(key: VerificationKey): PublicJwk {
  const jwk = key.publicKey.export({ format: 'jwk' });
  if (jwk.kty === 'RSA') {
    return { use: 'sig', kty: 'RSA', kid: key.kid, alg: key.alg, n: jwk.n ?? '', e: jwk.e ?? '' };
  }
  return {
    use: 'sig',
    kty: 'EC',
    kid: key.kid,
    crv: jwk.crv ?? '',
    alg: key.alg,
    x: jwk.x ?? '',
    y: jwk.y ?? '',
  };
}
