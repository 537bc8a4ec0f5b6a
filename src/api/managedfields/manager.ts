/**
 * Server-side apply and managedFields tracking: a port of Kubernetes 1.32
 * k8s.io/apimachinery/pkg/util/managedfields (the FieldManager chain: versionCheck →
 * lastAppliedUpdater → lastAppliedManager → capManagers → buildManagerInfo →
 * managedFieldsUpdater → stripMeta → structuredMerge) over structured-merge-diff's Updater.
 *
 * Both entry points are pure: inputs are never modified and the returned object shares
 * unchanged subtrees with them (treat it as read-only or clone before mutating deeply).
 *
 * Differences from upstream, by design: there is no version conversion (every manager's fields
 * are compared in the request's version), and the "Go zero object" a create starts from is
 * approximated by the type's value-struct fields (see schema.ts).
 */
import type { StatusCause } from 'kubernetes-types/meta/v1.js';
import { StatusError, newApplyConflict, newBadRequest, statusFromError } from '../errors.ts';
import { forbidden, invalid, newPath, required, tooLong } from '../validation/index.ts';
import type { FieldError } from '../validation/index.ts';
import { FieldSet, fieldKey, goJson, isJsonObject, pathString } from './fieldpath.ts';
import type { JsonObject, JsonValue, Path } from './fieldpath.ts';
import { DEDUCED } from './schema.ts';
import type { TypeNode } from './schema.ts';
import {
  compare,
  comparisonEmpty,
  dropNullFields,
  jsonEqual,
  merge,
  removeItems,
  toFieldSet,
  typedErrorsMessage,
} from './typed.ts';
import type { Comparison, TypedError } from './typed.ts';

/** kubectl's client-side apply annotation. */
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Maximum length of a field manager name (upstream FieldManagerMaxLength). */
export const FIELD_MANAGER_MAX_LENGTH = 128;
/** Maximum number of Update entries kept (upstream DefaultMaxUpdateManagers). */
export const DEFAULT_MAX_UPDATE_MANAGERS = 10;

/** One decoded managedFields entry. */
interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time: string | undefined;
  set: FieldSet;
  /** The entry's FieldsV1 as read, reused on encoding while `set` is the decoded instance. */
  raw?: { set: FieldSet; fieldsV1: JsonObject };
}

/** Entries keyed by upstream's manager identifier, in the order they were read. */
type Managed = Map<string, Entry>;

/** Paths a manager never owns (upstream stripMetaManager). */
const STRIP_SET = FieldSet.of(
  [fieldKey('apiVersion')],
  [fieldKey('kind')],
  [fieldKey('metadata')],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((f) => [fieldKey('metadata'), fieldKey(f)]),
);

/** upstream BuildManagerIdentifier: the entry's JSON without time and fields (and apiVersion for Apply). */
function managerId(
  manager: string,
  operation: string,
  apiVersion: string,
  subresource: string,
): string {
  const parts: string[] = [];
  if (manager !== '') parts.push(`"manager":${goJson(manager)}`);
  if (operation !== '') parts.push(`"operation":${goJson(operation)}`);
  if (operation !== 'Apply' && apiVersion !== '') parts.push(`"apiVersion":${goJson(apiVersion)}`);
  if (subresource !== '') parts.push(`"subresource":${goJson(subresource)}`);
  return `{${parts.join(',')}}`;
}

function idOf(e: Entry): string {
  return managerId(e.manager, e.operation, e.apiVersion, e.subresource);
}

/** An error decoding managedFields; messages are upstream's. */
class DecodeError extends Error {
  override readonly name = 'ManagedFieldsDecodeError';
}

/**
 * Decoded FieldsV1 by object identity: objects served from a cache are decoded once. The sets
 * are never modified (every set operation returns a new set).
 */
const decoded = new WeakMap<object, FieldSet>();

/**
 * Decoded FieldsV1 by content, for the objects each request brings (a PUT's body, a patched
 * copy): a Lease renewal or a node status update carries the same sets every time. Bounded;
 * the oldest key goes first.
 */
const decodedByContent = new Map<string, FieldSet>();
const DECODED_BY_CONTENT_MAX = 1024;

function decodeFieldsV1(fieldsV1: JsonObject): FieldSet {
  const known = decoded.get(fieldsV1);
  if (known !== undefined) return known;
  const key = JSON.stringify(fieldsV1);
  let set = decodedByContent.get(key);
  if (set === undefined) {
    set = FieldSet.fromFieldsV1(fieldsV1);
    if (decodedByContent.size >= DECODED_BY_CONTENT_MAX) {
      const oldest = decodedByContent.keys().next();
      if (oldest.done !== true) decodedByContent.delete(oldest.value);
    }
    decodedByContent.set(key, set);
  }
  decoded.set(fieldsV1, set);
  return set;
}

/** upstream DecodeManagedFields. Throws DecodeError. */
function decodeManagedFields(list: unknown): Managed {
  const out: Managed = new Map();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new DecodeError('managedFields must be a list');
  list.forEach((raw: unknown, i) => {
    const e = isJsonObject(raw) ? raw : {};
    const operation = e['operation'];
    if (operation !== 'Apply' && operation !== 'Update') {
      throw new DecodeError('operation must be `Apply` or `Update`');
    }
    const apiVersion = typeof e['apiVersion'] === 'string' ? e['apiVersion'] : '';
    if (apiVersion.length < 1) throw new DecodeError('apiVersion must not be empty');
    const fieldsType = typeof e['fieldsType'] === 'string' ? e['fieldsType'] : '';
    if (fieldsType === '')
      throw new DecodeError(`missing fieldsType in managed fields entry ${String(i)}`);
    if (fieldsType !== 'FieldsV1') {
      throw new DecodeError(
        `invalid fieldsType ${goJson(fieldsType)} in managed fields entry ${String(i)}`,
      );
    }
    const fieldsV1 = e['fieldsV1'] ?? {};
    let set: FieldSet;
    try {
      set = isJsonObject(fieldsV1) ? decodeFieldsV1(fieldsV1) : FieldSet.fromFieldsV1(fieldsV1);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new DecodeError(`error decoding versioned set: error decoding set: ${msg}`);
    }
    const entry: Entry = {
      manager: typeof e['manager'] === 'string' ? e['manager'] : '',
      operation,
      apiVersion,
      subresource: typeof e['subresource'] === 'string' ? e['subresource'] : '',
      time: typeof e['time'] === 'string' ? e['time'] : undefined,
      set,
    };
    if (isJsonObject(fieldsV1)) entry.raw = { set, fieldsV1 };
    out.set(idOf(entry), entry);
  });
  return out;
}

function seconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** upstream encodeManagedFields + sortEncodedManagedFields; undefined when there is none. */
function encodeManagedFields(managed: Managed): JsonObject[] | undefined {
  if (managed.size === 0) return undefined;
  const secs = new Map<Entry, number>();
  for (const e of managed.values()) secs.set(e, seconds(e.time));
  const entries = [...managed.values()].sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const ps = secs.get(p) ?? 0;
    const qs = secs.get(q) ?? 0;
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return p.subresource < q.subresource ? -1 : p.subresource > q.subresource ? 1 : 0;
  });
  return entries.map((e) => {
    const o: JsonObject = {};
    if (e.manager !== '') o['manager'] = e.manager;
    o['operation'] = e.operation;
    if (e.apiVersion !== '') o['apiVersion'] = e.apiVersion;
    if (e.time !== undefined) o['time'] = e.time;
    o['fieldsType'] = 'FieldsV1';
    o['fieldsV1'] =
      e.raw !== undefined && e.raw.set === e.set ? e.raw.fieldsV1 : e.set.toFieldsV1();
    if (e.subresource !== '') o['subresource'] = e.subresource;
    return o;
  });
}

/** metav1.Time's wire form (RFC 3339, seconds, UTC). */
function formatTime(now: Date | string): string {
  if (typeof now === 'string') return now;
  return `${now.toISOString().slice(0, 19)}Z`;
}

function metadataOf(obj: JsonObject | undefined): JsonObject | undefined {
  const m = obj?.['metadata'];
  return isJsonObject(m) ? m : undefined;
}

/** A shallow copy of `obj` without metadata.managedFields (the original when it has none). */
function withoutManagedFields(obj: JsonObject): JsonObject {
  const meta = metadataOf(obj);
  if (meta === undefined || !('managedFields' in meta)) return obj;
  const rest: JsonObject = {};
  for (const k in meta) {
    const v = meta[k];
    if (k !== 'managedFields' && v !== undefined) rest[k] = v;
  }
  return replaceMetadata(obj, rest);
}

/** A shallow copy of `obj` with `metadata` replaced, keeping the key order. */
function replaceMetadata(obj: JsonObject, metadata: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k in obj) {
    const v = obj[k];
    if (v !== undefined) out[k] = k === 'metadata' ? metadata : v;
  }
  if (!('metadata' in obj)) out['metadata'] = metadata;
  return out;
}

function withManagedFields(obj: JsonObject, managedFields: JsonValue[] | undefined): JsonObject {
  const meta = metadataOf(obj);
  if (managedFields === undefined && (meta === undefined || !('managedFields' in meta))) return obj;
  const rest: JsonObject = {};
  if (meta !== undefined) {
    for (const k in meta) {
      const v = meta[k];
      if (k !== 'managedFields' && v !== undefined) rest[k] = v;
    }
  }
  if (managedFields !== undefined) rest['managedFields'] = managedFields;
  return replaceMetadata(obj, rest);
}

/** One conflicting field and the identifier (BuildManagerIdentifier JSON) of its owner. */
export interface Conflict {
  managerId: string;
  path: Path;
}

/** Internal: upstream merge.Conflicts. */
class ConflictsError extends Error {
  override readonly name = 'ConflictsError';
  constructor(readonly conflicts: Conflict[]) {
    super('conflicts');
  }
}

/** upstream internal printManager. */
function printManager(id: string): string {
  let e: unknown;
  try {
    e = JSON.parse(id);
  } catch {
    return goJson(id);
  }
  if (!isJsonObject(e)) return goJson(id);
  const manager = typeof e['manager'] === 'string' ? e['manager'] : '';
  let s = goJson(manager);
  const sub = e['subresource'];
  if (typeof sub === 'string' && sub !== '') s = `${s} with subresource ${goJson(sub)}`;
  if (e['operation'] === 'Update') {
    const v = typeof e['apiVersion'] === 'string' ? e['apiVersion'] : '';
    const time = e['time'];
    if (typeof time !== 'string' || time === '') return `${s} using ${v}`;
    const ms = Date.parse(time);
    const at = Number.isNaN(ms) ? time : `${new Date(ms).toISOString().slice(0, 19)}Z`;
    return `${s} using ${v} at ${at}`;
  }
  return s;
}

/**
 * upstream internal.NewConflictError: 409 Conflict with one FieldManagerConflict cause per
 * conflict (in the given order) and a message grouping paths by manager.
 */
export function conflictError(conflicts: readonly Conflict[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.managerId)}`,
    field: pathString(c.path),
  }));
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first !== undefined) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(first.managerId)}: ${pathString(first.path)}`;
  } else {
    const byManager = new Map<string, Path[]>();
    for (const c of conflicts) {
      const list = byManager.get(c.managerId) ?? [];
      list.push(c.path);
      byManager.set(c.managerId, list);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(id)}:`);
      for (const p of byManager.get(id) ?? []) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${String(conflicts.length)} conflicts: ${lines.join('\n')}`;
  }
  return newApplyConflict(causes, message);
}

interface Context {
  type: TypeNode;
  apiVersion: string;
  ignored: FieldSet | undefined;
}

/**
 * upstream Updater.update: takes changed fields away from every manager but `workflow`,
 * throwing the conflicts instead unless `force`.
 */
function updateManagers(
  cmp: Comparison,
  managers: Managed,
  workflow: string,
  force: boolean,
): void {
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  const updates: [string, FieldSet][] = [];
  for (const [id, entry] of managers) {
    if (id === workflow) continue;
    const conflictSet = entry.set.intersection(changed);
    for (const p of conflictSet.empty() ? [] : conflictSet.paths()) {
      conflicts.push({ managerId: id, path: p });
    }
    const removedHere = cmp.removed.empty() ? cmp.removed : entry.set.intersection(cmp.removed);
    if (conflictSet.empty() && removedHere.empty()) continue;
    updates.push([id, entry.set.difference(conflictSet).difference(removedHere)]);
  }
  if (!force && conflicts.length > 0) throw new ConflictsError(conflicts);
  for (const [id, set] of updates) {
    const entry = managers.get(id);
    if (entry === undefined) continue;
    if (set.empty()) managers.delete(id);
    else managers.set(id, { ...entry, set });
  }
}

function comparison(old: JsonObject, neu: JsonObject, ctx: Context): Comparison {
  return compare(old, neu, ctx.type, ctx.ignored);
}

/**
 * upstream Set.EnsureNamedFieldsAreMembers: also lists declared struct fields that only appear
 * as prefixes, so that removing a set removes whole struct fields rather than emptying them.
 */
function ensureNamedFieldsAreMembers(s: FieldSet, t: TypeNode): FieldSet {
  if (s.children.size === 0) return s;
  const out = new FieldSet();
  for (const m of s.members) out.members.add(m);
  for (const [k, child] of s.children) {
    let ct: TypeNode = DEDUCED;
    if (k.startsWith('f:') && t.kind === 'map') {
      const declared = t.fields.get(k.slice(2));
      if (declared !== undefined) out.members.add(k);
      ct = declared ?? t.elem ?? DEDUCED;
    } else if (k.startsWith('k:') && t.kind === 'list') {
      ct = t.elem;
    }
    out.children.set(k, ensureNamedFieldsAreMembers(child, ct));
  }
  return out;
}

/** upstream Updater.prune with addBackOwnedItems and addBackDanglingItems. */
function prune(
  merged: JsonObject,
  managers: Managed,
  lastSet: FieldSet | undefined,
  type: TypeNode,
): JsonObject {
  if (lastSet === undefined || lastSet.empty()) return merged;
  const asObject = (v: JsonValue): JsonObject => (isJsonObject(v) ? v : {});
  const named = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, type);
  const last = named(lastSet);
  let pruned = asObject(removeItems(merged, type, last));
  // addBackOwnedItems: keep what any manager (including this applier's new config) owns.
  let managed = new FieldSet();
  for (const e of managers.values()) managed = managed.union(e.set);
  const mergedSet = named(toFieldSet(merged, type));
  let prunedSet = named(toFieldSet(pruned, type));
  pruned = asObject(
    removeItems(merged, type, mergedSet.difference(prunedSet.union(named(managed)))),
  );
  // addBackDanglingItems: only remove what this applier owned before.
  prunedSet = named(toFieldSet(pruned, type));
  return asObject(removeItems(merged, type, mergedSet.difference(prunedSet).intersection(last)));
}

function stripMeta(managers: Managed, id: string): void {
  const e = managers.get(id);
  if (e === undefined) return;
  const set = e.set.difference(STRIP_SET);
  if (set.empty()) managers.delete(id);
  else if (set !== e.set) managers.set(id, { ...e, set });
}

/** The apply core: buildManagerInfo → managedFieldsUpdater → stripMeta → structured merge. */
function applyCore(
  live: JsonObject,
  applied: JsonObject,
  appliedSet: FieldSet,
  managersIn: Managed,
  manager: string,
  force: boolean,
  subresource: string,
  now: string,
  ctx: Context,
): { object: JsonObject; managers: Managed } {
  const managers: Managed = new Map(managersIn);
  const id = managerId(manager === '' ? 'unknown' : manager, 'Apply', ctx.apiVersion, subresource);
  const mergedValue = merge(live, applied, ctx.type);
  let merged: JsonObject = isJsonObject(mergedValue) ? mergedValue : {};
  const last = managers.get(id);
  const set = ctx.ignored === undefined ? appliedSet : appliedSet.recursiveDifference(ctx.ignored);
  managers.set(id, {
    manager: manager === '' ? 'unknown' : manager,
    operation: 'Apply',
    apiVersion: ctx.apiVersion,
    subresource,
    time: last?.time,
    set,
  });
  merged = prune(merged, managers, last?.set, ctx.type);
  updateManagers(comparison(live, merged, ctx), managers, id, force);
  stripMeta(managers, id);
  const entry = managers.get(id);
  if (entry !== undefined && !jsonEqual(live, merged)) managers.set(id, { ...entry, time: now });
  return { object: merged, managers };
}

/** upstream lastAppliedManager.allowedConflictsFromLastApplied; undefined when none apply. */
function allowedConflictsFromLastApplied(live: JsonObject, ctx: Context): FieldSet | undefined {
  const annotations = metadataOf(live)?.['annotations'];
  const lastApplied = isJsonObject(annotations)
    ? annotations[LAST_APPLIED_CONFIG_ANNOTATION]
    : undefined;
  if (typeof lastApplied !== 'string' || lastApplied === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(lastApplied);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed) || parsed['apiVersion'] !== ctx.apiVersion) return undefined;
  const errs: TypedError[] = [];
  const set = toFieldSet(parsed, ctx.type, errs);
  if (errs.length > 0) return undefined;
  const cmp = compare(parsed, live, ctx.type);
  return set.difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

/** upstream lastAppliedUpdater.buildLastApplied: the applied object, annotation removed. */
function buildLastApplied(applied: JsonObject): string {
  const meta = metadataOf(applied);
  const annotations = meta?.['annotations'];
  let obj = applied;
  if (meta !== undefined && isJsonObject(annotations)) {
    const { [LAST_APPLIED_CONFIG_ANNOTATION]: _drop, ...rest } = annotations;
    obj = { ...applied, metadata: { ...meta, annotations: rest } };
  }
  return `${goJson(obj)}\n`;
}

function setLastApplied(obj: JsonObject, value: string): JsonObject {
  const meta = metadataOf(obj) ?? {};
  const annotations = isJsonObject(meta['annotations']) ? meta['annotations'] : {};
  return {
    ...obj,
    metadata: { ...meta, annotations: { ...annotations, [LAST_APPLIED_CONFIG_ANNOTATION]: value } },
  };
}

function hasLastApplied(obj: JsonObject): boolean {
  const annotations = metadataOf(obj)?.['annotations'];
  const v = isJsonObject(annotations) ? annotations[LAST_APPLIED_CONFIG_ANNOTATION] : undefined;
  return typeof v === 'string' && v.length > 0;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** schema.GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
function gvkString(apiVersion: string, kind: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return `${group}/${version}, Kind=${kind}`;
}

/** A plain error as the API server reports it (500, no reason), for upstream's fmt.Errorf paths. */
function internalStatus(message: string): StatusError {
  return new StatusError(statusFromError(new Error(message)));
}

/** Arguments of {@link applyObject}. */
export interface ApplyRequest {
  /** The stored object (plain JSON), or undefined when the apply creates it. Not modified. */
  live: object | undefined;
  /** The applied configuration (the request body, plain JSON). Not modified. */
  applied: object;
  /** The fieldManager query parameter (validated by the caller, see validatePatchOptions). */
  manager: string;
  /** The force query parameter. */
  force: boolean;
  /** The resource's type (TypeResolver.typeFor or typeFromCustomResourceSchema). */
  type: TypeNode;
  /** The request's group/version (`apps/v1`, `v1`). */
  apiVersion: string;
  /** The resource's kind. */
  kind: string;
  /** The operation time for managedFields entries (Date, or RFC 3339 text used as is). */
  now: Date | string;
  /** The subresource written (`status`), '' or undefined for the main resource. */
  subresource?: string;
  /** Fields this endpoint resets (upstream ResetFieldsStrategy): never owned nor conflicting. */
  resetFields?: FieldSet;
  /**
   * Whether null fields are dropped from the result, as decoding into a Go struct does
   * upstream. Defaults to true for built-in types (newTypeResolver) and false otherwise.
   */
  dropNulls?: boolean;
}

/**
 * Server-side apply (PATCH with application/apply-patch+yaml): merges `applied` into `live` (or
 * into an empty object on create) with the schema's list and map semantics, removes fields this
 * manager applied before and no longer applies (unless another applier owns them), and
 * records ownership in metadata.managedFields.
 *
 * Returns the new object (fresh top level and metadata; deeper values may be shared with the
 * inputs). Throws a StatusError: 400 for a wrong kind/version or a body with managedFields,
 * 409 Conflict listing each conflicting field unless `force`, 500 when the body does not match
 * the schema or live managedFields cannot be decoded (upstream's messages).
 */
export function applyObject(req: ApplyRequest): JsonObject {
  const { manager, force, apiVersion, kind } = req;
  // The request objects are JSON by contract; the walkers read them as such.
  const applied = req.applied as JsonObject;
  const subresource = req.subresource ?? '';
  const appliedApiVersion = typeof applied['apiVersion'] === 'string' ? applied['apiVersion'] : '';
  const appliedKind = typeof applied['kind'] === 'string' ? applied['kind'] : '';
  if (appliedApiVersion !== apiVersion || appliedKind !== kind) {
    throw newBadRequest(`invalid object type: ${gvkString(appliedApiVersion, appliedKind)}`);
  }
  const appliedMeta = metadataOf(applied);
  if (appliedMeta?.['managedFields'] !== undefined && appliedMeta['managedFields'] !== null) {
    throw newBadRequest('metadata.managedFields must be nil');
  }
  const liveObj = (req.live ?? {}) as JsonObject;
  let managed: Managed;
  try {
    managed = decodeManagedFields(metadataOf(liveObj)?.['managedFields']);
  } catch (err) {
    throw internalStatus(
      `failed to decode managed fields: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const ctx: Context = { type: req.type, apiVersion, ignored: req.resetFields };
  const errs: TypedError[] = [];
  const appliedSet = toFieldSet(applied, req.type, errs);
  if (errs.length > 0) {
    const name = typeof appliedMeta?.['name'] === 'string' ? appliedMeta['name'] : '';
    const ns = typeof appliedMeta?.['namespace'] === 'string' ? appliedMeta['namespace'] : '';
    throw internalStatus(
      `failed to create typed patch object (${ns}/${name}; ${gvkString(apiVersion, kind)}): ${typedErrorsMessage(errs)}`,
    );
  }
  const live = withoutManagedFields(liveObj);
  const now = formatTime(req.now);
  const run = (f: boolean): { object: JsonObject; managers: Managed } =>
    applyCore(live, applied, appliedSet, managed, manager, f, subresource, now, ctx);
  let result: { object: JsonObject; managers: Managed };
  try {
    result = run(force);
  } catch (err) {
    if (!(err instanceof ConflictsError)) throw err;
    if (manager !== 'kubectl') throw conflictError(err.conflicts);
    // Upgrading from client-side apply: conflicts on fields kubectl applied client-side are ours.
    const allowed = allowedConflictsFromLastApplied(live, ctx);
    if (allowed === undefined) throw conflictError(err.conflicts);
    const remaining = err.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw conflictError(remaining);
    result = run(true);
  }
  let object = result.object;
  if (req.dropNulls ?? (req.type.kind === 'map' && req.type.goObject === true)) {
    const d = dropNullFields(object);
    object = isJsonObject(d) ? d : {};
  }
  if (manager === 'kubectl' && hasLastApplied(object)) {
    object = setLastApplied(object, buildLastApplied(applied));
  }
  return withManagedFields(object, encodeManagedFields(result.managers));
}

/** Arguments of {@link trackUpdate}. */
export interface UpdateRequest {
  /** The stored object (plain JSON), or undefined on create. Not modified. */
  live: object | undefined;
  /** The object about to be stored (after patching/defaulting, plain JSON). Not modified. */
  updated: object;
  /** The fieldManager (already defaulted from the User-Agent, see managerFromUserAgent). */
  manager: string;
  /** The resource's type. */
  type: TypeNode;
  /** The request's group/version. */
  apiVersion: string;
  /** The operation time for the manager's entry. */
  now: Date | string;
  /** The subresource written, '' or undefined for the main resource. */
  subresource?: string;
  /** Fields this endpoint resets (upstream ResetFieldsStrategy). */
  resetFields?: FieldSet;
  /** Cap on Update entries (default 10, upstream DefaultMaxUpdateManagers). */
  maxUpdateManagers?: number;
}

function isResetManagedFields(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  return mf.length === 1 && isJsonObject(mf[0]) && Object.keys(mf[0]).length === 0;
}

/** upstream decodeLiveOrNew. */
function decodeLiveOrNew(live: JsonObject, updated: JsonObject, isSubresource: boolean): Managed {
  const liveMf = metadataOf(live)?.['managedFields'];
  const fromLive = (): Managed => {
    try {
      return decodeManagedFields(liveMf);
    } catch {
      return new Map();
    }
  };
  if (isSubresource) return fromLive();
  const newMf = metadataOf(updated)?.['managedFields'];
  if (isResetManagedFields(newMf)) return new Map();
  if (newMf === liveMf) return fromLive();
  try {
    const m = decodeManagedFields(newMf);
    if (m.size > 0) return m;
  } catch {
    // Fall back to the live object so clients unaware of managedFields cannot drop them.
  }
  return fromLive();
}

/** upstream capManagersManager.capUpdateManagers. */
function capUpdateManagers(managers: Managed, max: number): void {
  const updaters = [...managers].filter(([, e]) => e.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((i, j) => {
    const ti = seconds(managers.get(i)?.time);
    const tj = seconds(managers.get(j)?.time);
    if (ti !== tj) return ti - tj;
    return i < j ? -1 : i > j ? 1 : 0;
  });
  const versionToFirst = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i] ?? '';
    const e = managers.get(id);
    if (e === undefined) continue;
    const bucket = managerId('ancient-changes', 'Update', e.apiVersion, '');
    const first = versionToFirst.get(e.apiVersion);
    if (first === undefined) {
      versionToFirst.set(e.apiVersion, id);
      continue;
    }
    if (!managers.has(bucket)) {
      const f = managers.get(first);
      managers.delete(first);
      if (f !== undefined) {
        managers.set(bucket, { ...f, manager: 'ancient-changes', subresource: '' });
      }
    }
    const b = managers.get(bucket);
    managers.set(bucket, {
      manager: 'ancient-changes',
      operation: 'Update',
      apiVersion: e.apiVersion,
      subresource: '',
      time: e.time,
      set: b === undefined ? e.set : e.set.union(b.set),
    });
    managers.delete(id);
    length--;
  }
}

/**
 * Managed fields tracking for create, update and non-apply patch (upstream
 * FieldManager.UpdateNoErrors): fields the write added or changed go to `manager` (operation
 * Update, one entry per manager + apiVersion + subresource), leave every other manager, and
 * removed fields leave everyone; entries left empty are dropped; Update entries beyond the cap
 * merge into `ancient-changes`. A valid `metadata.managedFields` in `updated` replaces the
 * tracked state (`[]` clears it); an invalid one is ignored in favour of the live state; writes
 * to a subresource always start from the live state.
 *
 * Returns `updated` with metadata.managedFields set (fresh top level and metadata). Never
 * throws: on an internal failure the live object's managedFields are kept, as upstream.
 */
export function trackUpdate(req: UpdateRequest): JsonObject {
  const subresource = req.subresource ?? '';
  const live = (req.live ?? {}) as JsonObject;
  const updated = req.updated as JsonObject;
  const liveMf = metadataOf(live)?.['managedFields'];
  try {
    const managed = decodeLiveOrNew(live, updated, subresource !== '');
    const ctx: Context = { type: req.type, apiVersion: req.apiVersion, ignored: req.resetFields };
    const old = withoutManagedFields(live);
    const neu = withoutManagedFields(updated);
    const cmp = comparison(old, neu, ctx);
    const managers: Managed = new Map(managed);
    if (!comparisonEmpty(cmp)) {
      const self = 'current-operation';
      updateManagers(cmp, managers, self, true);
      let current = cmp.modified.union(cmp.added).difference(cmp.removed);
      if (ctx.ignored !== undefined) current = current.recursiveDifference(ctx.ignored);
      current = current.difference(STRIP_SET);
      if (!current.empty()) {
        const manager = req.manager === '' ? 'unknown' : req.manager;
        const id = managerId(manager, 'Update', req.apiVersion, subresource);
        const previous = managers.get(id);
        // The usual heartbeat: the manager already owns what it changed. Its set (and the
        // FieldsV1 it was read from) stays as is; only the time moves.
        const same = previous !== undefined && current.isSubsetOf(previous.set);
        managers.set(id, {
          manager,
          operation: 'Update',
          apiVersion: req.apiVersion,
          subresource,
          time: formatTime(req.now),
          set: previous === undefined ? current : same ? previous.set : current.union(previous.set),
          ...(same && previous.raw !== undefined ? { raw: previous.raw } : {}),
        });
      }
    }
    capUpdateManagers(managers, req.maxUpdateManagers ?? DEFAULT_MAX_UPDATE_MANAGERS);
    return withManagedFields(updated, encodeManagedFields(managers));
  } catch {
    return withManagedFields(updated, Array.isArray(liveMf) ? liveMf : undefined);
  }
}

/**
 * A field set from dotted field paths, for reset fields: `fieldSetFromPaths('status')`,
 * `fieldSetFromPaths('spec', 'metadata.labels')`. Only struct fields and map keys (no list
 * items); a key containing a dot cannot be expressed this way (use FieldSet.of).
 */
export function fieldSetFromPaths(...paths: string[]): FieldSet {
  return FieldSet.of(...paths.map((p) => p.split('.').map(fieldKey)));
}

/** upstream unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
function isPrint(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/**
 * The default field manager from a User-Agent (upstream prefixFromUserAgent): the text before
 * the first `/`, without non-printable characters, cut to 128 bytes of UTF-8.
 */
export function managerFromUserAgent(userAgent: string): string {
  // Every write without ?fieldManager= asks this; a cluster has few distinct user agents, and
  // the per-character check is slow (a regex and an encoder per character).
  const known = managerByUserAgent.get(userAgent);
  if (known !== undefined) return known;
  const out = computeManagerFromUserAgent(userAgent);
  if (managerByUserAgent.size >= 256) managerByUserAgent.clear();
  managerByUserAgent.set(userAgent, out);
  return out;
}

const managerByUserAgent = new Map<string, string>();

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

function computeManagerFromUserAgent(userAgent: string): string {
  const head = userAgent.split('/')[0] ?? '';
  // Printable ASCII (nearly every user agent) is kept as is, one byte per character.
  if (ASCII_PRINTABLE.test(head)) return head.slice(0, FIELD_MANAGER_MAX_LENGTH);
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!isPrint(ch)) continue;
    const len = new TextEncoder().encode(ch).length;
    if (bytes + len > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += len;
  }
  return out;
}

/**
 * upstream ValidateFieldManager (create/update/patch options): at most 128 bytes, printable
 * characters only. The caller reports errors as `newInvalid({group: 'meta.k8s.io', kind:
 * 'CreateOptions'|'UpdateOptions'|'PatchOptions'}, '', errs)`.
 */
export function validateFieldManager(fieldManager: string): FieldError[] {
  const path = newPath('fieldManager');
  const errs: FieldError[] = [];
  if (new TextEncoder().encode(fieldManager).length > FIELD_MANAGER_MAX_LENGTH) {
    errs.push(tooLong(path, fieldManager, FIELD_MANAGER_MAX_LENGTH));
  }
  let pos = 0;
  for (const ch of fieldManager) {
    if (!isPrint(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      const hex = cp.toString(16).toUpperCase().padStart(4, '0');
      errs.push(
        invalid(path, fieldManager, `invalid character U+${hex} (at position ${String(pos)})`),
      );
    }
    pos += new TextEncoder().encode(ch).length;
  }
  return errs;
}

/**
 * upstream ValidatePatchOptions without dryRun: `force` only for apply patches, `fieldManager`
 * required for apply (`fieldManager: Required value: is required for apply patch`), then
 * validateFieldManager. Report as newInvalid({group: 'meta.k8s.io', kind: 'PatchOptions'}, '', errs).
 */
export function validatePatchOptions(opts: {
  fieldManager: string;
  force: boolean | undefined;
  isApply: boolean;
}): FieldError[] {
  const errs: FieldError[] = [];
  if (!opts.isApply) {
    if (opts.force !== undefined) {
      errs.push(forbidden(newPath('force'), 'may not be specified for non-apply patch'));
    }
  } else if (opts.fieldManager === '') {
    errs.push(required(newPath('fieldManager'), 'is required for apply patch'));
  }
  errs.push(...validateFieldManager(opts.fieldManager));
  return errs;
}
