// Reconnect delays: exponential backoff with full jitter (delay drawn uniformly from
// [0, min(cap, base·2^attempt)]), so a hub restart is not met by every client at once.
import type { BackoffOptions } from './types.js'

export const DEFAULT_BACKOFF = { baseMs: 250, maxMs: 10_000, maxAttempts: Infinity } as const

export interface Backoff {
  /** Delay before the next attempt; counts the attempt. */
  next(): number
  /** Called after a successful connection, so the next outage starts from a short delay. */
  reset(): void
  /** Attempts since the last reset. */
  readonly attempts: number
  /** False once maxAttempts delays have been handed out. */
  readonly canRetry: boolean
}

export function createBackoff(options: BackoffOptions = {}): Backoff {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs
  const maxAttempts = options.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts
  const random = options.random ?? Math.random
  if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError('backoff needs 0 < baseMs <= maxMs')
  let attempts = 0
  return {
    next() {
      // 2^attempt overflows to Infinity long before it matters; min() keeps it at the cap.
      const ceiling = Math.min(maxMs, baseMs * 2 ** attempts)
      attempts++
      return Math.floor(random() * ceiling)
    },
    reset() {
      attempts = 0
    },
    get attempts() {
      return attempts
    },
    get canRetry() {
      return attempts < maxAttempts
    },
  }
}
