// One agent's WebSocket connection: sends frames, and delivers each channel's messages once
// and in seq order — holding live messages back while the stored backlog is replayed, so that
// nothing falls between "read the backlog" and "go live". A connection that falls too far
// behind (its unsent frames pass the high-water mark) or stops answering pings is closed: its
// agent resumes from the store when it returns.
import { randomUUID } from 'node:crypto'
import { WebSocket } from 'ws'
import type { HubFrame } from '../protocol/frames.js'
import type { MessageInfo } from '../protocol/shapes.js'
import { CloseCode } from '../protocol/close-codes.js'

type Sent = (error?: Error) => void

interface Held {
  message: MessageInfo
  json: string
  onSent: Sent
}

export interface ConnectionLimits {
  /** Bytes of unsent frames past which the connection is closed. */
  maxBufferedBytes: number
  /** Called once when the connection is closed for falling behind. */
  onSlow: () => void
}

/** Live messages held while a backlog replays; past this the connection is too slow to keep. */
const MAX_HELD = 10_000

export class Connection {
  readonly id = randomUUID()
  private readonly sentSeq = new Map<string, number>()
  private held: Held[] | null = []
  private alive = true
  /** Settles when the socket has closed. */
  readonly gone: Promise<void>
  /** Opened with ?resume=1: replay waits for the client's resume frame. */
  private resumePending: boolean

  constructor(
    readonly agentId: string,
    private readonly socket: WebSocket,
    private readonly limits: ConnectionLimits,
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

  /** A live message: sent now, or after the backlog if that is still replaying. */
  deliver(message: MessageInfo, json: string, onSent: Sent): void {
    if (!this.held) return void this.sendOnce(message, json, onSent)
    this.held.push({ message, json, onSent })
    if (this.held.length > MAX_HELD) this.dropSlow()
  }

  /** A message from the stored backlog. Returns false if this connection had already sent it. */
  replay(message: MessageInfo, json: string, onSent: Sent): boolean {
    return this.sendOnce(message, json, onSent)
  }

  /** The backlog is sent: flush the live messages held meanwhile and deliver directly from now on. */
  goLive(): void {
    const held = this.held ?? []
    this.held = null
    for (const { message, json, onSent } of held) this.sendOnce(message, json, onSent)
  }

  close(code: CloseCode, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason)
    }
  }

  /** Resolves when the socket has closed, or after `ms`, whichever comes first. */
  async closed(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.gone, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
    clearTimeout(timer)
  }

  /** Drops the socket without a close handshake (for peers that no longer answer). */
  terminate(): void {
    this.socket.terminate()
  }

  private dropSlow(): void {
    if (!this.isOpen) return
    this.held = []
    this.limits.onSlow()
    // The close frame would queue behind the backlog it is about: send it, then cut.
    this.close(CloseCode.SLOW_CONSUMER, 'slow consumer: too many unsent frames')
    this.terminate()
  }

  private sendOnce(message: MessageInfo, json: string, onSent: Sent): boolean {
    if ((this.sentSeq.get(message.channel_id) ?? 0) >= message.seq) return false
    this.sentSeq.set(message.channel_id, message.seq)
    this.send(json, onSent)
    return true
  }
}
