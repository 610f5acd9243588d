// One agent's WebSocket connection: writes frames, pauses and resumes its reading (backpressure,
// see read-window.ts), keeps the socket's liveness (a connection that stops answering pings is
// dropped; one the hub stopped reading is not judged by them) and its limit (one whose unsent
// frames pass the high-water mark is closed: its agent resumes from the store when it returns).
// What goes out on it, in which order, is its deliveries' (src/delivery).
import { randomUUID } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { WebSocket } from 'ws'
import type { Deliveries } from '../delivery/deliveries.js'
import type { Delivery } from '../delivery/delivery.js'
import type { Outlet, Sent } from '../delivery/ports.js'
import { within } from '../lib/within.js'
import { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame } from '../protocol/frames.js'

export interface ConnectionLimits {
  /** Bytes of unsent frames past which the connection is closed. */
  maxBufferedBytes: number
  /** Called once when the connection is closed for falling behind. */
  onSlow: () => void
}

export class Connection implements Outlet {
  readonly id = randomUUID()
  readonly deliveries: Deliveries
  /** Settles when the socket has closed. */
  readonly gone: Promise<void>
  /** Frames written to the socket so far. */
  framesOut = 0
  private alive = true
  /** Reading is paused (backpressure): pongs wait unread in TCP, so silence is not death. */
  private paused = false
  private corked = false
  /** The socket has closed (not merely begun to). */
  ended = false
  /** Opened with ?resume=1: replay waits for the client's resume frame. */
  private resumePending: boolean

  constructor(
    readonly agentId: string,
    private readonly socket: WebSocket,
    private readonly limits: ConnectionLimits,
    delivery: Delivery,
    resume: boolean,
  ) {
    this.resumePending = resume
    this.deliveries = delivery.open(agentId, this)
    this.gone = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true
        resolve()
      }),
    )
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
    const answered = this.alive || this.paused
    this.alive = false
    // Closing already (dropped by an earlier beat, or closed for another reason): one that is
    // still silent a beat later is cut, without counting as a missed ping again.
    if (!this.isOpen) {
      if (!answered) this.terminate()
      return true
    }
    if (!answered) {
      this.close(CloseCode.HEARTBEAT_TIMEOUT, 'no pong within the heartbeat interval')
      this.terminate()
      return false
    }
    this.socket.ping()
    return true
  }

  /** Stops reading the socket: TCP pushes back on the sender until resumeReading(). */
  pauseReading(): void {
    this.paused = true
    this.socket.pause()
  }

  resumeReading(): void {
    this.paused = false
    this.alive = true
    this.socket.resume()
  }

  /** Bytes of a message arriving in fragments, held until its last one (ws's receiver keeps them). */
  get unfinishedBytes(): number {
    const receiver = (this.socket as unknown as { _receiver?: Partial<Record<'_fragmented' | '_totalPayloadLength', number>> })._receiver
    return receiver?._fragmented ? (receiver._totalPayloadLength ?? 0) : 0
  }

  /** Bytes this connection holds in the hub: frames waiting to be written, and an unfinished message. */
  get heldBytes(): number {
    return this.socket.bufferedAmount + this.unfinishedBytes
  }

  /** The hub stopped reading this socket (backpressure) and has not resumed yet. */
  get readingPaused(): boolean {
    return this.paused
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
    this.framesOut++
    this.cork()
    this.socket.send(data, onSent)
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) this.dropSlow()
  }

  /**
   * Frames sent in one turn of the event loop (a batch's acks and deliveries) leave in one write
   * to the kernel instead of a syscall each: the TCP socket is corked until the turn ends.
   */
  private cork(): void {
    if (this.corked) return
    // ws exposes no public handle on its TCP socket.
    const tcp = (this.socket as unknown as { _socket?: Duplex })._socket
    if (!tcp) return
    this.corked = true
    tcp.cork()
    process.nextTick(() => {
      this.corked = false
      tcp.uncork()
    })
  }

  sendFrame(frame: HubFrame): void {
    this.send(JSON.stringify(frame))
  }

  /** Sends a frame; when the socket is congested, settles only once it is written (or the socket gone), like replay. */
  async sendPaced(frame: HubFrame): Promise<void> {
    const written = new Promise<void>((resolve) => this.send(JSON.stringify(frame), () => resolve()))
    if (this.congested) await Promise.race([written, this.gone])
  }

  close(code: CloseCode, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason)
    }
  }

  /** Resolves when the socket has closed (true), or after `ms` (false), whichever comes first. */
  closed(ms: number): Promise<boolean> {
    return within(ms, this.gone)
  }

  /** Drops the socket without a close handshake (for peers that no longer answer). */
  terminate(): void {
    this.socket.terminate()
  }

  dropSlow(): void {
    if (!this.isOpen) return
    this.deliveries.drop()
    this.limits.onSlow()
    // The close frame would queue behind the backlog it is about: send it, then cut.
    this.close(CloseCode.SLOW_CONSUMER, 'slow consumer: too many unsent frames')
    this.terminate()
  }

  fail(): void {
    this.close(CloseCode.INTERNAL_ERROR, 'delivery failed; reconnect and resume')
  }
}
