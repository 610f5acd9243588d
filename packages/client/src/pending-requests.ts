// Requests waiting for their reply, keyed by the `request_id` this client stamps on them.
// Reconnect policy lives here, per request:
// - 'resend' requests (chat_message with its client_msg_id, chat_history, register_service)
//   are idempotent at the hub, so one written to a socket that then dropped is written
//   again, unchanged, on the next connection; a duplicate send comes back as the original ack.
//   An `UNAVAILABLE` refusal means the same: not applied, and the caller never sees it. With a
//   `retry_after_ms` (the hub's database is away, or its storage full) any request, 'fail' ones
//   too, is written again on the same socket after that long; without (a hub shutting down,
//   about to close the socket), a 'resend' one goes out on the next connection.
// - 'fail' requests (chat_request, chat_accept, chat_reject, chat_end) change channel state
//   and are not safe to repeat: if the socket drops after one was written, it rejects with
//   CONNECTION_LOST, since the hub may or may not have applied it (the matching chat_* event
//   tells the caller if it did).
// Requests made while reconnecting were never written anywhere; they wait and go out on the
// next connection, in the order they were made, once its resume is answered.
import type { ClientFrame, HubFrame } from './protocol.js'
import { ChatHubError, ClientErrorCode } from './errors.js'

export type RetryPolicy = 'resend' | 'fail'
type HubType = HubFrame['type']

/** The hub's refusal of any frame while it shuts down; nothing was applied. */
export const UNAVAILABLE = 'UNAVAILABLE'

interface Pending {
  type: ClientFrame['type']
  /** Serialized once, so a re-send is byte-for-byte the original (same request_id, same client_msg_id). */
  data: string
  replies: readonly HubType[]
  retry: RetryPolicy
  written: boolean
  timer: NodeJS.Timeout | undefined
  retryTimer: NodeJS.Timeout | undefined
  resolve(frame: HubFrame): void
  reject(error: Error): void
}

export class PendingRequests {
  private readonly pending = new Map<string, Pending>()
  private counter = 0

  /** `write` returns false when there is no open socket right now. */
  constructor(private readonly write: (data: string) => boolean) {}

  request<K extends HubType>(
    frame: ClientFrame,
    replies: readonly K[],
    retry: RetryPolicy,
    timeoutMs: number,
  ): Promise<Extract<HubFrame, { type: K }>> {
    const requestId = `c${++this.counter}`
    return new Promise((resolve, reject) => {
      let data: string
      try {
        data = JSON.stringify({ ...frame, request_id: requestId })
      } catch (error) {
        reject(new ChatHubError(ClientErrorCode.INVALID_ARGUMENT, `${frame.type} cannot be serialized`, { cause: error }))
        return
      }
      const entry: Pending = {
        type: frame.type,
        data,
        replies,
        retry,
        written: false,
        timer: undefined,
        retryTimer: undefined,
        resolve: resolve as (frame: HubFrame) => void,
        reject,
      }
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(requestId)
          reject(new ChatHubError(ClientErrorCode.TIMEOUT, `no reply to ${frame.type} within ${timeoutMs} ms`))
        }, timeoutMs)
      }
      this.pending.set(requestId, entry)
      entry.written = this.write(data)
    })
  }

  /** Settles the request a hub frame answers; false when it answers none of ours. */
  settle(frame: HubFrame): boolean {
    if (frame.request_id === undefined) return false
    const id = String(frame.request_id)
    const entry = this.pending.get(id)
    if (entry === undefined) return false
    if (frame.type === 'error') {
      // Refused with a delay, nothing was applied: safe to write again whatever the policy.
      if (frame.code === UNAVAILABLE && frame.retry_after_ms !== undefined) {
        entry.written = false
        this.writeLater(id, entry, frame.retry_after_ms)
        return true
      }
      if (frame.code === UNAVAILABLE && entry.retry === 'resend') {
        entry.written = false
        return true
      }
      this.finish(id, entry)
      entry.reject(new ChatHubError(frame.code, frame.message))
      return true
    }
    if (!entry.replies.includes(frame.type)) return false
    this.finish(id, entry)
    entry.resolve(frame)
    return true
  }

  /** The socket dropped: whatever it carried either gets another go or fails now. */
  connectionLost(): void {
    for (const [id, entry] of this.pending) {
      if (!entry.written) continue
      if (entry.retry === 'resend') {
        entry.written = false
      } else {
        this.finish(id, entry)
        entry.reject(
          new ChatHubError(
            ClientErrorCode.CONNECTION_LOST,
            `connection lost after ${entry.type} was sent; the hub may or may not have applied it`,
          ),
        )
      }
    }
  }

  /** A socket is open: send everything not yet written to it, oldest first. */
  flush(): void {
    for (const entry of this.pending.values()) {
      if (!entry.written) entry.written = this.write(entry.data)
    }
  }

  failAll(error: ChatHubError): void {
    for (const [id, entry] of this.pending) {
      this.finish(id, entry)
      entry.reject(error)
    }
  }

  /** Writes the refused request again after `ms`, unless a reconnect's flush has meanwhile. */
  private writeLater(id: string, entry: Pending, ms: number): void {
    clearTimeout(entry.retryTimer)
    entry.retryTimer = setTimeout(() => {
      if (!entry.written && this.pending.get(id) === entry) entry.written = this.write(entry.data)
    }, ms)
  }

  private finish(id: string, entry: Pending): void {
    clearTimeout(entry.timer)
    clearTimeout(entry.retryTimer)
    this.pending.delete(id)
  }
}
