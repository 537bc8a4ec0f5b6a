/**
 * Image references, parsed exactly as upstream's docker reference grammar
 * (github.com/distribution/reference: regexp.go, reference.go, normalize.go) with go-digest's
 * digest validation, including the error texts.
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain '/'] remote-name
 *   domain    := host [':' port-number]
 *
 * `parseReference` is upstream's `Parse` (no normalisation: `busybox` has no domain);
 * `parseNormalizedNamed` is `ParseNormalizedNamed` (`busybox` → `docker.io/library/busybox`);
 * `parseDockerRef` is `ParseDockerRef` (adds `:latest`, drops the tag when a digest is present).
 * Pure: no I/O.
 */

/** The maximum number of characters of a repository path (`RepositoryNameTotalLengthMax`). */
export const REPOSITORY_NAME_TOTAL_LENGTH_MAX = 255;
/** The domain of Docker Hub names (`docker.io`). */
export const DEFAULT_DOMAIN = 'docker.io';
/** The legacy Docker Hub domain, canonicalised to `docker.io`. */
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** The namespace of official Docker Hub images. */
export const OFFICIAL_REPO_PREFIX = 'library/';
/** The tag assumed when a reference has neither tag nor digest. */
export const DEFAULT_TAG = 'latest';

/** A reference parse error; `message` is upstream's error text. */
export class ReferenceError extends Error {
  override readonly name = 'ReferenceError';
}

/** Upstream's error texts (reference.go and go-digest). */
export const REFERENCE_ERRORS = Object.freeze({
  invalidFormat: 'invalid reference format',
  tagInvalidFormat: 'invalid tag format',
  digestInvalidFormat: 'invalid digest format',
  nameContainsUppercase: 'repository name must be lowercase',
  nameEmpty: 'repository name must have at least one component',
  nameTooLong: `repository name must not be more than ${REPOSITORY_NAME_TOTAL_LENGTH_MAX} characters`,
  nameNotCanonical: 'repository name must be canonical',
  checksumInvalidFormat: 'invalid checksum digest format',
  checksumInvalidLength: 'invalid checksum digest length',
  checksumUnsupported: 'unsupported digest algorithm',
});

// The grammar, as regexp.go builds it. Go's RE2 and JavaScript agree on these constructs
// (no backreferences; leftmost-first alternation); `[[:xdigit:]]` becomes `[0-9A-Fa-f]`.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const identifier = '([a-f0-9]{64})';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRegexp = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredTagRegexp = new RegExp(`^${tagPat}$`);
const anchoredDigestRegexp = new RegExp(`^${digestPat}$`);
const anchoredIdentifierRegexp = new RegExp(`^${identifier}$`);

/** Hex lengths of the digest algorithms go-digest registers (sha256, sha384, sha512). */
const DIGEST_HEX_LENGTH: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/**
 * Validates a digest as go-digest's `Parse` does and returns it unchanged; throws a
 * ReferenceError with go-digest's text otherwise.
 */
export function parseDigest(s: string): string {
  const i = s.indexOf(':');
  if (i <= 0 || i + 1 === s.length)
    throw new ReferenceError(REFERENCE_ERRORS.checksumInvalidFormat);
  const algorithm = s.slice(0, i);
  const encoded = s.slice(i + 1);
  const size = DIGEST_HEX_LENGTH.get(algorithm);
  if (size === undefined) {
    throw new ReferenceError(
      anchoredDigestRegexp.test(s)
        ? REFERENCE_ERRORS.checksumUnsupported
        : REFERENCE_ERRORS.checksumInvalidFormat,
    );
  }
  if (encoded.length !== size) throw new ReferenceError(REFERENCE_ERRORS.checksumInvalidLength);
  if (!/^[a-f0-9]+$/.test(encoded))
    throw new ReferenceError(REFERENCE_ERRORS.checksumInvalidFormat);
  return s;
}

/**
 * A parsed reference. `domain` is '' when the name has none (only from `parseReference`);
 * `name` is `domain/path` (or `path`). A digest-only reference has `name === ''`.
 */
export interface ImageReference {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The repository name of a reference: `domain/path`, or `path` when there is no domain. */
export function referenceName(ref: ImageReference): string {
  if (ref.path === '') return '';
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** The reference as upstream's `String()`: `name[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  let s = referenceName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += s === '' ? ref.digest : `@${ref.digest}`;
  return s;
}

/** upstream `Parse`: a syntactically valid reference, without normalisation. */
export function parseReference(s: string): ImageReference {
  if (s === '') throw new ReferenceError(REFERENCE_ERRORS.nameEmpty);
  const m = referenceRegexp.exec(s);
  if (m === null) {
    const lower = s.toLowerCase();
    if (lower !== s && referenceRegexp.test(lower)) {
      throw new ReferenceError(REFERENCE_ERRORS.nameContainsUppercase);
    }
    throw new ReferenceError(REFERENCE_ERRORS.invalidFormat);
  }
  const name = m[1] ?? '';
  let domain = '';
  let path = name;
  const nm = anchoredNameRegexp.exec(name);
  if (nm !== null) {
    domain = nm[1] ?? '';
    path = nm[2] ?? '';
  }
  // v0.6.0 (vendored by Kubernetes 1.32) limits the whole name, domain included.
  if (name.length > REPOSITORY_NAME_TOTAL_LENGTH_MAX) {
    throw new ReferenceError(REFERENCE_ERRORS.nameTooLong);
  }
  const tag = m[2];
  const digest = m[3] === undefined ? undefined : parseDigest(m[3]);
  if (path === '' && digest === undefined) throw new ReferenceError(REFERENCE_ERRORS.nameEmpty);
  return {
    domain,
    path,
    ...(tag !== undefined && tag !== '' ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** upstream `splitDockerDomain`: the domain and remote name of a familiar or full name. */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'localhost') {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) {
    [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  } else if (/[.:]/.test(maybeDomain)) {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else if (maybeDomain.toLowerCase() !== maybeDomain) {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else {
    [domain, remote] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_REPO_PREFIX + remote;
  return [domain, remote];
}

/**
 * upstream `ParseNormalizedNamed`: a familiar name made fully qualified
 * (`ubuntu` → `docker.io/library/ubuntu`); the tag is not defaulted.
 */
export function parseNormalizedNamed(s: string): ImageReference {
  if (anchoredIdentifierRegexp.test(s)) {
    throw new ReferenceError(
      `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
    );
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw new ReferenceError(
      `invalid reference format: repository name (${remote}) must be lowercase`,
    );
  }
  const ref = parseReference(`${domain}/${remainder}`);
  if (ref.path === '') throw new ReferenceError(`reference ${formatReference(ref)} has no name`);
  return ref;
}

/**
 * upstream `ParseDockerRef`: normalised, `:latest` added to a bare name, and the tag dropped
 * when a digest is present (the digest is what gets pulled).
 */
export function parseDockerRef(s: string): ImageReference {
  const ref = parseNormalizedNamed(s);
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  if (ref.tag === undefined) return { ...ref, tag: DEFAULT_TAG };
  return ref;
}

/**
 * upstream `ParseAnyReference`: a 64-hex identifier or a full digest becomes a digest-only
 * reference; anything else is a normalised name.
 */
export function parseAnyReference(s: string): ImageReference {
  if (anchoredIdentifierRegexp.test(s)) return { domain: '', path: '', digest: `sha256:${s}` };
  try {
    return { domain: '', path: '', digest: parseDigest(s) };
  } catch {
    return parseNormalizedNamed(s);
  }
}

/** upstream `FamiliarName`: `docker.io/library/x` → `x`, `docker.io/u/x` → `u/x`. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return referenceName(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** upstream `FamiliarString`: the familiar name with tag and digest. */
export function familiarString(ref: ImageReference): string {
  return formatReference({ ...ref, domain: '', path: familiarName(ref) });
}

/** Whether `tag` is a valid tag (upstream's anchored TagRegexp). */
export function isValidTag(tag: string): boolean {
  return anchoredTagRegexp.test(tag);
}

/**
 * The registry host to contact for a domain: Docker Hub's API lives at `registry-1.docker.io`
 * (as containerd and docker resolve it).
 */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}

/**
 * upstream kubelet `parsers.ParseImageName`: repository, tag and digest, with `latest` when
 * neither tag nor digest is given.
 */
export function parseImageName(image: string): { repo: string; tag: string; digest: string } {
  const ref = parseNormalizedNamed(image);
  let tag = ref.tag ?? '';
  const digest = ref.digest ?? '';
  if (tag === '' && digest === '') tag = DEFAULT_TAG;
  return { repo: referenceName(ref), tag, digest };
}
