/**
 * Serving custom resources (apiextensions-apiserver inside this server): a watch on
 * CustomResourceDefinitions keeps, per CRD, the scheme entries and registries of its served
 * versions (so discovery, OpenAPI and the REST paths follow at once), the CRD's status
 * (`acceptedNames`, `NamesAccepted`, `Established`, as upstream's naming and establishing
 * controllers), and deletion (upstream's finalizer controller: `Terminating`, every custom
 * resource deleted, then the `customresourcecleanup.apiextensions.k8s.io` finalizer removed).
 *
 * Custom resources get their own registry hooks: structural pruning and defaulting, schema
 * validation with upstream messages, `x-kubernetes-validations` (CEL), and no strategic merge
 * patch (415, as upstream; kubectl falls back to a merge patch).
 */
import {
  compileCrTable,
  compileSchema,
  compileStructural,
  compileValidationRules,
  computeNamesAccepted,
  customResourceInfo,
  crdOpenApiSchemas,
  evaluateValidationRules,
  establishedCondition,
  newUnsupportedMediaType,
  pruneUnknownFields,
  applyStructuralDefaults,
  setCrdCondition,
  validateCustomResource,
  type CompiledValidationRules,
  type CrTableConvertor,
  type CustomResourceDefinition,
  type CustomResourceDefinitionVersion,
  type CustomResourceValidationContext,
  type FieldError,
  type ResourceInfo,
  type Scheme,
  type SchemaNode,
  type Structural,
  type TypeNode,
  OBJECT_META_SCHEMA,
  newTypeResolver,
  typeFromCustomResourceSchema,
} from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';
import type { RegistryHooks, ResourceRegistry } from '../registry/registry.ts';
import { CRD_CLEANUP_FINALIZER } from '../registry/strategy.ts';
import { ResourceMirror } from '../mirror.ts';
import { registerCustomTable } from '../http/table.ts';
import { registerCustomScale, type CustomScalePaths } from '../http/handler.ts';

/** Everything served for one version of one CRD. */
export interface ServedVersion {
  readonly info: ResourceInfo;
  readonly registry: ResourceRegistry;
  readonly structural: Structural | undefined;
  /** For fieldValidation (unknown fields). */
  readonly shape: SchemaNode | undefined;
  readonly table: CrTableConvertor;
  /** Component schemas of the kind and its list, for OpenAPI v3. */
  readonly openapi: Record<string, object>;
  /** The scale subresource's paths, when enabled. */
  readonly scale: CustomScalePaths | undefined;
}

export interface CrdServingDeps {
  storage: Storage;
  scheme: Scheme;
  /** The server's registries by registryKey; CR registries are added and removed here. */
  registries: Map<string, ResourceRegistry>;
  registryKey(group: string, version: string, resource: string): string;
  /** The CRD registry, for status and finalizer writes. */
  crds: ResourceRegistry;
  /** Builds a registry for a custom resource version (watch cache, strategy). */
  makeRegistry(info: ResourceInfo, hooks: RegistryHooks): ResourceRegistry;
  /** The built-in hooks, whose shared parts (admission, namespaces, clock) CRs reuse. */
  baseHooks: RegistryHooks;
  /** The built-in component schemas (ObjectMeta for custom resources' metadata). */
  builtinSchemas(): Readonly<Record<string, object>>;
  /** Called after the served set changed (OpenAPI must be rebuilt). */
  onChange(): void;
  now(): Date;
}

interface CrdState {
  uid: string;
  /** JSON of the spec the versions were built from (rebuild only on change). */
  specKey: string;
  versions: Map<string, ServedVersion>;
}

export class CrdServing {
  private readonly byName = new Map<string, CrdState>();
  private readonly byInfo = new WeakMap<ResourceInfo, ServedVersion>();
  /** The CRDs in storage, kept by a watch; serving reacts to its changes. */
  private readonly crds: ResourceMirror;
  private closed = false;
  private readonly terminating = new Set<string>();
  /** Serializes reconciles so status writes do not race each other. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CrdServingDeps) {
    this.crds = new ResourceMirror(deps.storage, `${deps.crds.info.storagePrefix ?? ''}/`, {
      synced: (objects) => {
        // A (re-)list: stop serving what is gone, reconcile everything else.
        const names = new Set(objects.map((o) => o.metadata?.name ?? ''));
        for (const name of [...this.byName.keys()]) if (!names.has(name)) this.unserve(name);
        const all = objects as unknown as readonly CustomResourceDefinition[];
        void this.enqueue(async () => {
          for (const crd of all) await this.reconcile(crd);
        });
      },
      changed: (type, obj) => {
        const crd = obj as unknown as CustomResourceDefinition;
        if (type === 'DELETED') this.unserve(crd.metadata?.name ?? '');
        else void this.enqueue(() => this.reconcile(crd));
      },
    });
  }

  /** Resolves once the CRDs stored at start-up are served. */
  async ready(): Promise<void> {
    await this.crds.ready();
    await this.queue; // the reconciles the first list queued
  }

  /** The served version behind a registry's ResourceInfo (tables, schemas), if custom. */
  served(info: ResourceInfo): ServedVersion | undefined {
    return this.byInfo.get(info);
  }

  /** Component schemas of every served custom resource version, for OpenAPI v3. */
  openapiSchemas(): Record<string, object> {
    const out: Record<string, object> = {};
    for (const state of this.byName.values()) {
      for (const v of state.versions.values()) Object.assign(out, v.openapi);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.crds.close();
    await this.queue;
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn).catch(() => undefined);
    this.queue = next;
    return next;
  }

  /** Brings serving and status in line with one CRD (level-triggered, idempotent). */
  private async reconcile(crd: CustomResourceDefinition): Promise<void> {
    if (this.stopped()) return;
    const name = crd.metadata?.name ?? '';
    if (crd.metadata?.deletionTimestamp !== undefined) {
      this.startTermination(crd);
      return;
    }
    const others = this.crds.values() as unknown as readonly CustomResourceDefinition[];
    const names = computeNamesAccepted(
      crd,
      others.filter((c) => c.metadata?.name !== name),
    );
    const accepted = names.namesAccepted.status === 'True';
    if (accepted) this.serve(crd, names.acceptedNames);
    await this.writeStatus(name, (current) => {
      const status = (current.status ??= {});
      const now = this.deps
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      status.acceptedNames = names.acceptedNames;
      setCrdCondition(current, names.namesAccepted, now);
      setCrdCondition(current, accepted ? establishedCondition() : names.established, now);
    });
  }

  /** Writes the CRD's status through `mutate` when it changes anything (internal write). */
  private async writeStatus(
    name: string,
    mutate: (crd: CustomResourceDefinition) => void,
  ): Promise<void> {
    try {
      await this.deps.crds.transform(
        '',
        name,
        (current) => {
          const before = JSON.stringify(current['status'] ?? null);
          const crd = current as unknown as CustomResourceDefinition;
          mutate(crd);
          if (JSON.stringify(current['status'] ?? null) === before) throw UNCHANGED;
          return current;
        },
        { dryRun: false },
      );
    } catch (err) {
      if (err !== UNCHANGED) throw err;
    }
  }

  private serve(
    crd: CustomResourceDefinition,
    acceptedNames: NonNullable<CustomResourceDefinition['spec']['names']>,
  ): void {
    const name = crd.metadata?.name ?? '';
    const specKey = JSON.stringify([crd.spec, acceptedNames]);
    const existing = this.byName.get(name);
    if (
      existing !== undefined &&
      existing.specKey === specKey &&
      existing.uid === (crd.metadata?.uid ?? '')
    ) {
      return;
    }
    if (existing !== undefined) this.unserve(name, false);
    const versions = new Map<string, ServedVersion>();
    const spec = crd.spec;
    const storageVersion = (spec.versions ?? []).find((v) => v.storage)?.name ?? '';
    for (const v of spec.versions ?? []) {
      if (v.served !== true || v.name === undefined) continue;
      const info = customResourceInfo({
        group: spec.group ?? '',
        version: v.name,
        kind: acceptedNames.kind ?? '',
        plural: acceptedNames.plural ?? '',
        ...(acceptedNames.singular === undefined ? {} : { singular: acceptedNames.singular }),
        ...(acceptedNames.listKind === undefined ? {} : { listKind: acceptedNames.listKind }),
        ...(acceptedNames.shortNames === undefined ? {} : { shortNames: acceptedNames.shortNames }),
        ...(acceptedNames.categories === undefined ? {} : { categories: acceptedNames.categories }),
        namespaced: spec.scope === 'Namespaced',
        status: v.subresources?.status !== undefined,
        scale: v.subresources?.scale !== undefined,
        storageVersion,
      });
      versions.set(v.name, this.buildVersion(crd, v, v.name, info));
    }
    for (const served of versions.values()) {
      const { info } = served;
      this.deps.scheme.remove({
        group: info.group,
        version: info.version,
        resource: info.resource,
      });
      const added = this.deps.scheme.add(info);
      this.byInfo.set(added, served);
      this.byInfo.set(info, served);
      registerCustomTable(info, served.table);
      registerCustomTable(added, served.table);
      if (served.scale !== undefined) {
        registerCustomScale(info, served.scale);
        registerCustomScale(added, served.scale);
      }
      this.deps.registries.set(
        this.deps.registryKey(info.group, info.version, info.resource),
        served.registry,
      );
    }
    this.byName.set(name, { uid: crd.metadata?.uid ?? '', specKey, versions });
    this.deps.onChange();
  }

  private buildVersion(
    crd: CustomResourceDefinition,
    v: CustomResourceDefinitionVersion,
    versionName: string,
    info: ResourceInfo,
  ): ServedVersion {
    const schema = v.schema?.openAPIV3Schema;
    const structural = schema === undefined ? undefined : compileStructural(schema);
    const rules: CompiledValidationRules | undefined =
      schema === undefined ? undefined : compileValidationRules(schema);
    const scale = v.subresources?.scale;
    const ctx: CustomResourceValidationContext = {
      group: info.group,
      version: info.version,
      kind: info.kind,
      namespaced: info.namespaced,
      structural,
      ...(scale === undefined
        ? {}
        : {
            scale: {
              specReplicasPath: scale.specReplicasPath,
              statusReplicasPath: scale.statusReplicasPath,
              ...(scale.labelSelectorPath === undefined
                ? {}
                : { labelSelectorPath: scale.labelSelectorPath }),
            },
          }),
      ...(rules?.root === undefined
        ? {}
        : {
            cel: (obj, old) => evaluateValidationRules(rules, obj, old),
          }),
    };
    const base = this.deps.baseHooks;
    const prepare = (obj: StoredObject): void => {
      if (structural === undefined) return;
      pruneUnknownFields(obj, structural, true);
      applyStructuralDefaults(obj, structural);
    };
    // Server-side apply and managedFields over the CRD schema (list and map types), compiled
    // on the first write.
    let fieldsType: TypeNode | undefined;
    const hooks: RegistryHooks = {
      ...base,
      managedFieldsType: () =>
        (fieldsType ??= typeFromCustomResourceSchema(schema, this.objectMetaType())),
      setDefaults: prepare,
      validateCreate: (obj): FieldError[] => validateCustomResource(obj, ctx, 'create'),
      validateUpdate: (obj, old): FieldError[] => validateCustomResource(obj, ctx, 'update', old),
      validateStatusUpdate: (obj, old): FieldError[] =>
        validateCustomResource(obj, ctx, 'status', old),
      prepareCreate: undefined,
      normalize: undefined,
      applyPatch: (type, current, patch, meta) => {
        if (type === 'strategic') {
          throw newUnsupportedMediaType([
            'application/json-patch+json',
            'application/merge-patch+json',
            'application/apply-patch+yaml',
          ]);
        }
        return base.applyPatch(type, current, patch, meta);
      },
    };
    return {
      info,
      registry: this.deps.makeRegistry(info, hooks),
      structural,
      shape:
        schema === undefined
          ? undefined
          : compileSchema(
              {
                ...schema,
                properties: {
                  ...(schema.properties ?? {}),
                  metadata: { $ref: `#/components/schemas/${OBJECT_META_SCHEMA}` },
                },
              },
              this.deps.builtinSchemas(),
            ),
      table: compileCrTable(v),
      openapi: crdOpenApiSchemas(crd, versionName),
      scale:
        scale === undefined
          ? undefined
          : {
              specReplicasPath: scale.specReplicasPath,
              statusReplicasPath: scale.statusReplicasPath,
              ...(scale.labelSelectorPath === undefined
                ? {}
                : { labelSelectorPath: scale.labelSelectorPath }),
            },
    };
  }

  private metaType: TypeNode | undefined;

  /** ObjectMeta's type for managedFields (shared by every custom resource). */
  private objectMetaType(): TypeNode | undefined {
    this.metaType ??= newTypeResolver(this.deps.builtinSchemas()).typeFor(OBJECT_META_SCHEMA);
    return this.metaType;
  }

  /** Stops serving a CRD's versions. */
  private unserve(name: string, notify = true): void {
    const state = this.byName.get(name);
    if (state === undefined) return;
    for (const { info } of state.versions.values()) {
      this.deps.scheme.remove({
        group: info.group,
        version: info.version,
        resource: info.resource,
      });
      this.deps.registries.delete(this.deps.registryKey(info.group, info.version, info.resource));
    }
    this.byName.delete(name);
    if (notify) this.deps.onChange();
  }

  /**
   * A CRD marked for deletion: condition Terminating, every custom resource deleted (through
   * the registry, so their own finalizers are honoured), then the cleanup finalizer removed,
   * which lets the CRD go.
   */
  private startTermination(crd: CustomResourceDefinition): void {
    const name = crd.metadata?.name ?? '';
    if (this.terminating.has(name)) return;
    if (!(crd.metadata?.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    this.terminating.add(name);
    void (async () => {
      try {
        await this.writeStatus(name, (current) => {
          setCrdCondition(
            current,
            {
              type: 'Terminating',
              status: 'True',
              reason: 'InstanceDeletionInProgress',
              message: 'CustomResource deletion is in progress',
            },
            this.deps
              .now()
              .toISOString()
              .replace(/\.\d+Z$/, 'Z'),
          );
        });
        const state = this.byName.get(name);
        const registry = state?.versions.values().next().value?.registry;
        for (let attempt = 0; registry !== undefined && !this.stopped(); attempt++) {
          // Objects with finalizers of their own stay until those are removed: wait for them.
          const left = await registry.deleteCollection('', {}, {}, { dryRun: false });
          if (left.items.every((o) => o.metadata?.deletionTimestamp === undefined)) break;
          if ((await registry.list('', {})).items.length === 0) break;
          await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt)).unref());
        }
        if (this.stopped()) return;
        this.unserve(name);
        const updated = await this.deps.crds.transform(
          '',
          name,
          (current) => {
            const meta = current.metadata ?? {};
            meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
            if (meta.finalizers.length === 0) delete meta.finalizers;
            return current;
          },
          { dryRun: false },
        );
        await this.deps.crds.deleteIfFinalized('', updated);
      } catch {
        // Retried on the next event for this CRD.
      } finally {
        this.terminating.delete(name);
      }
    })();
  }

  /** A method, so checks after an await are not narrowed away. */
  private stopped(): boolean {
    return this.closed;
  }
}

const UNCHANGED = new Error('unchanged');
