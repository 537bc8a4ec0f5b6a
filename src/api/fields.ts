// Field selectors, ported from k8s.io/apimachinery/pkg/fields/selector.go: `a=b`, `a==b`,
// `a!=b`, comma-separated, with `\` escaping of `\`, `,` and `=` in values. Error messages match
// upstream because they are returned verbatim in 400 responses.

/** The field values of one object, e.g. `{ 'metadata.name': 'x', 'spec.nodeName': 'n1' }`. */
export type Fields = Readonly<Record<string, string>>;

/** Field selector operators; `==` is reported as `=` like upstream's requirements. */
export type FieldOperator = '=' | '!=';

/** One term of a field selector (upstream fields.Requirement). */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/**
 * Rewrites a term's field and value (upstream TransformFunc), e.g. to map a deprecated field
 * name. Returning '' for both drops the term. May throw to reject the selector.
 */
export type FieldTransform = (field: string, value: string) => { field: string; value: string };

/** A malformed field selector; `message` is upstream's text. */
export class FieldSelectorError extends Error {
  override readonly name = 'FieldSelectorError';
}

/** A field selector (upstream fields.Selector). Immutable and shareable. */
export interface FieldSelector {
  /** True when every term holds for `fields` (a missing field reads as ''). */
  matches(fields: Fields): boolean;
  /** True when the selector does not restrict anything. */
  empty(): boolean;
  /** The value `field` must equal (from an `=` term), or undefined. */
  requiresExactMatch(field: string): string | undefined;
  /** A new selector with `fn` applied to every term; terms mapped to ('','') are dropped. */
  transform(fn: FieldTransform): FieldSelector;
  /** The terms in order; new array. */
  requirements(): FieldRequirement[];
  /** Canonical string; values escaped with {@link escapeFieldValue}. */
  toString(): string;
}

class HasTerm implements FieldSelector {
  constructor(
    readonly field: string,
    readonly value: string,
  ) {}
  matches(fields: Fields): boolean {
    return get(fields, this.field) === this.value;
  }
  empty(): boolean {
    return false;
  }
  requiresExactMatch(field: string): string | undefined {
    return this.field === field ? this.value : undefined;
  }
  transform(fn: FieldTransform): FieldSelector {
    const r = fn(this.field, this.value);
    if (r.field === '' && r.value === '') return EVERYTHING;
    return new HasTerm(r.field, r.value);
  }
  requirements(): FieldRequirement[] {
    return [{ field: this.field, operator: '=', value: this.value }];
  }
  toString(): string {
    return `${this.field}=${escapeFieldValue(this.value)}`;
  }
}

class NotHasTerm implements FieldSelector {
  constructor(
    readonly field: string,
    readonly value: string,
  ) {}
  matches(fields: Fields): boolean {
    return get(fields, this.field) !== this.value;
  }
  empty(): boolean {
    return false;
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
  transform(fn: FieldTransform): FieldSelector {
    const r = fn(this.field, this.value);
    if (r.field === '' && r.value === '') return EVERYTHING;
    return new NotHasTerm(r.field, r.value);
  }
  requirements(): FieldRequirement[] {
    return [{ field: this.field, operator: '!=', value: this.value }];
  }
  toString(): string {
    return `${this.field}!=${escapeFieldValue(this.value)}`;
  }
}

class AndTerm implements FieldSelector {
  constructor(readonly terms: readonly FieldSelector[]) {}
  matches(fields: Fields): boolean {
    return this.terms.every((t) => t.matches(fields));
  }
  empty(): boolean {
    return this.terms.every((t) => t.empty());
  }
  requiresExactMatch(field: string): string | undefined {
    for (const t of this.terms) {
      const v = t.requiresExactMatch(field);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  transform(fn: FieldTransform): FieldSelector {
    const next: FieldSelector[] = [];
    for (const t of this.terms) {
      const n = t.transform(fn);
      if (!n.empty()) next.push(n);
    }
    return new AndTerm(next);
  }
  requirements(): FieldRequirement[] {
    return this.terms.flatMap((t) => t.requirements());
  }
  toString(): string {
    return this.terms.map((t) => t.toString()).join(',');
  }
}

function get(fields: Fields, field: string): string {
  return Object.hasOwn(fields, field) ? (fields[field] ?? '') : '';
}

const EVERYTHING: FieldSelector = new AndTerm([]);

/** The field selector that matches everything (shared instance). */
export function everythingFields(): FieldSelector {
  return EVERYTHING;
}

/** A selector requiring `field` to equal `value` (upstream OneTermEqualSelector). */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return new HasTerm(field, value);
}

/** A selector requiring `field` not to equal `value` (upstream OneTermNotEqualSelector). */
export function oneTermNotEqualSelector(field: string, value: string): FieldSelector {
  return new NotHasTerm(field, value);
}

/** The AND of several field selectors (upstream AndSelectors). */
export function andFieldSelectors(...selectors: FieldSelector[]): FieldSelector {
  return new AndTerm(selectors);
}

/**
 * A selector matching exactly `set` (upstream fields.SelectorFromSet); undefined/null is
 * {@link everythingFields}. Terms are in key order so `toString()` is deterministic.
 */
export function fieldSelectorFromSet(set: Fields | undefined | null): FieldSelector {
  if (set === undefined || set === null) return EVERYTHING;
  const items = Object.keys(set)
    .sort()
    .map((k) => new HasTerm(k, set[k] ?? ''));
  if (items.length === 1 && items[0] !== undefined) return items[0];
  return new AndTerm(items);
}

/** Escapes `\`, `,` and `=` in a value with a backslash (upstream EscapeValue). */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Reverses {@link escapeFieldValue} (upstream UnescapeValue). Throws FieldSelectorError on an
 * unknown escape (`invalid escape sequence: \a`), a trailing `\`, or a bare `,` / `=` (upstream
 * prints the character's code point: `unescaped character in value: 61`).
 */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') {
        out += c;
      } else {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      inSlash = false;
      continue;
    }
    if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw new FieldSelectorError(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`,
      );
    } else {
      out += c;
    }
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas not preceded by a backslash escape; escapes are kept (upstream splitTerms). */
export function splitFieldTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) {
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

/**
 * Splits a term at the first operator (`!=` before `==` before `=`); the rhs keeps its escapes
 * (upstream splitTerm). Undefined when there is no operator.
 */
export function splitFieldTerm(
  term: string,
): { lhs: string; op: '!=' | '==' | '='; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) {
        return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
      }
    }
  }
  return undefined;
}

/**
 * Parses a field selector string (upstream fields.ParseSelector): terms are sorted as strings
 * first, so `b=1,a=2` prints as `a=2,b=1`. Throws FieldSelectorError:
 * `invalid selector: '<selector>'; can't understand '<term>'`, or an unescape error.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  return parseAndTransformFieldSelector(selector, (field, value) => ({ field, value }));
}

/** {@link parseFieldSelector} followed by `transform(fn)` (upstream ParseAndTransformSelector). */
export function parseAndTransformFieldSelector(
  selector: string,
  fn: FieldTransform,
): FieldSelector {
  const parts = splitFieldTerms(selector).sort();
  const items: FieldSelector[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitFieldTerm(part);
    if (t === undefined) {
      throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    }
    const value = unescapeFieldValue(t.rhs);
    items.push(t.op === '!=' ? new NotHasTerm(t.lhs, value) : new HasTerm(t.lhs, value));
  }
  if (items.length === 1 && items[0] !== undefined) return items[0].transform(fn);
  return new AndTerm(items).transform(fn);
}
