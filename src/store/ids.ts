// Sortable unique ids: a ULID (time-ordered, monotonic within a millisecond) behind a prefix.
import { TIME_LEN, encodeTime, monotonicFactory } from 'ulid'

const next = monotonicFactory()

export const newChannelId = (): string => `ch_${next()}`
export const newMessageId = (): string => `msg_${next()}`

/** The smallest message id of a message stored at `ms` (ids sort by time): older ones sort below it. */
export const messageIdAt = (ms: number): string => `msg_${encodeTime(ms, TIME_LEN)}${'0'.repeat(16)}`
