// A batch's statements on PostgreSQL, on one pooled client: simple queries whose values go in as
// escaped literals, so that each step is one round trip. The transaction opens in the round trip
// that locks the channels and looks up retries (after the lock, so a retry racing another hub
// finds its original committed); the seqs are reserved, the rows inserted and the transaction
// committed in the other. A batch on channels whose rows this process knows takes one round trip:
// lock, check the rows and the retries under the lock, reserve, insert and commit.
import type pg from 'pg'
import { INSERT_COLUMNS, type MessageRow } from './message-log.js'
import { CHANNEL_COLUMNS, type ChannelRow, type Reservation, type RetryKey } from './write-batch.js'
import type { BatchStatements } from './write-pipeline.js'
import { utcColumn } from './driver-sql.js'

const CREATED_AT = utcColumn('postgresql', 'created_at')

/** Where the batch's transaction stands: committed once its last statement has run. */
export interface BatchState {
  committed: boolean
}

export const batchStatements = (client: pg.PoolClient, state: BatchState): BatchStatements => ({
  lockChannels: async (ids, retries) => {
    const lookup = retries.length === 0 ? '' : `; SELECT id, channel_id, seq, sender_id, content, metadata, client_msg_id, ${CREATED_AT} FROM messages WHERE ${retried(retries)}`
    const results = (await client.query(
      `BEGIN; SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id IN (${ids.map(literal).join(', ')}) ORDER BY id FOR UPDATE${lookup}`,
    )) as unknown as [pg.QueryResult, pg.QueryResult<ChannelRow>, pg.QueryResult<MessageRow>?]
    return { channels: results[1].rows, stored: results[2]?.rows ?? [] }
  },

  store: async (order, rows) => {
    const results = (await client.query(`WITH ${reserveAndInsert(order, rows)} ${moved(order)}; COMMIT`)) as unknown as pg.QueryResult<{ moved: number }>[]
    state.committed = true
    return results[0]?.rows[0]?.moved ?? 0
  },

  storeKnown: async (order, rows, known, retries) => {
    const was = (key: 'lastSeq' | 'providerSentSeq' | 'consumerSentSeq') => ints(order.map((r) => (known.get(r.channelId) as ChannelRow)[key]))
    const none = retries.length === 0 ? '' : ` AND NOT EXISTS (SELECT 1 FROM messages WHERE ${retried(retries)})`
    // The rows are locked in id order (as every writer locks them) before the statement that
    // checks them, which therefore sees whatever committed before the lock, retries included. A
    // failed check changes nothing (its transaction commits only the locks, then released), and
    // fails no statement: a retry after a reconnect is no error in the server's log.
    const ok = `known AS (
      SELECT count(*) = ${order.length}${none} AS ok FROM channels AS c,
        unnest(${texts(order.map((r) => r.channelId))}, ${was('lastSeq')}, ${was('providerSentSeq')}, ${was('consumerSentSeq')}) AS w(id, last_seq, provider, consumer)
      WHERE c.id = w.id AND c.status = 'active' AND c.last_seq = w.last_seq AND c.provider_sent_seq = w.provider AND c.consumer_sent_seq = w.consumer)`
    const results = (await client.query(
      `BEGIN; SELECT id FROM channels WHERE id IN (${order.map((r) => literal(r.channelId)).join(', ')}) ORDER BY id FOR UPDATE;
       WITH ${ok}, ${reserveAndInsert(order, rows, '(SELECT ok FROM known)')} ${moved(order, '(SELECT ok FROM known)')}; COMMIT`,
    )) as unknown as pg.QueryResult<{ moved: number }>[]
    const stored = results[2]?.rows[0]?.moved === order.length
    state.committed = stored
    return stored
  },
})

/**
 * The CTEs that reserve each channel's seqs and insert the rows, if `only` holds. SET reads the
 * row as it was: c.last_seq is the seq before this batch's first.
 */
function reserveAndInsert(order: Reservation[], rows: MessageRow[], only = 'true'): string {
  const column = <K extends keyof MessageRow>(key: K) => rows.map((row) => row[key])
  const counts = (key: 'count' | 'providerLast' | 'consumerLast') => ints(order.map((r) => r[key]))
  return `reserved AS (
      UPDATE channels AS c SET last_seq = c.last_seq + v.n,
        provider_sent_seq = CASE WHEN v.provider_last > 0 THEN c.last_seq + v.provider_last ELSE c.provider_sent_seq END,
        consumer_sent_seq = CASE WHEN v.consumer_last > 0 THEN c.last_seq + v.consumer_last ELSE c.consumer_sent_seq END
      FROM unnest(${texts(order.map((r) => r.channelId))}, ${counts('count')}, ${counts('providerLast')}, ${counts('consumerLast')}) AS v(id, n, provider_last, consumer_last)
      WHERE c.id = v.id AND c.status = 'active' AND ${only} RETURNING c.id),
    inserted AS (
      INSERT INTO messages ${INSERT_COLUMNS}
      SELECT * FROM unnest(${texts(column('id'))}, ${texts(column('channel_id'))}, ${ints(column('seq'))}, ${texts(column('sender_id'))},
        ${texts(column('content'))}, ${texts(column('metadata'))}, ${texts(column('client_msg_id'))},
        ${texts(column('created_at').map((date) => date.toISOString()))}::timestamp[]) WHERE ${only})`
}

/**
 * How many channels the reservation moved (0 if `only` did not hold). A count other than the
 * batch's is cast to int, which fails the statement, so that its COMMIT never runs (an expression
 * of the count: a constant would be cast, and fail, as the statement is planned).
 */
const moved = (order: Reservation[], only = 'true'): string =>
  `SELECT CASE WHEN NOT ${only} THEN 0 WHEN count(*) = ${order.length} THEN count(*)::int
     ELSE CAST(${order.length} - count(*) || ' of the batch''s channels changed under their lock' AS int) END AS moved FROM reserved`

/** The stored messages these retries would repeat. */
const retried = (retries: RetryKey[]): string =>
  `(channel_id, sender_id, client_msg_id) IN (VALUES ${retries.map((key) => `(${key.map(literal).join(', ')})`).join(', ')})`

/**
 * A value as an SQL literal (NULL for null): what pg's escapeLiteral returns, made with two
 * replaceAll calls instead of one character at a time, a tenth of its time on a message.
 */
export function literal(value: string | null): string {
  if (value === null) return 'NULL'
  const quoted = value.replaceAll("'", "''")
  return value.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`
}
const texts = (values: (string | null)[]): string => `ARRAY[${values.map(literal).join(', ')}]::text[]`
/** Integers the batch computed (seqs, counts): never text from a client. */
const ints = (values: number[]): string => `ARRAY[${values.map((n) => String(Math.trunc(n))).join(', ')}]::int[]`
