// The machinery under ChatClient: one agent's session with the hub. It wires Connection
// (socket life cycle, reconnects, the resume handshake), PendingRequests (request/reply, what
// survives a reconnect) and Inbox (exactly-once delivery, resume cursors) together, and turns
// hub frames into settled promises and typed events. Every connection, the first included,
// resumes: the Inbox's cursors go out in `resume`, the hub replays exactly what this client
// lacks (and, for channels not listed, what it never sent this agent), and only then do
// queued requests go out and `connected` fire. Events fire for every state change a frame
// reports, including this client's own (its accept, its end), so one listener sees it all.
// The `socketForTesting` symbol is a test hook, deliberately not exported from index.ts: it
// hands out the live socket so tests can pause or cut it the way a network failure would.
import { EventEmitter } from 'node:events'
import type WebSocket from 'ws'
import type { ClientFrame, HubFrame } from './protocol.js'
import { createBackoff } from './backoff.js'
import { Connection } from './connection.js'
import { ChatHubError, ClientErrorCode } from './errors.js'
import { socketUrl } from './hub-url.js'
import { Inbox } from './inbox.js'
import { PendingRequests, type RetryPolicy } from './pending-requests.js'
import type { ChatClientEvents, ChatClientOptions, ConnectionState, Message, Payload } from './types.js'

/** @internal */
export const socketForTesting = Symbol('claw-chat-hub.socketForTesting')

export class ChatSession extends EventEmitter<ChatClientEvents> {
  readonly agentId: string
  // Internal to the SDK: left out of the published types, which then need no types of `ws`.
  /** @internal */
  protected readonly connection: Connection
  /** @internal */
  protected readonly pending: PendingRequests
  /** @internal */
  protected readonly inbox: Inbox
  private readonly requestTimeoutMs: number

  constructor(options: ChatClientOptions) {
    super()
    if (!options.agentId) throw new ChatHubError(ClientErrorCode.INVALID_ARGUMENT, 'agentId is required')
    this.agentId = options.agentId
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    const reconnect = options.reconnect ?? true
    const socket = {
      url: socketUrl(options.hubUrl, options.agentId),
      apiKey: options.apiKey,
      tokenProvider: options.tokenProvider,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      heartbeatMs: options.heartbeatMs ?? 30_000,
    }
    const backoff = reconnect === false ? undefined : createBackoff(reconnect === true ? {} : reconnect)
    this.connection = new Connection(socket, backoff, {
      resume: (welcome) => this.inbox.resumeCursors(welcome.max_frame_bytes),
      open: (welcome, reconnected, replayed) => {
        this.inbox.resumed()
        this.pending.opened()
        this.guard(() => this.emit('connected', { welcome: payload(welcome), reconnected, replayed }))
      },
      frame: (frame) => this.guard(() => this.onFrame(frame)),
      lost: (code, reason, willReconnect, error) => this.onLost(code, reason, willReconnect, error),
      reconnecting: (attempt, delayMs) => this.guard(() => this.emit('reconnecting', { attempt, delayMs })),
    })
    this.pending = new PendingRequests((frame) => this.connection.send(frame), options.maxInFlight ?? 32)
    this.inbox = new Inbox(this.agentId, (error, message) => this.reportListenerError(error, message))
  }

  /** 'idle' before connect(), 'open', 'reconnecting' while restoring a lost connection, 'closed' after. */
  get state(): ConnectionState {
    return this.connection.state
  }

  /** @internal */
  get [socketForTesting](): WebSocket | undefined {
    return this.connection.socketForTesting
  }

  protected request<K extends HubFrame['type']>(
    frame: ClientFrame,
    replies: readonly K[],
    retry: RetryPolicy,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<Extract<HubFrame, { type: K }>> {
    if (this.state === 'idle' || this.state === 'closed') {
      const error = new ChatHubError(ClientErrorCode.NOT_CONNECTED, `cannot send ${frame.type}: not connected, call connect() first`)
      return Promise.reject(error)
    }
    return this.pending.request(frame, replies, retry, timeoutMs)
  }

  private onFrame(frame: HubFrame): void {
    const answered = this.pending.settle(frame)
    switch (frame.type) {
      case 'error':
        if (!answered) this.emit('hub_error', new ChatHubError(frame.code, frame.message))
        break
      case 'chat_message':
        this.inbox.receive(payload(frame))
        break
      case 'ack':
        this.inbox.acked(frame.channel_id, frame.seq)
        break
      case 'chat_request':
        this.emit('chat_request', payload(frame))
        break
      case 'chat_accept':
        this.inbox.channelSeen(frame.channel_id, frame.last_seq)
        this.emit('chat_accept', payload(frame))
        break
      case 'chat_reject':
        this.inbox.channelEnded(frame.channel_id)
        this.emit('chat_reject', payload(frame))
        break
      case 'chat_end':
        this.inbox.channelEnded(frame.channel_id)
        this.emit('chat_end', payload(frame))
        break
    }
  }

  private onLost(code: number, reason: string, willReconnect: boolean, error?: ChatHubError): void {
    this.pending.connectionLost()
    if (!willReconnect) {
      const why = error ?? new ChatHubError(ClientErrorCode.CONNECTION_LOST, `connection lost: ${code} ${reason}`)
      this.pending.failAll(why)
      this.inbox.endStreams(why)
    }
    this.guard(() => this.emit('disconnected', { code, reason, willReconnect, ...(error ? { error } : {}) }))
  }

  /** A throwing event listener must not take the socket's frame loop down with it. */
  private guard(run: () => void): void {
    try {
      run()
    } catch (error) {
      this.reportListenerError(error)
    }
  }

  private reportListenerError(error: unknown, message?: Message): void {
    if (this.listenerCount('listener_error') > 0) this.emit('listener_error', error, message)
    else console.error('claw-chat-hub client: a listener threw', error)
  }
}

/** A frame's content without its envelope, as the public API hands it out. */
export function payload<F extends { type: string; request_id?: unknown }>(frame: F): Payload<F> {
  const copy: Record<string, unknown> = { ...frame }
  delete copy.type
  delete copy.request_id
  return copy as Payload<F>
}
