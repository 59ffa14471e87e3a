// Tables for people (cli-table3), without colours, so what a terminal shows is what a pipe gets.
import Table from 'cli-table3';

export type Cell = string | number | undefined;

// Compact: no rule between rows, so a long attempt log stays readable.
const PLAIN = { head: [] as string[], border: [] as string[], compact: true };

/** Rows under a header line. */
export function listTable(head: string[], rows: Cell[][]): string {
  const table = new Table({ head, style: PLAIN });
  for (const row of rows) table.push(row.map((cell) => cell ?? ''));
  return table.toString();
}

/** Field names down the left, values on the right; fields without a value are left out. */
export function detailTable(fields: Array<[string, Cell]>): string {
  const table = new Table({ style: PLAIN });
  for (const [name, value] of fields) {
    if (value !== undefined && value !== '') table.push({ [name]: value });
  }
  return table.toString();
}
