// How fast this client writes frames: the window of messages in flight (maxInFlight), and what
// it learns from a hub that refuses a frame for now (any error frame with `retry_after_ms`, such
// as RATE_LIMITED or UNAVAILABLE). A refusal starts an episode: nothing is written until the
// hint has passed (or a jittered backoff, when the error carries none), then messages restart
// from a window of one that grows by one per ack back to maxInFlight. Refusals of frames written
// before the episode began belong to it and change nothing more. A new connection starts afresh.
import { createBackoff, type Backoff } from './backoff.js'

/** How long a hint-less UNAVAILABLE holds writing on a socket the hub was expected to close. */
const RECONNECT_HOLD_MS = 5000

export class SendPace {
  /** Messages that may be unacked at once now (maxInFlight, or less after a refusal). */
  window: number
  /** Episodes so far; a frame remembers the one it was written in. */
  epoch = 0
  private heldUntil = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly maxInFlight: number,
    /** Called when a hold ends, to write what waited. */
    private readonly wake: () => void,
    private readonly backoff: Backoff = createBackoff({ baseMs: 100, maxMs: 5000 }),
  ) {
    this.window = maxInFlight
  }

  /** True while a refusal's hold lasts: nothing may be written. */
  get held(): boolean {
    return this.heldUntil > performance.now()
  }

  acked(epoch: number): void {
    if (epoch !== this.epoch || this.window >= this.maxInFlight) return
    this.window++
    if (this.window === this.maxInFlight) this.backoff.reset()
  }

  /**
   * A frame written in `epoch` was refused for now; `retryAfterMs` is the hub's hint, if any.
   * `'reconnect'`: a hub shutting down closes the socket soon, so nothing more goes on it; should
   * it stay open after all, writing resumes after RECONNECT_HOLD_MS.
   */
  refused(epoch: number, retryAfterMs: number | 'reconnect' | undefined): void {
    if (epoch !== this.epoch) return
    this.epoch++
    this.window = 1
    const delay = retryAfterMs === 'reconnect' ? RECONNECT_HOLD_MS : (retryAfterMs ?? this.backoff.next())
    this.heldUntil = Math.max(this.heldUntil, performance.now() + delay)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.heldUntil = 0
      this.wake()
    }, Math.max(0, this.heldUntil - performance.now()))
  }

  /** A new connection: its limits are its own. */
  reset(): void {
    this.epoch++
    this.window = this.maxInFlight
    this.heldUntil = 0
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
