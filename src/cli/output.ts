// How commands print: with --json, one JSON document on stdout (lists as arrays, streams as
// one object per line), nothing else on stdout; without it, lines and aligned tables for a
// person. Notes about progress go to stderr either way, so stdout stays parseable.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** One compact JSON object per line, for streams (`listen --json`). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`)
}

export function note(line: string): void {
  process.stderr.write(`${line}\n`)
}

export type Column<T> = [header: string, value: (row: T) => string | number | boolean | null | undefined]

/** Rows as a table with a header, each column as wide as its widest cell. */
export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[], empty: string): void {
  if (rows.length === 0) {
    note(empty)
    return
  }
  const cells = rows.map((row) => columns.map(([, value]) => String(value(row) ?? '-')))
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((line) => (line[i] as string).length)))
  const format = (line: string[]) => line.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()
  printLine(format(columns.map(([header]) => header)))
  for (const line of cells) printLine(format(line))
}
