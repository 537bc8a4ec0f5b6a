/**
 * Strict YAML decoding as sigs.k8s.io/yaml does it (`YAMLToJSONStrict`, go-yaml v2 in strict
 * mode): the value is the document with the last of repeated keys winning (what the
 * non-strict conversion gives), and every repeated key is reported as
 * `line <n>: key "<key>" already set in map`, where the line (1-based) is the line where the
 * repeated key's value starts, and nested repeats are reported before the key that holds them
 * (go-yaml decodes a value before it stores the key).
 *
 * Upstream folds those lines into one error, `yaml: unmarshal errors:\n  line 5: ...\n  line 12: ...`
 * ({@link yamlUnmarshalErrorsMessage}); a `Warning` carries one line each.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { goQuote } from '../validation/index.ts';
import { parseJsonStrict, type StrictJsonResult } from './strict-json.ts';

/** A parsed YAML body and its repeated keys. */
export interface StrictYamlResult {
  /** The document as plain JSON-like data (last repeated key wins); owned by the caller. */
  readonly value: unknown;
  /** `line <n>: key "<k>" already set in map`, in go-yaml's order; empty when none. */
  readonly duplicates: string[];
}

/** A YAML body that is not well-formed; `message` is the parser's. */
export class YamlSyntaxError extends Error {
  override readonly name = 'YamlSyntaxError';
}

/**
 * Parses one YAML document (JSON is YAML too) without rejecting repeated keys, and lists them.
 * Throws {@link YamlSyntaxError} for malformed input.
 */
export function parseYamlStrict(text: string): StrictYamlResult {
  // Fast path: kubectl sends apply bodies as JSON, which is YAML; JSON.parse and the strict
  // JSON scanner take a fraction of the yaml package's time. Bodies with repeated keys take the
  // YAML path below, which reports them with go-yaml's line numbers.
  if (text.trimStart().startsWith('{')) {
    let json: StrictJsonResult | undefined;
    try {
      json = parseJsonStrict(text);
    } catch {
      json = undefined; // not JSON after all (a YAML flow mapping): parse it as YAML
    }
    if (json !== undefined && json.errors.length === 0)
      return { value: json.value, duplicates: [] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const first = doc.errors[0];
  if (first !== undefined) throw new YamlSyntaxError(first.message, { cause: first });
  const duplicates: string[] = [];
  visit(doc.contents, lineCounter, duplicates);
  return { value: doc.toJS() as unknown, duplicates };
}

/**
 * go-yaml's folded error text for the `duplicates` of {@link parseYamlStrict}:
 * `yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 12: ...`.
 * Returns '' for an empty list.
 */
export function yamlUnmarshalErrorsMessage(duplicates: readonly string[]): string {
  return duplicates.length === 0 ? '' : `yaml: unmarshal errors:\n  ${duplicates.join('\n  ')}`;
}

function visit(node: unknown, lc: LineCounter, out: string[]): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      visit(pair.value, lc, out);
      const key = pair.key;
      if (!isScalar(key)) continue;
      const k: unknown = key.value;
      if (k === '<<') continue; // merge key: go-yaml merges instead of storing it
      const id = `${typeof k}:${scalarText(k)}`;
      if (!seen.has(id)) {
        seen.add(id);
        continue;
      }
      const at = rangeStart(pair.value) ?? rangeStart(key) ?? 0;
      out.push(`line ${String(lc.linePos(at).line)}: key ${goSharpV(k)} already set in map`);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) visit(item, lc, out);
  }
}

function rangeStart(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) {
    return node.range?.[0];
  }
  return undefined;
}

/** Go's `%#v` for the scalar key types go-yaml produces. */
function goSharpV(k: unknown): string {
  if (typeof k === 'string') return goQuote(k);
  if (k === null || k === undefined) return 'interface {}(nil)';
  if (typeof k === 'number' || typeof k === 'boolean' || typeof k === 'bigint') return String(k);
  return goQuote(scalarText(k));
}

/** A scalar key's text (non-scalar values never reach here; they print as JSON). */
function scalarText(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'boolean' || typeof k === 'bigint') return String(k);
  if (k === null || k === undefined) return 'null';
  return JSON.stringify(k);
}
