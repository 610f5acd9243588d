// Sortable unique ids: a ULID (time-ordered, monotonic within a millisecond) behind a prefix.
import { monotonicFactory } from 'ulid'

const next = monotonicFactory()

export const newChannelId = (): string => `ch_${next()}`
export const newMessageId = (): string => `msg_${next()}`
