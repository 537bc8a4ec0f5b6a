/**
 * JSON Patch (RFC 6902, `application/json-patch+json`) with the behaviour of the library the
 * Kubernetes API server uses, gopkg.in/evanphx/json-patch.v4: JSON Pointer paths with `~0`/`~1`
 * escapes, `-` to append, negative array indices counted from the end (the library's default),
 * `replace` of a missing object member acting like `add` (v4 only checks arrays), `test` of a
 * missing member passing when the expected value is null, and the library's error messages.
 */
import { badRequest, tooManyOperations, unprocessable } from './errors.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { deepCopy, deepEqual, isJsonObject } from './json.ts';

/** One decoded operation; fields other than these are ignored, as upstream ignores them. */
export interface JsonPatchOperation {
  op: string;
  path?: string;
  from?: string;
  value?: JsonValue;
}

/** Upstream's limit on operations in one JSON patch (handlers/patch.go). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** A failure inside the library; the caller turns it into the API server's 422. */
class ApplyFailure extends Error {
  override readonly name = 'ApplyFailure';
}

type Container = JsonObject | JsonValue[];

const ERR_MISSING = 'missing value';
const ERR_INVALID_INDEX = 'invalid index referenced';
const ERR_TEST_FAILED = 'test failed';

/** errors.Wrapf(err, msg): `msg: err`. */
function wrap(msg: string, cause: string): ApplyFailure {
  return new ApplyFailure(`${msg}: ${cause}`);
}

/** Go's `%v` of a value decoded from the patch (a path that was not a string prints oddly). */
function goString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Decodes a JSON patch document (already parsed JSON) into operations, with the errors of Go's
 * `json.Unmarshal` into `jsonpatch.Patch`. Throws PatchError BadRequest.
 */
export function decodeJsonPatch(doc: JsonValue): JsonPatchOperation[] {
  if (!Array.isArray(doc)) {
    throw badRequest(
      `json: cannot unmarshal ${goJsonKind(doc)} into Go value of type jsonpatch.Patch`,
    );
  }
  return doc.map((raw) => {
    if (raw === null) return { op: 'unknown' };
    if (!isJsonObject(raw)) {
      throw badRequest(
        `json: cannot unmarshal ${goJsonKind(raw)} into Go value of type jsonpatch.Operation`,
      );
    }
    // Operation.Kind(): an absent, null or non-string "op" is "unknown".
    const op: JsonPatchOperation = { op: typeof raw.op === 'string' ? raw.op : 'unknown' };
    if (raw.path !== undefined && raw.path !== null) op.path = raw.path as string;
    if (raw.from !== undefined && raw.from !== null) op.from = raw.from as string;
    if (Object.hasOwn(raw, 'value')) op.value = raw.value ?? null;
    return op;
  });
}

/** The JSON type word Go's decoder uses in "cannot unmarshal X into ..." messages. */
function goJsonKind(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** Decodes one reference token: `~1` is `/`, then `~0` is `~` (upstream's order). */
function decodePatchKey(k: string): string {
  return k.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Go's strconv.Atoi: optional sign then decimal digits only. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

function atoiOrFail(s: string): number {
  const n = atoi(s);
  if (n === undefined)
    throw new ApplyFailure(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return n;
}

/** container.get: an object member (undefined when absent) or an array element. */
function get(con: Container, key: string): JsonValue | undefined {
  if (!Array.isArray(con)) return Object.hasOwn(con, key) ? con[key] : undefined;
  let idx = atoiOrFail(key);
  if (idx >= con.length) throw wrap(`index out of range: ${String(idx)}`, ERR_INVALID_INDEX);
  if (idx < 0) {
    if (idx < -con.length)
      throw wrap(`Unable to access invalid index: ${String(idx)}`, ERR_INVALID_INDEX);
    idx += con.length;
  }
  return con[idx];
}

function add(con: Container, key: string, val: JsonValue): void {
  if (!Array.isArray(con)) {
    con[key] = val;
    return;
  }
  if (key === '-') {
    con.push(val);
    return;
  }
  const parsed = atoi(key);
  if (parsed === undefined) {
    throw wrap(
      `value was not a proper array index: '${key}'`,
      `strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`,
    );
  }
  let idx = parsed;
  const size = con.length + 1;
  if (idx >= size) throw wrap(`Unable to access invalid index: ${String(idx)}`, ERR_INVALID_INDEX);
  if (idx < 0) {
    if (idx < -size)
      throw wrap(`Unable to access invalid index: ${String(idx)}`, ERR_INVALID_INDEX);
    idx += size;
  }
  con.splice(idx, 0, val);
}

function set(con: Container, key: string, val: JsonValue): void {
  if (!Array.isArray(con)) {
    con[key] = val;
    return;
  }
  let idx = atoiOrFail(key);
  if (idx < 0) {
    if (idx < -con.length)
      throw wrap(`Unable to access invalid index: ${String(idx)}`, ERR_INVALID_INDEX);
    idx += con.length;
  }
  if (idx >= con.length)
    throw wrap(`Unable to access invalid index: ${String(idx)}`, ERR_INVALID_INDEX);
  con[idx] = val;
}

function remove(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!Object.hasOwn(con, key))
      throw wrap(`Unable to remove nonexistent key: ${key}`, ERR_MISSING);
    // Deleting from a plain JSON object built by JSON.parse/structuredClone is safe.
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
    delete con[key];
    return;
  }
  let idx = atoiOrFail(key);
  if (idx >= con.length)
    throw wrap(`Unable to access invalid index: ${String(idx)}`, ERR_INVALID_INDEX);
  if (idx < 0) {
    if (idx < -con.length)
      throw wrap(`Unable to access invalid index: ${String(idx)}`, ERR_INVALID_INDEX);
    idx += con.length;
  }
  con.splice(idx, 1);
}

/**
 * findObject: walks all but the last token of `path` and returns the container and the last
 * (decoded) token, or undefined when the path has no token or a step is missing, null or a
 * scalar. Like upstream, the text before the first `/` is ignored.
 */
function findObject(doc: Container, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur: Container = doc;
  for (const part of split.slice(1, -1)) {
    let next: JsonValue | undefined;
    try {
      next = get(cur, decodePatchKey(part));
    } catch {
      return undefined;
    }
    if (next === undefined || next === null || typeof next !== 'object') return undefined;
    cur = next;
  }
  return { con: cur, key: decodePatchKey(split[split.length - 1] ?? '') };
}

function requirePath(op: JsonPatchOperation, what: string): string {
  if (op.path === undefined) {
    throw wrap(
      `${what} operation failed to decode path`,
      `operation missing path field: ${ERR_MISSING}`,
    );
  }
  return goString(op.path);
}

function requireFrom(op: JsonPatchOperation, what: string): string {
  if (op.from === undefined) {
    throw wrap(
      `${what} operation failed to decode from`,
      `operation missing from field: ${ERR_MISSING}`,
    );
  }
  return goString(op.from);
}

function applyOne(doc: Container, op: JsonPatchOperation): void {
  switch (op.op) {
    case 'add': {
      const path = requirePath(op, 'add');
      const found = findObject(doc, path);
      if (!found)
        throw wrap(`add operation does not apply: doc is missing path: "${path}"`, ERR_MISSING);
      try {
        add(found.con, found.key, deepCopy(op.value ?? null));
      } catch (e) {
        throw wrap(`error in add for path: '${path}'`, (e as Error).message);
      }
      return;
    }
    case 'remove': {
      const path = requirePath(op, 'remove');
      const found = findObject(doc, path);
      if (!found)
        throw wrap(`remove operation does not apply: doc is missing path: "${path}"`, ERR_MISSING);
      try {
        remove(found.con, found.key);
      } catch (e) {
        throw wrap(`error in remove for path: '${path}'`, (e as Error).message);
      }
      return;
    }
    case 'replace': {
      const path = requirePath(op, 'replace');
      const found = findObject(doc, path);
      if (!found)
        throw wrap(`replace operation does not apply: doc is missing path: ${path}`, ERR_MISSING);
      try {
        get(found.con, found.key);
      } catch {
        throw wrap(`replace operation does not apply: doc is missing key: ${path}`, ERR_MISSING);
      }
      try {
        set(found.con, found.key, deepCopy(op.value ?? null));
      } catch (e) {
        throw wrap(`error in remove for path: '${path}'`, (e as Error).message);
      }
      return;
    }
    case 'move': {
      const from = requireFrom(op, 'move');
      const src = findObject(doc, from);
      if (!src)
        throw wrap(`move operation does not apply: doc is missing from path: ${from}`, ERR_MISSING);
      let val: JsonValue | undefined;
      try {
        val = get(src.con, src.key);
        remove(src.con, src.key);
      } catch (e) {
        throw wrap(`error in move for path: '${src.key}'`, (e as Error).message);
      }
      const path = requirePath(op, 'move');
      const dst = findObject(doc, path);
      if (!dst)
        throw wrap(
          `move operation does not apply: doc is missing destination path: ${path}`,
          ERR_MISSING,
        );
      try {
        add(dst.con, dst.key, val ?? null);
      } catch (e) {
        throw wrap(`error in move for path: '${dst.key}'`, (e as Error).message);
      }
      return;
    }
    case 'copy': {
      const from = requireFrom(op, 'copy');
      const src = findObject(doc, from);
      if (!src)
        throw wrap(`copy operation does not apply: doc is missing from path: ${from}`, ERR_MISSING);
      let val: JsonValue | undefined;
      try {
        val = get(src.con, src.key);
      } catch (e) {
        throw wrap(`error in copy for from: '${from}'`, (e as Error).message);
      }
      const path = requirePath(op, 'copy');
      const dst = findObject(doc, path);
      if (!dst)
        throw wrap(
          `copy operation does not apply: doc is missing destination path: ${path}`,
          ERR_MISSING,
        );
      try {
        add(dst.con, dst.key, deepCopy(val ?? null));
      } catch (e) {
        throw wrap(`error in add for path: '${path}'`, (e as Error).message);
      }
      return;
    }
    case 'test': {
      const path = requirePath(op, 'test');
      const failed = wrap(`testing value ${path} failed`, ERR_TEST_FAILED);
      if (path === '') {
        if (op.value !== undefined && deepEqual(doc, op.value)) return;
        throw failed;
      }
      const found = findObject(doc, path);
      if (!found)
        throw wrap(`test operation does not apply: is missing path: ${path}`, ERR_MISSING);
      let val: JsonValue | undefined;
      try {
        val = get(found.con, found.key);
      } catch (e) {
        throw wrap(`error in test for path: '${path}'`, (e as Error).message);
      }
      if (val === undefined || val === null) {
        // A missing or null target matches an absent or null expected value.
        if (op.value === undefined || op.value === null) return;
        throw failed;
      }
      if (op.value === undefined || !deepEqual(val, op.value)) throw failed;
      return;
    }
    default:
      throw new ApplyFailure(`Unexpected kind: ${op.op}`);
  }
}

/**
 * Applies JSON patch operations to a copy of `doc` and returns the copy; `doc` is never
 * changed. Throws PatchError: RequestEntityTooLarge above MAX_JSON_PATCH_OPERATIONS, Invalid
 * (422 with upstream's generic message; the library's message in `detail`) when an
 * operation fails. Operations apply in order and the first failure stops the patch.
 */
export function applyJsonPatch(
  doc: JsonObject | JsonValue[],
  ops: readonly JsonPatchOperation[],
): JsonValue {
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw tooManyOperations(MAX_JSON_PATCH_OPERATIONS, ops.length);
  }
  const out = deepCopy<JsonValue>(doc) as Container;
  for (const op of ops) {
    try {
      applyOne(out, op);
    } catch (e) {
      if (e instanceof ApplyFailure) throw unprocessable(e.message);
      throw e;
    }
  }
  return out;
}
