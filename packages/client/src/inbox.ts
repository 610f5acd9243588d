// Incoming messages, live or replayed by the hub on resume, to every consumer exactly once
// and in seq order: the SeqTracker drops repeats, and what it lets through fans out to
// listenForMessages handlers and messages() iterators. The same tracker supplies the cursors
// each connection's `resume` frame carries. Messages that arrive while nobody listens
// (typically the replay, which connect() waits for, before the caller's `for await` starts)
// are held until someone does, up to BACKLOG_LIMIT: past that the oldest go (they stay in the
// hub's history), so an agent that never reads messages does not grow without bound.
import type { ChatHubError } from './errors.js'
import { MessageQueue } from './message-queue.js'
import type { ResumeCursor } from './open-socket.js'
import { SeqTracker } from './seq-tracker.js'
import type { Message, MessageHandler } from './types.js'

export const BACKLOG_LIMIT = 10_000

export class Inbox {
  private readonly tracker: SeqTracker
  private readonly handlers = new Set<MessageHandler>()
  private readonly queues = new Set<MessageQueue<Message>>()
  private backlog: Message[] = []

  constructor(
    selfId: string,
    private readonly onHandlerError: (error: unknown, message: Message) => void,
  ) {
    this.tracker = new SeqTracker(selfId)
  }

  receive(message: Message): void {
    if (this.tracker.accept(message)) this.deliver(message)
  }

  acked(channelId: string, seq: number): void {
    this.tracker.own(channelId, seq)
  }

  channelSeen(channelId: string, lastSeq: number): void {
    this.tracker.see(channelId, lastSeq)
  }

  channelEnded(channelId: string): void {
    this.tracker.markEnded(channelId)
  }

  /** Where the hub should resume each channel this client knows, in a frame of at most `maxFrameBytes`. */
  resumeCursors(maxFrameBytes: number): ResumeCursor[] {
    return this.tracker.resumeCursors(maxFrameBytes)
  }

  /** The hub answered a resume: ended channels need no cursor from now on. */
  resumed(): void {
    this.tracker.resumed()
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

  private deliver(message: Message): void {
    if (this.handlers.size === 0 && this.queues.size === 0) {
      if (this.backlog.push(message) > BACKLOG_LIMIT) this.backlog.shift()
      return
    }
    for (const queue of this.queues) queue.push(message)
    for (const handler of this.handlers) this.call(handler, message)
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
    for (const message of held) this.deliver(message)
  }
}
