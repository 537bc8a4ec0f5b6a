// Label selectors, ported from k8s.io/apimachinery/pkg/labels/selector.go (lexer, parser,
// requirements, String()) and pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector). Error
// messages match upstream byte for byte because kubectl users and e2e tests read them.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import {
  ErrorType,
  FieldError,
  FieldPath,
  goQuote,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  toAggregateMessage,
} from './validation/index.ts';

/** A set of labels, as found in `metadata.labels`. Read-only to selectors. */
export type Labels = Readonly<Record<string, string>>;

/** Selection operators (upstream selection.Operator), with upstream's string values. */
export const SelectionOperator = {
  DoesNotExist: '!',
  Equals: '=',
  DoubleEquals: '==',
  In: 'in',
  NotEquals: '!=',
  NotIn: 'notin',
  Exists: 'exists',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const;
/** One of the {@link SelectionOperator} values. */
export type SelectionOperator = (typeof SelectionOperator)[keyof typeof SelectionOperator];

const binaryOperators: readonly string[] = [
  SelectionOperator.In,
  SelectionOperator.NotIn,
  SelectionOperator.Equals,
  SelectionOperator.DoubleEquals,
  SelectionOperator.NotEquals,
  SelectionOperator.GreaterThan,
  SelectionOperator.LessThan,
];
const validRequirementOperators: readonly string[] = [
  ...binaryOperators,
  SelectionOperator.Exists,
  SelectionOperator.DoesNotExist,
];

/**
 * A malformed label selector string, requirement or LabelSelector. `message` is upstream's
 * text; `fieldErrors` holds the field-level errors when the failure came from validation.
 */
export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
  constructor(
    message: string,
    readonly fieldErrors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

function hasLabel(ls: Labels, key: string): boolean {
  return Object.hasOwn(ls, key);
}

function lookup(ls: Labels, key: string): string | undefined {
  return Object.hasOwn(ls, key) ? ls[key] : undefined;
}

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > (1n << 63n) - 1n || v < -(1n << 63n)) return undefined;
  return v;
}

/** Go's `%#v` of a []string, as upstream prints a values list in field errors. */
function goStringSlice(values: readonly string[] | null): string {
  if (values === null) return '[]string(nil)';
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** A FieldError whose bad value is a Go []string, printed the way Go prints it. */
class StringSliceFieldError extends FieldError {
  constructor(field: string, values: readonly string[] | null, detail: string) {
    super(ErrorType.Invalid, field, values === null ? null : [...values], detail);
    this.#literal = goStringSlice(values);
  }
  readonly #literal: string;
  override errorBody(): string {
    return `Invalid value: ${this.#literal}: ${this.detail}`;
  }
}

/** Upstream field paths print a nil path as `<nil>`; ours are strings with that convention. */
function joinPath(parent: string | undefined, child: string): string {
  return parent === undefined ? child : `${parent}.${child}`;
}

function validateLabelKey(key: string, field: string): FieldError | undefined {
  const errs = isQualifiedName(key);
  if (errs.length === 0) return undefined;
  return new FieldError(ErrorType.Invalid, field, key, errs.join('; '));
}

function validateLabelValue(key: string, value: string, field: string): FieldError | undefined {
  const errs = isValidLabelValue(value);
  if (errs.length === 0) return undefined;
  return new FieldError(ErrorType.Invalid, `${field}[${key}]`, value, errs.join('; '));
}

/**
 * One `key op values` term of a selector (upstream labels.Requirement). Immutable; build it with
 * {@link newRequirement} (validating) so the invariants below hold.
 */
export class Requirement {
  /** Use {@link newRequirement}; this constructor does not validate. */
  constructor(
    readonly key: string,
    readonly operator: SelectionOperator,
    /** Values as given (unsorted); In/NotIn: non-empty, Equals: one, Exists: none. */
    readonly values: readonly string[],
  ) {}

  /**
   * Whether `ls` satisfies this requirement: In/Equals need the key with a listed value; NotIn
   * and NotEquals also match when the key is absent; Gt/Lt compare int64 values and never match
   * a missing or non-integer label.
   */
  matches(ls: Labels): boolean {
    switch (this.operator) {
      case SelectionOperator.In:
      case SelectionOperator.Equals:
      case SelectionOperator.DoubleEquals: {
        const v = lookup(ls, this.key);
        return v !== undefined && this.values.includes(v);
      }
      case SelectionOperator.NotIn:
      case SelectionOperator.NotEquals: {
        const v = lookup(ls, this.key);
        return v === undefined || !this.values.includes(v);
      }
      case SelectionOperator.Exists:
        return hasLabel(ls, this.key);
      case SelectionOperator.DoesNotExist:
        return !hasLabel(ls, this.key);
      case SelectionOperator.GreaterThan:
      case SelectionOperator.LessThan: {
        const v = lookup(ls, this.key);
        if (v === undefined) return false;
        const lsValue = parseInt64(v);
        if (lsValue === undefined || this.values.length !== 1) return false;
        const rValue = parseInt64(this.values[0] ?? '');
        if (rValue === undefined) return false;
        return this.operator === SelectionOperator.GreaterThan
          ? lsValue > rValue
          : lsValue < rValue;
      }
    }
  }

  /** Values sorted (upstream Values() is a set; callers want a stable order). New array. */
  sortedValues(): string[] {
    return [...new Set(this.values)].sort(compareStrings);
  }

  /** Upstream Requirement.Equal: same key, operator and values in the same order. */
  equal(x: Requirement): boolean {
    return (
      this.key === x.key &&
      this.operator === x.operator &&
      this.values.length === x.values.length &&
      this.values.every((v, i) => v === x.values[i])
    );
  }

  /** Upstream String(): `key=v`, `key in (a,b)`, `!key`, `key>1`; multiple values sorted. */
  toString(): string {
    let s = this.operator === SelectionOperator.DoesNotExist ? '!' : '';
    s += this.key;
    switch (this.operator) {
      case SelectionOperator.Equals:
        s += '=';
        break;
      case SelectionOperator.DoubleEquals:
        s += '==';
        break;
      case SelectionOperator.NotEquals:
        s += '!=';
        break;
      case SelectionOperator.In:
        s += ' in ';
        break;
      case SelectionOperator.NotIn:
        s += ' notin ';
        break;
      case SelectionOperator.GreaterThan:
        s += '>';
        break;
      case SelectionOperator.LessThan:
        s += '<';
        break;
      case SelectionOperator.Exists:
      case SelectionOperator.DoesNotExist:
        return s;
    }
    const setBased =
      this.operator === SelectionOperator.In || this.operator === SelectionOperator.NotIn;
    if (setBased) s += '(';
    s +=
      this.values.length === 1
        ? (this.values[0] ?? '')
        : [...this.values].sort(compareStrings).join(',');
    if (setBased) s += ')';
    return s;
  }
}

/** Byte-wise (UTF-16 code unit) order, like Go's sort.Strings for the ASCII keys we accept. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds a validated requirement (upstream NewRequirement). `values === null` stands for a nil
 * Go slice (it only changes how an error prints). `path` prefixes field names in errors.
 * Throws {@link LabelSelectorError} whose message is the aggregate of all problems.
 */
export function newRequirement(
  key: string,
  op: string,
  values: readonly string[] | null,
  path?: string,
): Requirement {
  const errs = requirementErrors(key, op, values, path);
  if (errs.length > 0) throw new LabelSelectorError(toAggregateMessage(errs), errs);
  return new Requirement(key, op as SelectionOperator, values === null ? [] : [...values]);
}

function requirementErrors(
  key: string,
  op: string,
  values: readonly string[] | null,
  path: string | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  const vals = values ?? [];
  const keyErr = validateLabelKey(key, joinPath(path, 'key'));
  if (keyErr) errs.push(keyErr);
  const valuePath = joinPath(path, 'values');
  switch (op) {
    case SelectionOperator.In:
    case SelectionOperator.NotIn:
      if (vals.length === 0) {
        errs.push(
          new StringSliceFieldError(
            valuePath,
            values,
            "for 'in', 'notin' operators, values set can't be empty",
          ),
        );
      }
      break;
    case SelectionOperator.Equals:
    case SelectionOperator.DoubleEquals:
    case SelectionOperator.NotEquals:
      if (vals.length !== 1) {
        errs.push(
          new StringSliceFieldError(
            valuePath,
            values,
            'exact-match compatibility requires one single value',
          ),
        );
      }
      break;
    case SelectionOperator.Exists:
    case SelectionOperator.DoesNotExist:
      if (vals.length !== 0) {
        errs.push(
          new StringSliceFieldError(
            valuePath,
            values,
            'values set must be empty for exists and does not exist',
          ),
        );
      }
      break;
    case SelectionOperator.GreaterThan:
    case SelectionOperator.LessThan:
      if (vals.length !== 1) {
        errs.push(
          new StringSliceFieldError(
            valuePath,
            values,
            "for 'Gt', 'Lt' operators, exactly one value is required",
          ),
        );
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            new FieldError(
              ErrorType.Invalid,
              `${valuePath}[${i}]`,
              v,
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
    default: {
      const opPath = joinPath(path, 'operator');
      errs.push(notSupported(FieldPath.of(opPath), op, validRequirementOperators));
    }
  }
  vals.forEach((v, i) => {
    const e = validateLabelValue(key, v, `${valuePath}[${i}]`);
    if (e) errs.push(e);
  });
  return errs;
}

/** Result of {@link Selector.requirements}. */
export interface SelectorRequirements {
  /** The ANDed requirements, sorted by key; shared, do not mutate. */
  readonly requirements: readonly Requirement[];
  /** False only for {@link nothing}: it selects no object at all. */
  readonly selectable: boolean;
}

/**
 * A label selector (upstream labels.Selector). Immutable and safe to share between callers
 * (informers, the watch cache, the scheduler).
 */
export interface Selector {
  /** True when every requirement matches `labels`. */
  matches(labels: Labels): boolean;
  /** True when the selector does not restrict anything (matches everything). */
  empty(): boolean;
  /** The canonical string: requirements sorted by key, joined with `,`. */
  toString(): string;
  /** A new selector with `reqs` added, re-sorted by key. */
  add(...reqs: Requirement[]): Selector;
  /** The requirements for indexers and the scheduler. */
  requirements(): SelectorRequirements;
  /**
   * The single value a label must have (from `=`, `==` or a one-value `in`), or undefined when
   * the selector does not pin `label` to one value. Looks only at the first requirement on it.
   */
  requiresExactMatch(label: string): string | undefined;
}

class InternalSelector implements Selector {
  constructor(private readonly reqs: readonly Requirement[]) {}

  matches(labels: Labels): boolean {
    return this.reqs.every((r) => r.matches(labels));
  }

  empty(): boolean {
    return this.reqs.length === 0;
  }

  toString(): string {
    return this.reqs.map((r) => r.toString()).join(',');
  }

  add(...reqs: Requirement[]): Selector {
    return new InternalSelector(sortByKey([...this.reqs, ...reqs]));
  }

  requirements(): SelectorRequirements {
    return { requirements: this.reqs, selectable: true };
  }

  requiresExactMatch(label: string): string | undefined {
    for (const r of this.reqs) {
      if (r.key !== label) continue;
      if (
        (r.operator === SelectionOperator.Equals ||
          r.operator === SelectionOperator.DoubleEquals ||
          r.operator === SelectionOperator.In) &&
        r.values.length === 1
      ) {
        return r.values[0];
      }
      return undefined;
    }
    return undefined;
  }
}

class NothingSelector implements Selector {
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  toString(): string {
    return '';
  }
  add(): Selector {
    return this;
  }
  requirements(): SelectorRequirements {
    return { requirements: [], selectable: false };
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
}

function sortByKey(reqs: Requirement[]): Requirement[] {
  // Stable, so requirements on the same key keep their input order.
  return reqs.sort((a, b) => compareStrings(a.key, b.key));
}

const EVERYTHING: Selector = new InternalSelector([]);
const NOTHING: Selector = new NothingSelector();

/** The selector that matches all labels (shared instance). */
export function everything(): Selector {
  return EVERYTHING;
}

/** The selector that matches nothing; `toString()` is '' (shared instance). */
export function nothing(): Selector {
  return NOTHING;
}

/** True only for {@link nothing} (upstream MatchesNothing). */
export function matchesNothing(selector: Selector): boolean {
  return selector === NOTHING;
}

/**
 * A selector matching exactly the given set (upstream SelectorFromSet): one `=` requirement per
 * label, sorted by key. Does not validate; an empty or missing set is {@link everything}.
 */
export function selectorFromSet(set: Labels | undefined | null): Selector {
  if (set === undefined || set === null) return EVERYTHING;
  const keys = Object.keys(set);
  if (keys.length === 0) return EVERYTHING;
  return new InternalSelector(
    sortByKey(keys.map((k) => new Requirement(k, SelectionOperator.Equals, [set[k] ?? '']))),
  );
}

/** Like {@link selectorFromSet} but validates keys and values (upstream ValidatedSelectorFromSet). */
export function validatedSelectorFromSet(set: Labels | undefined | null): Selector {
  if (set === undefined || set === null) return EVERYTHING;
  const keys = Object.keys(set).sort(compareStrings);
  if (keys.length === 0) return EVERYTHING;
  return new InternalSelector(
    keys.map((k) => newRequirement(k, SelectionOperator.Equals, [set[k] ?? ''])),
  );
}

// ---- lexer -------------------------------------------------------------------------------

const enum Token {
  Error,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const string2token = new Map<string, Token>([
  [')', Token.ClosedPar],
  [',', Token.Comma],
  ['!', Token.DoesNotExist],
  ['==', Token.DoubleEquals],
  ['=', Token.Equals],
  ['>', Token.GreaterThan],
  ['in', Token.In],
  ['<', Token.LessThan],
  ['!=', Token.NotEquals],
  ['notin', Token.NotIn],
  ['(', Token.OpenPar],
]);

interface ScannedItem {
  tok: Token;
  literal: string;
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return '=!(),><'.includes(ch) && ch.length === 1;
}

// Upstream reads bytes and treats byte 0 as end of input; a NUL inside the string therefore
// ends it too. Reproduced so both sides accept the same strings.
const EOF = '\0';

class Lexer {
  private pos = 0;
  constructor(private readonly s: string) {}

  private read(): string {
    if (this.pos < this.s.length) {
      return this.s[this.pos++] ?? EOF;
    }
    return EOF;
  }

  private unread(): void {
    this.pos--;
  }

  private scanIDOrKeyword(): ScannedItem {
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === EOF) break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
    }
    const tok = string2token.get(buffer);
    return tok !== undefined
      ? { tok, literal: buffer }
      : { tok: Token.Identifier, literal: buffer };
  }

  private scanSpecialSymbol(): ScannedItem {
    let last: ScannedItem | undefined;
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === EOF) break;
      if (isSpecialSymbol(ch)) {
        buffer += ch;
        const tok = string2token.get(buffer);
        if (tok !== undefined) {
          last = { tok, literal: buffer };
        } else if (last !== undefined) {
          this.unread();
          break;
        }
      } else {
        this.unread();
        break;
      }
    }
    if (last === undefined) {
      return { tok: Token.Error, literal: `error expected: keyword found '${buffer}'` };
    }
    return last;
  }

  lex(): ScannedItem {
    let ch = this.read();
    while (isWhitespace(ch)) ch = this.read();
    if (ch === EOF) return { tok: Token.EndOfString, literal: '' };
    this.unread();
    return isSpecialSymbol(ch) ? this.scanSpecialSymbol() : this.scanIDOrKeyword();
  }
}

/** Tokens of a selector string, for tests of the lexer (upstream TestLexer tables). */
export function lexLabelSelector(s: string): { tok: string; literal: string }[] {
  const l = new Lexer(s);
  const out: { tok: string; literal: string }[] = [];
  for (;;) {
    const item = l.lex();
    if (item.tok === Token.EndOfString) return out;
    out.push({ tok: tokenName(item.tok), literal: item.literal });
    if (item.tok === Token.Error) return out;
  }
}

function tokenName(t: Token): string {
  const names = [
    'Error',
    'EndOfString',
    'ClosedPar',
    'Comma',
    'DoesNotExist',
    'DoubleEquals',
    'Equals',
    'GreaterThan',
    'Identifier',
    'In',
    'LessThan',
    'NotEquals',
    'NotIn',
    'OpenPar',
  ];
  return names[t] ?? 'Error';
}

// ---- parser ------------------------------------------------------------------------------

const enum Context {
  KeyAndOperator,
  Values,
}

class ParseError extends Error {}

class Parser {
  private readonly items: ScannedItem[] = [];
  private position = 0;

  constructor(
    s: string,
    private readonly path: string | undefined,
  ) {
    const l = new Lexer(s);
    for (;;) {
      const item = l.lex();
      this.items.push(item);
      if (item.tok === Token.EndOfString) break;
    }
  }

  private item(i: number): ScannedItem {
    return this.items[i] ?? { tok: Token.EndOfString, literal: '' };
  }

  private lookahead(context: Context): ScannedItem {
    return adjust(this.item(this.position), context);
  }

  private consume(context: Context): ScannedItem {
    this.position++;
    return adjust(this.item(this.position - 1), context);
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead(Context.Values);
      switch (tok) {
        case Token.Identifier:
        case Token.DoesNotExist: {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (err) {
            if (err instanceof ParseError || err instanceof LabelSelectorError) {
              const fieldErrors = err instanceof LabelSelectorError ? err.fieldErrors : [];
              throw new LabelSelectorError(
                `unable to parse requirement: ${err.message}`,
                fieldErrors,
              );
            }
            throw err;
          }
          requirements.push(r);
          const t = this.consume(Context.Values);
          switch (t.tok) {
            case Token.EndOfString:
              return requirements;
            case Token.Comma: {
              const t2 = this.lookahead(Context.Values);
              if (t2.tok !== Token.Identifier && t2.tok !== Token.DoesNotExist) {
                throw new LabelSelectorError(
                  `found '${t2.literal}', expected: identifier after ','`,
                );
              }
              break;
            }
            default:
              throw new LabelSelectorError(
                `found '${t.literal}', expected: ',' or 'end of string'`,
              );
          }
          break;
        }
        case Token.EndOfString:
          return requirements;
        default:
          throw new LabelSelectorError(
            `found '${literal}', expected: !, identifier, or 'end of string'`,
          );
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === SelectionOperator.Exists || operator === SelectionOperator.DoesNotExist) {
      return newRequirement(key, operator, [], this.path);
    }
    const op = this.parseOperator();
    let values: string[];
    if (op === SelectionOperator.In || op === SelectionOperator.NotIn) {
      values = this.parseValues();
    } else {
      values = this.parseExactValue();
    }
    // upstream passes sets.String.List(): de-duplicated and sorted
    return newRequirement(key, op, [...new Set(values)].sort(compareStrings), this.path);
  }

  private parseKeyAndInferOperator(): { key: string; operator: SelectionOperator | undefined } {
    let operator: SelectionOperator | undefined;
    let { tok, literal } = this.consume(Context.Values);
    if (tok === Token.DoesNotExist) {
      operator = SelectionOperator.DoesNotExist;
      ({ tok, literal } = this.consume(Context.Values));
    }
    if (tok !== Token.Identifier) {
      throw new ParseError(`found '${literal}', expected: identifier`);
    }
    // upstream validates against the parser's path, which is nil here: it prints as <nil>
    const keyErr = validateLabelKey(literal, this.path ?? '<nil>');
    if (keyErr) throw new LabelSelectorError(keyErr.error(), [keyErr]);
    const next = this.lookahead(Context.Values).tok;
    if (
      (next === Token.EndOfString || next === Token.Comma) &&
      operator !== SelectionOperator.DoesNotExist
    ) {
      operator = SelectionOperator.Exists;
    }
    return { key: literal, operator };
  }

  private parseOperator(): SelectionOperator {
    const { tok, literal } = this.consume(Context.KeyAndOperator);
    switch (tok) {
      case Token.In:
        return SelectionOperator.In;
      case Token.Equals:
        return SelectionOperator.Equals;
      case Token.DoubleEquals:
        return SelectionOperator.DoubleEquals;
      case Token.GreaterThan:
        return SelectionOperator.GreaterThan;
      case Token.LessThan:
        return SelectionOperator.LessThan;
      case Token.NotIn:
        return SelectionOperator.NotIn;
      case Token.NotEquals:
        return SelectionOperator.NotEquals;
      default:
        throw new ParseError(`found '${literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): string[] {
    let { tok, literal } = this.consume(Context.Values);
    if (tok !== Token.OpenPar) {
      throw new ParseError(`found '${literal}' expected: '('`);
    }
    ({ tok, literal } = this.lookahead(Context.Values));
    switch (tok) {
      case Token.Identifier:
      case Token.Comma: {
        const s = this.parseIdentifiersList();
        if (this.consume(Context.Values).tok !== Token.ClosedPar) {
          throw new ParseError(`found '${literal}', expected: ')'`);
        }
        return s;
      }
      case Token.ClosedPar:
        this.consume(Context.Values);
        return [''];
      default:
        throw new ParseError(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume(Context.Values);
      switch (tok) {
        case Token.Identifier: {
          s.add(literal);
          const next = this.lookahead(Context.Values);
          if (next.tok === Token.Comma) continue;
          if (next.tok === Token.ClosedPar) return [...s];
          throw new ParseError(`found '${next.literal}', expected: ',' or ')'`);
        }
        case Token.Comma: {
          // "(," "a,,b" and ",)" all contribute the empty value
          if (s.size === 0) s.add('');
          const next = this.lookahead(Context.Values).tok;
          if (next === Token.ClosedPar) {
            s.add('');
            return [...s];
          }
          if (next === Token.Comma) s.add('');
          break;
        }
        default:
          throw new ParseError(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead(Context.Values).tok;
    if (next === Token.EndOfString || next === Token.Comma) return [''];
    const { tok, literal } = this.consume(Context.Values);
    if (tok === Token.Identifier) return [literal];
    throw new ParseError(`found '${literal}', expected: identifier`);
  }
}

function adjust(item: ScannedItem, context: Context): ScannedItem {
  // 'in' and 'notin' are plain values inside a value list: `x in (in,notin)`.
  if (context === Context.Values && (item.tok === Token.In || item.tok === Token.NotIn)) {
    return { tok: Token.Identifier, literal: item.literal };
  }
  return item;
}

/**
 * Parses the label selector string syntax (upstream labels.Parse):
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, comma-separated.
 * Requirements are sorted by key. Throws {@link LabelSelectorError} with upstream's message.
 */
export function parseSelector(s: string): Selector {
  return new InternalSelector(parseToRequirements(s));
}

/** The sorted requirements of a selector string (upstream ParseToRequirements). New array. */
export function parseToRequirements(s: string): Requirement[] {
  return sortByKey(new Parser(s, undefined).parse());
}

/**
 * Converts the API's LabelSelector to a Selector (upstream metav1.LabelSelectorAsSelector):
 * undefined/null selects nothing, an empty selector selects everything, matchLabels become `=`
 * requirements and matchExpressions In/NotIn/Exists/DoesNotExist. Throws LabelSelectorError
 * for an unknown operator (`"Foo" is not a valid label selector operator`) or invalid keys and
 * values. matchLabels are checked in key order so the first error is deterministic.
 */
export function labelSelectorAsSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls === undefined || ls === null) return NOTHING;
  const matchLabels = ls.matchLabels ?? {};
  const labelKeys = Object.keys(matchLabels).sort(compareStrings);
  const expressions = ls.matchExpressions ?? [];
  if (labelKeys.length + expressions.length === 0) return EVERYTHING;
  const reqs: Requirement[] = [];
  for (const k of labelKeys) {
    reqs.push(newRequirement(k, SelectionOperator.Equals, [matchLabels[k] ?? '']));
  }
  for (const expr of expressions) {
    let op: SelectionOperator;
    switch (expr.operator) {
      case 'In':
        op = SelectionOperator.In;
        break;
      case 'NotIn':
        op = SelectionOperator.NotIn;
        break;
      case 'Exists':
        op = SelectionOperator.Exists;
        break;
      case 'DoesNotExist':
        op = SelectionOperator.DoesNotExist;
        break;
      default:
        throw new LabelSelectorError(
          `${goQuote(expr.operator)} is not a valid label selector operator`,
        );
    }
    // upstream copies with append([]string(nil), values...): empty becomes a nil slice
    const values = expr.values && expr.values.length > 0 ? expr.values : null;
    reqs.push(newRequirement(expr.key, op, values));
  }
  return new InternalSelector(sortByKey(reqs));
}

/**
 * Converts a LabelSelector to the selector string form (upstream LabelSelectorAsSelector +
 * String()); '' for both nil and empty, like upstream FormatLabelSelector's input.
 */
export function labelSelectorToString(ls: LabelSelector | undefined | null): string {
  return labelSelectorAsSelector(ls).toString();
}
