// Group commit: messages submitted in one turn of the event loop, or while a transaction runs,
// share the next transaction (and its fsync); an idle hub writes at the end of the turn, a hub
// that messages reach faster than one per `waitMs` a little later (see kick()).
// A message counts as stored, and is acked, only after its transaction commits.
import { Errors } from '../errors.js'
import { metadataJson } from '../protocol/metadata.js'
import type { MessageLog } from './message-log.js'
import { commitIsolating } from './commit-isolating.js'
import type { MessageDraft, Outcome, StoredMessage } from './message-log.js'

export type { MessageDraft, StoredMessage } from './message-log.js'

export interface WriterOptions {
  maxBatch: number
  /**
   * The longest a message waits for others to share its commit, while they arrive faster than
   * one per waitMs (0 or unset: a batch always starts at the end of the turn).
   */
  waitMs?: number | undefined
  onBatch?: ((size: number, seconds: number) => void) | undefined
  /** A commit listener or an ack threw: the batch is stored all the same, and the rest goes on. */
  onListenerError?: ((error: unknown) => void) | undefined
}

export type CommitListener = (stored: StoredMessage[]) => void

/** A batch this large starts without waiting: its commit is spread thin enough. */
const FULL_ENOUGH = 16
/** How much each batch moves the arrival rate's moving average. */
const RATE_WEIGHT = 0.25

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
  /** Messages a millisecond, a moving average over batches; and when the last batch started. */
  private rate = 0
  private lastStart = performance.now()
  /** Ends the current wait early: the batch is full enough. */
  private hurry: (() => void) | undefined

  constructor(
    private readonly log: MessageLog,
    private readonly options: WriterOptions,
  ) {}

  /**
   * Queues a message. `onStored` runs synchronously right after the commit, before the batch is
   * handed to onCommitted, so a sender's ack precedes the delivery of later messages.
   */
  submit(draft: MessageDraft, onStored?: (stored: StoredMessage) => void): Promise<StoredMessage> {
    return new Promise((resolve, reject) => this.enqueue(draft, onStored, reject, resolve))
  }

  /**
   * Queues a message, as submit does, for a caller that hears of its outcome from callbacks alone
   * (no promise a message): `onStored` at commit, or `onRefused` once it is not stored; `onSettled`
   * after the batch is handed to onCommitted.
   */
  enqueue(
    draft: MessageDraft,
    onStored: ((stored: StoredMessage) => void) | undefined,
    onRefused: (error: Error) => void,
    onSettled: (stored: StoredMessage) => void = () => undefined,
  ): void {
    // Serialised before it joins a batch, so that no message can fail the transaction of others.
    try {
      if (draft.metadata !== undefined) metadataJson(draft.metadata)
    } catch (error) {
      return onRefused(new Errors.BadRequest((error as Error).message))
    }
    this.queue.push({ draft, ticket: ++this.issued, onStored, resolve: onSettled, reject: onRefused })
    if (this.queue.length >= this.fullEnough) this.hurry?.()
    this.kick()
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

  /** A batch this large starts without waiting (nor can one larger than maxBatch). */
  private get fullEnough(): number {
    return Math.min(FULL_ENOUGH, this.options.maxBatch)
  }

  get backlog(): number {
    return this.queue.length
  }

  /**
   * Starts a batch after this turn of the event loop has read every frame that already arrived,
   * so that they share one transaction (and one fsync). While messages arrive faster than one
   * per waitMs, a commit for one or two would cost most of its time per message: the batch waits
   * up to waitMs for more (the event loop runs meanwhile), less once it is full enough.
   */
  private kick(): void {
    if (this.running || this.queue.length === 0) return
    const waitMs = this.options.waitMs ?? 0
    // The rate is of the batches so far: after a pause longer than the wait it says nothing of now.
    const arriving = this.rate * waitMs >= 1 && performance.now() - this.lastStart < waitMs
    const wait = waitMs > 0 && arriving && this.queue.length < this.fullEnough
    this.running = new Promise<void>((resolve) => {
      if (!wait) return void setImmediate(resolve)
      const timer = setTimeout(resolve, waitMs)
      this.hurry = () => {
        this.hurry = undefined
        clearTimeout(timer)
        setImmediate(resolve)
      }
    })
      .then(() => {
        this.hurry = undefined
        return this.run()
      })
      .catch((error: unknown) => this.options.onListenerError?.(error))
      .finally(() => {
        this.running = null
        this.kick()
      })
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch)
      const started = performance.now()
      // The messages of this batch arrived since the last one started.
      this.rate += RATE_WEIGHT * (batch.length / Math.max(started - this.lastStart, 0.01) - this.rate)
      this.lastStart = started
      const outcomes = await commitIsolating(this.log, batch.map((pending) => pending.draft))
      this.options.onBatch?.(batch.length, (performance.now() - started) / 1000)
      this.settle(batch, outcomes)
    }
  }

  /** Runs a listener or an ack; one that throws must not keep the batch's senders waiting. */
  private guard<T>(run: ((value: T) => void) | undefined, value: T): void {
    try {
      run?.(value)
    } catch (error) {
      this.options.onListenerError?.(error)
    }
  }

  private settle(batch: Pending[], outcomes: Outcome[]): void {
    const fresh: StoredMessage[] = []
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]
      if (outcome && 'stored' in outcome) {
        this.guard(pending.onStored, outcome.stored)
        if (!outcome.stored.duplicate) fresh.push(outcome.stored)
      }
    })
    if (fresh.length > 0) for (const listener of this.listeners) this.guard(listener, fresh)
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]
      if (outcome && 'stored' in outcome) this.guard(pending.resolve, outcome.stored)
      else this.guard(pending.reject, outcome?.error ?? new Error('message was not written'))
    })
    this.settled = batch.at(-1)?.ticket ?? this.settled
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.ticket > this.settled) return true
      waiter.resolve()
      return false
    })
  }
}
