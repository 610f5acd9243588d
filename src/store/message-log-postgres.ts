// The message log on PostgreSQL: one transaction per batch on a client of the pool Prisma uses,
// a fixed number of round trips whatever the batch size or the number of channels (arrays in,
// unnest out), and as few as the batch's steps allow: at 2,000 msg/s the round trips, not the
// database's work, were what a message waited for, and most of what the hub spent per batch. The
// batch's channel rows are locked first, in id order, so concurrent hubs reserve gapless seqs and
// never deadlock.
import type pg from 'pg'
import type { Cursor, MessageDraft, MessageLog, MessageRow, Outcome, Range } from './message-log.js'
import { INSERT_COLUMNS, cursorMoves, rangeParams, rangeSql } from './message-log.js'
import { CHANNEL_COLUMNS, type ChannelRow } from './write-batch.js'
import { runAsync, writeBatch, type BatchStatements } from './write-pipeline.js'
import { utcColumn } from './driver-sql.js'

const CREATED_AT = utcColumn('postgresql', 'created_at')

export class PostgresMessageLog implements MessageLog {
  /** The names of the prepared reads, by their text (each connection prepares a name once, when it first runs it). */
  private readonly prepared = new Map<string, string>()

  constructor(private readonly pool: pg.Pool) {}

  write(drafts: MessageDraft[]): Promise<Outcome[]> {
    // The batch's first statement opens its transaction; the statement that stores it commits it.
    const state = { committed: false }
    return this.transaction((client) => runAsync(writeBatch(statements(client, state), drafts)), '', () => state.committed)
  }

  async range(channelId: string, range: Range): Promise<MessageRow[]> {
    return (await this.pool.query<MessageRow>(rangeSql(range, CREATED_AT), rangeParams(channelId, range))).rows
  }

  async read<T>(sql: string, params: unknown[], prepared = false): Promise<T[]> {
    if (!prepared) return (await this.pool.query(sql, params)).rows as T[]
    return (await this.pool.query({ name: this.nameOf(sql), text: sql, values: params })).rows as T[]
  }

  async readTuples<T extends unknown[]>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.pool.query<T>({ name: this.nameOf(sql), text: sql, values: params, rowMode: 'array' })).rows
  }

  /**
   * One statement, committed without waiting for the WAL to reach the disk (a cursor lost in a
   * crash only makes the hub send a message again): a flush holds the channel rows it moves for
   * a round trip, never through an fsync, so that the writer's batches barely wait for it. Rows
   * are locked in id order, like the writer's, so that the two never wait on each other in a circle.
   */
  saveCursors(cursors: Cursor[]): Promise<void> {
    const moves = cursorMoves(cursors)
    return this.transaction(async (client) => {
      await client.query(
        `WITH locked AS MATERIALIZED (SELECT id FROM channels WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE)
         UPDATE channels AS c SET provider_delivered_seq = GREATEST(c.provider_delivered_seq, v.provider),
           consumer_delivered_seq = GREATEST(c.consumer_delivered_seq, v.consumer)
         FROM unnest($1::text[], $2::int[], $3::int[]) AS v(id, provider, consumer) JOIN locked ON locked.id = v.id
         WHERE c.id = v.id AND (c.provider_delivered_seq < v.provider OR c.consumer_delivered_seq < v.consumer)`,
        [moves.map((m) => m.channelId), moves.map((m) => m.provider), moves.map((m) => m.consumer)],
      )
    }, 'BEGIN; SET LOCAL synchronous_commit TO OFF')
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  /** The name of a prepared read, given on its first use. */
  private nameOf(sql: string): string {
    let name = this.prepared.get(sql)
    if (name === undefined) this.prepared.set(sql, (name = `hub_read_${this.prepared.size + 1}`))
    return name
  }

  /**
   * Runs work in one transaction on a pooled client; `begin` opens it (with its settings, in the
   * same round trip), or (empty) the work's first statement does; it commits after the work,
   * unless the work's last statement has (`committed`).
   */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN', committed = () => false): Promise<T> {
    const client = await this.pool.connect()
    // A connection whose ROLLBACK fails is broken (or its server gone): the pool drops it.
    let broken: Error | undefined
    try {
      if (begin) await client.query(begin)
      const result = await work(client)
      if (!committed()) await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback))
      throw error
    } finally {
      client.release(broken)
    }
  }
}

/**
 * A batch's statements on one client: two round trips, as simple queries whose values go in as
 * escaped literals. The transaction opens in the same round trip as the lock and the look-up of
 * retries (after the lock, so a retry racing another hub finds its original committed); the seqs
 * are reserved, the rows inserted and the transaction committed in the other. A reservation that
 * moves fewer channels than were locked fails its statement, so that the COMMIT after it never runs.
 */
const statements = (client: pg.PoolClient, state: { committed: boolean }): BatchStatements => ({
  lockChannels: async (ids, retries) => {
    const lookup =
      retries.length === 0
        ? ''
        : `; SELECT id, channel_id, seq, sender_id, content, metadata, client_msg_id, ${CREATED_AT} FROM messages
          WHERE (channel_id, sender_id, client_msg_id) IN (VALUES ${retries.map((key) => `(${key.map(literal).join(', ')})`).join(', ')})`
    const results = (await client.query(
      `BEGIN; SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id IN (${ids.map(literal).join(', ')}) ORDER BY id FOR UPDATE${lookup}`,
    )) as unknown as [pg.QueryResult, pg.QueryResult<ChannelRow>, pg.QueryResult<MessageRow>?]
    return { channels: results[1].rows, stored: results[2]?.rows ?? [] }
  },

  store: async (order, rows) => {
    const column = <K extends keyof MessageRow>(key: K) => rows.map((row) => row[key])
    const counts = (key: 'count' | 'providerLast' | 'consumerLast') => ints(order.map((r) => r[key]))
    // SET reads the row as it was: c.last_seq is the seq before this batch's first. A count
    // other than the batch's is cast to int, which fails the statement with what happened.
    const results = (await client.query(
      `WITH reserved AS (
         UPDATE channels AS c SET last_seq = c.last_seq + v.n,
           provider_sent_seq = CASE WHEN v.provider_last > 0 THEN c.last_seq + v.provider_last ELSE c.provider_sent_seq END,
           consumer_sent_seq = CASE WHEN v.consumer_last > 0 THEN c.last_seq + v.consumer_last ELSE c.consumer_sent_seq END
         FROM unnest(${texts(order.map((r) => r.channelId))}, ${counts('count')}, ${counts('providerLast')}, ${counts('consumerLast')}) AS v(id, n, provider_last, consumer_last)
         WHERE c.id = v.id AND c.status = 'active' RETURNING c.id),
       inserted AS (
         INSERT INTO messages ${INSERT_COLUMNS}
         SELECT * FROM unnest(${texts(column('id'))}, ${texts(column('channel_id'))}, ${ints(column('seq'))}, ${texts(column('sender_id'))},
           ${texts(column('content'))}, ${texts(column('metadata'))}, ${texts(column('client_msg_id'))},
           ${texts(column('created_at').map((date) => date.toISOString()))}::timestamp[]))
       SELECT CASE WHEN count(*) = ${order.length} THEN count(*)::int
         ELSE CAST(${order.length} - count(*) || ' of the batch''s channels changed under their lock' AS int) END AS moved FROM reserved;
       COMMIT`,
    )) as unknown as pg.QueryResult<{ moved: number }>[]
    state.committed = true
    return results[0]?.rows[0]?.moved ?? 0
  },
})

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
