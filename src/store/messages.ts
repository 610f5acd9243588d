// Reading stored messages: history pages by seq cursor, and the backlog an agent was not sent.
// Both are hot paths, read in raw SQL through the message log.
import type { HistoryPageInfo, MessageInfo } from '../protocol/shapes.js'
import { toMessage, type MessageLog } from './message-log.js'

export interface HistoryQuery {
  limit: number
  before_seq?: number | undefined
  after_seq?: number | undefined
}

export class MessageStore {
  constructor(private readonly log: MessageLog) {}

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
    return { channel_id: channelId, messages: page.map(toMessage), has_more: rows.length > limit }
  }

  /** Messages after `afterSeq` (and before `beforeSeq`) that someone other than the recipient sent, in seq order. */
  async backlog(channelId: string, recipientId: string, afterSeq: number, take: number, beforeSeq?: number): Promise<MessageInfo[]> {
    const rows = await this.log.range(channelId, { afterSeq, beforeSeq, limit: take, notFrom: recipientId })
    return rows.map(toMessage)
  }
}
