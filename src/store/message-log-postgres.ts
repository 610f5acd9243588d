// The message log on PostgreSQL: one transaction per batch on a client of the pool Prisma uses,
// a fixed number of round trips whatever the batch size or the number of channels (arrays in,
// unnest out), and as few as the batch's steps allow (postgres-batch.ts): at 2,000 msg/s the
// round trips, not the database's work, were what a message waited for, and most of what the hub
// spent per batch. A batch on channels this hub wrote before is one round trip, checked under the
// lock against the rows as the hub left them (known-channels.ts). The batch's channel rows are
// locked first, in id order, so concurrent hubs reserve gapless seqs and never deadlock.
import type pg from 'pg'
import type { Cursor, MessageDraft, MessageLog, MessageRow, Outcome, Range } from './message-log.js'
import { cursorMoves, rangeParams, rangeSql } from './message-log.js'
import { ChannelCache } from './known-channels.js'
import { batchStatements, type BatchState } from './postgres-batch.js'
import { runAsync, writeBatch } from './write-pipeline.js'
import { utcColumn } from './driver-sql.js'

const CREATED_AT = utcColumn('postgresql', 'created_at')

export class PostgresMessageLog implements MessageLog {
  /** The names of the prepared reads, by their text (each connection prepares a name once, when it first runs it). */
  private readonly prepared = new Map<string, string>()
  /** The channels this hub's batches wrote, as they left them: the next batch on them takes one round trip. */
  private readonly known = new ChannelCache()

  constructor(private readonly pool: pg.Pool) {}

  write(drafts: MessageDraft[]): Promise<Outcome[]> {
    // The batch's first statement opens its transaction; the statement that stores it commits it.
    const state: BatchState = { committed: false }
    return this.transaction((client) => runAsync(writeBatch(batchStatements(client, state), drafts, this.known)), '', () => state.committed)
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
