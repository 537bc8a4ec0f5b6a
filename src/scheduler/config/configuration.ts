/**
 * The scheduler's configuration file: upstream kube-scheduler's `--config`, a
 * KubeSchedulerConfiguration of `kubescheduler.config.k8s.io/v1` in YAML or JSON. Loaded in
 * upstream's order: strict decoding (unknown and repeated fields refused), v1 defaulting
 * (pkg/scheduler/apis/config/v1/defaults.go: profiles, merged default plugins, plugin args),
 * validation (validation.go, validation_pluginargs.go), then the checks upstream makes when it
 * builds each profile's framework (unknown plugins, NodeResourcesFit args). Pure: the caller
 * reads the file.
 *
 * Skiff is stricter than upstream in one place: a `pluginConfig` entry for a plugin that does
 * not exist is refused (upstream ignores it silently, which hides typos).
 */
import {
  YamlSyntaxError,
  decodeTyped,
  duplicate,
  forbidden,
  invalid,
  newPath,
  parseYamlStrict,
  strictDecodingErrorMessage,
  toAggregateMessage,
  unknownFields,
} from '../../api/index.ts';
import type { FieldError } from '../../api/index.ts';
import {
  DEFAULT_PLUGINS,
  DEFAULT_SCHEDULER_NAME,
  EXTENSION_POINTS,
  Framework,
  FrameworkConfigError,
  PluginNames,
  mergePlugins,
} from '../framework/index.ts';
import type { PluginConfig, Plugins, Profile, ResourceSpec } from '../framework/index.ts';
import { inTreeRegistry } from '../plugins/index.ts';
import { KUBE_SCHEDULER_CONFIGURATION, PLUGIN_ARGS } from './schema.ts';
import {
  SCHEDULER_CONFIG_API_VERSION,
  validateCommonQueueSort,
  validateNodeResourcesFitArgs,
  validatePercentage,
  validateProfile,
} from './validation.ts';

/**
 * A loaded, defaulted and validated KubeSchedulerConfiguration: what the scheduler runs with.
 * Each profile has its schedulerName, its plugins merged over the 1.32 defaults (ready for
 * `new Framework` without further defaulting) and a pluginConfig with defaulted args for every
 * enabled plugin that takes args.
 */
export interface SchedulerConfiguration {
  readonly parallelism: number;
  /** 0: adaptive (upstream's default). A profile's own value wins. */
  readonly percentageOfNodesToScore: number;
  readonly podInitialBackoffSeconds: number;
  readonly podMaxBackoffSeconds: number;
  readonly profiles: readonly Profile[];
}

/** The outcome of {@link parseSchedulerConfiguration}: the configuration or upstream's error text. */
export type SchedulerConfigurationResult =
  | { readonly ok: true; readonly config: SchedulerConfiguration }
  | { readonly ok: false; readonly error: string };

const KIND = 'KubeSchedulerConfiguration';

/** Upstream defaultResourceSpec. */
const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * The plugin names a configuration may use: skiff's in-tree plugins plus the upstream in-tree
 * plugins skiff does not run (volume plugins, DefaultBinder, DynamicResources), which are
 * accepted and have no effect.
 */
function knownPluginNames(): ReadonlySet<string> {
  return new Set([...inTreeRegistry().keys(), ...Object.values(PluginNames)]);
}

/** Removes null fields (a JSON null decodes to a Go zero value: the field is unset). */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
  return out;
}

/** Resource specs with upstream's defaulting: none → cpu and memory, weight 0 → 1. */
function defaultResources(rs: unknown): ResourceSpec[] {
  const list = Array.isArray(rs) ? (rs as Obj[]) : [];
  if (list.length === 0) return DEFAULT_RESOURCES.map((r) => ({ ...r }));
  return list.map((r) => ({
    name: typeof r['name'] === 'string' ? r['name'] : '',
    weight: num(r['weight']) === undefined || r['weight'] === 0 ? 1 : (r['weight'] as number),
  }));
}

/** Upstream SetDefaults_<Plugin>Args for the args of `name`, without apiVersion/kind. */
function defaultArgs(name: string, raw: Obj): Obj {
  const { apiVersion: _v, kind: _k, ...args } = raw;
  switch (name) {
    case 'DefaultPreemption':
      return {
        ...args,
        minCandidateNodesPercentage: num(args['minCandidateNodesPercentage']) ?? 10,
        minCandidateNodesAbsolute: num(args['minCandidateNodesAbsolute']) ?? 100,
      };
    case 'InterPodAffinity':
      return { ...args, hardPodAffinityWeight: num(args['hardPodAffinityWeight']) ?? 1 };
    case 'NodeResourcesBalancedAllocation':
      return { ...args, resources: defaultResources(args['resources']) };
    case 'PodTopologySpread':
      return {
        ...args,
        defaultingType:
          typeof args['defaultingType'] === 'string' && args['defaultingType'] !== ''
            ? args['defaultingType']
            : 'System',
      };
    case 'NodeResourcesFit': {
      const s = isObj(args['scoringStrategy'])
        ? args['scoringStrategy']
        : { type: 'LeastAllocated' };
      return { ...args, scoringStrategy: { ...s, resources: defaultResources(s['resources']) } };
    }
    case 'VolumeBinding':
      return { ...args, bindTimeoutSeconds: num(args['bindTimeoutSeconds']) ?? 600 };
    default:
      return args;
  }
}

/** The names enabled at any extension point, sorted (upstream pluginsNames). */
function enabledNames(plugins: Plugins): string[] {
  const names = new Set<string>();
  for (const ep of EXTENSION_POINTS) for (const p of plugins[ep]?.enabled ?? []) names.add(p.name);
  return [...names].sort();
}

/** Upstream setDefaults_KubeSchedulerProfile. */
function defaultProfile(raw: Obj, schedulerName: string | undefined): Profile {
  const plugins = mergePlugins(DEFAULT_PLUGINS, raw['plugins'] as Plugins | undefined);
  const pluginConfig: PluginConfig[] = [];
  const configured = new Set<string>();
  for (const pc of (raw['pluginConfig'] as Obj[] | undefined) ?? []) {
    const name = typeof pc['name'] === 'string' ? pc['name'] : '';
    configured.add(name);
    const args = isObj(pc['args']) ? pc['args'] : {};
    pluginConfig.push({ name, args: PLUGIN_ARGS.has(name) ? defaultArgs(name, args) : args });
  }
  for (const name of enabledNames(plugins)) {
    if (configured.has(name) || !PLUGIN_ARGS.has(name)) continue;
    pluginConfig.push({ name, args: defaultArgs(name, {}) });
  }
  const pct = num(raw['percentageOfNodesToScore']);
  return {
    ...(schedulerName === undefined ? {} : { schedulerName }),
    ...(pct === undefined ? {} : { percentageOfNodesToScore: pct }),
    plugins,
    pluginConfig,
  };
}

/** Upstream's framework type names, in getExtensionPoints order, then MultiPoint. */
const POINT_TYPES: readonly (readonly [keyof Plugins, string])[] = [
  ['preFilter', 'PreFilterPlugin'],
  ['filter', 'FilterPlugin'],
  ['postFilter', 'PostFilterPlugin'],
  ['reserve', 'ReservePlugin'],
  ['preScore', 'PreScorePlugin'],
  ['score', 'ScorePlugin'],
  ['preBind', 'PreBindPlugin'],
  ['bind', 'BindPlugin'],
  ['postBind', 'PostBindPlugin'],
  ['permit', 'PermitPlugin'],
  ['preEnqueue', 'PreEnqueuePlugin'],
  ['queueSort', 'QueueSortPlugin'],
];

/**
 * What upstream's NewFramework refuses for one profile: NodeResourcesFit args (validated by
 * the plugin's constructor), plugins that do not exist, and the framework's own checks.
 * Returns the error text without the `initializing profiles` prefix, or undefined.
 */
function frameworkError(profile: Profile, known: ReadonlySet<string>): string | undefined {
  const plugins = profile.plugins ?? {};
  const needed = new Set(enabledNames(plugins));
  if (needed.has('NodeResourcesFit')) {
    const args = profile.pluginConfig?.find((c) => c.name === 'NodeResourcesFit')?.args;
    const errs = validateNodeResourcesFitArgs(undefined, args ?? {});
    if (errs.length > 0)
      return `initializing plugin "NodeResourcesFit": ${toAggregateMessage(errs)}`;
  }
  for (const [ep, type] of POINT_TYPES) {
    for (const p of plugins[ep]?.enabled ?? []) {
      if (!known.has(p.name)) return `${type} "${p.name}" does not exist`;
    }
  }
  for (const p of plugins.multiPoint?.enabled ?? []) {
    if (!known.has(p.name)) return `PreFilterPlugin "${p.name}" does not exist`;
  }
  for (const pc of profile.pluginConfig ?? []) {
    if (!known.has(pc.name)) return `pluginConfig names a plugin that does not exist: "${pc.name}"`;
  }
  try {
    // As the scheduler builds it: the known plugins skiff does not run are left out.
    new Framework(inTreeRegistry(), profile, { skipUnregistered: true });
  } catch (err) {
    if (err instanceof FrameworkConfigError) return err.message;
    throw err;
  }
  return undefined;
}

/** Strict decoding of the args of every pluginConfig entry, with their paths in the document. */
function argsDecodingError(doc: Obj): { unknown: string[]; typeError?: string } {
  const unknown: string[] = [];
  const profiles = Array.isArray(doc['profiles']) ? doc['profiles'] : [];
  for (let i = 0; i < profiles.length; i++) {
    const prof: unknown = profiles[i];
    if (!isObj(prof) || !Array.isArray(prof['pluginConfig'])) continue;
    const pcs = prof['pluginConfig'] as unknown[];
    for (let j = 0; j < pcs.length; j++) {
      const pc = pcs[j];
      if (!isObj(pc) || typeof pc['name'] !== 'string') continue;
      const shape = PLUGIN_ARGS.get(pc['name']);
      const args = pc['args'];
      if (shape === undefined || args === undefined || args === null) continue;
      const prefix = `profiles[${String(i)}].pluginConfig[${String(j)}].args`;
      const typeError = decodeTyped(args, shape);
      if (typeError !== undefined) return { unknown, typeError: `${prefix}: ${typeError}` };
      for (const msg of unknownFields(args, shape)) {
        // `unknown field "x"` → `unknown field "profiles[0].pluginConfig[0].args.x"`.
        unknown.push(msg.replace(/^unknown field "/, `unknown field "${prefix}.`));
      }
    }
  }
  return { unknown };
}

/**
 * Loads a KubeSchedulerConfiguration (YAML or JSON text) as kube-scheduler's `--config` does:
 * strict decoding, v1 defaulting, validation, and the per-profile framework checks. Returns the
 * defaulted configuration, or the first stage's error in upstream's words (e.g.
 * `strict decoding error: unknown field "profiles[0].foo"`,
 * `profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Invalid value: 101: not in
 * valid range [0, 100]`, `initializing profiles: creating profile for scheduler name x:
 * FilterPlugin "Foo" does not exist`). Never throws for bad input.
 */
export function parseSchedulerConfiguration(text: string): SchedulerConfigurationResult {
  const fail = (error: string): SchedulerConfigurationResult => ({ ok: false, error });
  let value: unknown;
  let duplicates: string[];
  try {
    ({ value, duplicates } = parseYamlStrict(text));
  } catch (err) {
    if (err instanceof YamlSyntaxError) return fail(`yaml: ${err.message}`);
    throw err;
  }
  if (value === null || value === undefined) value = {};
  if (!isObj(value)) {
    return fail('json: cannot unmarshal into Go value of type v1.KubeSchedulerConfiguration');
  }
  const apiVersion = typeof value['apiVersion'] === 'string' ? value['apiVersion'] : '';
  const kind = typeof value['kind'] === 'string' ? value['kind'] : '';
  if (kind === '') return fail(`Object 'Kind' is missing in '${JSON.stringify(value)}'`);
  if (apiVersion !== SCHEDULER_CONFIG_API_VERSION || kind !== KIND) {
    return fail(
      `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/scheduler/apis/config/scheme/scheme.go:30"`,
    );
  }
  const typeError = decodeTyped(value, KUBE_SCHEDULER_CONFIGURATION);
  if (typeError !== undefined) return fail(typeError);
  const args = argsDecodingError(value);
  if (args.typeError !== undefined) return fail(args.typeError);
  const unknown = [...unknownFields(value, KUBE_SCHEDULER_CONFIGURATION), ...args.unknown];
  if (duplicates.length > 0 || unknown.length > 0) {
    return fail(strictDecodingErrorMessage({ yamlDuplicates: duplicates, errors: unknown }));
  }
  const doc = dropNulls(value) as Obj;

  // Defaulting (SetDefaults_KubeSchedulerConfiguration).
  const rawProfiles = Array.isArray(doc['profiles']) ? (doc['profiles'] as Obj[]) : [];
  const profileList = rawProfiles.length === 0 ? [{}] : rawProfiles;
  const profiles = profileList.map((p) => {
    const name = typeof p['schedulerName'] === 'string' ? p['schedulerName'] : undefined;
    // Only a single profile gets the default name; several must all be named.
    return defaultProfile(p, name ?? (profileList.length === 1 ? DEFAULT_SCHEDULER_NAME : ''));
  });
  const config: SchedulerConfiguration = {
    parallelism: num(doc['parallelism']) ?? 16,
    percentageOfNodesToScore: num(doc['percentageOfNodesToScore']) ?? 0,
    podInitialBackoffSeconds: num(doc['podInitialBackoffSeconds']) ?? 1,
    podMaxBackoffSeconds: num(doc['podMaxBackoffSeconds']) ?? 10,
    profiles,
  };

  // Validation (ValidateKubeSchedulerConfiguration).
  const errs: FieldError[] = [];
  const leader = isObj(doc['leaderElection']) ? doc['leaderElection'] : {};
  if (leader['leaderElect'] === true && (leader['resourceLock'] ?? 'leases') !== 'leases') {
    errs.push(
      invalid(
        newPath('leaderElection', 'resourceLock'),
        leader['resourceLock'],
        'resourceLock value must be "leases"',
      ),
    );
  }
  if (config.parallelism <= 0) {
    errs.push(
      invalid(
        newPath('parallelism'),
        config.parallelism,
        'should be an integer value greater than zero',
      ),
    );
  }
  const profilesPath = newPath('profiles');
  const seen = new Map<string, number>();
  profiles.forEach((p, i) => {
    const path = profilesPath.index(i);
    errs.push(...validateProfile(path, p));
    const name = p.schedulerName ?? '';
    const idx = seen.get(name);
    if (idx !== undefined) {
      errs.push(
        duplicate(
          path.child('schedulerName'),
          profilesPath.index(idx).child('schedulerName').toString(),
        ),
      );
    }
    seen.set(name, i);
  });
  errs.push(...validateCommonQueueSort(profilesPath, profiles));
  errs.push(
    ...validatePercentage(newPath('percentageOfNodesToScore'), config.percentageOfNodesToScore),
  );
  if (config.podInitialBackoffSeconds <= 0) {
    errs.push(
      invalid(
        newPath('podInitialBackoffSeconds'),
        config.podInitialBackoffSeconds,
        'must be greater than 0',
      ),
    );
  }
  if (config.podMaxBackoffSeconds < config.podInitialBackoffSeconds) {
    errs.push(
      invalid(
        newPath('podMaxBackoffSeconds'),
        config.podMaxBackoffSeconds,
        'must be greater than or equal to PodInitialBackoffSeconds',
      ),
    );
  }
  if (Array.isArray(doc['extenders']) && doc['extenders'].length > 0) {
    errs.push(forbidden(newPath('extenders'), 'scheduler extenders are not supported by skiff'));
  }
  if (errs.length > 0) return fail(toAggregateMessage(errs));

  // What building each profile's framework refuses (upstream profile.NewMap / NewFramework).
  const known = knownPluginNames();
  for (const p of profiles) {
    const err = frameworkError(p, known);
    if (err !== undefined) {
      return fail(
        `initializing profiles: creating profile for scheduler name ${p.schedulerName ?? ''}: ${err}`,
      );
    }
  }
  return { ok: true, config };
}
