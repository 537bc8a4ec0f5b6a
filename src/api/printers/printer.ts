/** The contract of one resource's printer (upstream TableHandler registration). */
import type { ColumnDefinition, PrintContext, TableRow } from './types.ts';

/**
 * Columns plus the function that renders one object into a row. `print` receives the object as
 * the wire JSON of the printer's kind (read-only: it must not modify it) and returns the cells
 * of every column when `ctx.wide`, or only those of the priority-0 columns otherwise.
 */
export interface Printer<T> {
  readonly columns: readonly ColumnDefinition[];
  readonly print: (obj: T, ctx: PrintContext) => TableRow;
}

/** A printer of any kind, so printers of different kinds share one registry. */
export type AnyPrinter = Printer<never>;

/** Declares a printer with its object type checked. */
export function printer<T>(
  columns: readonly ColumnDefinition[],
  print: (obj: T, ctx: PrintContext) => TableRow,
): Printer<T> {
  return { columns, print };
}
