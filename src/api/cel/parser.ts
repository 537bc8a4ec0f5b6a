/**
 * Lexer and recursive-descent parser for the CEL grammar (google/cel-spec langdef.md), with
 * cel-go's macro expansion and its error display (`ERROR: <input>:L:C: msg` plus a caret line),
 * so compile errors read like the Go API server's.
 */
import type { BinaryOp, Expr, MacroKind } from './ast.ts';
import { ArrayList, CelUint, INT64_MAX, UINT64_MAX } from './values.ts';

/** One compile problem at a source offset. */
export interface CelIssue {
  readonly pos: number;
  readonly message: string;
}

/** Thrown by the parser and checker; `issues` are sorted by position. */
export class CelCompileError extends Error {
  override readonly name = 'CelCompileError';
  constructor(
    readonly source: string,
    readonly issues: readonly CelIssue[],
  ) {
    super(formatIssues(source, issues));
  }
}

/**
 * Renders issues exactly as cel-go's `Issues.String()`: one block per issue, joined by
 * newlines: `ERROR: <input>:line:col: message`, the source line, and a caret under the column.
 */
export function formatIssues(source: string, issues: readonly CelIssue[]): string {
  const sorted = [...issues].sort((a, b) => a.pos - b.pos);
  return sorted.map((i) => formatIssue(source, i)).join('\n');
}

function formatIssue(source: string, issue: CelIssue): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < issue.pos && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  // Columns count code points, as cel-go's runes.
  const col = Array.from(source.slice(lineStart, issue.pos)).length;
  let end = source.indexOf('\n', lineStart);
  if (end < 0) end = source.length;
  const snippet = source.slice(lineStart, end).replace(/\t/g, ' ');
  return (
    `ERROR: <input>:${line}:${col + 1}: ${issue.message}\n | ${snippet}\n | ` +
    '.'.repeat(col) +
    '^'
  );
}

type TokKind = 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'ident' | 'punct' | 'eof';

interface Token {
  readonly kind: TokKind;
  /** Source text as ANTLR would echo it in messages. */
  readonly text: string;
  readonly pos: number;
  /** Decoded literal value for literal tokens. */
  readonly value?: string | bigint | number | Uint8Array;
}

/** Words CEL reserves: not usable as identifiers (and escaped in Kubernetes property names). */
export const RESERVED_IDENTIFIERS: ReadonlySet<string> = new Set([
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

const PUNCT3 = ['...'];
const PUNCT2 = ['==', '!=', '<=', '>=', '&&', '||', '.?', '[?'];
const PUNCT1 = '+-*/%<>!?:.,()[]{}';

/** The lexer's view of the tokens a primary expression may start with (ANTLR's message). */
const EXPECT_PRIMARY =
  "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";

class SyntaxFail extends Error {
  constructor(readonly issue: CelIssue) {
    super(issue.message);
  }
}

function fail(pos: number, message: string): never {
  throw new SyntaxFail({ pos, message });
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && (c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c);
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    // String and bytes literals with optional r/b prefixes (`r'..'`, `b".."`, `rb'..'`).
    const prefix = stringPrefix(src, i);
    if (prefix !== undefined) {
      const tok = lexString(src, start, i + prefix.length, prefix.raw, prefix.bytes);
      out.push(tok);
      i = start + tok.text.length;
      continue;
    }
    if (isIdentStart(c)) {
      let e = i + 1;
      while (e < n && isIdentPart(src[e])) e++;
      out.push({ kind: 'ident', text: src.slice(i, e), pos: i });
      i = e;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1]))) {
      const tok = lexNumber(src, i);
      out.push(tok);
      i += tok.text.length;
      continue;
    }
    const three = src.slice(i, i + 3);
    if (PUNCT3.includes(three)) {
      fail(i, `Syntax error: token recognition error at: '${three}'`);
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      out.push({ kind: 'punct', text: two, pos: i });
      i += 2;
      continue;
    }
    if (c !== undefined && PUNCT1.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '=' || c === '&' || c === '|') {
      fail(i, `Syntax error: token recognition error at: '${c}'`);
    }
    const ch = String.fromCodePoint(src.codePointAt(i) ?? 0);
    fail(i, `Syntax error: token recognition error at: '${ch}'`);
  }
  out.push({ kind: 'eof', text: '<EOF>', pos: n });
  return out;
}

/** The r/b prefix of a string literal starting at `i`, or undefined when none starts there. */
function stringPrefix(
  src: string,
  i: number,
): { length: number; raw: boolean; bytes: boolean } | undefined {
  let raw = false;
  let bytes = false;
  let j = i;
  while (j - i < 2) {
    const c = src[j];
    if ((c === 'r' || c === 'R') && !raw) raw = true;
    else if ((c === 'b' || c === 'B') && !bytes) bytes = true;
    else break;
    j++;
  }
  const q = src[j];
  if (q !== '"' && q !== "'") return undefined;
  return { length: j - i, raw, bytes };
}

function lexNumber(src: string, i: number): Token {
  const n = src.length;
  let e = i;
  if (src[i] === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X') && isHex(src[i + 2])) {
    e = i + 2;
    while (e < n && isHex(src[e])) e++;
    const digits = src.slice(i + 2, e);
    if (src[e] === 'u' || src[e] === 'U') {
      const v = BigInt('0x' + digits);
      if (v > UINT64_MAX) fail(i, 'invalid uint literal');
      return { kind: 'uint', text: src.slice(i, e + 1), pos: i, value: v };
    }
    const v = BigInt('0x' + digits);
    return { kind: 'int', text: src.slice(i, e), pos: i, value: v };
  }
  while (e < n && isDigit(src[e])) e++;
  let isFloat = false;
  if (src[e] === '.' && isDigit(src[e + 1])) {
    isFloat = true;
    e++;
    while (e < n && isDigit(src[e])) e++;
  }
  if (
    (src[e] === 'e' || src[e] === 'E') &&
    (isDigit(src[e + 1]) || (/[+-]/.test(src[e + 1] ?? '') && isDigit(src[e + 2])))
  ) {
    isFloat = true;
    e += 2;
    while (e < n && isDigit(src[e])) e++;
  }
  const text = src.slice(i, e);
  if (isFloat) return { kind: 'double', text, pos: i, value: Number(text) };
  if (src[e] === 'u' || src[e] === 'U') {
    const v = BigInt(text);
    if (v > UINT64_MAX) fail(i, 'invalid uint literal');
    return { kind: 'uint', text: src.slice(i, e + 1), pos: i, value: v };
  }
  return { kind: 'int', text, pos: i, value: BigInt(text) };
}

const SIMPLE_ESC: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  "'": 39,
  '"': 34,
  '`': 96,
  '?': 63,
};

/** Lexes a quoted literal; `q` is the offset of the opening quote after any prefix. */
function lexString(src: string, start: number, q: number, raw: boolean, bytes: boolean): Token {
  const quote = src[q] ?? '"';
  const triple = src.slice(q, q + 3) === quote.repeat(3);
  const delim = triple ? quote.repeat(3) : quote;
  let i = q + delim.length;
  // Collected as code points (strings) or byte values (bytes) so \x and octal escapes mean
  // bytes in b'' literals and code points in strings, as the spec says.
  const cps: number[] = [];
  const unterminated = (): never =>
    fail(start, `Syntax error: token recognition error at: '${src.slice(start)}'`);
  for (;;) {
    if (i >= src.length) unterminated();
    if (src.startsWith(delim, i)) {
      i += delim.length;
      break;
    }
    const c = src[i];
    if (!triple && (c === '\n' || c === '\r')) unterminated();
    if (c === '\\' && !raw) {
      const d = src[i + 1];
      if (d === undefined) unterminated();
      const simple = SIMPLE_ESC[d ?? ''];
      if (simple !== undefined) {
        cps.push(simple);
        i += 2;
        continue;
      }
      if (d === 'x' || d === 'X') {
        const h = src.slice(i + 2, i + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) fail(start, 'Syntax error: invalid escape sequence');
        cps.push(parseInt(h, 16));
        i += 4;
        continue;
      }
      if (d === 'u' || d === 'U') {
        const len = d === 'u' ? 4 : 8;
        const h = src.slice(i + 2, i + 2 + len);
        if (bytes || !new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) {
          fail(start, 'Syntax error: invalid escape sequence');
        }
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
          fail(start, 'Syntax error: invalid unicode code point');
        }
        cps.push(cp);
        i += 2 + len;
        continue;
      }
      if (d !== undefined && d >= '0' && d <= '3') {
        const o = src.slice(i + 1, i + 4);
        if (!/^[0-3][0-7][0-7]$/.test(o)) fail(start, 'Syntax error: invalid escape sequence');
        cps.push(parseInt(o, 8));
        i += 4;
        continue;
      }
      fail(start, 'Syntax error: invalid escape sequence');
    }
    const cp = src.codePointAt(i) ?? 0;
    if (bytes) {
      for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) cps.push(b);
    } else {
      cps.push(cp);
    }
    i += cp > 0xffff ? 2 : 1;
  }
  const text = src.slice(start, i);
  if (bytes) return { kind: 'bytes', text, pos: start, value: Uint8Array.from(cps) };
  let s = '';
  for (const cp of cps) s += String.fromCodePoint(cp);
  return { kind: 'string', text, pos: start, value: s };
}

const MACROS: ReadonlySet<string> = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

class Parser {
  private p = 0;
  /** Recursion guard: cel-go limits nesting (max recursion depth 250 by default). */
  private depth = 0;
  constructor(private readonly toks: readonly Token[]) {}

  private peek(): Token {
    const t = this.toks[this.p] ?? this.toks[this.toks.length - 1];
    if (t === undefined) throw new Error('empty token stream');
    return t;
  }
  private next(): Token {
    const t = this.peek();
    if (this.p < this.toks.length - 1) this.p++;
    return t;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }
  private accept(text: string): boolean {
    if (this.isPunct(text)) {
      this.next();
      return true;
    }
    return false;
  }
  private expect(text: string, expecting: string): Token {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === text) return this.next();
    fail(t.pos, `Syntax error: mismatched input '${t.text}' expecting ${expecting}`);
  }

  parseTop(): Expr {
    const e = this.expr();
    const t = this.peek();
    if (t.kind !== 'eof') {
      fail(t.pos, `Syntax error: mismatched input '${t.text}' expecting <EOF>`);
    }
    return e;
  }

  private expr(): Expr {
    if (++this.depth > 250) fail(this.peek().pos, 'expression recursion limit exceeded: 250');
    try {
      const cond = this.orExpr();
      if (this.isPunct('?')) {
        const q = this.next();
        const then = this.orExpr();
        this.expect(':', "':'");
        const otherwise = this.expr();
        return { k: 'cond', pos: q.pos, cond, then, otherwise };
      }
      return cond;
    } finally {
      this.depth--;
    }
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.isPunct('||')) {
      const op = this.next();
      const right = this.andExpr();
      left = { k: 'or', pos: op.pos, left, right };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.relation();
    while (this.isPunct('&&')) {
      const op = this.next();
      const right = this.relation();
      left = { k: 'and', pos: op.pos, left, right };
    }
    return left;
  }

  private relation(): Expr {
    let left = this.addition();
    for (;;) {
      const t = this.peek();
      let op: BinaryOp | undefined;
      if (t.kind === 'punct' && ['<', '<=', '>', '>=', '==', '!='].includes(t.text)) {
        op = t.text as BinaryOp;
      } else if (t.kind === 'ident' && t.text === 'in') {
        op = 'in';
      }
      if (op === undefined) return left;
      this.next();
      const right = this.addition();
      left = { k: 'binary', pos: t.pos, op, left, right };
    }
  }

  private addition(): Expr {
    let left = this.multiplication();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.text !== '+' && t.text !== '-')) return left;
      this.next();
      const right = this.multiplication();
      left = { k: 'binary', pos: t.pos, op: t.text, left, right };
    }
  }

  private multiplication(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.text !== '*' && t.text !== '/' && t.text !== '%')) return left;
      this.next();
      const right = this.unary();
      left = { k: 'binary', pos: t.pos, op: t.text, left, right };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '!') {
      this.next();
      const operand = this.unary();
      return { k: 'not', pos: t.pos, operand };
    }
    if (t.kind === 'punct' && t.text === '-') {
      this.next();
      const lit = this.peek();
      // A negated literal is a literal, so -9223372036854775808 is representable.
      if ((lit.kind === 'int' || lit.kind === 'double') && !this.isMemberFollowing(1)) {
        this.next();
        if (lit.kind === 'int') {
          const v = -(lit.value as bigint);
          if (v < -(INT64_MAX + 1n)) fail(t.pos, 'invalid int literal');
          return this.member({ k: 'lit', pos: t.pos, value: v });
        }
        return this.member({ k: 'lit', pos: t.pos, value: -(lit.value as number) });
      }
      const operand = this.unary();
      return { k: 'neg', pos: t.pos, operand };
    }
    return this.member(this.primary());
  }

  /** True when the token `ahead` positions away starts a member suffix (`.`, `[`). */
  private isMemberFollowing(ahead: number): boolean {
    const t = this.toks[this.p + ahead];
    return (
      t !== undefined &&
      t.kind === 'punct' &&
      (t.text === '.' || t.text === '[' || t.text === '.?' || t.text === '[?')
    );
  }

  private member(start: Expr): Expr {
    let e = start;
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      if (t.text === '.' || t.text === '.?') {
        this.next();
        const id = this.peek();
        if (id.kind !== 'ident') {
          fail(id.pos, `Syntax error: no viable alternative at input '.${id.text}'`);
        }
        this.next();
        // Reserved words are fine as field names (`request.namespace`): cel-go checks them only
        // where they would be identifiers.
        if (t.text === '.' && this.isPunct('(')) {
          this.next();
          const args = this.exprList(')');
          e = this.makeCall(id.pos, id.text, e, args);
          continue;
        }
        e = { k: 'select', pos: t.pos, operand: e, field: id.text, optional: t.text === '.?' };
        continue;
      }
      if (t.text === '[' || t.text === '[?') {
        this.next();
        const index = this.expr();
        this.expect(']', "']'");
        e = { k: 'index', pos: t.pos, operand: e, index, optional: t.text === '[?' };
        continue;
      }
      return e;
    }
  }

  private exprList(close: string): Expr[] {
    const args: Expr[] = [];
    if (this.accept(close)) return args;
    for (;;) {
      args.push(this.expr());
      if (this.accept(',')) continue;
      this.expect(close, `{'${close}', ','}`);
      return args;
    }
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int': {
        this.next();
        const v = t.value as bigint;
        if (v > INT64_MAX) fail(t.pos, 'invalid int literal');
        return { k: 'lit', pos: t.pos, value: v };
      }
      case 'uint':
        this.next();
        return { k: 'lit', pos: t.pos, value: new CelUint(t.value as bigint) };
      case 'double':
        this.next();
        return { k: 'lit', pos: t.pos, value: t.value as number };
      case 'string':
        this.next();
        return { k: 'lit', pos: t.pos, value: t.value as string };
      case 'bytes':
        this.next();
        return { k: 'lit', pos: t.pos, value: t.value as Uint8Array };
      case 'ident':
        return this.identOrCall();
      case 'punct':
        break;
      case 'eof':
        fail(t.pos, `Syntax error: mismatched input '<EOF>' expecting ${EXPECT_PRIMARY}`);
    }
    if (t.text === '(') {
      this.next();
      const e = this.expr();
      this.expect(')', "')'");
      return e;
    }
    if (t.text === '[' || t.text === '[?') {
      this.next();
      const elems: Expr[] = [];
      const optional: boolean[] = [];
      // The lexer reads `[?` as one token (for `x[?i]`); here it opens a list whose first
      // element is optional.
      let firstOptional = t.text === '[?';
      while (firstOptional || !this.isPunct(']')) {
        const opt = firstOptional || this.accept('?');
        firstOptional = false;
        elems.push(this.expr());
        optional.push(opt);
        if (!this.accept(',')) break;
      }
      this.expect(']', "{']', ','}");
      return { k: 'list', pos: t.pos, elems, optional };
    }
    if (t.text === '{') {
      this.next();
      const entries: { key: Expr; value: Expr; optional: boolean }[] = [];
      while (!this.isPunct('}')) {
        const opt = this.accept('?');
        const key = this.expr();
        this.expect(':', "':'");
        const value = this.expr();
        entries.push({ key, value, optional: opt });
        if (!this.accept(',')) break;
      }
      this.expect('}', "{'}', ','}");
      return { k: 'map', pos: t.pos, entries };
    }
    if (t.text === '.') {
      // A leading dot names the root scope: `.self` is `self`.
      this.next();
      const id = this.peek();
      if (id.kind !== 'ident')
        fail(id.pos, `Syntax error: no viable alternative at input '.${id.text}'`);
      return this.identOrCall();
    }
    fail(t.pos, `Syntax error: mismatched input '${t.text}' expecting ${EXPECT_PRIMARY}`);
  }

  private identOrCall(): Expr {
    const t = this.next();
    switch (t.text) {
      case 'true':
        return { k: 'lit', pos: t.pos, value: true };
      case 'false':
        return { k: 'lit', pos: t.pos, value: false };
      case 'null':
        return { k: 'lit', pos: t.pos, value: null };
      case 'in':
        fail(t.pos, `Syntax error: mismatched input 'in' expecting ${EXPECT_PRIMARY}`);
    }
    if (RESERVED_IDENTIFIERS.has(t.text)) fail(t.pos, `reserved identifier: ${t.text}`);
    if (this.isPunct('(')) {
      this.next();
      const args = this.exprList(')');
      return this.makeCall(t.pos, t.text, undefined, args);
    }
    if (this.isPunct('{')) {
      fail(this.peek().pos, 'Syntax error: message construction is not supported');
    }
    return { k: 'ident', pos: t.pos, name: t.text };
  }

  /** Builds a call, expanding macros as cel-go's default macros do. */
  private makeCall(pos: number, fn: string, target: Expr | undefined, args: Expr[]): Expr {
    if (target === undefined && fn === 'has' && args.length === 1) {
      const a = args[0];
      if (a === undefined) fail(pos, 'invalid argument to has() macro');
      if (a.k !== 'select' || a.optional) fail(a.pos, 'invalid argument to has() macro');
      return { k: 'has', pos, operand: a.operand, field: a.field };
    }
    if (target !== undefined && MACROS.has(fn)) {
      const macro = fn as MacroKind;
      const arity = args.length;
      const ok = macro === 'map' ? arity === 2 || arity === 3 : arity === 2;
      if (ok) {
        const v = args[0];
        if (v === undefined) fail(pos, 'argument must be a simple name');
        if (v.k !== 'ident') fail(v.pos, 'argument must be a simple name');
        if (v.name === '__result__')
          fail(v.pos, 'iteration variable overwrites accumulator variable');
        if (macro === 'map') {
          return arity === 3
            ? {
                k: 'comp',
                pos,
                macro,
                range: target,
                iterVar: v.name,
                pred: args[1],
                transform: args[2],
              }
            : {
                k: 'comp',
                pos,
                macro,
                range: target,
                iterVar: v.name,
                pred: undefined,
                transform: args[1],
              };
        }
        return {
          k: 'comp',
          pos,
          macro,
          range: target,
          iterVar: v.name,
          pred: args[1],
          transform: undefined,
        };
      }
    }
    return { k: 'call', pos, fn, target, args };
  }
}

/**
 * Parses CEL source into an AST. Throws {@link CelCompileError} with cel-go-style issues on
 * syntax errors; the input size is capped like Kubernetes' (the caller bounds rule length).
 */
export function parse(source: string): Expr {
  try {
    const toks = tokenize(source);
    return new Parser(toks).parseTop();
  } catch (e) {
    if (e instanceof SyntaxFail) throw new CelCompileError(source, [e.issue]);
    throw e;
  }
}

/** An empty list literal shared by evaluations (never mutated). */
export const EMPTY_LIST = new ArrayList([]);
