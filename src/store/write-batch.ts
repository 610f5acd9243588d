// The logic of one group-commit transaction, independent of the database: which messages are
// refused (unknown channel, not a member, channel not active), which repeat a stored
// client_msg_id (they get the original), the rows to insert (numbered on from each channel's
// last_seq, read under the row's lock) and what each channel's reservation moves (last_seq and
// the seq each party last sent). The write pipeline (write-pipeline.ts) runs it between the
// statements of each transaction.
import { isMember, roleOf, type Parties, type Role } from '../domain/channel.js'
import { Errors } from '../errors.js'
import { metadataJson } from '../protocol/metadata.js'
import type { MessageInfo } from '../protocol/shapes.js'
import { newMessageId } from './ids.js'
import { messageOf, toMessage, type MessageDraft, type MessageRow, type Outcome, type StoredMessage } from './message-log.js'

/** The columns of a channel the batch needs. */
export interface ChannelRow extends Parties {
  status: string
  /** As locked: no other transaction moves it before this one ends. */
  lastSeq: number
  providerSentSeq: number
  consumerSentSeq: number
}

/** The columns a channel's row lock reads (ChannelRow, as SQL). */
export const CHANNEL_COLUMNS =
  'id, provider_id AS "providerId", consumer_id AS "consumerId", status, last_seq AS "lastSeq", provider_sent_seq AS "providerSentSeq", consumer_sent_seq AS "consumerSentSeq"'

/**
 * What one channel's reservation adds: `count` seqs after last_seq, of which the provider sent the
 * `providerLast`-th and the consumer the `consumerLast`-th last (1-based; 0: that party sent none).
 */
export interface Reservation {
  channelId: string
  count: number
  providerLast: number
  consumerLast: number
}

export type RetryKey = [channelId: string, senderId: string, clientMsgId: string]

export interface Plan {
  outcomes: (Outcome | undefined)[]
  /** Indexes of the drafts to insert, per channel, in order. */
  fresh: Map<string, number[]>
  firstOfKey: Map<string, number>
}

const dedupeKey = (channelId: string, senderId: string, clientMsgId: string | null | undefined) =>
  `${channelId}\u0000${senderId}\u0000${clientMsgId ?? ''}`

/**
 * The retries a batch looks up: every draft with a client_msg_id, read in the same step as the
 * channels (plan() answers only members with what is found).
 */
export function retryKeys(drafts: MessageDraft[]): RetryKey[] {
  return drafts.filter((d) => d.clientMsgId !== undefined).map((d) => [d.channelId, d.senderId, d.clientMsgId as string])
}

export function plan(drafts: MessageDraft[], channels: Map<string, ChannelRow>, stored: MessageRow[]): Plan {
  const existing = new Map(stored.map((row) => [dedupeKey(row.channel_id, row.sender_id, row.client_msg_id), row]))
  const result: Plan = { outcomes: [], fresh: new Map(), firstOfKey: new Map() }
  drafts.forEach((draft, i) => {
    const channel = channels.get(draft.channelId)
    if (!channel) return void (result.outcomes[i] = { error: new Errors.ChannelNotFound(draft.channelId) })
    if (!belongs(channel, draft.senderId)) {
      return void (result.outcomes[i] = { error: new Errors.Forbidden(`${draft.senderId} is not a member of channel ${channel.id}`) })
    }
    const key = dedupeKey(draft.channelId, draft.senderId, draft.clientMsgId)
    // A retry gets its original message, even after the channel ended.
    const original = draft.clientMsgId === undefined ? undefined : existing.get(key)
    // previousSeq 0: a duplicate is never delivered, so no recipient places it in a sequence.
    if (original) return void (result.outcomes[i] = { stored: storedFor(channel, roleOf(channel, draft.senderId) as Role, toMessage(original), true, 0) })
    if (channel.status !== 'active') {
      return void (result.outcomes[i] = { error: new Errors.ChannelNotActive(channel.id, channel.status) })
    }
    if (draft.clientMsgId !== undefined) {
      if (result.firstOfKey.has(key)) return
      result.firstOfKey.set(key, i)
    }
    result.fresh.set(draft.channelId, [...(result.fresh.get(draft.channelId) ?? []), i])
  })
  return result
}

/**
 * Settles every outcome and returns the rows to insert: each channel's fresh messages numbered on
 * from its last_seq as locked, each chained to its sender's previous message.
 */
export function settle(
  drafts: MessageDraft[],
  channels: Map<string, ChannelRow>,
  planned: Plan,
  now: Date,
): { rows: MessageRow[]; outcomes: Outcome[] } {
  const { outcomes, fresh, firstOfKey } = planned
  const rows: MessageRow[] = []
  // Every row of the batch is stored at the same instant: its text is made once.
  const timestamp = now.toISOString()
  for (const [channelId, indexes] of fresh) {
    const channel = channels.get(channelId) as ChannelRow
    const sent = { provider: channel.providerSentSeq, consumer: channel.consumerSentSeq }
    let seq = channel.lastSeq
    for (const i of indexes) {
      const draft = drafts[i] as MessageDraft
      const row: MessageRow = {
        id: newMessageId(),
        channel_id: channelId,
        seq: ++seq,
        sender_id: draft.senderId,
        content: draft.content,
        metadata: draft.metadata === undefined ? null : metadataJson(draft.metadata),
        client_msg_id: draft.clientMsgId ?? null,
        created_at: now,
      }
      rows.push(row)
      const role = roleOf(channel, draft.senderId) as Role
      outcomes[i] = { stored: storedFor(channel, role, messageOf(row, timestamp), false, sent[role]) }
      sent[role] = row.seq
    }
  }
  // A repeat within the batch gets the message its first copy created (and, never delivered, no previousSeq).
  drafts.forEach((draft, i) => {
    if (outcomes[i]) return
    const first = outcomes[firstOfKey.get(dedupeKey(draft.channelId, draft.senderId, draft.clientMsgId)) as number]
    outcomes[i] = first && 'stored' in first ? { stored: { ...first.stored, duplicate: true, previousSeq: 0 } } : first
  })
  return { rows, outcomes: outcomes as Outcome[] }
}

/**
 * The reservations of a planned batch, channels in one fixed order so that concurrent writers
 * lock rows alike and cannot deadlock.
 */
export function reservations(drafts: MessageDraft[], channels: Map<string, ChannelRow>, planned: Plan): Reservation[] {
  return [...planned.fresh.keys()].sort().map((channelId) => {
    const indexes = planned.fresh.get(channelId) as number[]
    const channel = channels.get(channelId) as ChannelRow
    const last = { provider: 0, consumer: 0 }
    indexes.forEach((i, n) => (last[roleOf(channel, (drafts[i] as MessageDraft).senderId) as Role] = n + 1))
    return { channelId, count: indexes.length, providerLast: last.provider, consumerLast: last.consumer }
  })
}

/** Each reserved channel as the batch leaves it: its row as locked, moved on by its reservation. */
export function advanced(channels: Map<string, ChannelRow>, order: Reservation[]): ChannelRow[] {
  return order.map(({ channelId, count, providerLast, consumerLast }) => {
    const channel = channels.get(channelId) as ChannelRow
    const last = channel.lastSeq
    return {
      ...channel,
      lastSeq: last + count,
      providerSentSeq: providerLast > 0 ? last + providerLast : channel.providerSentSeq,
      consumerSentSeq: consumerLast > 0 ? last + consumerLast : channel.consumerSentSeq,
    }
  })
}

const belongs = (channel: ChannelRow | undefined, senderId: string): boolean => channel !== undefined && isMember(channel, senderId)

function storedFor(channel: ChannelRow, senderRole: Role, message: MessageInfo, duplicate: boolean, previousSeq: number): StoredMessage {
  const toProvider = senderRole === 'consumer'
  return {
    message,
    recipientId: toProvider ? channel.providerId : channel.consumerId,
    recipientRole: toProvider ? 'provider' : 'consumer',
    duplicate,
    previousSeq,
  }
}
