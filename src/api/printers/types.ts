/**
 * The shapes server-side printing produces: the column definitions and rows of a
 * meta.k8s.io/v1 `Table` (the API server adds `object` per row and the list metadata).
 */

/** One column of a Table (`metav1.TableColumnDefinition`); every field is always present. */
export interface ColumnDefinition {
  /** Human-readable column name, e.g. `Name`, `Ready`, `Cluster-IP`. */
  readonly name: string;
  /** OpenAPI type of the cells: `string`, `integer`, `number`, `boolean` or `date`. */
  readonly type: string;
  /** OpenAPI format hint (`name` for the object name column), `''` for none. */
  readonly format: string;
  /** What the column shows (usually the Go doc of the field it comes from). */
  readonly description: string;
  /** 0 for the default columns, 1 for the columns kubectl only shows with `-o wide`. */
  readonly priority: number;
}

/** A row condition (`metav1.TableRowCondition`), e.g. a completed pod. */
export interface TableRowCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

/**
 * One row: the cells in column order (strings, integers as JS numbers, booleans) and, for
 * pods that finished, the `Completed` row condition kubectl uses to grey them out.
 */
export interface TableRow {
  readonly cells: unknown[];
  readonly conditions?: readonly TableRowCondition[];
}

/** The printed part of a Table. */
export interface PrintedTable {
  /** Empty when `noHeaders` was asked for (upstream leaves them out). */
  readonly columnDefinitions: ColumnDefinition[];
  readonly rows: TableRow[];
}

/** What every print function gets: the clock reading for ages and whether to add wide cells. */
export interface PrintContext {
  readonly now: Date;
  readonly wide: boolean;
}
