// The pieces of SQL that statements on the driver (past the ORM) share across the two databases:
// placeholders, timestamps written as text, and timestamps read back as the UTC they are.
import type { Provider } from './database-url.js'

/** `$first, $first+1, …`: `count` placeholders (MessageLog.read takes $n on both databases). */
export const placeholders = (count: number, first = 1): string => Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ')

/** The last timestamp stamp() wrote: a batch's rows share one, and stamp it once each. */
const last = { provider: '' as Provider | '', ms: NaN, text: '' }

/** A timestamp as each database's column takes it from text (UTC, as Prisma writes them). */
export function stamp(provider: Provider, date: Date): string {
  const ms = date.getTime()
  if (ms !== last.ms || provider !== last.provider) {
    last.provider = provider
    last.ms = ms
    last.text = provider === 'sqlite' ? date.toISOString().replace('Z', '+00:00') : date.toISOString()
  }
  return last.text
}

/** Parameter n of a raw statement (`$executeRawUnsafe`), as text or, if `time`, as a timestamp: Postgres reads ISO text as one only when told to. */
export const param = (provider: Provider, n: number, time = false): string => (provider === 'sqlite' ? '?' : time ? `$${n}::timestamp(3)` : `$${n}`)

/** A timestamp column read as UTC (Postgres keeps them without a zone), under its own name. */
export const utcColumn = (provider: Provider, column: string): string => (provider === 'sqlite' ? column : `${column} AT TIME ZONE 'UTC' AS ${column}`)

/**
 * A timestamp column read as the text the JSON carries (Date.toISOString's form), under its own
 * name, without a Date in between: Postgres writes it so (to_char), SQLite turns the zone of what
 * stamp() wrote into a Z (two strings fewer a row than isoTimestamp's slice and append, which
 * then passes it as it is) and returns any other text as stored, for isoTimestamp.
 */
export const isoColumn = (provider: Provider, column: string): string =>
  provider === 'sqlite'
    ? `CASE WHEN substr(${column}, -6) = '+00:00' THEN substr(${column}, 1, length(${column}) - 6) || 'Z' ELSE ${column} END AS ${column}`
    : `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`

/** What stamp() writes (…+00:00) or isoColumn reads on Postgres (…Z): UTC to the millisecond. */
const UTC_TEXT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|\+00:00)$/

/** An isoColumn's value as Date.toISOString writes it; text in any other form goes through a Date, as before. */
export const isoTimestamp = (text: string): string =>
  UTC_TEXT.test(text) ? (text.length === 24 ? text : `${text.slice(0, 23)}Z`) : new Date(text).toISOString()
