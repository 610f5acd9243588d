// Requests waiting for their reply, keyed by the `request_id` this client stamps on them, and
// the order and pace in which they are written.
// Reconnect policy lives here, per request:
// - 'resend' requests (chat_message with its client_msg_id, chat_history, register_service)
//   are idempotent at the hub, so one written to a socket that then dropped is written
//   again, unchanged, on the next connection; a duplicate send comes back as the original ack.
// - 'fail' requests (chat_request, chat_accept, chat_reject, chat_end) change channel state
//   and are not safe to repeat: if the socket drops after one was written, it rejects with
//   CONNECTION_LOST, since the hub may or may not have applied it (the matching chat_* event
//   tells the caller if it did).
// RATE_LIMITED or UNAVAILABLE (or any error with `retry_after_ms`): the hub did not handle the
// frame; it is written again, unchanged, once the SendPace allows, never thrown. Frames go out in
// the order made; at most maxInFlight messages are unacked at once (the rest wait here). A
// message's timeout counts from its first write; other requests' from when they are made.
import type { ClientFrame, HubFrame } from './protocol.js'
import { ChatHubError, ClientErrorCode } from './errors.js'
import { SendPace } from './send-pace.js'
import { WriteQueue } from './write-queue.js'

export type RetryPolicy = 'resend' | 'fail'
type HubType = HubFrame['type']

/** Refusals of a frame the hub did not handle, to be sent again once it allows. */
export const RETRYABLE = new Set(['RATE_LIMITED', 'UNAVAILABLE'])

interface Pending {
  id: string
  order: number
  type: ClientFrame['type']
  /** Serialized once, so a re-send is byte-for-byte the original (same request_id, same client_msg_id). */
  data: string
  replies: readonly HubType[]
  retry: RetryPolicy
  /** Counts against maxInFlight (chat_message). */
  windowed: boolean
  timeoutMs: number
  written: boolean
  settled: boolean
  /** The pace's episode this entry was last written in. */
  epoch: number
  timer: NodeJS.Timeout | undefined
  resolve(frame: HubFrame): void
  reject(error: Error): void
}

export class PendingRequests {
  private readonly pending = new Map<string, Pending>()
  private readonly queue = new WriteQueue<Pending>()
  private counter = 0
  private inFlight = 0
  private readonly pace: SendPace

  /** `write` returns false when there is no open socket right now. */
  constructor(
    private readonly write: (data: string) => boolean,
    maxInFlight = 32,
  ) {
    if (!(maxInFlight >= 1)) throw new RangeError('maxInFlight must be at least 1')
    this.pace = new SendPace(maxInFlight, () => this.flush())
  }

  request<K extends HubType>(
    frame: ClientFrame,
    replies: readonly K[],
    retry: RetryPolicy,
    timeoutMs: number,
  ): Promise<Extract<HubFrame, { type: K }>> {
    const id = `c${++this.counter}`
    return new Promise((resolve, reject) => {
      let data: string
      try {
        data = JSON.stringify({ ...frame, request_id: id })
      } catch (error) {
        reject(new ChatHubError(ClientErrorCode.INVALID_ARGUMENT, `${frame.type} cannot be serialized`, { cause: error }))
        return
      }
      const windowed = frame.type === 'chat_message'
      const entry: Pending = {
        id,
        order: this.counter,
        type: frame.type,
        data,
        replies,
        retry,
        windowed,
        timeoutMs,
        written: false,
        settled: false,
        epoch: 0,
        timer: undefined,
        resolve: resolve as (frame: HubFrame) => void,
        reject,
      }
      if (!windowed) this.startTimer(entry)
      this.pending.set(id, entry)
      this.queue.push(entry)
      this.flush()
    })
  }

  /** Settles the request a hub frame answers; false when it answers none of ours. */
  settle(frame: HubFrame): boolean {
    if (frame.request_id === undefined) return false
    const entry = this.pending.get(String(frame.request_id))
    if (entry === undefined) return false
    if (frame.type === 'error') {
      if (RETRYABLE.has(frame.code) || frame.retry_after_ms !== undefined) {
        this.unwrite(entry)
        // Without a hint, a hub refusing for now (shutting down) is met again on the next connection.
        const hint = frame.retry_after_ms ?? (frame.code === 'UNAVAILABLE' ? 'reconnect' : undefined)
        this.pace.refused(entry.epoch, hint)
        // A refusal of an earlier episode frees a window slot: what waits may go once the hold allows.
        this.flush()
        return true
      }
      this.finish(entry)
      entry.reject(new ChatHubError(frame.code, frame.message))
      this.flush()
      return true
    }
    if (!entry.replies.includes(frame.type)) return false
    this.finish(entry)
    entry.resolve(frame)
    if (entry.windowed) this.pace.acked(entry.epoch)
    this.flush()
    return true
  }

  /** The socket dropped: whatever it carried either gets another go or fails now. */
  connectionLost(): void {
    for (const entry of this.pending.values()) {
      if (!entry.written) continue
      if (entry.retry === 'resend') {
        this.unwrite(entry)
      } else {
        this.finish(entry)
        entry.reject(
          new ChatHubError(
            ClientErrorCode.CONNECTION_LOST,
            `connection lost after ${entry.type} was sent; the hub may or may not have applied it`,
          ),
        )
      }
    }
  }

  /** A socket is open: a fresh pace, and everything waiting goes out, oldest first. */
  opened(): void {
    this.pace.reset()
    this.flush()
  }

  /** Writes waiting entries, oldest first, while the pace and the window allow. */
  flush(): void {
    while (!this.pace.held) {
      const entry = this.queue.peek()
      if (entry === undefined) break
      if (entry.windowed && this.inFlight >= this.pace.window) break
      if (!this.write(entry.data)) break
      this.queue.shift()
      entry.written = true
      entry.epoch = this.pace.epoch
      if (entry.windowed) {
        this.inFlight++
        if (entry.timer === undefined) this.startTimer(entry)
      }
    }
  }

  failAll(error: ChatHubError): void {
    for (const entry of [...this.pending.values()]) {
      this.finish(entry)
      entry.reject(error)
    }
  }

  private unwrite(entry: Pending): void {
    if (!entry.written) return
    entry.written = false
    if (entry.windowed) this.inFlight--
    this.queue.requeue(entry)
  }

  private startTimer(entry: Pending): void {
    if (entry.timeoutMs <= 0) return
    entry.timer = setTimeout(() => {
      this.finish(entry)
      entry.reject(new ChatHubError(ClientErrorCode.TIMEOUT, `no reply to ${entry.type} within ${entry.timeoutMs} ms`))
      // The freed window slot may let the next message go.
      this.flush()
    }, entry.timeoutMs)
  }

  private finish(entry: Pending): void {
    if (entry.settled) return
    entry.settled = true
    clearTimeout(entry.timer)
    this.pending.delete(entry.id)
    if (entry.written && entry.windowed) this.inFlight--
    entry.written = false
  }
}
