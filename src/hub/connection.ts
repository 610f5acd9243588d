// One agent's WebSocket connection: sends frames, and delivers each channel's messages once
// and in seq order — holding live messages back while the stored backlog is replayed, so that
// nothing falls between "read the backlog" and "go live".
import { randomUUID } from 'node:crypto'
import { WebSocket } from 'ws'
import type { HubFrame } from '../protocol/frames.js'
import type { MessageInfo } from '../protocol/shapes.js'
import type { CloseCode } from '../protocol/close-codes.js'

type Sent = (error?: Error) => void

interface Held {
  message: MessageInfo
  json: string
  onSent: Sent
}

export class Connection {
  readonly id = randomUUID()
  private readonly sentSeq = new Map<string, number>()
  private held: Held[] | null = []

  constructor(
    readonly agentId: string,
    private readonly socket: WebSocket,
  ) {}

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  /** Bytes queued on the socket and not yet written to the network. */
  get buffered(): number {
    return this.socket.bufferedAmount
  }

  send(data: string, onSent?: Sent): void {
    if (!this.isOpen) return onSent?.(new Error('connection closed'))
    this.socket.send(data, onSent)
  }

  sendFrame(frame: HubFrame): void {
    this.send(JSON.stringify(frame))
  }

  /** A live message: sent now, or after the backlog if that is still replaying. */
  deliver(message: MessageInfo, json: string, onSent: Sent): void {
    if (this.held) this.held.push({ message, json, onSent })
    else this.sendOnce(message, json, onSent)
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
  closed(ms: number): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Drops the socket without a close handshake (for peers that no longer answer). */
  terminate(): void {
    this.socket.terminate()
  }

  private sendOnce(message: MessageInfo, json: string, onSent: Sent): boolean {
    if ((this.sentSeq.get(message.channel_id) ?? 0) >= message.seq) return false
    this.sentSeq.set(message.channel_id, message.seq)
    this.send(json, onSent)
    return true
  }
}
