// Incoming messages, from every source, to every consumer exactly once. Live frames, the
// hub's store-and-forward replay and this client's own history catch-up all go through the
// SeqTracker; what it releases fans out to listenForMessages handlers and messages()
// iterators. Messages that arrive while nobody listens (typically the hub's replay right
// after connect(), before the caller's `for await` starts) are held until someone does, up
// to BACKLOG_LIMIT: past that the oldest go (they stay in the hub's history), so an agent
// that never reads messages does not grow without bound.
import { ChatHubError, ClientErrorCode } from './errors.js'
import { MessageQueue } from './message-queue.js'
import { SeqTracker } from './seq-tracker.js'
import type { HistoryPage, Message, MessageHandler } from './types.js'

/** Reads one page of a channel's history after a seq (oldest first). */
export const BACKLOG_LIMIT = 10_000

export type FetchAfter = (channelId: string, afterSeq: number) => Promise<HistoryPage>

export class Inbox {
  private readonly tracker: SeqTracker
  private readonly handlers = new Set<MessageHandler>()
  private readonly queues = new Set<MessageQueue<Message>>()
  private backlog: Message[] = []
  /** Channels with a history read in flight; a second one would only repeat it. */
  private readonly filling = new Set<string>()

  constructor(
    selfId: string,
    private readonly fetchAfter: FetchAfter,
    private readonly onHandlerError: (error: unknown, message: Message) => void,
  ) {
    this.tracker = new SeqTracker(selfId)
  }

  receive(message: Message): void {
    this.deliver(this.tracker.offer(message))
    if (this.tracker.hasGap(message.channel_id)) void this.fill(message.channel_id)
  }

  acked(channelId: string, seq: number): void {
    this.deliver(this.tracker.markOwn(channelId, seq))
  }

  channelSeen(channelId: string, lastSeq: number): void {
    this.tracker.see(channelId, lastSeq)
  }

  channelEnded(channelId: string): void {
    this.tracker.markEnded(channelId)
  }

  /**
   * After a reconnect: read every open channel's history past its watermark. A message the
   * hub wrote to the dying socket counts as sent there, so its replay would skip it; this
   * read does not. Overlap with the replay is dropped by the tracker.
   */
  async catchUp(): Promise<void> {
    for (const channelId of this.tracker.openChannels()) await this.fill(channelId)
  }

  subscribe(handler: MessageHandler): () => void {
    this.handlers.add(handler)
    this.releaseBacklog()
    return () => this.handlers.delete(handler)
  }

  stream(): MessageQueue<Message> {
    const queue: MessageQueue<Message> = new MessageQueue(() => this.queues.delete(queue))
    this.queues.add(queue)
    this.releaseBacklog()
    return queue
  }

  /** Ends every messages() iterator: cleanly on disconnect(), with the error on a fatal loss. */
  endStreams(error?: ChatHubError): void {
    for (const queue of this.queues) queue.end(error)
    this.queues.clear()
  }

  private async fill(channelId: string): Promise<void> {
    if (this.filling.has(channelId)) return
    this.filling.add(channelId)
    let skip = true
    try {
      let cursor = this.tracker.watermark(channelId) ?? 0
      for (;;) {
        const page = await this.fetchAfter(channelId, cursor)
        for (const message of page.messages) this.deliver(this.tracker.offer(message))
        const last = page.messages.at(-1)
        if (!page.has_more || last === undefined) break
        cursor = last.seq
      }
    } catch (error) {
      // Lost again or closed: the next connection's catch-up retries, so keep the gap open.
      const code = error instanceof ChatHubError ? error.code : ''
      skip = code !== ClientErrorCode.CONNECTION_LOST && code !== ClientErrorCode.CLIENT_CLOSED
    } finally {
      this.filling.delete(channelId)
    }
    // The hub's history is the whole truth: a gap it cannot fill would otherwise block forever.
    if (skip && this.tracker.hasGap(channelId)) this.deliver(this.tracker.skipGap(channelId))
  }

  private deliver(messages: Message[]): void {
    for (const message of messages) {
      if (this.handlers.size === 0 && this.queues.size === 0) {
        if (this.backlog.push(message) > BACKLOG_LIMIT) this.backlog.shift()
        continue
      }
      for (const queue of this.queues) queue.push(message)
      for (const handler of this.handlers) this.call(handler, message)
    }
  }

  private call(handler: MessageHandler, message: Message): void {
    try {
      const result = handler(message)
      if (result instanceof Promise) result.catch((error: unknown) => this.onHandlerError(error, message))
    } catch (error) {
      this.onHandlerError(error, message)
    }
  }

  private releaseBacklog(): void {
    const held = this.backlog
    this.backlog = []
    this.deliver(held)
  }
}
