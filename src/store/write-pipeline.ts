// One group-commit transaction step by step, written once for both databases: read (and lock)
// the batch's channels and look up its retried client_msg_ids, one step; plan and settle
// (write-batch.ts); then reserve each channel's seqs and insert the rows, one step (each a single
// round trip where the database allows it). The message logs supply only the SQL of each step and the transaction
// around it. SQLite runs a batch synchronously inside one BEGIN IMMEDIATE (it must
// never hold the write lock across an await), Postgres asynchronously on one pooled client: so
// the pipeline is a generator that hands each statement's result back through `yield`, and
// runSync or runAsync drives it.
import type { MessageDraft, MessageRow, Outcome } from './message-log.js'
import { plan, reservations, retryKeys, settle, type ChannelRow, type Reservation, type RetryKey } from './write-batch.js'

/** A statement's result: at once (better-sqlite3) or later (pg). */
export type Result<T> = T | Promise<T>

/** The statements of one batch, in one database's SQL. */
export interface BatchStatements {
  /**
   * The batch's channels, locked until the transaction ends where the database locks rows, and
   * then the stored messages these retries repeat (none asked when `retries` is empty).
   */
  lockChannels(ids: string[], retries: RetryKey[]): Result<{ channels: ChannelRow[]; stored: MessageRow[] }>
  /**
   * Reserves each channel's seqs (moving last_seq and the seq each party last sent, where still
   * active) and inserts the rows; how many channels it moved.
   */
  store(reservations: Reservation[], rows: MessageRow[]): Result<number>
}

/** The statements' results go in through next(); the outcome comes out as the return value. */
export type Pipeline<T> = Generator<Result<unknown>, T, never>

/** Stores a batch: one outcome per draft, in order. */
export function* writeBatch(sql: BatchStatements, drafts: MessageDraft[]): Pipeline<Outcome[]> {
  const ids = [...new Set(drafts.map((draft) => draft.channelId))]
  const read = yield* result(sql.lockChannels(ids, retryKeys(drafts)))
  const channels = new Map(read.channels.map((row) => [row.id, row]))
  const planned = plan(drafts, channels, read.stored)
  const { rows, outcomes } = settle(drafts, channels, planned, new Date())
  if (rows.length === 0) return outcomes
  const order = reservations(drafts, channels, planned)
  // The channels were read under their lock: none can have ended, or moved on, since.
  const moved = yield* result(sql.store(order, rows))
  if (moved !== order.length) throw new Error(`${order.length - moved} of the batch's channels changed under their lock`)
  return outcomes
}

/** Waits, inside a pipeline, for one statement's result. */
function* result<T>(value: Result<T>): Generator<Result<T>, T, T> {
  return yield value
}

/** Drives a pipeline whose statements answer at once (the caller's transaction stays synchronous). */
export function runSync<T>(pipeline: Pipeline<T>): T {
  let step = pipeline.next()
  while (!step.done) {
    if (step.value instanceof Promise) throw new Error('a synchronous statement returned a promise')
    step = pipeline.next(step.value as never)
  }
  return step.value
}

/** Drives a pipeline whose statements answer asynchronously. */
export async function runAsync<T>(pipeline: Pipeline<T>): Promise<T> {
  let step = pipeline.next()
  while (!step.done) step = pipeline.next((await step.value) as never)
  return step.value
}
