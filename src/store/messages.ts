// Reading stored messages: history pages by seq cursor (saying where history starts once older
// messages were removed), and the backlog an agent was not sent.
// Both are hot paths, read in raw SQL through the message log.
import { HISTORY_MAX_BYTES, type HistoryPageInfo, type MessageInfo } from '../protocol/shapes.js'
import { Limiter } from '../lib/limiter.js'
import type { Provider } from './database-url.js'
import { isoColumn, isoTimestamp } from './driver-sql.js'
import { messageOf, rangeClause, rangeParams, toMessage, type MessageLog, type Range } from './message-log.js'
import { boundsColumns, firstSeqOf, MessageRetention, type Bounds } from './retention.js'

/** What a row adds to a page, besides its text: ids, seq, timestamp and the JSON around them. */
const ROW_OVERHEAD = 256
/**
 * Messages up to this size come with the page's first read; larger ones are read once it is
 * known which fit. A first read holds at most a page limit of them: about HISTORY_MAX_BYTES.
 */
const INLINE_BYTES = 2048
/**
 * Pages whose larger messages are being read at once. On PostgreSQL the rows arrive, are parsed
 * and serialised outside any turn of the loop (lib/turns.ts): a few at a time, their work cannot
 * pile up in one turn.
 */
const LARGE_READS_AT_ONCE = 2

/**
 * Each message of a range with its stored size, and its text if small (both databases take a
 * value's size from its header, without reading it), leaving out what `notFrom` sent; with
 * `bounds` (history pages on PostgreSQL), where the channel's history starts too (evaluated
 * once): a round trip less. On SQLite a statement of its own for that costs less than two more
 * values on every row. One statement of fixed text per shape and database, prepared. (The
 * channel's id is the one asked for: not read again on every row.)
 */
function sizedRange(provider: Provider, channelId: string, range: Range, bounds: boolean): { sql: string; params: unknown[] } {
  const bytes = 'octet_length(content) + COALESCE(octet_length(metadata), 0)'
  const small = (column: string) => `CASE WHEN ${bytes} <= ${INLINE_BYTES} THEN ${column} END AS ${column}`
  // Parameters in order of appearance (as SQLite takes them): the bounds' two, then the range's.
  const sql = `SELECT id, seq, sender_id, client_msg_id, ${isoColumn(provider, 'created_at')}, ${bytes} AS bytes, ${small('content')}, ${small('metadata')}${bounds ? `, ${boundsColumns(1)}` : ''}
    ${rangeClause(range, bounds ? 3 : 1)}`
  const params = rangeParams(channelId, { ...range, limit: range.limit + 1 })
  return { sql, params: bounds ? [channelId, channelId, ...params] : params }
}

/**
 * A row of the first read as the driver answers it, its columns in the statement's order (read
 * as arrays: the drivers' row objects cost more than the query): the text is null when the
 * message is larger than INLINE_BYTES; the timestamp as text (isoColumn); on PostgreSQL, the
 * channel's bounds, on every row.
 */
type SizedTuple = [string, number, string, string | null, string, number | string, string | null, string | null, Bounds['first']?, Bounds['last']?]
const [SEQ, BYTES, CONTENT, FIRST, LAST] = [1, 5, 6, 8, 9] as const

/** The message of a row of the first read that brought its text. */
function inlineMessage(channelId: string, [id, seq, sender_id, client_msg_id, created_at, , content, metadata]: SizedTuple): MessageInfo {
  return messageOf({ id, channel_id: channelId, seq, sender_id, content: content as string, metadata, client_msg_id }, isoTimestamp(created_at))
}

function serialisable(message: MessageInfo): boolean {
  if (message.metadata === undefined) return true
  try {
    JSON.stringify(message.metadata)
    return true
  } catch {
    return false
  }
}

/** What one sized read brought: the messages that fit, oldest first, and where the range stands. */
interface Fitting {
  messages: MessageInfo[]
  /** The range goes on after `through`. */
  more: boolean
  /** The last seq the read covered (undefined: it found none). */
  through: number | undefined
  /** Where the channel's history starts, when the read brought it. */
  bounds?: Bounds | undefined
}

export interface HistoryQuery {
  limit: number
  before_seq?: number | undefined
  after_seq?: number | undefined
}

export class MessageStore {
  readonly retention: MessageRetention
  private readonly largeReads = new Limiter(LARGE_READS_AT_ONCE)

  constructor(
    private readonly log: MessageLog,
    private readonly provider: Provider,
  ) {
    this.retention = new MessageRetention(log)
  }

  /**
   * One page of history, oldest first. With after_seq the page starts just after it and reads
   * forward; otherwise it ends just before before_seq (or at the newest message) and reads back.
   * It stops at HISTORY_MAX_BYTES (has_more then says so), so that large messages cannot make a
   * page, or the memory and time it takes, unbounded. A stored message that cannot be serialised
   * is left out.
   */
  async page(channelId: string, query: HistoryQuery): Promise<HistoryPageInfo> {
    const { limit, before_seq: beforeSeq, after_seq: afterSeq } = query
    const range = { afterSeq, beforeSeq, limit, descending: afterSeq === undefined }
    const { messages, more, bounds } = await this.fitting(channelId, range, this.provider === 'postgresql')
    return this.finish(channelId, messages.every(serialisable) ? messages : messages.filter(serialisable), more, bounds)
  }

  /**
   * The messages of a range that fit in HISTORY_MAX_BYTES (always one), oldest first, and
   * whether more of the range follow: the first read brings every message's size and the text
   * of the small ones; the text of larger ones is read only for those that fit.
   */
  private async fitting(channelId: string, range: Range, withBounds = false): Promise<Fitting> {
    const { sql, params } = sizedRange(this.provider, channelId, range, withBounds)
    const sized = await this.log.readTuples<SizedTuple>(sql, params)
    let bytes = 0
    let taken = 0
    let inline = 0
    for (const row of sized) {
      if (taken === range.limit) break
      bytes += ROW_OVERHEAD + Number(row[BYTES])
      if (taken > 0 && bytes > HISTORY_MAX_BYTES) break
      if (row[CONTENT] !== null) inline++
      taken++
    }
    // Oldest first (a range read newest first comes back in reverse).
    const fit = range.descending === true ? sized.slice(0, taken).reverse() : sized.slice(0, taken)
    const [oldest, newest] = [fit[0]?.[SEQ], fit.at(-1)?.[SEQ]]
    let messages: MessageInfo[]
    if (inline === taken) messages = fit.map((row) => inlineMessage(channelId, row))
    else {
      // Larger messages: the text of those that fit, bounded on both sides (messages stored meanwhile stay out).
      const large = { afterSeq: (oldest ?? 0) - 1, beforeSeq: (newest ?? 0) + 1, limit: taken, notFrom: range.notFrom }
      messages = (await this.largeReads.run(() => this.log.range(channelId, large))).map(toMessage)
    }
    const head = sized[0]
    const bounds = head?.[LAST] === undefined ? undefined : { first: head[FIRST] ?? null, last: head[LAST] }
    return { messages, more: taken < sized.length, through: newest, bounds }
  }

  /**
   * The page of messages (oldest first), with where history starts when older ones were removed:
   * from the bounds the first read brought, or one indexed read (SQLite, or an empty range).
   */
  private async finish(channelId: string, page: MessageInfo[], hasMore: boolean, bounds: Bounds | undefined): Promise<HistoryPageInfo> {
    const history: HistoryPageInfo = { channel_id: channelId, messages: page, has_more: hasMore }
    // A page that starts at seq 1 has nothing removed before it; any other may.
    if (page[0]?.seq !== 1) {
      const firstSeq = bounds ? firstSeqOf(bounds) : await this.retention.firstSeq(channelId)
      if (firstSeq > 1) history.first_seq = firstSeq
    }
    return history
  }

  /**
   * Messages after `afterSeq` (and before `beforeSeq`) that someone other than the recipient
   * sent, in seq order: at most `take`, and HISTORY_MAX_BYTES of them (always one), as history
   * pages are; `more` says whether the range goes on after `through`, the last seq the read
   * covered (messages removed meanwhile are not in `messages`, so their seqs cannot say it).
   */
  async backlog(channelId: string, recipientId: string, afterSeq: number, take: number, beforeSeq?: number): Promise<Omit<Fitting, 'bounds'>> {
    const { messages, more, through } = await this.fitting(channelId, { afterSeq, beforeSeq, limit: take, notFrom: recipientId })
    return { messages, more, through }
  }
}
