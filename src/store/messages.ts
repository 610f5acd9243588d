// Reading stored messages: history pages by seq cursor (saying where history starts once older
// messages were removed), and the backlog an agent was not sent.
// Both are hot paths, read in raw SQL through the message log.
import { HISTORY_MAX_BYTES, type HistoryPageInfo, type MessageInfo } from '../protocol/shapes.js'
import { toMessage, type MessageLog, type MessageRow } from './message-log.js'
import { MessageRetention } from './retention.js'

/** Rows read by a history page's first query, and the most by any: in between, as many as the bytes left allow. */
const FIRST_CHUNK = 32
const MAX_CHUNK = 256
/** What a row adds to a page, besides its text: ids, seq, timestamp and the JSON around them. */
const ROW_OVERHEAD = 256

const rowBytes = (row: MessageRow): number => ROW_OVERHEAD + Buffer.byteLength(row.content) + (row.metadata?.length ?? 0)

function serialisable(message: MessageInfo): boolean {
  try {
    JSON.stringify(message.metadata)
    return true
  } catch {
    return false
  }
}

export interface HistoryQuery {
  limit: number
  before_seq?: number | undefined
  after_seq?: number | undefined
}

export class MessageStore {
  readonly retention: MessageRetention

  constructor(private readonly log: MessageLog) {
    this.retention = new MessageRetention(log)
  }

  /**
   * One page of history, oldest first. With after_seq the page starts just after it and reads
   * forward; otherwise it ends just before before_seq (or at the newest message) and reads back.
   * Read a chunk at a time, it stops at HISTORY_MAX_BYTES (has_more then says so), so that large
   * messages cannot make a page, or the memory it takes, unbounded. A stored message that cannot
   * be serialised is left out.
   */
  async page(channelId: string, query: HistoryQuery): Promise<HistoryPageInfo> {
    const { limit, before_seq: beforeSeq, after_seq: afterSeq } = query
    const forward = afterSeq !== undefined
    const page: MessageInfo[] = []
    let bytes = 0
    let cursor = forward ? afterSeq : beforeSeq
    let chunk = FIRST_CHUNK
    let rowsRead = 0
    for (;;) {
      const take = Math.min(limit - page.length, chunk) + 1
      const range = forward ? { afterSeq: cursor, beforeSeq, limit: take } : { afterSeq, beforeSeq: cursor, limit: take, descending: true }
      const rows = await this.log.range(channelId, range)
      for (const row of rows.slice(0, take - 1)) {
        const size = rowBytes(row)
        if (page.length > 0 && bytes + size > HISTORY_MAX_BYTES) return this.finish(channelId, page, forward, true)
        bytes += size
        cursor = row.seq
        const message = toMessage(row)
        if (serialisable(message)) page.push(message)
      }
      if (rows.length < take) return this.finish(channelId, page, forward, false)
      if (page.length >= limit) return this.finish(channelId, page, forward, true)
      // Large rows, smaller chunks: one read never holds much more than the page may.
      rowsRead += take - 1
      const rowsLeft = Math.floor((HISTORY_MAX_BYTES - bytes) / (bytes / rowsRead))
      chunk = Math.max(1, Math.min(MAX_CHUNK, 2 * chunk, rowsLeft + 1))
    }
  }

  private async finish(channelId: string, page: MessageInfo[], forward: boolean, hasMore: boolean): Promise<HistoryPageInfo> {
    if (!forward) page.reverse()
    const history: HistoryPageInfo = { channel_id: channelId, messages: page, has_more: hasMore }
    // A page that starts at seq 1 has nothing removed before it; any other may (one indexed read).
    if (page[0]?.seq !== 1) {
      const firstSeq = await this.retention.firstSeq(channelId)
      if (firstSeq > 1) history.first_seq = firstSeq
    }
    return history
  }

  /** Messages after `afterSeq` (and before `beforeSeq`) that someone other than the recipient sent, in seq order. */
  async backlog(channelId: string, recipientId: string, afterSeq: number, take: number, beforeSeq?: number): Promise<MessageInfo[]> {
    const rows = await this.log.range(channelId, { afterSeq, beforeSeq, limit: take, notFrom: recipientId })
    return rows.map(toMessage)
  }
}
