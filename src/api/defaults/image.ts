// The part of container image reference parsing that defaulting needs: upstream decides
// imagePullPolicy from the tag that pkg/util/parsers.ParseImageName returns, which parses with
// the distribution/reference grammar (docker's normalization, lowercase repositories, known
// digest algorithms).

// distribution/reference grammar, built from the same pieces.
const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})`;
const domain = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const referenceRe = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
const identifierRe = /^[a-f0-9]{64}$/;

/** Encoded lengths of the digest algorithms go-digest knows; others are rejected. */
const digestAlgorithms: Readonly<Record<string, number>> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
};
const NAME_TOTAL_LENGTH_MAX = 255;

/** The parts of a parsed image reference. */
export interface ImageName {
  /** The normalized repository, e.g. `docker.io/library/nginx`. */
  readonly repository: string;
  /** The tag; `latest` when neither a tag nor a digest was given; "" with a digest only. */
  readonly tag: string;
  /** The digest, e.g. `sha256:…`, or "". */
  readonly digest: string;
}

/** Docker's domain split: a first component is a registry only if it looks like a host. */
function splitDockerDomain(image: string): { domain: string; remainder: string } {
  const i = image.indexOf('/');
  let domainPart: string;
  let remainder: string;
  if (
    i === -1 ||
    (!/[.:]/.test(image.slice(0, i)) &&
      image.slice(0, i) !== 'localhost' &&
      image.slice(0, i).toLowerCase() === image.slice(0, i))
  ) {
    domainPart = 'docker.io';
    remainder = image;
  } else {
    domainPart = image.slice(0, i);
    remainder = image.slice(i + 1);
  }
  if (domainPart === 'index.docker.io') domainPart = 'docker.io';
  if (domainPart === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { domain: domainPart, remainder };
}

/**
 * Upstream ParseImageName: the normalized repository, the tag and the digest of `image`, or
 * undefined when the reference is invalid (empty, uppercase repository, bad tag or digest, a
 * bare 64-hex identifier, a name over 255 characters).
 */
export function parseImageName(image: string): ImageName | undefined {
  if (identifierRe.test(image)) return undefined;
  const { domain: d, remainder } = splitDockerDomain(image);
  // Upstream checks the text before the first ':' (the repository, and with a digest also the
  // algorithm name) for uppercase letters.
  const colon = remainder.indexOf(':');
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remoteName.toLowerCase() !== remoteName) return undefined;

  const m = referenceRe.exec(`${d}/${remainder}`);
  if (m === null) return undefined;
  const repository = m[1] ?? '';
  if (repository.length > NAME_TOTAL_LENGTH_MAX) return undefined;
  const digestText = m[3] ?? '';
  if (digestText !== '') {
    const colon = digestText.indexOf(':');
    const algorithm = digestText.slice(0, colon);
    const encoded = digestText.slice(colon + 1);
    const length = digestAlgorithms[algorithm];
    if (length === undefined || encoded.length !== length || !/^[a-f0-9]+$/.test(encoded)) {
      return undefined;
    }
  }
  let tagText = m[2] ?? '';
  if (tagText === '' && digestText === '') tagText = 'latest';
  return { repository, tag: tagText, digest: digestText };
}

/**
 * Upstream's imagePullPolicy default for `image`: `Always` when the tag is `latest` (given or
 * implied by the absence of both tag and digest), otherwise `IfNotPresent` (a digest without a
 * tag, any other tag, or an unparsable reference, which validation rejects anyway).
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  return parseImageName(image)?.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
