/**
 * List continue tokens in Kubernetes' format (k8s.io/apiserver/pkg/storage/continue.go), so
 * tokens look the same to clients as upstream's: unpadded base64url of
 * `{"v":"meta.k8s.io/v1","rv":<snapshot revision>,"start":"<next key relative to the prefix>"}`.
 */
import { StorageError } from './errors.ts';

const TOKEN_VERSION = 'meta.k8s.io/v1';

/**
 * Encodes a token that resumes listing `keyPrefix` at `nextKey` (inclusive) in the snapshot at
 * `revision`. `nextKey` must start with `keyPrefix`.
 */
export function encodeContinue(nextKey: string, keyPrefix: string, revision: number): string {
  if (!nextKey.startsWith(keyPrefix)) {
    throw new StorageError(
      'Internal',
      'unable to encode next field: the key and key prefix do not match',
      {
        key: nextKey,
      },
    );
  }
  const token = { v: TOKEN_VERSION, rv: revision, start: nextKey.slice(keyPrefix.length) };
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

/** A decoded continue token: the absolute key to resume at and the snapshot revision. */
export interface ContinuePosition {
  fromKey: string;
  /** The snapshot revision; negative means "latest" (upstream's inconsistent continuation). */
  revision: number;
}

function invalid(message: string): StorageError {
  return new StorageError('InvalidContinue', `continue key is not valid: ${message}`);
}

/**
 * Decodes a token for a list of `keyPrefix`. Throws `InvalidContinue` for anything malformed,
 * including start keys that would escape the prefix (`..`, `.`, empty path segments), like
 * upstream's path.Clean check.
 */
export function decodeContinue(token: string, keyPrefix: string): ContinuePosition {
  // Upstream uses unpadded base64url; also accept standard base64 with padding.
  if (!/^[A-Za-z0-9_\-+/]*={0,2}$/.test(token) || token.length === 0) {
    throw invalid('not base64');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (err) {
    throw new StorageError('InvalidContinue', 'continue key is not valid: not JSON', {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('not an object');
  }
  const fields = parsed as Record<string, unknown>;
  if (fields.v !== TOKEN_VERSION) {
    throw invalid(`server does not recognize this encoded key version`);
  }
  const rv = fields.rv;
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv === 0) {
    throw invalid('incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  const start = fields.start;
  if (typeof start !== 'string' || start.length === 0) {
    throw invalid('encoded start key empty (version meta.k8s.io/v1)');
  }
  const key = start.startsWith('/') ? start : `/${start}`;
  if (!isCleanPath(key)) throw invalid(JSON.stringify(start));
  return { fromKey: keyPrefix + key.slice(1), revision: rv };
}

/** True when Go's path.Clean would leave `p` (which starts with '/') unchanged. */
function isCleanPath(p: string): boolean {
  if (p === '/') return true;
  if (p.endsWith('/')) return false;
  const segments = p.slice(1).split('/');
  return segments.every((s) => s !== '' && s !== '.' && s !== '..');
}
