// Sortable unique ids: a ULID (time-ordered, monotonic within a millisecond) behind a prefix.
import { randomFillSync } from 'node:crypto'
import { TIME_LEN, encodeTime, monotonicFactory } from 'ulid'

/**
 * Crypto-random bytes drawn from a pool filled a few thousand at a time, as ULID's own generator
 * reads them (a byte / 256) but without a call into the system for each of an id's 16 characters.
 */
const pool = new Uint8Array(4096)
let drawn = pool.length
const randomByte = (): number => {
  if (drawn === pool.length) {
    randomFillSync(pool)
    drawn = 0
  }
  return (pool[drawn++] as number) / 256
}

const next = monotonicFactory(randomByte)

export const newChannelId = (): string => `ch_${next()}`
export const newMessageId = (): string => `msg_${next()}`

/** The smallest message id of a message stored at `ms` (ids sort by time): older ones sort below it. */
export const messageIdAt = (ms: number): string => `msg_${encodeTime(ms, TIME_LEN)}${'0'.repeat(16)}`
