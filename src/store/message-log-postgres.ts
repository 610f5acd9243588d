// The message log on PostgreSQL: one transaction per batch on a client of the pool Prisma uses,
// a fixed number of round trips whatever the batch size or the number of channels (arrays in,
// unnest out). The batch's channel rows are locked first, in id order, so concurrent hubs
// reserve gapless seqs and never deadlock.
import type pg from 'pg'
import {
  INSERT_COLUMNS,
  cursorSql,
  rangeParams,
  rangeSql,
  type Cursor,
  type MessageDraft,
  type MessageLog,
  type MessageRow,
  type Outcome,
  type Range,
} from './message-log.js'
import { CHANNEL_COLUMNS, plan, reservations, retryKeys, settle, type ChannelRow } from './write-batch.js'

export class PostgresMessageLog implements MessageLog {
  constructor(private readonly pool: pg.Pool) {}

  write(drafts: MessageDraft[]): Promise<Outcome[]> {
    return this.transaction((client) => this.run(client, drafts))
  }

  async range(channelId: string, range: Range): Promise<MessageRow[]> {
    const sql = rangeSql(range, "created_at AT TIME ZONE 'UTC'")
    return (await this.pool.query<MessageRow>(sql, rangeParams(channelId, range))).rows
  }

  saveCursors(cursors: Cursor[]): Promise<void> {
    return this.transaction(async (client) => {
      // In channel order, like the writer, so that the two never wait on each other in a circle.
      for (const { channelId, role, seq } of [...cursors].sort((a, b) => a.channelId.localeCompare(b.channelId))) {
        await client.query(cursorSql(role), [seq, channelId])
      }
    })
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  private async run(client: pg.PoolClient, drafts: MessageDraft[]): Promise<Outcome[]> {
    const ids = [...new Set(drafts.map((d) => d.channelId))]
    const channelRows = await client.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
      [ids],
    )
    const channels = new Map(channelRows.rows.map((row) => [row.id, row]))
    const keys = retryKeys(drafts, channels)
    const stored = keys.length
      ? (
          await client.query<MessageRow>(
            `SELECT id, channel_id, seq, sender_id, content, metadata, client_msg_id, created_at AT TIME ZONE 'UTC' AS created_at
             FROM messages WHERE (channel_id, sender_id, client_msg_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
            [keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2])],
          )
        ).rows
      : []
    const planned = plan(drafts, channels, stored)
    const order = reservations(drafts, channels, planned)
    const reserved = new Map<string, number | null>(order.map(({ channelId }) => [channelId, null]))
    if (order.length > 0) {
      // SET reads the row as it was: c.last_seq is the seq before this batch's first.
      const result = await client.query<{ id: string; last_seq: number }>(
        `UPDATE channels AS c SET last_seq = c.last_seq + v.n,
           provider_sent_seq = CASE WHEN v.provider_last > 0 THEN c.last_seq + v.provider_last ELSE c.provider_sent_seq END,
           consumer_sent_seq = CASE WHEN v.consumer_last > 0 THEN c.last_seq + v.consumer_last ELSE c.consumer_sent_seq END
         FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) AS v(id, n, provider_last, consumer_last)
         WHERE c.id = v.id AND c.status = 'active' RETURNING c.id, c.last_seq`,
        [order.map((r) => r.channelId), order.map((r) => r.count), order.map((r) => r.providerLast), order.map((r) => r.consumerLast)],
      )
      for (const row of result.rows) reserved.set(row.id, row.last_seq)
    }
    const { rows, outcomes } = settle(drafts, channels, planned, reserved, new Date())
    if (rows.length > 0) {
      const column = <K extends keyof MessageRow>(key: K) => rows.map((row) => row[key])
      await client.query(
        `INSERT INTO messages ${INSERT_COLUMNS}
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamp[])`,
        [
          column('id'),
          column('channel_id'),
          column('seq'),
          column('sender_id'),
          column('content'),
          column('metadata'),
          column('client_msg_id'),
          column('created_at').map((date) => date.toISOString()),
        ],
      )
    }
    return outcomes
  }
}
