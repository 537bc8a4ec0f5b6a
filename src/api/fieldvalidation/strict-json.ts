/**
 * Strict JSON decoding as the Kubernetes API server does it (sigs.k8s.io/json
 * `UnmarshalStrict`, used by the strict serializer of k8s.io/apimachinery): the value is what
 * `JSON.parse` returns, and the strict errors are collected in document order:
 *
 * - `duplicate field "<path>"` for a key repeated in one object (struct fields, map keys and
 *   `interface{}` objects alike);
 * - `unknown field "<path>"` for a key that is not a field of the Go struct being decoded
 *   (case-sensitive: `Spec` is unknown). A key that is both unknown and repeated is reported
 *   once, as unknown, as upstream does.
 *
 * Paths are upstream's: keys joined with `.`, list indexes as `[i]`
 * (`spec.template.spec.containers[0].imagePullPolicy`, `[1].path` at a list root). Errors are
 * deduplicated by message and capped at 100, like upstream's `saveStrictError`.
 *
 * Speed: `JSON.parse` builds the value; a second pass over the text only looks at keys and
 * structure (strings are skipped with `indexOf`), so the whole costs about twice `JSON.parse`.
 */
import { goQuote } from '../validation/index.ts';
import { ANY_NODE, RAW_NODE } from './schema-node.ts';
import type { SchemaNode } from './schema-node.ts';

/** Upstream keeps at most this many strict errors per decode. */
export const MAX_STRICT_ERRORS = 100;

/** A parsed JSON body and the strict decoding errors found in it. */
export interface StrictJsonResult {
  /** Exactly what `JSON.parse(text)` returns; owned by the caller. */
  readonly value: unknown;
  /** Strict error messages in document order, deduplicated, at most {@link MAX_STRICT_ERRORS}. */
  readonly errors: string[];
}

/**
 * Parses `text` and reports its duplicate fields (every object is treated as
 * `map[string]interface{}`, as when decoding unstructured content or a patch body).
 * Throws what `JSON.parse` throws for malformed input.
 */
export function parseJsonStrict(text: string): StrictJsonResult {
  return decodeJsonStrict(text, ANY_NODE);
}

/**
 * Parses `text` and reports duplicate and unknown fields against `shape` (the typed object the
 * body decodes into; see `schemaNodeForKind`). Throws what `JSON.parse` throws.
 */
export function decodeJsonStrict(text: string, shape: SchemaNode): StrictJsonResult {
  const value: unknown = JSON.parse(text);
  return { value, errors: scanJsonStrict(text, shape) };
}

/**
 * The strict errors of an already validated JSON text (call only after `JSON.parse(text)`
 * succeeded: the scanner trusts the syntax). Returns a new array.
 */
export function scanJsonStrict(text: string, shape: SchemaNode): string[] {
  const scanner = new Scanner(text);
  scanner.value(shape);
  return scanner.errors;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Objects with more keys than this switch from a linear scan to a Set for duplicate checks. */
const LINEAR_SEEN_LIMIT = 12;

class Scanner {
  readonly errors: string[] = [];
  private readonly seenErrors = new Set<string>();
  /** Path segments: a key (string) or a list index (number). */
  private readonly stack: (string | number)[] = [];
  private pos = 0;

  constructor(private readonly text: string) {}

  /** Scans one value starting at or after `pos` (leading whitespace allowed). */
  value(node: SchemaNode): void {
    const text = this.text;
    this.skipSpace();
    const c = text.charCodeAt(this.pos);
    if (c === LBRACE) {
      if (node.kind === 'struct' || node.kind === 'map' || node.kind === 'any') {
        this.object(node);
      } else {
        this.skipContainer();
      }
    } else if (c === LBRACKET) {
      if (node.kind === 'list') {
        this.array(node.item);
      } else if (node.kind === 'any') {
        this.array(ANY_NODE);
      } else {
        this.skipContainer();
      }
    } else if (c === QUOTE) {
      this.pos = this.stringEnd(this.pos) + 1;
    } else {
      this.skipLiteral();
    }
  }

  private object(node: SchemaNode): void {
    const text = this.text;
    this.pos++; // {
    let seenList: string[] | undefined;
    let seenSet: Set<string> | undefined;
    for (;;) {
      this.skipSpace();
      if (text.charCodeAt(this.pos) === RBRACE) {
        this.pos++;
        return;
      }
      const start = this.pos;
      const end = this.stringEnd(start);
      let key = text.slice(start + 1, end);
      if (key.includes('\\')) {
        key = JSON.parse(text.slice(start, end + 1)) as string;
      }
      this.pos = end + 1;
      this.skipSpace();
      this.pos++; // :

      let child: SchemaNode;
      let checkDuplicate = true;
      if (node.kind === 'struct') {
        const field = node.fields.get(key);
        if (field !== undefined) {
          child = field;
        } else if (node.preserveUnknown) {
          child = ANY_NODE;
        } else {
          this.save('unknown field', key);
          child = RAW_NODE;
          checkDuplicate = false;
        }
      } else if (node.kind === 'map') {
        child = node.value;
      } else {
        child = ANY_NODE;
      }

      if (checkDuplicate) {
        let duplicate = false;
        if (seenSet !== undefined) {
          duplicate = seenSet.has(key);
          if (!duplicate) seenSet.add(key);
        } else if (seenList === undefined) {
          seenList = [key];
        } else {
          duplicate = seenList.includes(key);
          if (!duplicate) {
            seenList.push(key);
            if (seenList.length > LINEAR_SEEN_LIMIT) {
              seenSet = new Set(seenList);
              seenList = undefined;
            }
          }
        }
        if (duplicate) this.save('duplicate field', key);
      }

      if (child.kind === 'raw') {
        this.skipValue();
      } else {
        this.stack.push(key);
        this.value(child);
        this.stack.pop();
      }
      this.skipSpace();
      if (text.charCodeAt(this.pos) === COMMA) {
        this.pos++;
      } else {
        this.pos++; // }
        return;
      }
    }
  }

  private array(item: SchemaNode): void {
    const text = this.text;
    this.pos++; // [
    this.skipSpace();
    if (text.charCodeAt(this.pos) === RBRACKET) {
      this.pos++;
      return;
    }
    const raw = item.kind === 'raw';
    for (let i = 0; ; i++) {
      if (raw) {
        this.skipValue();
      } else {
        this.stack.push(i);
        this.value(item);
        this.stack.pop();
      }
      this.skipSpace();
      if (text.charCodeAt(this.pos) === COMMA) {
        this.pos++;
      } else {
        this.pos++; // ]
        return;
      }
    }
  }

  /** Records `<kind> "<path>.<key>"` once, up to the cap. */
  private save(kind: string, key: string): void {
    if (this.errors.length >= MAX_STRICT_ERRORS) return;
    const msg = `${kind} ${goQuote(joinPath(this.stack, key))}`;
    if (this.seenErrors.has(msg)) return;
    this.seenErrors.add(msg);
    this.errors.push(msg);
  }

  private skipSpace(): void {
    const text = this.text;
    let p = this.pos;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private skipValue(): void {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    if (c === LBRACE || c === LBRACKET) this.skipContainer();
    else if (c === QUOTE) this.pos = this.stringEnd(this.pos) + 1;
    else this.skipLiteral();
  }

  /** Skips a number, `true`, `false` or `null`. */
  private skipLiteral(): void {
    const text = this.text;
    let p = this.pos;
    for (;;) {
      const c = text.charCodeAt(p);
      if (
        c === COMMA ||
        c === RBRACE ||
        c === RBRACKET ||
        c === 0x20 ||
        c === 0x0a ||
        c === 0x0d ||
        c === 0x09 ||
        Number.isNaN(c)
      ) {
        break;
      }
      p++;
    }
    this.pos = p;
  }

  /** Skips a whole object or array without looking at its keys. */
  private skipContainer(): void {
    const text = this.text;
    let depth = 0;
    let p = this.pos;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) {
        p = this.stringEnd(p) + 1;
        continue;
      }
      p++;
      if (c === LBRACE || c === LBRACKET) {
        depth++;
      } else if (c === RBRACE || c === RBRACKET) {
        depth--;
        if (depth === 0) break;
      }
    }
    this.pos = p;
  }

  /** The index of the closing quote of the string opening at `start`. */
  private stringEnd(start: number): number {
    const text = this.text;
    let q = text.indexOf('"', start + 1);
    while (q > 0 && text.charCodeAt(q - 1) === BACKSLASH) {
      // The quote is escaped only if an odd number of backslashes precede it.
      let n = 1;
      while (text.charCodeAt(q - 1 - n) === BACKSLASH) n++;
      if (n % 2 === 0) break;
      q = text.indexOf('"', q + 1);
    }
    return q;
  }
}

/**
 * Upstream's strict error path: segments joined, keys after the first prefixed with `.`,
 * indexes as `[i]`, then `key` as the last element.
 */
export function joinPath(stack: readonly (string | number)[], key?: string): string {
  let out = '';
  for (const seg of stack) {
    if (typeof seg === 'number') out += `[${String(seg)}]`;
    else out += out.length > 0 ? `.${seg}` : seg;
  }
  if (key !== undefined) out += out.length > 0 ? `.${key}` : key;
  return out;
}

/** Shape of a JSON patch document (`[]jsonPatchOp` in upstream patch.go). */
export const JSON_PATCH_OPS_NODE: SchemaNode = {
  kind: 'list',
  item: {
    kind: 'struct',
    fields: new Map<string, SchemaNode>([
      ['op', RAW_NODE],
      ['path', RAW_NODE],
      ['from', RAW_NODE],
      ['value', ANY_NODE],
    ]),
    preserveUnknown: false,
  },
};

/**
 * The strict errors of a JSON patch body as upstream's jsonPatcher reports them, each prefixed
 * `json patch ` (`json patch unknown field "[0].foo"`, `json patch duplicate field "[1].path"`).
 * `text` must be valid JSON.
 */
export function jsonPatchStrictErrors(text: string): string[] {
  return scanJsonStrict(text, JSON_PATCH_OPS_NODE).map((e) => `json patch ${e}`);
}
