// The message log on SQLite: a second better-sqlite3 connection to the hub's file whose whole
// transaction runs synchronously (BEGIN IMMEDIATE … COMMIT in one call), so it never holds the
// write lock across an await and cannot deadlock with Prisma's connection. When the file is
// busy (another process writing) it retries later instead of blocking the event loop.
import Database from 'better-sqlite3'
import { stamp } from './driver-sql.js'
import type { Cursor, MessageDraft, MessageLog, MessageRow, Outcome, Range } from './message-log.js'
import { INSERT_COLUMNS, cursorMoves, rangeParams, rangeSql } from './message-log.js'
import { CHANNEL_COLUMNS, type ChannelRow } from './write-batch.js'
import { runSync, writeBatch, type BatchStatements } from './write-pipeline.js'

// SET reads the row as it was: last_seq is the seq before this batch's first.
const RESERVE_SQL = `UPDATE channels SET last_seq = last_seq + @count,
  provider_sent_seq = CASE WHEN @providerLast > 0 THEN last_seq + @providerLast ELSE provider_sent_seq END,
  consumer_sent_seq = CASE WHEN @consumerLast > 0 THEN last_seq + @consumerLast ELSE consumer_sent_seq END
  WHERE id = @channelId AND status = 'active'`
const CURSORS_SQL = `UPDATE channels SET provider_delivered_seq = MAX(provider_delivered_seq, @provider),
  consumer_delivered_seq = MAX(consumer_delivered_seq, @consumer)
  WHERE id = @channelId AND (provider_delivered_seq < @provider OR consumer_delivered_seq < @consumer)`
/**
 * How every connection to the file runs (the log's and Prisma's). synchronous = FULL: an ack
 * promises the message survives a crash of the machine. A commit that leaves the WAL past
 * wal_autocheckpoint pages checkpoints it, on the event loop: SQLite's 1,000 came every ~140
 * batches at 2,000 msg/s, each writing ~215 pages into the file, mostly the same hot pages (index
 * leaves, channel rows) again; at 10,000 (40 MiB) a checkpoint comes ten times less often and the
 * file takes 3.7× fewer pages per message. journal_size_limit truncates a WAL that grew past that
 * (its checkpoints held up by readers) once it starts over.
 */
export const CONNECTION_PRAGMAS = ['synchronous = FULL', 'wal_autocheckpoint = 10000', `journal_size_limit = ${64 * 1024 * 1024}`]
const INSERT_CHUNK = 100
const BUSY_RETRY_MS = 2
const BUSY_GIVE_UP_MS = 10_000

type StoredRow = Omit<MessageRow, 'created_at'> & { created_at: string }

export class SqliteMessageLog implements MessageLog {
  private readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  /** Prepared reads answering arrays (readTuples): a few, of fixed text. */
  private readonly tupleStatements = new Map<string, Database.Statement>()
  private readonly batch: BatchStatements
  /** BEGIN IMMEDIATE … COMMIT around any work, made once (better-sqlite3 builds four wrappers a call). */
  private readonly transaction: Database.Transaction<(work: () => unknown) => unknown>

  constructor(file: string) {
    this.db = new Database(file, { timeout: 0 })
    for (const pragma of CONNECTION_PRAGMAS) this.db.pragma(pragma)
    this.batch = this.batchStatements()
    this.transaction = this.db.transaction((work: () => unknown) => work())
  }

  write(drafts: MessageDraft[]): Promise<Outcome[]> {
    return this.immediately(() => runSync(writeBatch(this.batch, drafts)))
  }

  range(channelId: string, range: Range): Promise<MessageRow[]> {
    const rows = this.statement(rangeSql(range, 'created_at').replace(/\$\d/g, '?')).all(...rangeParams(channelId, range)) as StoredRow[]
    return Promise.resolve(rows.map(withDate))
  }

  read<T>(sql: string, params: unknown[]): Promise<T[]> {
    return Promise.resolve(this.statement(sql, true).all(...params) as T[])
  }

  readTuples<T extends unknown[]>(sql: string, params: unknown[]): Promise<T[]> {
    let statement = this.tupleStatements.get(sql)
    if (!statement) this.tupleStatements.set(sql, (statement = this.db.prepare(sql.replace(/\$\d+/g, '?')).raw(true)))
    return Promise.resolve(statement.all(...params) as T[])
  }

  /**
   * Committed without an fsync of its own: the next batch's fsync (or checkpoint) makes it
   * durable, and a cursor lost in a crash only makes the hub send a message again.
   */
  saveCursors(cursors: Cursor[]): Promise<void> {
    const save = this.statement(CURSORS_SQL)
    return this.immediately(() => {
      for (const move of cursorMoves(cursors)) save.run(move)
    }, false)
  }

  close(): Promise<void> {
    this.db.close()
    return Promise.resolve()
  }

  /**
   * Runs work in one BEGIN IMMEDIATE transaction, retrying later while the file is busy. Not
   * `durable`, it commits without an fsync (synchronous = NORMAL for that commit alone: the
   * connection is FULL again before anything else can run on it).
   */
  private async immediately<T>(work: () => T, durable = true): Promise<T> {
    const started = Date.now()
    for (;;) {
      try {
        if (durable) return this.transaction.immediate(work) as T
        this.db.pragma('synchronous = NORMAL')
        try {
          return this.transaction.immediate(work) as T
        } finally {
          this.db.pragma('synchronous = FULL')
        }
      } catch (error) {
        const busy = (error as { code?: string }).code === 'SQLITE_BUSY'
        if (!busy || Date.now() - started > BUSY_GIVE_UP_MS) throw error
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS))
      }
    }
  }

  /** A batch's statements, each answering at once inside the immediate transaction. */
  private batchStatements(): BatchStatements {
    return {
      // BEGIN IMMEDIATE already holds the database's write lock: a plain read is enough.
      lockChannels: (ids, retries) => ({
        channels: this.statement(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id IN (${marks(ids.length, 1)})`).all(...ids) as ChannelRow[],
        stored:
          retries.length === 0
            ? []
            : (this.statement(`SELECT * FROM messages WHERE (channel_id, sender_id, client_msg_id) IN (VALUES ${marks(retries.length, 3)})`).all(
                ...retries.flat(),
              ) as StoredRow[]).map(withDate),
      }),
      store: (order, rows) => {
        const reserve = this.statement(RESERVE_SQL)
        let moved = 0
        for (const reservation of order) moved += reserve.run(reservation).changes
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          const chunk = rows.slice(i, i + INSERT_CHUNK)
          this.statement(`INSERT INTO messages ${INSERT_COLUMNS} VALUES ${marks(chunk.length, 8)}`).run(
            ...chunk.flatMap((r) => [r.id, r.channel_id, r.seq, r.sender_id, r.content, r.metadata, r.client_msg_id, stamp('sqlite', r.created_at)]),
          )
        }
        return moved
      },
    }
  }

  /** The prepared statement of this SQL (with `numbered`, its $1… placeholders read as ?), cached by its text. */
  private statement(sql: string, numbered = false): Database.Statement {
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(numbered ? sql.replace(/\$\d+/g, '?') : sql)
      if (this.statements.size < 500) this.statements.set(sql, statement)
    }
    return statement
  }
}

/** `(?,?),(?,?)…`: `rows` groups of `width` placeholders (a bare list when width is 1). */
function marks(rows: number, width: number): string {
  const group = width === 1 ? '?' : `(${Array.from({ length: width }, () => '?').join(',')})`
  return Array.from({ length: rows }, () => group).join(',')
}

const withDate = (row: StoredRow): MessageRow => ({ ...row, created_at: new Date(row.created_at) })
