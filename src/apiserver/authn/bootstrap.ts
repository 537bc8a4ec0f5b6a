/**
 * Bootstrap tokens (`<id>.<secret>`), as upstream's
 * plugin/pkg/auth/authenticator/token/bootstrap and k8s.io/cluster-bootstrap: a token is valid
 * while the Secret `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`
 * holds its secret, allows `usage-bootstrap-authentication` and has not expired. It
 * authenticates as `system:bootstrap:<id>` in `system:bootstrappers` plus `auth-extra-groups`.
 * Also the helpers `skiff token create|list|delete` need (kubeadm's token generation, Secret
 * layout and list table).
 */
import { randomBytes } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { shortHumanDuration } from '../../api/index.ts';
import { constantTimeEqual, type MaybePromise } from './errors.ts';
import type { TokenAuthResult } from './sa-tokens.ts';

/** Namespace of bootstrap token Secrets. */
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
/** Secret name prefix; the name is the prefix plus the token id. */
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
/** The Secret type that marks a bootstrap token. */
export const SECRET_TYPE_BOOTSTRAP_TOKEN = 'bootstrap.kubernetes.io/token';
/** Data keys. */
export const BOOTSTRAP_TOKEN_ID_KEY = 'token-id';
export const BOOTSTRAP_TOKEN_SECRET_KEY = 'token-secret';
export const BOOTSTRAP_TOKEN_DESCRIPTION_KEY = 'description';
export const BOOTSTRAP_TOKEN_EXPIRATION_KEY = 'expiration';
export const BOOTSTRAP_TOKEN_USAGE_PREFIX = 'usage-bootstrap-';
export const BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION = 'usage-bootstrap-authentication';
export const BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY = 'auth-extra-groups';
/** Username prefix: `system:bootstrap:<id>`. */
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
/** Group of every bootstrap token. */
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';
/** Usages a token may carry. */
export const KNOWN_BOOTSTRAP_TOKEN_USAGES: readonly string[] = ['signing', 'authentication'];

/** `[a-z0-9]{6}.[a-z0-9]{16}` (BootstrapTokenPattern). */
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** A token id alone (BootstrapTokenIDPattern). */
const TOKEN_ID_RE = /^([a-z0-9]{6})$/;
/** Extra groups must live under system:bootstrappers: (BootstrapGroupPattern). */
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const GROUP_PATTERN_TEXT = '\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z';
/** time.RFC3339 as Go parses it (fractional seconds allowed). */
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const TOKEN_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** The id and secret of a well-formed token, or undefined. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  if (m === null) return undefined;
  return { id: m[1] ?? '', secret: m[2] ?? '' };
}

/** `bootstrap-token-<id>`. */
export function bootstrapTokenSecretName(id: string): string {
  return `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
}

/** Validates an extra group name (ValidateBootstrapGroupName), with upstream's message. */
export function validateBootstrapGroupName(name: string): string | undefined {
  if (GROUP_RE.test(name)) return undefined;
  return `bootstrap group "${name}" is invalid (must match ${GROUP_PATTERN_TEXT})`;
}

/** A data value of the Secret, decoded ('' when absent), as bootstrapsecretutil.GetData. */
export function secretData(secret: Secret, key: string): string {
  const v = secret.data?.[key];
  return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
}

/**
 * The token's expiry, undefined when it never expires; an unparsable `expiration` counts as
 * already expired (HasExpired), reported as the epoch.
 */
export function bootstrapTokenExpiration(secret: Secret): Date | undefined {
  const exp = secretData(secret, BOOTSTRAP_TOKEN_EXPIRATION_KEY);
  if (exp === '') return undefined;
  const t = RFC3339_RE.test(exp) ? Date.parse(exp) : NaN;
  return new Date(Number.isFinite(t) ? t : 0);
}

/** True when the token's expiry has passed (now after expiration). */
export function bootstrapTokenHasExpired(secret: Secret, now: Date): boolean {
  const exp = bootstrapTokenExpiration(secret);
  return exp !== undefined && now.getTime() > exp.getTime();
}

/**
 * `system:bootstrappers` plus the validated `auth-extra-groups`, sorted and deduplicated
 * (GetGroups); a string error message for an invalid group.
 */
export function bootstrapTokenGroups(secret: Secret): string[] | string {
  const groups = new Set([BOOTSTRAP_DEFAULT_GROUP]);
  const extra = secretData(secret, BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY);
  if (extra !== '') {
    for (const g of extra.split(',')) {
      const err = validateBootstrapGroupName(g);
      if (err !== undefined) return err;
      groups.add(g);
    }
  }
  return [...groups].sort();
}

/** Reads Secrets of kube-system (the lead implements it over storage or a cache). */
export interface BootstrapSecretGetter {
  getSecret(namespace: string, name: string): MaybePromise<Secret | undefined>;
}

/** Authenticates bootstrap tokens against their Secrets (upstream TokenAuthenticator). */
export class BootstrapTokenAuthenticator {
  constructor(
    private readonly lookup: BootstrapSecretGetter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Undefined for a token that is not of the bootstrap form or has no Secret; a rejection (with
   * upstream's log message) when the Secret exists but does not accept the token.
   */
  async authenticateToken(token: string): Promise<TokenAuthResult> {
    const parsed = parseBootstrapToken(token);
    if (parsed === undefined) return undefined;
    const name = bootstrapTokenSecretName(parsed.id);
    const secret = await this.lookup.getSecret(BOOTSTRAP_TOKEN_NAMESPACE, name);
    if (secret === undefined) return undefined;
    const reject = (msg: string): TokenAuthResult => ({
      ok: false,
      reason: `Bootstrap secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name} matching bearer token ${msg}`,
    });
    if (secret.metadata?.deletionTimestamp !== undefined) {
      return reject('is deleted and awaiting removal');
    }
    if (secret.type !== SECRET_TYPE_BOOTSTRAP_TOKEN || secret.data === undefined) {
      return reject(`has invalid type, expected ${SECRET_TYPE_BOOTSTRAP_TOKEN}.`);
    }
    if (!constantTimeEqual(secretData(secret, BOOTSTRAP_TOKEN_SECRET_KEY), parsed.secret)) {
      // Upstream logs the expected secret; we do not repeat a credential into logs.
      return reject(`has invalid value for key ${BOOTSTRAP_TOKEN_SECRET_KEY}.`);
    }
    const id = secretData(secret, BOOTSTRAP_TOKEN_ID_KEY);
    if (id !== parsed.id) {
      return reject(`has invalid value for key ${BOOTSTRAP_TOKEN_ID_KEY}, expected ${parsed.id}.`);
    }
    if (bootstrapTokenHasExpired(secret, this.now())) return reject('has expired.');
    if (secretData(secret, BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION) !== 'true') {
      return reject(`not marked ${BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION}=true.`);
    }
    const groups = bootstrapTokenGroups(secret);
    if (typeof groups === 'string') {
      return reject(`has invalid value for key ${BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY}: ${groups}.`);
    }
    return { ok: true, user: { username: `${BOOTSTRAP_USER_PREFIX}${id}`, groups } };
  }
}

/** `length` characters of [0-9a-z], unbiased (kubeadm's randBytes: bytes >= 252 are redrawn). */
function randomTokenChars(length: number, random: (n: number) => Uint8Array): string {
  let out = '';
  while (out.length < length) {
    for (const b of random(length * 2)) {
      if (b < 252 && out.length < length) out += TOKEN_CHARS[b % TOKEN_CHARS.length] ?? '';
    }
  }
  return out;
}

/** A fresh random `<6>.<16>` token (GenerateBootstrapToken). `random` is for tests. */
export function generateBootstrapToken(
  random: (n: number) => Uint8Array = (n) => randomBytes(n),
): string {
  return `${randomTokenChars(6, random)}.${randomTokenChars(16, random)}`;
}

/** What `skiff token create` asks for. */
export interface BootstrapTokenSpec {
  /** `<id>.<secret>`; must be well formed. */
  token: string;
  /** Lifetime; 0 or unset: never expires. */
  ttlSeconds?: number;
  description?: string;
  /** Defaults to ['signing', 'authentication'] (kubeadm's default). */
  usages?: readonly string[];
  /** Extra groups, each `system:bootstrappers:...`. */
  groups?: readonly string[];
  /** Creation time for the expiration; defaults to now. */
  now?: Date;
}

/**
 * The kube-system Secret holding a bootstrap token (kubeadm's BootstrapToken.ToSecret):
 * `bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`. Throws on a malformed
 * token, an unknown usage or an invalid group.
 */
export function bootstrapTokenSecret(spec: BootstrapTokenSpec): Secret {
  const parsed = parseBootstrapToken(spec.token);
  if (parsed === undefined) {
    throw new Error(`the bootstrap token "${spec.token}" was not of the form "${TOKEN_RE.source}"`);
  }
  const data: Record<string, string> = {
    [BOOTSTRAP_TOKEN_ID_KEY]: parsed.id,
    [BOOTSTRAP_TOKEN_SECRET_KEY]: parsed.secret,
  };
  if (spec.description) data[BOOTSTRAP_TOKEN_DESCRIPTION_KEY] = spec.description;
  if (spec.ttlSeconds !== undefined && spec.ttlSeconds > 0) {
    const now = spec.now ?? new Date();
    const exp = new Date(now.getTime() + spec.ttlSeconds * 1000);
    data[BOOTSTRAP_TOKEN_EXPIRATION_KEY] = exp.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  for (const usage of spec.usages ?? ['signing', 'authentication']) {
    if (!KNOWN_BOOTSTRAP_TOKEN_USAGES.includes(usage)) {
      throw new Error(
        `invalid bootstrap token usage string: ${usage}, valid usage options: ${KNOWN_BOOTSTRAP_TOKEN_USAGES.join(',')}`,
      );
    }
    data[`${BOOTSTRAP_TOKEN_USAGE_PREFIX}${usage}`] = 'true';
  }
  if (spec.groups && spec.groups.length > 0) {
    for (const g of spec.groups) {
      const err = validateBootstrapGroupName(g);
      if (err !== undefined) throw new Error(err);
    }
    data[BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY] = spec.groups.join(',');
  }
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretName(parsed.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: SECRET_TYPE_BOOTSTRAP_TOKEN,
    data: encoded,
  };
}

/** A bootstrap token as `skiff token list` shows it. */
export interface BootstrapTokenInfo {
  /** `<id>.<secret>`. */
  token: string;
  id: string;
  description: string;
  /** Undefined: never expires. */
  expires?: Date;
  /** Usage names without the prefix, in data key order (sorted). */
  usages: string[];
  /** Extra groups as stored (without the default group). */
  groups: string[];
}

/**
 * Reads a token back from its Secret (kubeadm's BootstrapTokenFromSecret); undefined for a
 * Secret that is not a well-formed bootstrap token.
 */
export function bootstrapTokenFromSecret(secret: Secret): BootstrapTokenInfo | undefined {
  if (secret.type !== SECRET_TYPE_BOOTSTRAP_TOKEN) return undefined;
  const id = secretData(secret, BOOTSTRAP_TOKEN_ID_KEY);
  const name = secret.metadata?.name ?? '';
  if (name !== bootstrapTokenSecretName(id)) return undefined;
  const token = `${id}.${secretData(secret, BOOTSTRAP_TOKEN_SECRET_KEY)}`;
  if (parseBootstrapToken(token) === undefined) return undefined;
  const usages = Object.keys(secret.data ?? {})
    .filter((k) => k.startsWith(BOOTSTRAP_TOKEN_USAGE_PREFIX) && secretData(secret, k) === 'true')
    .map((k) => k.slice(BOOTSTRAP_TOKEN_USAGE_PREFIX.length))
    .sort();
  const extra = secretData(secret, BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY);
  const info: BootstrapTokenInfo = {
    token,
    id,
    description: secretData(secret, BOOTSTRAP_TOKEN_DESCRIPTION_KEY),
    usages,
    groups: extra === '' ? [] : extra.split(','),
  };
  const expires = bootstrapTokenExpiration(secret);
  if (expires !== undefined) info.expires = expires;
  return info;
}

/**
 * The token id named by `skiff token delete <id|token>`, or an error message (kubeadm's
 * wording) for anything else.
 */
export function bootstrapTokenIdOf(idOrToken: string): { id: string } | { error: string } {
  if (TOKEN_ID_RE.test(idOrToken)) return { id: idOrToken };
  const parsed = parseBootstrapToken(idOrToken);
  if (parsed !== undefined) return { id: parsed.id };
  return {
    error: `given token didn't match pattern "${TOKEN_ID_RE.source}" or "${TOKEN_RE.source}"`,
  };
}

/** Go's text/tabwriter with kubeadm's settings (minwidth 10, padding 3), for one block. */
function tabBlock(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(cell.length + 3, 10));
    });
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join(''),
    )
    .join('\n')
    .concat('\n');
}

/**
 * `kubeadm token list`'s table: TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS, `<forever>`
 * / `<never>` without expiry, `<none>` for empty cells. Like kubeadm, the header is aligned with
 * the first token and every later token is aligned on its own. '' for no tokens.
 */
export function formatBootstrapTokenTable(
  tokens: readonly BootstrapTokenInfo[],
  now: Date,
): string {
  let out = '';
  tokens.forEach((t, i) => {
    const row = [
      t.token,
      t.expires === undefined
        ? '<forever>'
        : shortHumanDuration(t.expires.getTime() - now.getTime()),
      t.expires === undefined ? '<never>' : t.expires.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      t.usages.length === 0 ? '<none>' : t.usages.join(','),
      t.description === '' ? '<none>' : t.description,
      t.groups.length === 0 ? '<none>' : t.groups.join(','),
    ];
    const header = ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'];
    out += tabBlock(i === 0 ? [header, row] : [row]);
  });
  return out;
}
