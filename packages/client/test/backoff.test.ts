// Reconnect delays: exponential, capped, fully jittered, bounded in attempts.
import { describe, expect, it } from 'vitest'
import { createBackoff } from '../src/backoff.js'

describe('createBackoff', () => {
  it('doubles the upper bound per attempt up to the cap', () => {
    const backoff = createBackoff({ baseMs: 100, maxMs: 1_000, random: () => 0.999_999 })
    const delays = Array.from({ length: 6 }, () => backoff.next())
    expect(delays).toEqual([99, 199, 399, 799, 999, 999])
  })

  it('draws each delay from [0, bound) with full jitter', () => {
    const backoff = createBackoff({ baseMs: 100, maxMs: 1_000, random: () => 0.5 })
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([50, 100, 200])
    const zero = createBackoff({ random: () => 0 })
    expect(zero.next()).toBe(0)
  })

  it('starts over after reset and stops after maxAttempts', () => {
    const backoff = createBackoff({ baseMs: 10, maxMs: 100, maxAttempts: 2, random: () => 0.999 })
    backoff.next()
    backoff.next()
    expect(backoff.canRetry).toBe(false)
    backoff.reset()
    expect(backoff.canRetry).toBe(true)
    expect(backoff.next()).toBe(9)
  })

  it('defaults to 250 ms base and a 10 s cap', () => {
    const backoff = createBackoff({ random: () => 0.999_999 })
    expect(backoff.next()).toBe(249)
    for (let i = 0; i < 40; i++) backoff.next()
    expect(backoff.next()).toBe(9_999)
  })

  it('refuses nonsense bounds', () => {
    expect(() => createBackoff({ baseMs: 0 })).toThrow(RangeError)
    expect(() => createBackoff({ baseMs: 500, maxMs: 100 })).toThrow(RangeError)
  })
})
