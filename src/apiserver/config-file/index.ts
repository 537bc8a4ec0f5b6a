/**
 * Decoding of the API server's configuration files (audit Policy, EncryptionConfiguration) as
 * upstream's UniversalDecoder does it: YAML or JSON, a type header that must name a registered
 * kind, and Go's `json: cannot unmarshal` texts for fields of the wrong type.
 */
import { parse as parseYaml } from 'yaml';
import { goQuote } from '../../api/index.ts';

/** A document that could not be decoded; `message` is upstream's text. */
export class ConfigDecodeError extends Error {
  override readonly name = 'ConfigDecodeError';
}

/** The JSON type name Go's decoder reports for a value. */
export function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** Go's error for a value of the wrong type in struct field `field` of type `goType`. */
export function goTypeError(v: unknown, field: string, goType: string): ConfigDecodeError {
  return new ConfigDecodeError(
    `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${field} of type ${goType}`,
  );
}

/**
 * Parses `text` and checks its type header: the document must be an object whose apiVersion
 * and kind are the ones given (`scheme` names upstream's scheme source in the message).
 * Returns the decoded object, fields not yet checked.
 */
export function decodeConfigDocument(
  text: string,
  want: { apiVersion: string; kind: string; scheme: string },
): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigDecodeError(
      `error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigDecodeError(
      `couldn't get version/kind; json parse error: expected a JSON object`,
    );
  }
  const o = doc as Record<string, unknown>;
  const kind = typeof o['kind'] === 'string' ? o['kind'] : '';
  const apiVersion = typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '';
  if (kind === '') throw new ConfigDecodeError(`Object 'Kind' is missing in '${text}'`);
  if (apiVersion === '') {
    throw new ConfigDecodeError(`Object 'apiVersion' is missing in '${text}'`);
  }
  if (apiVersion !== want.apiVersion || kind !== want.kind) {
    throw new ConfigDecodeError(
      `no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)} in scheme ` +
        `"${want.scheme}"`,
    );
  }
  return o;
}
