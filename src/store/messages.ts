// Reading stored messages: history pages by seq cursor, and the backlog an agent was not sent.
import type { HistoryPageInfo, MessageInfo } from '../protocol/shapes.js'
import type { Db } from './database.js'
import { toMessage } from './mappers.js'

export interface HistoryQuery {
  limit: number
  before_seq?: number | undefined
  after_seq?: number | undefined
}

export class MessageStore {
  constructor(private readonly db: Db) {}

  /**
   * One page of history, oldest first. With after_seq the page starts just after it and reads
   * forward; otherwise it ends just before before_seq (or at the newest message) and reads back.
   */
  async page(channelId: string, query: HistoryQuery): Promise<HistoryPageInfo> {
    const { limit, before_seq: before, after_seq: after } = query
    const seq = { ...(after !== undefined ? { gt: after } : {}), ...(before !== undefined ? { lt: before } : {}) }
    const forward = after !== undefined
    const rows = await this.db.message.findMany({
      where: { channelId, seq },
      orderBy: { seq: forward ? 'asc' : 'desc' },
      take: limit + 1,
    })
    const page = rows.slice(0, limit)
    if (!forward) page.reverse()
    return { channel_id: channelId, messages: page.map(toMessage), has_more: rows.length > limit }
  }

  /** Messages after `afterSeq` that someone other than the recipient sent, in seq order. */
  async backlog(channelId: string, recipientId: string, afterSeq: number, take: number): Promise<MessageInfo[]> {
    const rows = await this.db.message.findMany({
      where: { channelId, seq: { gt: afterSeq }, senderId: { not: recipientId } },
      orderBy: { seq: 'asc' },
      take,
    })
    return rows.map(toMessage)
  }
}
