// The pieces of SQL that statements on the driver (past the ORM) share across the two databases:
// placeholders, timestamps written as text, and timestamps read back as the UTC they are.
import type { Provider } from './database-url.js'

/** `$first, $first+1, …`: `count` placeholders (MessageLog.read takes $n on both databases). */
export const placeholders = (count: number, first = 1): string => Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ')

/** A timestamp as each database's column takes it from text (UTC, as Prisma writes them). */
export const stamp = (provider: Provider, date: Date): string =>
  provider === 'sqlite' ? date.toISOString().replace('Z', '+00:00') : date.toISOString()

/** Parameter n of a raw statement (`$executeRawUnsafe`), as text or, if `time`, as a timestamp: Postgres reads ISO text as one only when told to. */
export const param = (provider: Provider, n: number, time = false): string => (provider === 'sqlite' ? '?' : time ? `$${n}::timestamp(3)` : `$${n}`)

/** A timestamp column read as UTC (Postgres keeps them without a zone), under its own name. */
export const utcColumn = (provider: Provider, column: string): string => (provider === 'sqlite' ? column : `${column} AT TIME ZONE 'UTC' AS ${column}`)
