/**
 * Structural defaulting and pruning, ported from Kubernetes 1.32
 * staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/{defaulting,pruning}/
 * algorithm.go and schema/objectmeta/coerce.go (metadata is pruned to ObjectMeta's fields).
 *
 * Both mutate the object in place (the API server runs them on a freshly decoded body, and on
 * objects read from storage, so defaults added to a CRD later show up on read).
 */
import type { Structural } from './structural.ts';
import type { JsonObject } from './types.ts';
import { isJsonObject } from './types.ts';

function clone<T>(v: T): T {
  return structuredClone(v);
}

function isNonNullableNull(x: unknown, s: Structural | undefined): boolean {
  return x === null && s !== undefined && !s.nullable;
}

/**
 * Applies `default`s from `s` to `x` in place (upstream structuraldefaulting.Default): a
 * property missing, or `null` where the schema is not nullable, gets a deep copy of its default;
 * list items and additionalProperties values that are non-nullable nulls get theirs. Recurses
 * into defaulted values too. Idempotent.
 */
export function applyStructuralDefaults(x: unknown, s: Structural | undefined): void {
  if (s === undefined) return;
  if (isJsonObject(x)) {
    if (s.properties !== undefined) {
      for (const [k, prop] of s.properties) {
        if (prop.default === undefined) continue;
        if (!Object.hasOwn(x, k) || isNonNullableNull(x[k], prop)) x[k] = clone(prop.default);
      }
    }
    const ap = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const k of Object.keys(x)) {
      const prop = s.properties?.get(k);
      if (prop !== undefined) {
        applyStructuralDefaults(x[k], prop);
      } else if (ap !== undefined) {
        if (isNonNullableNull(x[k], ap) && ap.default !== undefined) x[k] = clone(ap.default);
        applyStructuralDefaults(x[k], ap);
      }
    }
  } else if (Array.isArray(x)) {
    const items = s.items;
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items) && items?.default !== undefined) {
        x[i] = clone(items.default);
      }
      applyStructuralDefaults(x[i], items);
    }
  }
}

/** The fields of metav1.ObjectMeta; anything else under `metadata` is pruned. */
const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const META_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata']);

function join(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * Removes, in place, every field of `obj` the schema does not specify (upstream
 * pruning.PruneWithOptions plus objectmeta coercion) and returns the removed paths in
 * upstream's notation (`spec.foo`, `spec.items[0].bar`, `metadata.foo`), which the API server
 * turns into `unknown field "<path>"` warnings or Strict errors. Subtrees with
 * `x-kubernetes-preserve-unknown-fields` are kept (nested embedded resources and specified
 * properties inside them are still pruned). With `isResourceRoot` the root counts as an
 * embedded resource, so `apiVersion`, `kind` and `metadata` are kept; `metadata` of the root
 * and of embedded resources keeps only ObjectMeta's fields. A schema-less version
 * (`s` undefined) prunes nothing but metadata when `isResourceRoot`.
 */
export function pruneUnknownFields(
  obj: unknown,
  s: Structural | undefined,
  isResourceRoot: boolean,
): string[] {
  const paths: string[] = [];
  if (isResourceRoot) {
    if (s === undefined) {
      if (isJsonObject(obj)) pruneMeta(obj, '', paths);
      return paths;
    }
    if (!s.embeddedResource) s = { ...s, embeddedResource: true };
  }
  prune(obj, s, '', paths);
  return paths;
}

function pruneMeta(x: JsonObject, parent: string, paths: string[]): void {
  const m = x.metadata;
  if (!isJsonObject(m)) return;
  for (const k of Object.keys(m)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      paths.push(join(join(parent, 'metadata'), k));
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- pruning a JSON object
      delete m[k];
    }
  }
}

function prune(x: unknown, s: Structural | undefined, parent: string, paths: string[]): void {
  if (s?.preserveUnknownFields === true) {
    skipPrune(x, s, parent, paths);
    return;
  }
  if (isJsonObject(x)) {
    if (s === undefined) {
      for (const k of Object.keys(x)) {
        paths.push(join(parent, k));
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- pruning a JSON object
        delete x[k];
      }
      return;
    }
    if (s.embeddedResource) pruneMeta(x, parent, paths);
    const ap = s.additionalProperties;
    for (const k of Object.keys(x)) {
      if (s.embeddedResource && META_FIELDS.has(k)) continue;
      const prop = s.properties?.get(k);
      if (prop !== undefined) {
        prune(x[k], prop, join(parent, k), paths);
      } else if (ap !== undefined) {
        // As upstream: `additionalProperties: true/false` has no schema, so values are kept
        // but objects below are emptied.
        prune(x[k], typeof ap === 'object' ? ap : undefined, join(parent, k), paths);
      } else {
        paths.push(join(parent, k));
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- pruning a JSON object
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) prune(x[i], s?.items, `${parent}[${String(i)}]`, paths);
  }
}

function skipPrune(x: unknown, s: Structural, parent: string, paths: string[]): void {
  if (isJsonObject(x)) {
    if (s.embeddedResource) pruneMeta(x, parent, paths);
    for (const k of Object.keys(x)) {
      if (s.embeddedResource && META_FIELDS.has(k)) continue;
      const prop = s.properties?.get(k);
      if (prop !== undefined) prune(x[k], prop, join(parent, k), paths);
      else if (typeof s.additionalProperties === 'object') {
        prune(x[k], s.additionalProperties, join(parent, k), paths);
      }
    }
  } else if (Array.isArray(x) && s.items !== undefined) {
    const items = s.items;
    for (let i = 0; i < x.length; i++) skipPrune(x[i], items, `${parent}[${String(i)}]`, paths);
  }
}
