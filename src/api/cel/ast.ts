/**
 * The CEL abstract syntax tree produced by the parser. Every node carries `pos`, the UTF-16
 * offset of its first character in the source, so runtime and checker errors can point at it.
 * Macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`) are expanded by the parser into
 * dedicated nodes, as cel-go does, so the evaluator never sees them as calls.
 */
import type { CelValue } from './values.ts';

/** Binary operators, named by their source form. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';

/** The comprehension macros. */
export type MacroKind = 'all' | 'exists' | 'exists_one' | 'map' | 'filter';

/** One CEL expression node. */
export type Expr =
  | { readonly k: 'lit'; readonly pos: number; readonly value: CelValue }
  | { readonly k: 'ident'; readonly pos: number; readonly name: string }
  | {
      readonly k: 'select';
      readonly pos: number;
      readonly operand: Expr;
      readonly field: string;
      /** `.?field`: yields an optional instead of failing on absence. */
      readonly optional: boolean;
    }
  | { readonly k: 'has'; readonly pos: number; readonly operand: Expr; readonly field: string }
  | {
      readonly k: 'index';
      readonly pos: number;
      readonly operand: Expr;
      readonly index: Expr;
      readonly optional: boolean;
    }
  | {
      readonly k: 'call';
      readonly pos: number;
      readonly fn: string;
      readonly target: Expr | undefined;
      readonly args: readonly Expr[];
    }
  | {
      readonly k: 'list';
      readonly pos: number;
      readonly elems: readonly Expr[];
      /** Indexes of `?elem` entries, which are skipped when the optional is empty. */
      readonly optional: readonly boolean[];
    }
  | {
      readonly k: 'map';
      readonly pos: number;
      readonly entries: readonly {
        readonly key: Expr;
        readonly value: Expr;
        readonly optional: boolean;
      }[];
    }
  | { readonly k: 'and' | 'or'; readonly pos: number; readonly left: Expr; readonly right: Expr }
  | { readonly k: 'not' | 'neg'; readonly pos: number; readonly operand: Expr }
  | {
      readonly k: 'binary';
      readonly pos: number;
      readonly op: BinaryOp;
      readonly left: Expr;
      readonly right: Expr;
    }
  | {
      readonly k: 'cond';
      readonly pos: number;
      readonly cond: Expr;
      readonly then: Expr;
      readonly otherwise: Expr;
    }
  | {
      readonly k: 'comp';
      readonly pos: number;
      readonly macro: MacroKind;
      readonly range: Expr;
      readonly iterVar: string;
      /** The predicate (all/exists/exists_one/filter) or, for 3-argument map, the filter. */
      readonly pred: Expr | undefined;
      /** The transform of map; undefined for the other macros. */
      readonly transform: Expr | undefined;
    };
