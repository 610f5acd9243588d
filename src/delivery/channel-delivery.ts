// One connection's delivery of one channel: each message once and in seq order, and the furthest
// status of the channel the connection was told. Every live message names the one before it
// from the same sender (previousSeq); when that one has not been sent here (it was stored by
// another hub instance and is still on its way, or Redis dropped it), the messages up to it are
// recovered from the store first. Live messages wait meanwhile, as they wait while the
// connection's backlog replays, so that nothing falls between "read the store" and "go live".
// It is built on an Outlet (the connection) and a recover(after, through) source (the store).
import { movesOn, type ChannelStatus, type Role } from '../domain/channel.js'
import { deliverableJson, errorFrame } from '../protocol/builders.js'
import { Errors } from '../errors.js'
import { inTurn } from '../lib/turns.js'
import type { MessageInfo } from '../protocol/shapes.js'
import type { DeliveryEvents, HeldBudget, Outlet, Recover, Sent } from './ports.js'

export interface ChannelDeliveryOptions {
  channelId: string
  outlet: Outlet
  recover: Recover
  events: DeliveryEvents
  budget: HeldBudget
  /** Live messages wait for release(): the connection's backlog is being replayed. */
  held: boolean
}

/** Something to send in seq order: a message, or (without one) word that the other party sent up to `after`. */
interface Live {
  /** The seq this connection must have been sent first (0: none). */
  after: number
  message?: { info: MessageInfo; json: string | undefined }
}

export class ChannelDelivery {
  /** The agent's role in the channel: whose delivery cursor moves. */
  role: Role | undefined
  /** The last seq sent on this connection; undefined: nothing yet, and no starting point. */
  private sent: number | undefined
  /** Live messages held until the backlog is replayed (null once it is). */
  private held: Live[] | null
  /** Live messages waiting for a gap fill in progress (null: none runs). */
  private waiting: Live[] | null = null
  private toldStatus: ChannelStatus | undefined

  constructor(private readonly options: ChannelDeliveryOptions) {
    this.held = options.held ? [] : null
  }

  get channelId(): string {
    return this.options.channelId
  }

  /** What the connection was last told of the channel, if anything (or if not forgotten). */
  get status(): ChannelStatus | undefined {
    return this.toldStatus
  }

  /** Where delivery starts (what the client has, or what the hub last sent it), unless it has begun. */
  startAt(seq: number): void {
    this.sent ??= seq
  }

  /** A live message: it goes out after the messages before it (recovered if missing here), and after the backlog. */
  deliver(message: MessageInfo, json: string | undefined, previousSeq: number): void {
    const sent = this.sent ?? 0
    // The common case, kept cheap: live, with nothing missing before it.
    if (!this.held && !this.waiting && previousSeq <= sent) {
      if (this.options.outlet.isOpen && message.seq > sent) this.send(message, json)
      return
    }
    this.accept({ after: previousSeq, message: { info: message, json } })
  }

  /** The other party has sent up to `seq`: whatever of it this connection lacks goes out. */
  catchUp(seq: number): void {
    this.accept({ after: seq })
  }

  /**
   * Sends the stored messages in (after, through] not sent here yet, paced by the socket and,
   * each message's serialising and writing a unit of the loop's turns, by the loop; returns how many.
   */
  async replay(after: number, through?: number): Promise<number> {
    const { outlet } = this.options
    let count = 0
    if (!outlet.isOpen) return count
    for await (const message of this.options.recover(after, through)) {
      if (!outlet.isOpen) break
      if ((this.sent ?? 0) >= message.seq) continue
      // The unit ends once the message is handed to the socket (its write is not awaited).
      const sending = await inTurn(() => {
        if (!outlet.isOpen || (this.sent ?? 0) >= message.seq) return undefined
        return { written: new Promise<void>((resolve) => this.send(message, deliverableJson(message), () => resolve())) }
      })
      if (!sending) continue
      const { written } = sending
      count++
      // Paced by the reader: recovery never fills the buffer that live delivery is cut at.
      if (outlet.congested) await Promise.race([written, outlet.gone])
    }
    return count
  }

  /** The backlog is sent: the live messages held meanwhile go out, and from now on at once. */
  release(): void {
    const held = this.held ?? []
    this.held = null
    this.options.budget.give(held.length)
    for (const live of held) this.order(live)
  }

  /** Records a status the connection was told; false if it knew as much (a stale read never takes one back). */
  told(status: ChannelStatus): boolean {
    if (!movesOn(this.toldStatus, status)) return false
    this.toldStatus = status
    return true
  }

  forgetStatus(): void {
    this.toldStatus = undefined
  }

  /** The connection is being dropped: what waits will never go out. */
  drop(): void {
    const dropped = (this.held?.length ?? 0) + (this.waiting?.length ?? 0)
    if (this.held) this.held = []
    this.waiting = null
    this.options.budget.give(dropped)
  }

  private accept(live: Live): void {
    if (this.held) return this.hold(this.held, live)
    this.order(live)
  }

  private hold(queue: Live[], live: Live): void {
    queue.push(live)
    if (!this.options.budget.take()) this.options.outlet.dropSlow()
  }

  /** Sends the live message in seq order: first recovering what comes before it, if missing here. */
  private order(live: Live): void {
    // Nothing more goes out on a closing socket: its client resumes from the store.
    if (!this.options.outlet.isOpen) return
    if (this.waiting) return this.hold(this.waiting, live)
    const sent = this.sent ?? 0
    if (live.after > sent) return this.fill(live, sent)
    if (live.message && live.message.info.seq > sent) this.send(live.message.info, live.message.json)
  }

  private fill(live: Live, sent: number): void {
    const waiting: Live[] = []
    this.waiting = waiting
    this.hold(waiting, live)
    this.options.events.gap()
    this.replay(sent, live.after).then(
      () => {
        if (this.waiting !== waiting) return
        this.waiting = null
        this.options.budget.give(waiting.length)
        if (!this.options.outlet.isOpen) return
        // The store holds every message up to `after` (it was committed before the one naming
        // it); should it not, going on beats asking for it forever.
        if ((this.sent ?? 0) < live.after) this.sent = live.after
        waiting.sort((a, b) => position(a) - position(b))
        for (const next of waiting) this.order(next)
      },
      () => {
        if (this.waiting === waiting) this.drop()
        this.options.outlet.fail()
      },
    )
  }

  /** Sends a message; one that cannot be serialised is replaced by an error frame, and delivery moves past it. */
  private send(message: MessageInfo, json: string | undefined, onSent?: Sent): void {
    const { seq, timestamp } = message
    this.sent = seq
    const role = this.role
    if (json === undefined) {
      this.options.events.undeliverable(this.options.channelId, seq)
      const error = new Errors.Undeliverable(seq, this.options.channelId)
      json = JSON.stringify(errorFrame(error.code, error.message, undefined))
    }
    this.options.outlet.send(json, (error) => {
      if (!error && role) this.options.events.delivered(this.options.channelId, role, seq, timestamp)
      onSent?.(error)
    })
  }
}

const position = (live: Live): number => live.message?.info.seq ?? live.after
