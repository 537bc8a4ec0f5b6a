/**
 * Scheduler profile configuration (the `profiles[]` part of upstream KubeSchedulerConfiguration
 * v1) and upstream's merge of a profile's plugin sets with the defaults.
 */

/** A plugin reference in a PluginSet; `weight` is only meaningful for Score/MultiPoint. */
export interface PluginRef {
  readonly name: string;
  readonly weight?: number;
}

/** Enabled and disabled plugins of one extension point; `disabled: [{name: '*'}]` disables all defaults. */
export interface PluginSet {
  readonly enabled?: readonly PluginRef[];
  readonly disabled?: readonly PluginRef[];
}

/** Plugin sets per extension point (upstream v1.Plugins). */
export interface Plugins {
  readonly preEnqueue?: PluginSet;
  readonly queueSort?: PluginSet;
  readonly preFilter?: PluginSet;
  readonly filter?: PluginSet;
  readonly postFilter?: PluginSet;
  readonly preScore?: PluginSet;
  readonly score?: PluginSet;
  readonly reserve?: PluginSet;
  readonly permit?: PluginSet;
  readonly preBind?: PluginSet;
  readonly bind?: PluginSet;
  readonly postBind?: PluginSet;
  readonly multiPoint?: PluginSet;
}

/** The extension points of {@link Plugins}, in upstream order. */
export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
  'multiPoint',
] as const satisfies readonly (keyof Plugins)[];

/** Args for one plugin (upstream PluginConfig); `args` is the plugin's own args object. */
export interface PluginConfig {
  readonly name: string;
  readonly args?: unknown;
}

/** One scheduler profile (upstream KubeSchedulerProfile). */
export interface Profile {
  readonly schedulerName?: string;
  /** 0 or undefined: adaptive (50% − nodes/125, at least 5%). */
  readonly percentageOfNodesToScore?: number;
  readonly plugins?: Plugins;
  readonly pluginConfig?: readonly PluginConfig[];
}

/** Upstream mergePluginSet: custom settings override/disable defaults in place, the rest is appended. */
export function mergePluginSet(
  defaults: PluginSet | undefined,
  custom: PluginSet | undefined,
): PluginSet {
  const disabledNames = new Set<string>();
  const disabled: PluginRef[] = [];
  for (const p of custom?.disabled ?? []) {
    disabled.push({ name: p.name });
    disabledNames.add(p.name);
  }
  for (const p of defaults?.disabled ?? []) {
    disabled.push({ name: p.name });
    disabledNames.add(p.name);
  }
  const customEnabled = custom?.enabled ?? [];
  const customIndex = new Map<string, number>();
  customEnabled.forEach((p, i) => customIndex.set(p.name, i));
  const replaced = new Set<number>();
  const enabled: PluginRef[] = [];
  if (!disabledNames.has('*')) {
    for (const d of defaults?.enabled ?? []) {
      if (disabledNames.has(d.name)) continue;
      const i = customIndex.get(d.name);
      if (i !== undefined) {
        replaced.add(i);
        enabled.push(customEnabled[i] ?? d);
      } else {
        enabled.push(d);
      }
    }
  }
  customEnabled.forEach((p, i) => {
    if (!replaced.has(i)) enabled.push(p);
  });
  return { enabled, disabled };
}

/** Upstream mergePlugins: merges every extension point of `custom` into `defaults`. */
export function mergePlugins(defaults: Plugins, custom: Plugins | undefined): Plugins {
  if (custom === undefined) return defaults;
  const out: Record<string, PluginSet> = {};
  for (const ep of EXTENSION_POINTS) out[ep] = mergePluginSet(defaults[ep], custom[ep]);
  return out;
}
