/**
 * Unknown-field detection on an already parsed value, for the bodies upstream checks after a
 * conversion rather than on the request text:
 *
 * - YAML bodies and JSON/merge patches: upstream strict-decodes JSON whose object keys Go's
 *   encoder wrote in sorted order (YAML→JSON conversion, the patched document), so unknown
 *   fields come out in sorted-key document order (`order: 'sorted-keys'`);
 * - strategic merge patches: the unstructured→typed converter sorts its
 *   `unknown field "<path>"` errors by message and does not Go-quote the path
 *   (`order: 'message'`, FromUnstructuredWithValidation in runtime/converter.go).
 */
import { goQuote } from '../validation/index.ts';
import { joinPath, MAX_STRICT_ERRORS } from './strict-json.ts';
import type { SchemaNode } from './schema-node.ts';

/** How the unknown fields are ordered and quoted; see the module comment. */
export type UnknownFieldOrder = 'sorted-keys' | 'message';

/** Byte-wise (code unit) comparison, as Go sorts strings. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The `unknown field "<path>"` messages for `value` decoded as `shape`. Never throws; values
 * whose type does not match the shape are skipped (the decoder reports those itself).
 * Returns a new array, deduplicated and capped at 100 for `sorted-keys` (upstream's decoder
 * limits), uncapped for `message` (the converter has no cap).
 */
export function unknownFields(
  value: unknown,
  shape: SchemaNode,
  order: UnknownFieldOrder = 'sorted-keys',
): string[] {
  const paths: string[] = [];
  collect(value, shape, [], paths, order === 'sorted-keys');
  if (order === 'message') {
    const msgs = paths.map((p) => `unknown field "${p}"`);
    return msgs.sort(compareStrings);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const msg = `unknown field ${goQuote(p)}`;
    if (seen.has(msg)) continue;
    seen.add(msg);
    out.push(msg);
    if (out.length >= MAX_STRICT_ERRORS) break;
  }
  return out;
}

/**
 * Removes, in place, every field of `value` that `shape` does not declare, as decoding into
 * upstream's Go structs drops them (whatever the fieldValidation directive: it only decides
 * whether they are also reported). Values whose type does not match the shape are left alone.
 */
export function dropUnknownFields(value: unknown, shape: SchemaNode): void {
  collect(value, shape, [], undefined, false);
}

/** Walks `value` as `node`: records unknown field paths in `out`, or deletes them when `out` is undefined. */
function collect(
  value: unknown,
  node: SchemaNode,
  stack: (string | number)[],
  out: string[] | undefined,
  sortKeys: boolean,
): void {
  if (value === null || typeof value !== 'object' || node.kind === 'raw' || node.kind === 'any') {
    return;
  }
  if (Array.isArray(value)) {
    if (node.kind !== 'list') return;
    const item = node.item;
    if (item.kind === 'raw' || item.kind === 'any') return;
    for (let i = 0; i < value.length; i++) {
      stack.push(i);
      collect(value[i], item, stack, out, sortKeys);
      stack.pop();
    }
    return;
  }
  if (node.kind === 'list') return;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (sortKeys) keys.sort(compareStrings);
  for (const key of keys) {
    let child: SchemaNode | undefined;
    if (node.kind === 'map') {
      child = node.value;
    } else {
      child = node.fields.get(key);
      if (child === undefined) {
        if (node.preserveUnknown) continue;
        if (out === undefined) Reflect.deleteProperty(obj, key);
        else out.push(joinPath(stack, key));
        continue;
      }
    }
    if (child.kind === 'raw' || child.kind === 'any') continue;
    stack.push(key);
    collect(obj[key], child, stack, out, sortKeys);
    stack.pop();
  }
}
