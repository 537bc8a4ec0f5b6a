/**
 * One-call strict decoding of a create/update body, JSON or YAML, giving the value and the
 * {@link StrictIssues} to hand to `decodeStrictOutcome`.
 */
import { ANY_NODE } from './schema-node.ts';
import type { SchemaNode } from './schema-node.ts';
import { decodeJsonStrict } from './strict-json.ts';
import { parseYamlStrict } from './strict-yaml.ts';
import { unknownFields } from './unknown-fields.ts';
import type { StrictIssues } from './outcome.ts';

/** A decoded body and its strict decoding errors. */
export interface StrictBody {
  /** The parsed body (JSON.parse semantics; for YAML, the last repeated key wins). */
  readonly value: unknown;
  readonly issues: StrictIssues;
}

/**
 * Decodes a JSON body into `shape` (a built-in kind's shape; omit for unstructured content,
 * where only duplicates count). Errors come in document order, duplicates and unknown fields
 * interleaved, as upstream's single-pass decoder gives them. Throws what `JSON.parse` throws.
 */
export function decodeJsonBody(text: string, shape: SchemaNode = ANY_NODE): StrictBody {
  const { value, errors } = decodeJsonStrict(text, shape);
  return { value, issues: { errors } };
}

/**
 * Decodes a YAML body: go-yaml's repeated-key lines, then the unknown fields of the converted
 * document in sorted-key order (upstream converts YAML to JSON, sorting keys, before the typed
 * decode). Throws `YamlSyntaxError` for malformed YAML.
 */
export function decodeYamlBody(text: string, shape: SchemaNode = ANY_NODE): StrictBody {
  const { value, duplicates } = parseYamlStrict(text);
  return {
    value,
    issues: { yamlDuplicates: duplicates, errors: unknownFields(value, shape, 'sorted-keys') },
  };
}
