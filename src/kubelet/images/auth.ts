/**
 * Registry authentication, pure: `WWW-Authenticate` challenge parsing (RFC 7235 as
 * distribution's client parses it), the token request of the Docker token protocol, and a
 * credential keyring with the kubelet's matching rules (pkg/credentialprovider keyring.go:
 * `BasicDockerKeyring`) fed from `imagePullSecrets` (`.dockerconfigjson`, `.dockercfg`) and
 * docker `config.json` files.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';

/** One challenge of a `WWW-Authenticate` header: a lower-cased scheme and its parameters. */
export interface AuthChallenge {
  scheme: string;
  /** Parameter names are lower-cased; values are unquoted. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses one or more `WWW-Authenticate` values into challenges. Handles quoted strings with
 * backslash escapes and several challenges in one value (`Basic realm="x", Bearer realm="y"`).
 * Malformed input yields the challenges parsed before the damage, never throws.
 */
export function parseAuthChallenges(headers: string | readonly string[]): AuthChallenge[] {
  const values = typeof headers === 'string' ? [headers] : headers;
  const out: AuthChallenge[] = [];
  for (const value of values) {
    let i = 0;
    const n = value.length;
    const skipSpace = (): void => {
      while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    };
    const readToken = (): string => {
      const start = i;
      while (i < n && TOKEN_CHAR.test(value[i] ?? '')) i++;
      return value.slice(start, i);
    };
    let current: AuthChallenge | undefined;
    while (i < n) {
      skipSpace();
      if (value[i] === ',') {
        i++;
        continue;
      }
      const token = readToken();
      if (token === '') break;
      skipSpace();
      if (value[i] === '=' && current !== undefined) {
        i++;
        skipSpace();
        let v: string;
        if (value[i] === '"') {
          i++;
          v = '';
          while (i < n && value[i] !== '"') {
            if (value[i] === '\\' && i + 1 < n) i++;
            v += value[i] ?? '';
            i++;
          }
          i++; // closing quote
        } else {
          v = readToken();
        }
        current.params[token.toLowerCase()] = v;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}

/** A username/password pair or an identity (refresh) token for one registry. */
export interface RegistryCredential {
  username: string;
  password: string;
  /** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the token realm. */
  identityToken?: string;
}

/** A Docker token request for a Bearer challenge (distribution's token auth spec). */
export interface TokenRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The request that obtains a bearer token for `scopes` from a Bearer challenge: a GET with
 * Basic auth (or anonymous), or an OAuth2 POST with the refresh token when the credential has
 * an identity token, as docker's client does. Throws when the challenge has no realm.
 */
export function planTokenRequest(
  challenge: AuthChallenge,
  scopes: readonly string[],
  credential?: RegistryCredential,
): TokenRequest {
  const realm = challenge.params.realm;
  if (realm === undefined || realm === '') {
    throw new Error('bearer challenge without a realm');
  }
  const service = challenge.params.service;
  const allScopes = [...(challenge.params.scope?.split(' ') ?? []), ...scopes].filter(
    (s, i, a) => s !== '' && a.indexOf(s) === i,
  );
  if (credential?.identityToken !== undefined && credential.identityToken !== '') {
    const form = new URLSearchParams();
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', credential.identityToken);
    if (service !== undefined) form.set('service', service);
    form.set('client_id', 'skiff');
    if (allScopes.length > 0) form.set('scope', allScopes.join(' '));
    return {
      method: 'POST',
      url: realm,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    };
  }
  const url = new URL(realm);
  if (service !== undefined) url.searchParams.set('service', service);
  for (const s of allScopes) url.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  if (credential !== undefined && credential.username !== '') {
    headers.authorization = basicAuthorization(credential);
  }
  return { method: 'GET', url: url.toString(), headers };
}

/** The `Authorization` value of HTTP Basic auth. */
export function basicAuthorization(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

/** A token endpoint's answer: `token` or `access_token`, and how long it lasts. */
export interface TokenResponse {
  token: string;
  expiresInSeconds: number;
}

/** Decodes a token endpoint's JSON body; the default lifetime is 60 s as the spec says. */
export function decodeTokenResponse(body: unknown): TokenResponse {
  if (typeof body !== 'object' || body === null) throw new Error('token response is not an object');
  const b = body as Record<string, unknown>;
  const token =
    typeof b.token === 'string' && b.token !== ''
      ? b.token
      : typeof b.access_token === 'string'
        ? b.access_token
        : '';
  if (token === '') throw new Error('token response has no token');
  const expires =
    typeof b.expires_in === 'number' && b.expires_in > 0 ? Math.floor(b.expires_in) : 60;
  return { token, expiresInSeconds: expires };
}

/** The pull scope of a repository: `repository:<path>:pull`. */
export function pullScope(repositoryPath: string): string {
  return `repository:${repositoryPath}:pull`;
}

// ---------------------------------------------------------------------------------------------
// Keyring

/** The key upstream stores Docker Hub credentials under. */
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

interface ParsedKey {
  host: string;
  port: string;
  path: string;
}

function parseSchemelessUrl(value: string): ParsedKey | undefined {
  const v = /^https?:\/\//.test(value) ? value : `https://${value}`;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return undefined;
  }
  // URL lower-cases hosts and drops default ports; a registry key keeps its explicit port.
  const m = /^https?:\/\/([^/]+)/.exec(v);
  const hostPort = m?.[1] ?? u.host;
  const colon = hostPort.startsWith('[') ? hostPort.indexOf(']:') + 1 : hostPort.lastIndexOf(':');
  const host = colon > 0 ? hostPort.slice(0, colon) : hostPort;
  const port = colon > 0 ? hostPort.slice(colon + 1) : '';
  return { host: host.toLowerCase(), port, path: u.pathname };
}

/** upstream `URLsMatch`: glob host parts (same count), equal port, path prefix. */
function urlsMatch(glob: ParsedKey, target: ParsedKey): boolean {
  const gParts = glob.host.split('.');
  const tParts = target.host.split('.');
  if (gParts.length !== tParts.length) return false;
  for (let i = 0; i < gParts.length; i++) {
    const re = new RegExp(
      `^${(gParts[i] ?? '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^.]*')
        .replace(/\?/g, '[^.]')}$`,
    );
    if (!re.test(tParts[i] ?? '')) return false;
  }
  if (glob.port !== target.port) return false;
  return target.path.startsWith(glob.path);
}

/**
 * A set of registry credentials with the kubelet's lookup rules: keys are URLs or
 * `host[:port][/path]` with `*` globs per host label; an image matches every key whose host,
 * port and path prefix match, the most specific (lexically greatest) key first; Docker Hub
 * images also match `index.docker.io` keys.
 */
export class CredentialKeyring {
  private readonly entries = new Map<string, RegistryCredential>();

  /** Adds (or replaces) the credential stored under a config key. */
  add(key: string, credential: RegistryCredential): void {
    const parsed = parseSchemelessUrl(key);
    if (parsed === undefined) return;
    let effectivePath = parsed.path;
    if (effectivePath.startsWith('/v2/') || effectivePath.startsWith('/v1/')) {
      effectivePath = effectivePath.slice(3);
    }
    let normalized: string;
    if (effectivePath !== '' && effectivePath !== '/') {
      normalized = parsed.host + (parsed.port !== '' ? `:${parsed.port}` : '') + effectivePath;
    } else {
      normalized = parsed.host + (parsed.port !== '' ? `:${parsed.port}` : '');
    }
    this.entries.set(normalized, credential);
  }

  /** Adds every entry of another keyring (later additions win on equal keys). */
  merge(other: CredentialKeyring): void {
    for (const [k, v] of other.entries) this.entries.set(k, v);
  }

  /** Number of keys. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The credentials for an image name (`domain/path`, normalised), most specific first; empty
   * when none matches (pull anonymously).
   */
  lookup(imageName: string): RegistryCredential[] {
    const target = parseSchemelessUrl(imageName);
    if (target === undefined) return [];
    const keys = [...this.entries.keys()].sort().reverse();
    const out: RegistryCredential[] = [];
    for (const k of keys) {
      const glob = parseSchemelessUrl(k);
      if (glob !== undefined && urlsMatch(glob, target)) {
        const c = this.entries.get(k);
        if (c) out.push(c);
      }
    }
    // upstream isDefaultRegistryMatch: Docker Hub images also use the `index.docker.io` key.
    const first = imageName.split('/')[0] ?? '';
    const isHub =
      !imageName.includes('/') ||
      first === 'docker.io' ||
      first === DEFAULT_REGISTRY_HOST ||
      !/[.:]/.test(first);
    const hub = this.entries.get(DEFAULT_REGISTRY_HOST);
    if (isHub && hub && !out.includes(hub)) out.push(hub);
    return out;
  }
}

function decodeEntry(v: unknown): RegistryCredential | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  let username = typeof e.username === 'string' ? e.username : '';
  let password = typeof e.password === 'string' ? e.password : '';
  if (typeof e.auth === 'string' && e.auth !== '') {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined; // upstream: "unable to parse auth field"
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const cred: RegistryCredential = { username, password };
  if (typeof e.identitytoken === 'string' && e.identitytoken !== '') {
    cred.identityToken = e.identitytoken;
  }
  return cred;
}

/**
 * A keyring from docker config JSON: the `config.json`/`.dockerconfigjson` shape
 * (`{"auths": {...}}`) or the legacy `.dockercfg` shape (the map itself). Entries whose `auth`
 * does not decode are skipped, as upstream does.
 */
export function keyringFromDockerConfig(json: unknown): CredentialKeyring {
  const ring = new CredentialKeyring();
  if (typeof json !== 'object' || json === null) return ring;
  const obj = json as Record<string, unknown>;
  const auths =
    typeof obj.auths === 'object' && obj.auths !== null
      ? (obj.auths as Record<string, unknown>)
      : obj;
  for (const [key, value] of Object.entries(auths)) {
    const cred = decodeEntry(value);
    if (cred) ring.add(key, cred);
  }
  return ring;
}

/** The Secret types that carry registry credentials. */
export const SecretType = Object.freeze({
  dockerConfigJson: 'kubernetes.io/dockerconfigjson',
  dockercfg: 'kubernetes.io/dockercfg',
});

/**
 * A keyring from a pod's `imagePullSecrets` (upstream `MakeDockerKeyring`): `.dockerconfigjson`
 * of `kubernetes.io/dockerconfigjson` Secrets and `.dockercfg` of `kubernetes.io/dockercfg`
 * ones; other Secrets and undecodable data are ignored. Later Secrets win on equal keys.
 */
export function keyringFromPullSecrets(secrets: readonly Secret[]): CredentialKeyring {
  const ring = new CredentialKeyring();
  for (const s of secrets) {
    const field =
      s.type === SecretType.dockerConfigJson
        ? '.dockerconfigjson'
        : s.type === SecretType.dockercfg
          ? '.dockercfg'
          : undefined;
    const data = field !== undefined ? s.data?.[field] : undefined;
    if (data === undefined) continue;
    try {
      const parsed = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
      ring.merge(keyringFromDockerConfig(parsed));
    } catch {
      // upstream logs and skips an undecodable secret
    }
  }
  return ring;
}
