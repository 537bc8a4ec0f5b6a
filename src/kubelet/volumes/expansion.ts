/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion) and the kubelet's
 * `subPathExpr` expansion (ExpandContainerVolumeMounts). Pure.
 */

/**
 * Expands `$(NAME)` references in `input` with `mapping`: `$$` is an escaped `$`, an
 * unterminated `$(` and a `$` followed by anything else stay as written. The mapping decides
 * what an unknown name becomes (upstream's MappingFuncFor keeps `$(NAME)`).
 */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === '$' && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const rest = input.slice(cursor + 1);
      const { read, isVar, advance } = tryReadVariableName(rest);
      out += isVar ? mapping(read) : read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

function tryReadVariableName(input: string): { read: string; isVar: boolean; advance: number } {
  const first = input[0] ?? '';
  if (first === '$') return { read: '$', isVar: false, advance: 1 };
  if (first === '(') {
    for (let i = 1; i < input.length; i++) {
      if (input[i] === ')') return { read: input.slice(1, i), isVar: true, advance: i + 1 };
    }
    return { read: '$(', isVar: false, advance: 1 };
  }
  return { read: `$${first}`, isVar: false, advance: 1 };
}

/** Upstream's MappingFuncFor: the first context holding the name wins, else `$(name)`. */
export function mappingFuncFor(
  ...contexts: ReadonlyArray<Readonly<Record<string, string>>>
): (name: string) => string {
  return (name) => {
    for (const c of contexts) if (Object.hasOwn(c, name)) return c[name] ?? '';
    return `$(${name})`;
  };
}

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
