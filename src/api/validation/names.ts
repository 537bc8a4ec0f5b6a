/**
 * Name and label validation, ported from Kubernetes 1.32:
 * staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (the `isX` checks),
 * staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go (`nameIsX` with prefix
 * masking), .../api/validation/path/name.go (path-segment names) and
 * staging/src/k8s.io/apiserver/pkg/storage/names/generate.go (`generateName`).
 *
 * Every `isX(value)` returns the list of human-readable problems, in upstream's order and with
 * upstream's exact wording; an empty list means valid. The returned array is new and owned by
 * the caller.
 */

/** `maxLenError(n)`: upstream MaxLenError. */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** `regexError(msg, fmt, ...examples)`: upstream RegexError, double space quirk included. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) {
    return `${msg} (regex used for validation is '${fmt}')`;
  }
  let out = msg + ' (e.g. ';
  examples.forEach((example, i) => {
    if (i > 0) {
      out += ' or ';
    }
    out += `'${example}', `;
  });
  return out + `regex used for validation is '${fmt}')`;
}

/** Upstream EmptyError. */
export function emptyError(): string {
  return 'must be non-empty';
}

/** Upstream InclusiveRangeError. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
/** Maximum length of a DNS-1123 label. */
export const DNS1123_LABEL_MAX_LENGTH = 63;
const dns1123LabelRegexp = new RegExp(`^${DNS1123_LABEL_FMT}$`);

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
/** Maximum length of a DNS-1123 subdomain. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const dns1123SubdomainRegexp = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
/** Maximum length of a DNS-1035 label. */
export const DNS1035_LABEL_MAX_LENGTH = 63;
const dns1035LabelRegexp = new RegExp(`^${DNS1035_LABEL_FMT}$`);

const QNAME_CHAR_FMT = '[A-Za-z0-9]';
const QNAME_EXT_CHAR_FMT = '[-A-Za-z0-9_.]';
const QUALIFIED_NAME_FMT = `(${QNAME_CHAR_FMT}${QNAME_EXT_CHAR_FMT}*)?${QNAME_CHAR_FMT}`;
const QUALIFIED_NAME_ERR_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX_LENGTH = 63;
const qualifiedNameRegexp = new RegExp(`^${QUALIFIED_NAME_FMT}$`);

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_ERR_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
/** Maximum length of a label value. */
export const LABEL_VALUE_MAX_LENGTH = 63;
const labelValueRegexp = new RegExp(`^${LABEL_VALUE_FMT}$`);

/**
 * Go's `len(s)` counts UTF-8 bytes; the limits below are in bytes, so measure the same way.
 * Only non-ASCII input (which the regexes reject anyway) makes a difference.
 */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** A DNS (RFC 1123) label: at most 63 characters of [a-z0-9-], alphanumeric at both ends. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) {
    errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  }
  if (!dns1123LabelRegexp.test(value)) {
    if (dns1123SubdomainRegexp.test(value)) {
      // A valid subdomain but not a valid label: the length was checked, so it must be dots.
      errs.push('must not contain dots');
    } else {
      errs.push(regexError(DNS1123_LABEL_ERR_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
    }
  }
  return errs;
}

/** A DNS (RFC 1123) subdomain: dot-separated labels, at most 253 characters in all. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  }
  if (!dns1123SubdomainRegexp.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

/** A DNS (RFC 1035) label: like an RFC 1123 label but starting with a letter. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) {
    errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  }
  if (!dns1035LabelRegexp.test(value)) {
    errs.push(regexError(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  }
  return errs;
}

/**
 * A "qualified name" (label keys, annotation keys, finalizers): `name` or `prefix/name`, where
 * the prefix is a DNS subdomain and the name is at most 63 characters of [-A-Za-z0-9_.],
 * alphanumeric at both ends.
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) {
      errs.push('prefix part ' + emptyError());
    } else {
      for (const msg of isDNS1123Subdomain(prefix)) {
        errs.push('prefix part ' + msg);
      }
    }
  } else {
    return [
      'a qualified name ' +
        regexError(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) {
    errs.push('name part ' + emptyError());
  } else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) {
    errs.push('name part ' + maxLenError(QUALIFIED_NAME_MAX_LENGTH));
  }
  if (!qualifiedNameRegexp.test(name)) {
    errs.push(
      'name part ' +
        regexError(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc'),
    );
  }
  return errs;
}

/** A label value: empty, or at most 63 characters of [-A-Za-z0-9_.], alphanumeric at both ends. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) {
    errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  }
  if (!labelValueRegexp.test(value)) {
    errs.push(regexError(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/** Names that may never be used as a path segment (REST path or storage key). */
export const NAME_MAY_NOT_BE: readonly string[] = ['.', '..'];
/** Substrings that may never appear in a name used as a path segment. */
export const NAME_MAY_NOT_CONTAIN: readonly string[] = ['/', '%'];

/** A name that can be a path segment: not `.` or `..`, and without `/` or `%`. */
export function isValidPathSegmentName(name: string): string[] {
  for (const illegal of NAME_MAY_NOT_BE) {
    if (name === illegal) {
      return [`may not be '${illegal}'`];
    }
  }
  return isValidPathSegmentPrefix(name);
}

/** A prefix of a path-segment name (a generateName): only the substring rules apply. */
export function isValidPathSegmentPrefix(name: string): string[] {
  const errs: string[] = [];
  for (const illegal of NAME_MAY_NOT_CONTAIN) {
    if (name.includes(illegal)) {
      errs.push(`may not contain '${illegal}'`);
    }
  }
  return errs;
}

/**
 * Validates a resource name; `prefix` is true when `name` is a generateName that will get a
 * random suffix appended. Upstream's ValidateNameFunc.
 */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[];

/**
 * Replaces a trailing dash so that a generateName prefix validates like a full name. This is
 * upstream's maskTrailingDash, including its quirk of dropping the character before the dash
 * too (`name[:len(name)-2] + "a"`); a lone `-` (which panics upstream) becomes `a`.
 */
function maskTrailingDash(name: string): string {
  if (name.endsWith('-')) {
    return name.slice(0, Math.max(0, name.length - 2)) + 'a';
  }
  return name;
}

/** ValidateNameFunc for names that must be DNS subdomains (most resources). */
export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** ValidateNameFunc for names that must be DNS-1123 labels (namespaces, ...). */
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** ValidateNameFunc for names that must be DNS-1035 labels (services). */
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) =>
  isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** ValidateNameFunc for names that only need to be safe path segments (RBAC objects, ...). */
export const validatePathSegmentName: ValidateNameFunc = (name, prefix) =>
  prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name);

/** Namespace names are DNS-1123 labels. */
export const validateNamespaceName: ValidateNameFunc = nameIsDNSLabel;

/** Service account names are DNS subdomains. */
export const validateServiceAccountName: ValidateNameFunc = nameIsDNSSubdomain;

/** The alphabet of generated name suffixes: no vowels (no words) and no confusable 0/1/3. */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Longest generated-name length. */
const MAX_NAME_LENGTH = 63;
/** Length of the random suffix `generateName` appends. */
export const RANDOM_SUFFIX_LENGTH = 5;
/** Longest base kept by `generateName` (63 - 5). */
export const MAX_GENERATED_NAME_LENGTH = MAX_NAME_LENGTH - RANDOM_SUFFIX_LENGTH;

/** A source of random integers in [0, n). Injected so tests are deterministic. */
export type RandomInt = (n: number) => number;

const mathRandomInt: RandomInt = (n) => Math.floor(Math.random() * n);

/**
 * Upstream SimpleNameGenerator: `base` truncated to 58 characters plus 5 random characters
 * from NAME_SUFFIX_ALPHABET. Not guaranteed unique: the caller retries on AlreadyExists.
 */
export function generateName(base: string, randomInt: RandomInt = mathRandomInt): string {
  const kept =
    base.length > MAX_GENERATED_NAME_LENGTH ? base.slice(0, MAX_GENERATED_NAME_LENGTH) : base;
  let suffix = '';
  for (let i = 0; i < RANDOM_SUFFIX_LENGTH; i++) {
    const idx = randomInt(NAME_SUFFIX_ALPHABET.length);
    suffix += NAME_SUFFIX_ALPHABET.charAt(idx);
  }
  return kept + suffix;
}
