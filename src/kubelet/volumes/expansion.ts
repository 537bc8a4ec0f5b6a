/**
 * The kubelet's `subPathExpr` expansion (ExpandContainerVolumeMounts) over Kubernetes' `$(VAR)`
 * expansion (`expand` in src/api, third_party/forked/golang/expansion). Pure.
 */
import { expand, mappingFor } from '../../api/index.ts';

/** Upstream's MappingFuncFor over plain records (see `mappingFor` in src/api). */
export const mappingFuncFor: (
  ...contexts: ReadonlyArray<Readonly<Record<string, string>>>
) => (name: string) => string = mappingFor;

/** A resolved container environment variable (the runtime's EnvVar). */
export interface ResolvedEnvVar {
  name: string;
  value: string;
}

/**
 * Expands a volume mount's `subPathExpr` from the container's resolved environment (later
 * entries win, as envVarsToMap). A name that is missing or empty is an error listing every
 * such name sorted: `missing value for A, B` (upstream's message). Pure.
 */
export function expandSubPathExpr(subPathExpr: string, env: readonly ResolvedEnvVar[]): string {
  const envMap = new Map<string, string>();
  for (const e of env) envMap.set(e.name, e.value);
  const missing = new Set<string>();
  const expanded = expand(subPathExpr, (key) => {
    const value = envMap.get(key);
    if (value === undefined || value.length === 0) missing.add(key);
    return value ?? '';
  });
  if (missing.size > 0) throw new Error(`missing value for ${[...missing].sort().join(', ')}`);
  return expanded;
}
