/**
 * Server-side printing of built-in resources (kubectl's `Table` responses): {@link tableFor}
 * plus the duration helpers kubectl's ages use.
 */
export { tableFor, hasPrinter, DEFAULT_TABLE_COLUMNS, formatRFC3339 } from './table.ts';
export type { PrintOptions } from './table.ts';
export type { ColumnDefinition, PrintedTable, TableRow, TableRowCondition } from './types.ts';
export { humanDuration, shortHumanDuration } from './duration.ts';
