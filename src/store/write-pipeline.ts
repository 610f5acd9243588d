// One group-commit transaction step by step, written once for both databases: read (and lock)
// the batch's channels and look up its retried client_msg_ids, one step; plan and settle
// (write-batch.ts); then reserve each channel's seqs and insert the rows, one step (each a single
// round trip where the database allows it). Where a log knows the channels' rows from its own
// earlier batches (PostgreSQL), the batch is planned on them and stored in one step that checks
// them, and that no retry was stored, under the lock; when the check fails, nothing is stored and
// the two steps follow. The message logs supply only the SQL of each step and the transaction
// around it. SQLite runs a batch synchronously inside one BEGIN IMMEDIATE (it must
// never hold the write lock across an await), Postgres asynchronously on one pooled client: so
// the pipeline is a generator that hands each statement's result back through `yield`, and
// runSync or runAsync drives it.
import type { MessageDraft, MessageRow, Outcome } from './message-log.js'
import { advanced, plan, reservations, retryKeys, settle, type ChannelRow, type Reservation, type RetryKey } from './write-batch.js'

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
  /**
   * Where every channel's row is known: in one step, locks the reserved channels, checks under
   * the lock that each row is as known and that none of the retries was stored, then reserves
   * and inserts as store() does. False, with nothing stored, when a check fails.
   */
  storeKnown?(reservations: Reservation[], rows: MessageRow[], known: Map<string, ChannelRow>, retries: RetryKey[]): Result<boolean>
}

/** Channel rows as this process's batches left them, trusted by a batch only as far as its lock confirms. */
export interface KnownChannels {
  /** The rows of all these channels, if every one is known (and was active). */
  rows(ids: string[]): Map<string, ChannelRow> | undefined
  /** A batch stored (its store step commits): each reserved channel as it left it. */
  committed(rows: ChannelRow[]): void
  /** Found under the lock not as known (another instance wrote to them, or they ended). */
  stale(ids: string[]): void
}

/** The statements' results go in through next(); the outcome comes out as the return value. */
export type Pipeline<T> = Generator<Result<unknown>, T, never>

/** Stores a batch: one outcome per draft, in order. */
export function* writeBatch(sql: BatchStatements, drafts: MessageDraft[], known?: KnownChannels): Pipeline<Outcome[]> {
  const ids = [...new Set(drafts.map((draft) => draft.channelId))]
  const retries = retryKeys(drafts)
  const cached = known?.rows(ids)
  if (known && cached && sql.storeKnown) {
    // Planned on the rows as known and as if no retry had been stored: storeKnown checks both.
    const planned = plan(drafts, cached, [])
    const { rows, outcomes } = settle(drafts, cached, planned, new Date())
    const order = reservations(drafts, cached, planned)
    // (A batch that stores nothing is rare enough to take the two steps.)
    if (rows.length > 0) {
      if (yield* result(sql.storeKnown(order, rows, cached, retries))) {
        known.committed(advanced(cached, order))
        return outcomes
      }
    }
  }
  const read = yield* result(sql.lockChannels(ids, retries))
  const channels = new Map(read.channels.map((row) => [row.id, row]))
  // The check failed on the rows that moved (not on a retry): those are not trusted for a while.
  if (cached) known?.stale(ids.filter((id) => !sameSeqs(cached.get(id), channels.get(id))))
  const planned = plan(drafts, channels, read.stored)
  const { rows, outcomes } = settle(drafts, channels, planned, new Date())
  if (rows.length === 0) return outcomes
  const order = reservations(drafts, channels, planned)
  // The channels were read under their lock: none can have ended, or moved on, since.
  const moved = yield* result(sql.store(order, rows))
  if (moved !== order.length) throw new Error(`${order.length - moved} of the batch's channels changed under their lock`)
  known?.committed(advanced(channels, order))
  return outcomes
}

const sameSeqs = (known: ChannelRow | undefined, row: ChannelRow | undefined): boolean =>
  known !== undefined &&
  row !== undefined &&
  known.status === row.status &&
  known.lastSeq === row.lastSeq &&
  known.providerSentSeq === row.providerSentSeq &&
  known.consumerSentSeq === row.consumerSentSeq

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
