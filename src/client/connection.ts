// The connection's life cycle: connect, notice an unexpected close, wait a jittered backoff,
// reopen, until disconnect() or a refusal that retrying cannot fix (bad or missing credential,
// forbidden agent). The first connect() is never retried: a wrong URL or key should fail
// loudly, not spin. A socket counts as open only once the hub has answered its `resume`, so
// nothing is written to it before that. Knows nothing about frames beyond passing them on;
// the session decides what to resume from and what a (re)connection means for its requests.
import type WebSocket from 'ws'
import type { HubFrame, WelcomeFrame } from '../protocol/frames.js'
import type { Backoff } from './backoff.js'
import { ChatHubError, ClientErrorCode } from './errors.js'
import { openSocket, type ResumeCursor, type SocketOptions } from './open-socket.js'
import type { ConnectionState } from './types.js'

/**
 * Upgrade refusals after which reconnecting would only be refused again. Every other close
 * code the hub uses is worth a reconnect (1001 shutting down, 1009 frame too big, 4400 too many
 * refused frames, 4408 no pong, 4429 read too slowly: the resume makes up for what the socket
 * lost), and so is 503 (a hub shutting down); 4401 (credentials no longer valid) is, only
 * with a tokenProvider to get a fresh token from.
 */
const FATAL_STATUSES = new Set([400, 401, 403, 404])
/** Close code 4401: the key was rotated or revoked, or the token expired. */
const UNAUTHORIZED = 4401

export interface ConnectionEvents {
  /** A socket was welcomed: where its `resume` frame should have the hub resume from. */
  resume(welcome: WelcomeFrame): ResumeCursor[]
  /** The hub has replayed what was missed; requests may go out. */
  open(welcome: WelcomeFrame, reconnected: boolean, replayed: number): void
  frame(frame: HubFrame): void
  /** The socket went away; `error` is set when no reconnect will follow. */
  lost(code: number, reason: string, willReconnect: boolean, error?: ChatHubError): void
  reconnecting(attempt: number, delayMs: number): void
}

export class Connection {
  private socket: WebSocket | undefined
  private current: ConnectionState = 'idle'
  private opening: Promise<WelcomeFrame> | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private welcome: WelcomeFrame | undefined
  /** connect() calls made while reconnecting: they resolve with the next welcome. */
  private waiting: { resolve(welcome: WelcomeFrame): void; reject(error: ChatHubError): void }[] = []

  constructor(
    private readonly options: SocketOptions,
    private readonly backoff: Backoff | undefined,
    private readonly events: ConnectionEvents,
  ) {}

  get state(): ConnectionState {
    return this.current
  }

  /** Idempotent: while open it returns the current welcome, while reconnecting the next one. */
  connect(): Promise<WelcomeFrame> {
    if (this.current === 'connecting' && this.opening) return this.opening
    if (this.current === 'open' && this.welcome) return Promise.resolve(this.welcome)
    if (this.current === 'reconnecting') return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
    this.current = 'connecting'
    this.opening = this.open(false).finally(() => (this.opening = undefined))
    return this.opening
  }

  /** Writes a serialized frame if a socket is open; false otherwise (the caller queues it). */
  send(data: string): boolean {
    if (this.current !== 'open' || this.socket?.readyState !== 1) return false
    this.socket.send(data)
    return true
  }

  /** Closes for good (until the next connect()); resolves once the socket is gone. */
  close(): Promise<void> {
    this.current = 'closed'
    clearTimeout(this.retryTimer)
    this.settleWaiting(new ChatHubError(ClientErrorCode.CLIENT_CLOSED, 'disconnect() was called'))
    const socket = this.socket
    this.socket = undefined
    if (socket === undefined) return Promise.resolve()
    const closed = new Promise<void>((resolve) => {
      // A hub that never answers the close handshake must not hold disconnect() hostage.
      const force = setTimeout(() => socket.terminate(), 2_000)
      socket.once('close', () => {
        clearTimeout(force)
        resolve()
      })
    })
    socket.close(1000, 'client disconnect')
    return closed
  }

  /** The open socket, for tests that need to pause or cut it as a network would. */
  get socketForTesting(): WebSocket | undefined {
    return this.socket
  }

  private async open(reconnected: boolean): Promise<WelcomeFrame> {
    try {
      const apiKey = this.options.tokenProvider ? await this.freshToken() : this.options.apiKey
      return await openSocket({ ...this.options, apiKey }, {
        onWelcome: (socket, welcome) => {
          if (this.current === 'closed') {
            socket.close(1000, 'client disconnect')
            return []
          }
          // Tracked now so that disconnect() can close it during a long replay.
          this.socket = socket
          return this.events.resume(welcome)
        },
        onReady: (welcome, replayed) => {
          if (this.current === 'closed') return
          this.welcome = welcome
          this.current = 'open'
          this.backoff?.reset()
          this.events.open(welcome, reconnected, replayed)
          this.settleWaiting(welcome)
        },
        onFrame: (frame) => this.events.frame(frame),
        onClose: (code, reason) => this.onClose(code, reason),
      })
    } catch (error) {
      this.socket = undefined
      if (!reconnected && this.current === 'connecting') this.current = 'idle'
      throw error
    }
  }

  private async freshToken(): Promise<string> {
    try {
      return await (this.options.tokenProvider as () => string | Promise<string>)()
    } catch (error) {
      throw new ChatHubError(ClientErrorCode.CONNECT_FAILED, `tokenProvider failed: ${(error as Error).message}`, { cause: error })
    }
  }

  private onClose(code: number, reason: string): void {
    this.socket = undefined
    if (this.current === 'closed') return
    // Credentials no longer valid: only a fresh token can make a reconnect succeed.
    if (code === UNAUTHORIZED && this.options.tokenProvider === undefined) {
      this.stop(code, reason, new ChatHubError('UNAUTHORIZED', `the hub closed the connection: ${reason || 'credentials no longer valid'} (${code})`))
      return
    }
    if (this.backoff === undefined) {
      this.stop(code, reason, new ChatHubError(ClientErrorCode.CONNECTION_LOST, `connection lost: ${code} ${reason}`))
    } else {
      this.current = 'reconnecting'
      this.events.lost(code, reason, true)
      this.scheduleRetry(code, reason)
    }
  }

  private scheduleRetry(code: number, reason: string): void {
    const backoff = this.backoff!
    if (!backoff.canRetry) {
      this.stop(code, reason, new ChatHubError(ClientErrorCode.CONNECTION_LOST, `gave up after ${backoff.attempts} attempts`))
      return
    }
    const delayMs = backoff.next()
    this.events.reconnecting(backoff.attempts, delayMs)
    this.retryTimer = setTimeout(() => {
      if (this.current !== 'reconnecting') return
      this.open(true).catch((error: unknown) => {
        if (this.current !== 'reconnecting') return
        const refused = error instanceof ChatHubError && error.status !== undefined && FATAL_STATUSES.has(error.status)
        if (refused) this.stop(code, reason, error)
        else this.scheduleRetry(code, reason)
      })
    }, delayMs)
  }

  private stop(code: number, reason: string, error: ChatHubError): void {
    this.current = 'closed'
    this.events.lost(code, reason, false, error)
    this.settleWaiting(error)
  }

  private settleWaiting(outcome: WelcomeFrame | ChatHubError): void {
    for (const waiter of this.waiting.splice(0)) {
      if (outcome instanceof ChatHubError) waiter.reject(outcome)
      else waiter.resolve(outcome)
    }
  }
}
