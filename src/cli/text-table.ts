/**
 * A plain text table for people, like `gh` and `docker` print them: a header row in capitals, columns
 * two spaces apart, no trailing spaces.
 */

/** The table as lines, each ending with a newline. `rows` hold cells in the order of `headers`. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  return all.map((row) => `${row.map((cell, i) => (cell ?? "").padEnd(widths[i])).join("  ").trimEnd()}\n`).join("");
}
