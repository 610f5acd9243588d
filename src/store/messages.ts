// Reading stored messages: history pages by seq cursor (saying where history starts once older
// messages were removed), and the backlog an agent was not sent.
// Both are hot paths, read in raw SQL through the message log.
import type { HistoryPageInfo, MessageInfo } from '../protocol/shapes.js'
import { toMessage, type MessageLog } from './message-log.js'
import { MessageRetention } from './retention.js'

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
   */
  async page(channelId: string, query: HistoryQuery): Promise<HistoryPageInfo> {
    const { limit, before_seq: beforeSeq, after_seq: afterSeq } = query
    const forward = afterSeq !== undefined
    const rows = await this.log.range(channelId, { afterSeq, beforeSeq, limit: limit + 1, descending: !forward })
    const page = rows.slice(0, limit)
    if (!forward) page.reverse()
    const history: HistoryPageInfo = { channel_id: channelId, messages: page.map(toMessage), has_more: rows.length > limit }
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
