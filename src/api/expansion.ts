/**
 * Kubernetes' `$(VAR)` expansion (upstream third_party/forked/golang/expansion), used for env
 * values, command and args. Semantics, exactly as upstream:
 * - `$(NAME)` is replaced by the mapping's value; an unknown name stays verbatim `$(NAME)`;
 * - `$$` is an escaped `$` (so `$$(A)` yields `$(A)`);
 * - a `$` followed by anything else, an unterminated `$(`, or a trailing `$` are kept as is;
 * - there is no nesting: the first `)` closes the reference.
 */

/** The mapping upstream's `MappingFuncFor` builds: the first context holding the name wins. */
export function mappingFor(
  ...contexts: ReadonlyArray<ReadonlyMap<string, string> | Readonly<Record<string, string>>>
): (name: string) => string {
  return (name) => {
    for (const ctx of contexts) {
      if (ctx instanceof Map) {
        const v = (ctx as ReadonlyMap<string, string>).get(name);
        if (v !== undefined) return v;
      } else if (Object.hasOwn(ctx, name)) {
        return (ctx as Readonly<Record<string, string>>)[name] ?? '';
      }
    }
    return `$(${name})`;
  };
}

/** Expands `$(VAR)` references in `input` with `mapping` (see the module comment). */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    const c = rest[0];
    if (c === '$') {
      out += '$';
    } else if (c === '(') {
      const close = rest.indexOf(')', 1);
      if (close >= 1) {
        out += mapping(rest.slice(1, close));
        advance = close + 1;
      } else {
        // Incomplete reference: emit `$(` and go on after the `(`.
        out += '$(';
      }
    } else {
      out += `$${c ?? ''}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
