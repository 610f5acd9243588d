// One group-commit transaction: validates each message against its channel, returns the
// original for a repeated client_msg_id, reserves gapless seqs per channel with one guarded
// UPDATE … RETURNING, and inserts the new messages with one INSERT.
import type { Channel, Prisma } from '../generated/sqlite/client.js'
import { Errors } from '../errors.js'
import { toMessage } from './mappers.js'
import { newMessageId } from './ids.js'
import type { StoredMessage } from './message-writer.js'

export interface MessageDraft {
  channelId: string
  senderId: string
  content: string
  metadata?: Record<string, unknown> | undefined
  clientMsgId?: string | undefined
}

export type Outcome = { stored: StoredMessage } | { error: Error }
type Tx = Prisma.TransactionClient

const dedupeKey = (d: { channelId: string; senderId: string; clientMsgId?: string | null | undefined }) => `${d.channelId}\u0000${d.senderId}\u0000${d.clientMsgId ?? ''}`

export async function writeBatch(tx: Tx, drafts: MessageDraft[]): Promise<Outcome[]> {
  const channels = new Map(
    (await tx.channel.findMany({ where: { id: { in: [...new Set(drafts.map((d) => d.channelId))] } } })).map((c) => [
      c.id,
      c,
    ]),
  )
  const outcomes: (Outcome | undefined)[] = drafts.map((draft) => refusal(draft, channels.get(draft.channelId)))
  const existing = await findRetries(tx, drafts, outcomes)

  // Which drafts are new, which repeat an earlier draft of this batch or a stored message.
  const firstOfKey = new Map<string, number>()
  const fresh = new Map<string, number[]>()
  drafts.forEach((draft, i) => {
    if (outcomes[i]) return
    const channel = channels.get(draft.channelId) as Channel
    if (draft.clientMsgId !== undefined) {
      // A retry gets its original message even after the channel ended.
      const stored = existing.get(dedupeKey(draft))
      if (stored) return void (outcomes[i] = { stored: storedFor(channel, draft.senderId, toMessage(stored), true) })
    }
    if (channel.status !== 'active') return void (outcomes[i] = { error: new Errors.ChannelNotActive(channel.id, channel.status) })
    if (draft.clientMsgId !== undefined) {
      if (firstOfKey.has(dedupeKey(draft))) return
      firstOfKey.set(dedupeKey(draft), i)
    }
    fresh.set(draft.channelId, [...(fresh.get(draft.channelId) ?? []), i])
  })

  const now = new Date()
  const rows: Prisma.MessageCreateManyInput[] = []
  // Sorted so that concurrent writers lock channel rows in one order and cannot deadlock.
  for (const channelId of [...fresh.keys()].sort()) {
    const indexes = fresh.get(channelId) as number[]
    const [reserved] = await tx.channel.updateManyAndReturn({
      where: { id: channelId, status: 'active' },
      data: { lastSeq: { increment: indexes.length } },
    })
    const channel = channels.get(channelId) as Channel
    if (!reserved) {
      for (const i of indexes) outcomes[i] = { error: new Errors.ChannelNotActive(channelId, 'no longer active') }
      continue
    }
    let seq = reserved.lastSeq - indexes.length
    for (const i of indexes) {
      const draft = drafts[i] as MessageDraft
      const row = {
        id: newMessageId(),
        channelId,
        seq: ++seq,
        senderId: draft.senderId,
        content: draft.content,
        metadata: draft.metadata === undefined ? null : JSON.stringify(draft.metadata),
        clientMsgId: draft.clientMsgId ?? null,
        createdAt: now,
      }
      rows.push(row)
      outcomes[i] = { stored: storedFor(channel, draft.senderId, toMessage(row), false) }
    }
  }
  if (rows.length > 0) await tx.message.createMany({ data: rows })

  // A repeat within the batch gets the message its first copy created.
  drafts.forEach((draft, i) => {
    if (outcomes[i]) return
    const first = outcomes[firstOfKey.get(dedupeKey(draft)) as number]
    outcomes[i] = first && 'stored' in first ? { stored: { ...first.stored, duplicate: true } } : first
  })
  return outcomes as Outcome[]
}

function refusal(draft: MessageDraft, channel: Channel | undefined): Outcome | undefined {
  if (!channel) return { error: new Errors.ChannelNotFound(draft.channelId) }
  if (draft.senderId !== channel.providerId && draft.senderId !== channel.consumerId) {
    return { error: new Errors.Forbidden(`${draft.senderId} is not a member of channel ${channel.id}`) }
  }
  return undefined
}

async function findRetries(tx: Tx, drafts: MessageDraft[], outcomes: (Outcome | undefined)[]) {
  const keyed = drafts.filter((d, i) => d.clientMsgId !== undefined && !outcomes[i])
  if (keyed.length === 0) return new Map<string, Prisma.MessageGetPayload<object>>()
  const rows = await tx.message.findMany({
    where: {
      OR: keyed.map((d) => ({ channelId: d.channelId, senderId: d.senderId, clientMsgId: d.clientMsgId as string })),
    },
  })
  return new Map(rows.map((row) => [dedupeKey(row), row]))
}

function storedFor(channel: Channel, senderId: string, message: StoredMessage['message'], duplicate: boolean) {
  const toProvider = senderId === channel.consumerId
  return {
    message,
    recipientId: toProvider ? channel.providerId : channel.consumerId,
    recipientRole: toProvider ? ('provider' as const) : ('consumer' as const),
    duplicate,
  }
}
