// Group commit: messages submitted in one turn of the event loop, or while a transaction runs,
// share the next transaction (and its fsync); an idle hub writes at the end of the turn.
// A message counts as stored, and is acked, only after its transaction commits.
import type { MessageLog } from './message-log.js'
import { faultOf } from './faults.js'
import type { MessageDraft, Outcome, StoredMessage } from './message-log.js'

export type { MessageDraft, StoredMessage } from './message-log.js'

export interface WriterOptions {
  maxBatch: number
  onBatch?: ((size: number, seconds: number) => void) | undefined
}

export type CommitListener = (stored: StoredMessage[]) => void

interface Pending {
  draft: MessageDraft
  ticket: number
  onStored: ((stored: StoredMessage) => void) | undefined
  resolve: (stored: StoredMessage) => void
  reject: (error: Error) => void
}

export class MessageWriter {
  private queue: Pending[] = []
  private running: Promise<void> | null = null
  private issued = 0
  private settled = 0
  private waiters: { ticket: number; resolve: () => void }[] = []
  private listeners: CommitListener[] = []

  constructor(
    private readonly log: MessageLog,
    private readonly options: WriterOptions,
  ) {}

  /**
   * Queues a message. `onStored` runs synchronously right after the commit, before the batch is
   * handed to onCommitted, so a sender's ack precedes the delivery of later messages.
   */
  submit(draft: MessageDraft, onStored?: (stored: StoredMessage) => void): Promise<StoredMessage> {
    return new Promise((resolve, reject) => {
      this.queue.push({ draft, ticket: ++this.issued, onStored, resolve, reject })
      this.kick()
    })
  }

  /** Registers a listener for each batch's new messages, in commit order, after their acks. */
  onCommitted(listener: CommitListener): void {
    this.listeners.push(listener)
  }

  /** Resolves once every message submitted before the call is committed or refused. */
  drain(): Promise<void> {
    const ticket = this.issued
    if (this.settled >= ticket) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ ticket, resolve }))
  }

  get backlog(): number {
    return this.queue.length
  }

  private kick(): void {
    if (this.running || this.queue.length === 0) return
    // The bounded delay of group commit: start after this turn of the event loop has read every
    // frame that already arrived, so that they share one transaction (and one fsync).
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run())
      .finally(() => {
        this.running = null
        this.kick()
      })
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch)
      const started = performance.now()
      const outcomes = await this.commit(batch.map((pending) => pending.draft))
      this.options.onBatch?.(batch.length, (performance.now() - started) / 1000)
      this.settle(batch, outcomes)
    }
  }

  private async commit(drafts: MessageDraft[]): Promise<Outcome[]> {
    try {
      return await this.log.write(drafts)
    } catch (error) {
      // The storage's condition refuses every message alike: trying them one by one would only wait longer.
      if (drafts.length === 1 || faultOf(error)) return drafts.map(() => ({ error: error as Error }))
      // One bad message (say, a client_msg_id racing another instance) must not sink the rest.
      const outcomes: Outcome[] = []
      for (const draft of drafts) outcomes.push(...(await this.commit([draft])))
      return outcomes
    }
  }

  private settle(batch: Pending[], outcomes: Outcome[]): void {
    const fresh: StoredMessage[] = []
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]
      if (outcome && 'stored' in outcome) {
        pending.onStored?.(outcome.stored)
        if (!outcome.stored.duplicate) fresh.push(outcome.stored)
      }
    })
    if (fresh.length > 0) for (const listener of this.listeners) listener(fresh)
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]
      if (outcome && 'stored' in outcome) pending.resolve(outcome.stored)
      else pending.reject(outcome?.error ?? new Error('message was not written'))
    })
    this.settled = batch.at(-1)?.ticket ?? this.settled
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.ticket > this.settled) return true
      waiter.resolve()
      return false
    })
  }
}
