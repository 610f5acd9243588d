// The group commit's test fixtures without a database: channel rows, drafts, stored messages, a
// summary of each outcome, and a fake database that answers a batch's statements from memory
// (at once or later) and records what it was asked, in order.
import type { MessageDraft, MessageRow, Outcome } from '../../src/store/message-log.js'
import type { ChannelRow, Reservation } from '../../src/store/write-batch.js'
import type { BatchStatements } from '../../src/store/write-pipeline.js'

export const channel = (id: string, status = 'active', sent: [number, number] = [0, 0], lastSeq = Math.max(...sent)): ChannelRow => ({
  id,
  providerId: `${id}-p`,
  consumerId: `${id}-c`,
  status,
  lastSeq,
  providerSentSeq: sent[0],
  consumerSentSeq: sent[1],
})
export const byId = (...rows: ChannelRow[]) => new Map(rows.map((row) => [row.id, row]))
export const draft = (channelId: string, senderId: string, content: string, clientMsgId?: string): MessageDraft => ({
  channelId,
  senderId,
  content,
  ...(clientMsgId !== undefined ? { clientMsgId } : {}),
})
export const storedRow = (channelId: string, senderId: string, seq: number, clientMsgId: string): MessageRow => ({
  id: `msg_${seq}`,
  channel_id: channelId,
  seq,
  sender_id: senderId,
  content: 'the original',
  metadata: null,
  client_msg_id: clientMsgId,
  created_at: new Date('2026-01-01T00:00:00Z'),
})
/** [seq, previousSeq, duplicate] of a stored outcome, or the error code. */
export const summary = (outcome: Outcome | undefined) =>
  outcome === undefined ? 'pending' : 'stored' in outcome ? [outcome.stored.message.seq, outcome.stored.previousSeq, outcome.stored.duplicate] : (outcome.error as { code?: string }).code


/** A database in memory: channel rows, stored messages, and the statements asked of it, in order. */
export function memory(rows: ChannelRow[], stored: MessageRow[] = [], later = false) {
  const asked: string[] = []
  const answer = <T>(name: string, value: T) => (asked.push(name), later ? Promise.resolve(value) : value)
  const statements: BatchStatements = {
    lockChannels: (ids, keys) =>
      answer(keys.length === 0 ? 'lock' : 'lock, retries', {
        // Copies, as a database returns them.
        channels: rows.filter((row) => ids.includes(row.id)).map((row) => ({ ...row })),
        stored: stored.filter((row) => keys.some(([c, s, k]) => row.channel_id === c && row.sender_id === s && row.client_msg_id === k)),
      }),
    store: (order, inserted) => answer(`store ${inserted.map((row) => row.seq).join(',')}`, reserve(order)),
    storeKnown: (order, inserted, known, keys) => {
      const asKnown = order.every(({ channelId }) => {
        const [row, was] = [rows.find((r) => r.id === channelId), known.get(channelId)]
        return row?.status === 'active' && row.lastSeq === was?.lastSeq && row.providerSentSeq === was.providerSentSeq && row.consumerSentSeq === was.consumerSentSeq
      })
      const retried = stored.some((row) => keys.some(([c, s, k]) => row.channel_id === c && row.sender_id === s && row.client_msg_id === k))
      if (!asKnown || retried) return answer('store known: not as known', false)
      reserve(order)
      return answer(`store known ${inserted.map((row) => row.seq).join(',')}`, true)
    },
  }
  /** Moves each active channel's seqs as its reservation says; how many moved. */
  const reserve = (order: Reservation[]) =>
    order.filter(({ channelId, count, providerLast, consumerLast }) => {
      const row = rows.find((r) => r.id === channelId)
      if (row?.status !== 'active') return false
      if (providerLast > 0) row.providerSentSeq = row.lastSeq + providerLast
      if (consumerLast > 0) row.consumerSentSeq = row.lastSeq + consumerLast
      row.lastSeq += count
      return true
    }).length
  return { statements, asked }
}

