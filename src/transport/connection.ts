// One agent's WebSocket connection: sends frames, and delivers each channel's messages once
// and in seq order — holding live messages back while the stored backlog is replayed, so that
// nothing falls between "read the backlog" and "go live". Every live message names the one
// before it from the same sender; when that one has not been sent here (it was committed by
// another hub instance and is still on its way, or Redis dropped it), the connection fills the
// gap from the store before going on. A connection that falls too far behind (its unsent frames
// pass the high-water mark) or stops answering pings is closed: its agent resumes from the store
// when it returns.
import { randomUUID } from 'node:crypto'
import { WebSocket } from 'ws'
import { isOpen, movesOn, type ChannelStatus, type Role } from '../domain/channel.js'
import type { HubFrame } from '../protocol/frames.js'
import type { MessageInfo } from '../protocol/shapes.js'
import { CloseCode } from '../protocol/close-codes.js'
import { within } from '../lib/within.js'

export type Sent = (error?: Error) => void

/**
 * Something to deliver on one channel, in seq order: a message, or (without one) word that the
 * other party has sent up to `after` — everything up to `after` goes out before it.
 */
interface Live {
  channelId: string
  /** The agent's role in the channel (whose delivery cursor moves). */
  role: Role
  /** The seq of the message this agent must have been sent first (0: none). */
  after: number
  message?: { info: MessageInfo; json: string; onSent: Sent }
}

/** Sends the channel's inbound messages in (after, through] from the store, in seq order. */
export type Backfill = (connection: Connection, channelId: string, role: Role, after: number, through: number) => Promise<void>

export interface ConnectionLimits {
  /** Bytes of unsent frames past which the connection is closed. */
  maxBufferedBytes: number
  /** Called once when the connection is closed for falling behind. */
  onSlow: () => void
  /** Called when a live message must wait for earlier ones read from the store. */
  onGap: () => void
}

/** Channel statuses one connection remembers; the oldest are forgotten first. */
const MAX_STATUSES = 10_000

/** Live messages held while a backlog replays; past this the connection is too slow to keep. */
const MAX_HELD = 10_000

export class Connection {
  readonly id = randomUUID()
  private readonly sentSeq = new Map<string, number>()
  private held: Live[] | null = []
  /** Channels being back-filled from the store, with the live messages waiting for it. */
  private readonly filling = new Map<string, Live[]>()
  /** The furthest status this connection was told of each channel it heard of (the latest MAX_STATUSES). */
  private readonly statuses = new Map<string, ChannelStatus>()
  private alive = true
  /** Settles when the socket has closed. */
  readonly gone: Promise<void>
  /** Opened with ?resume=1: replay waits for the client's resume frame. */
  private resumePending: boolean

  constructor(
    readonly agentId: string,
    private readonly socket: WebSocket,
    private readonly limits: ConnectionLimits,
    private readonly backfill: Backfill,
    resume: boolean,
  ) {
    this.resumePending = resume
    this.gone = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.on('pong', () => (this.alive = true))
    socket.on('message', () => (this.alive = true))
  }

  /** True once, for the resume frame of a connection opened with ?resume=1. */
  takeResume(): boolean {
    const pending = this.resumePending
    this.resumePending = false
    return pending
  }

  /** Pings the peer; returns false (and drops the connection) if it never answered the last ping. */
  heartbeat(): boolean {
    if (!this.alive) {
      this.close(CloseCode.HEARTBEAT_TIMEOUT, 'no pong within the heartbeat interval')
      this.terminate()
      return false
    }
    this.alive = false
    if (this.isOpen) this.socket.ping()
    return true
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  /** Replay should wait for the socket to drain: it is half-way to the high-water mark. */
  get congested(): boolean {
    return this.socket.bufferedAmount > this.limits.maxBufferedBytes / 2
  }

  send(data: string, onSent?: Sent): void {
    if (!this.isOpen) return onSent?.(new Error('connection closed'))
    this.socket.send(data, onSent)
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) this.dropSlow()
  }

  sendFrame(frame: HubFrame): void {
    this.send(JSON.stringify(frame))
  }

  /**
   * A live message: sent now — after the messages before it, if this connection lacks them — or
   * after the backlog if that is still replaying. `previousSeq` is the sender's message before it.
   */
  deliver(info: MessageInfo, json: string, role: Role, previousSeq: number, onSent: Sent): void {
    this.accept({ channelId: info.channel_id, role, after: previousSeq, message: { info, json, onSent } })
  }

  /** The other party has sent up to `seq` on the channel: whatever of it this connection lacks goes out. */
  catchUp(channelId: string, role: Role, seq: number): void {
    this.accept({ channelId, role, after: seq })
  }

  /**
   * Records that this connection was told the channel's status. A status only moves forward
   * (pending → active → rejected or ended): a stale read can never take it back.
   */
  told(channelId: string, status: ChannelStatus): void {
    const known = this.statuses.get(channelId)
    if (!movesOn(known, status)) return
    this.statuses.delete(channelId)
    this.statuses.set(channelId, status)
    if (this.statuses.size > MAX_STATUSES) this.statuses.delete(this.statuses.keys().next().value as string)
  }

  /** What this connection was last told of the channel, if anything. */
  toldOf(channelId: string): ChannelStatus | undefined {
    return this.statuses.get(channelId)
  }

  /** The channels this connection follows: told pending or active. */
  following(): string[] {
    return [...this.statuses].filter(([, status]) => isOpen(status)).map(([id]) => id)
  }

  /** Where the channel's delivery starts (what the client has, or the hub last sent it). */
  startAt(channelId: string, seq: number): void {
    if (!this.sentSeq.has(channelId)) this.sentSeq.set(channelId, seq)
  }

  /** A message from the store (backlog or back-fill). Returns false if this connection had already sent it. */
  replay(message: MessageInfo, json: string, onSent: Sent): boolean {
    return this.sendOnce(message, json, onSent)
  }

  /** The backlog is sent: deliver the live messages held meanwhile, and directly from now on. */
  goLive(): void {
    const held = this.held ?? []
    this.held = null
    for (const live of held) this.order(live)
  }

  close(code: CloseCode, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason)
    }
  }

  /** Resolves when the socket has closed, or after `ms`, whichever comes first. */
  closed(ms: number): Promise<void> {
    return within(ms, this.gone)
  }

  /** Drops the socket without a close handshake (for peers that no longer answer). */
  terminate(): void {
    this.socket.terminate()
  }

  private dropSlow(): void {
    if (!this.isOpen) return
    this.held = []
    this.filling.clear()
    this.limits.onSlow()
    // The close frame would queue behind the backlog it is about: send it, then cut.
    this.close(CloseCode.SLOW_CONSUMER, 'slow consumer: too many unsent frames')
    this.terminate()
  }

  private accept(live: Live): void {
    if (!this.held) return this.order(live)
    this.held.push(live)
    if (this.held.length > MAX_HELD) this.dropSlow()
  }

  /** Sends the live message in seq order: first back-filling what comes before it, if missing here. */
  private order(live: Live): void {
    // Nothing more goes out on a closing socket: its client resumes from the store.
    if (!this.isOpen) return
    const waiting = this.filling.get(live.channelId)
    if (waiting) {
      waiting.push(live)
      if (waiting.length > MAX_HELD) this.dropSlow()
      return
    }
    const sent = this.sentSeq.get(live.channelId) ?? 0
    if (live.after > sent) return this.fill(live, sent)
    if (live.message) this.sendOnce(live.message.info, live.message.json, live.message.onSent)
  }

  private fill(live: Live, sent: number): void {
    const { channelId, role, after } = live
    const waiting = [live]
    this.filling.set(channelId, waiting)
    this.limits.onGap()
    this.backfill(this, channelId, role, sent, after).then(
      () => {
        if (this.filling.get(channelId) !== waiting) return
        this.filling.delete(channelId)
        if (!this.isOpen) return
        // The store holds every message up to `after` (it was committed before the one naming
        // it); should it not, going on beats asking for it forever.
        if ((this.sentSeq.get(channelId) ?? 0) < after) this.sentSeq.set(channelId, after)
        waiting.sort((a, b) => position(a) - position(b))
        for (const next of waiting) this.order(next)
      },
      () => {
        // Without the store, the order cannot be kept: the client reconnects and resumes from it.
        this.filling.delete(channelId)
        this.close(CloseCode.INTERNAL_ERROR, 'delivery failed; reconnect and resume')
      },
    )
  }

  private sendOnce(message: MessageInfo, json: string, onSent: Sent): boolean {
    if ((this.sentSeq.get(message.channel_id) ?? 0) >= message.seq) return false
    this.sentSeq.set(message.channel_id, message.seq)
    this.send(json, onSent)
    return true
  }
}

const position = (live: Live): number => live.message?.info.seq ?? live.after
