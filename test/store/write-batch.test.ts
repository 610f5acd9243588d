// The group commit's plan and pipeline without a database: which drafts are refused, which
// repeat a stored or an earlier client_msg_id, what each channel's reservation moves, the seqs
// and previousSeqs a settled batch gets, and the order in which the pipeline asks a database for
// its statements (here a fake that answers from memory, at once or later).
import { describe, expect, it } from 'vitest'
import type { MessageDraft, MessageRow, Outcome } from '../../src/store/message-log.js'
import { plan, reservations, retryKeys, settle, type ChannelRow, type Reservation } from '../../src/store/write-batch.js'
import { runAsync, runSync, writeBatch, type BatchStatements } from '../../src/store/write-pipeline.js'

const channel = (id: string, status = 'active', sent: [number, number] = [0, 0], lastSeq = Math.max(...sent)): ChannelRow => ({
  id,
  providerId: `${id}-p`,
  consumerId: `${id}-c`,
  status,
  lastSeq,
  providerSentSeq: sent[0],
  consumerSentSeq: sent[1],
})
const byId = (...rows: ChannelRow[]) => new Map(rows.map((row) => [row.id, row]))
const draft = (channelId: string, senderId: string, content: string, clientMsgId?: string): MessageDraft => ({
  channelId,
  senderId,
  content,
  ...(clientMsgId !== undefined ? { clientMsgId } : {}),
})
const storedRow = (channelId: string, senderId: string, seq: number, clientMsgId: string): MessageRow => ({
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
const summary = (outcome: Outcome | undefined) =>
  outcome === undefined ? 'pending' : 'stored' in outcome ? [outcome.stored.message.seq, outcome.stored.previousSeq, outcome.stored.duplicate] : (outcome.error as { code?: string }).code

describe('plan', () => {
  const channels = byId(channel('a'), channel('ended', 'ended'))

  it('refuses unknown channels, strangers and channels that are not active, each with its own error', () => {
    const drafts = [draft('nowhere', 'x', '1'), draft('a', 'stranger', '2'), draft('ended', 'ended-p', '3'), draft('a', 'a-c', '4')]
    const planned = plan(drafts, channels, [])
    // The plan leaves the outcomes of what it will insert open.
    expect(Array.from({ length: drafts.length }, (_, i) => summary(planned.outcomes[i]))).toEqual(['CHANNEL_NOT_FOUND', 'FORBIDDEN', 'CHANNEL_NOT_ACTIVE', 'pending'])
    expect([...planned.fresh]).toEqual([['a', [3]]])
  })

  it('looks up every retry, answers only members with what is found, and gives a retry its stored original even after the channel ended', () => {
    const drafts = [draft('ended', 'ended-c', 'again', 'k1'), draft('a', 'stranger', 'x', 'k2'), draft('a', 'a-p', 'new', 'k3'), draft('a', 'a-c', 'plain')]
    expect(retryKeys(drafts)).toEqual([
      ['ended', 'ended-c', 'k1'],
      ['a', 'stranger', 'k2'],
      ['a', 'a-p', 'k3'],
    ])
    // A stranger learns nothing of a stored message that matches its client_msg_id.
    const planned = plan(drafts, channels, [storedRow('ended', 'ended-c', 7, 'k1'), storedRow('a', 'stranger', 3, 'k2')])
    expect(summary(planned.outcomes[0])).toEqual([7, 0, true])
    expect(planned.outcomes[0]).toMatchObject({ stored: { message: { content: 'the original' }, recipientId: 'ended-p', recipientRole: 'provider' } })
    expect(summary(planned.outcomes[1])).toBe('FORBIDDEN')
    expect([...planned.fresh]).toEqual([['a', [2, 3]]])
  })

  it('plans a client_msg_id repeated within the batch once', () => {
    const planned = plan([draft('a', 'a-p', 'x', 'k'), draft('a', 'a-p', 'x', 'k'), draft('a', 'a-c', 'x', 'k')], channels, [])
    expect([...planned.fresh]).toEqual([['a', [0, 2]]])
  })
})

describe('reservations', () => {
  it('lists channels in id order, with the position of each party’s last message', () => {
    const channels = byId(channel('b'), channel('a'))
    const drafts = [draft('b', 'b-p', '1'), draft('a', 'a-c', '2'), draft('b', 'b-c', '3'), draft('b', 'b-p', '4')]
    const order = reservations(drafts, channels, plan(drafts, channels, []))
    expect(order).toEqual<Reservation[]>([
      { channelId: 'a', count: 1, providerLast: 0, consumerLast: 1 },
      { channelId: 'b', count: 3, providerLast: 3, consumerLast: 2 },
    ])
  })
})

describe('settle', () => {
  it('numbers each channel’s messages on from its locked last seq and chains each to its sender’s previous one', () => {
    const channels = byId(channel('a', 'active', [4, 5]))
    const drafts = [draft('a', 'a-p', '1'), draft('a', 'a-c', '2'), draft('a', 'a-p', '3')]
    const now = new Date('2026-02-02T00:00:00Z')
    const { rows, outcomes } = settle(drafts, channels, plan(drafts, channels, []), now)
    expect(rows.map((row) => [row.seq, row.sender_id, row.created_at])).toEqual([
      [6, 'a-p', now],
      [7, 'a-c', now],
      [8, 'a-p', now],
    ])
    expect(outcomes.map(summary)).toEqual([
      [6, 4, false],
      [7, 5, false],
      [8, 6, false],
    ])
    expect(outcomes.map((o) => 'stored' in o && o.stored.recipientId)).toEqual(['a-c', 'a-p', 'a-c'])
  })

  it('gives a repeat within the batch the message its first copy created, as a duplicate', () => {
    const channels = byId(channel('a'))
    const drafts = [draft('a', 'a-p', 'x', 'k'), draft('a', 'a-p', 'x', 'k')]
    const { rows, outcomes } = settle(drafts, channels, plan(drafts, channels, []), new Date())
    expect(rows).toHaveLength(1)
    expect(outcomes.map(summary)).toEqual([
      [1, 0, false],
      [1, 0, true],
    ])
  })
})

/** A database in memory: channel rows, stored messages, and the statements asked of it, in order. */
function memory(rows: ChannelRow[], stored: MessageRow[] = [], later = false) {
  const asked: string[] = []
  const answer = <T>(name: string, value: T) => (asked.push(name), later ? Promise.resolve(value) : value)
  const statements: BatchStatements = {
    lockChannels: (ids, keys) =>
      answer(keys.length === 0 ? 'lock' : 'lock, retries', {
        channels: rows.filter((row) => ids.includes(row.id)),
        stored: stored.filter((row) => keys.some(([c, s, k]) => row.channel_id === c && row.sender_id === s && row.client_msg_id === k)),
      }),
    store: (order, inserted) => {
      const moved = order.filter(({ channelId, count }) => {
        const row = rows.find((r) => r.id === channelId)
        if (row?.status !== 'active') return false
        row.lastSeq += count
        return true
      })
      return answer(`store ${inserted.map((row) => row.seq).join(',')}`, moved.length)
    },
  }
  return { statements, asked }
}

describe('the write pipeline', () => {
  it('locks and looks up retries in one step, then reserves and inserts in another, driven at once or asynchronously', async () => {
    const drafts = [draft('a', 'a-p', '1', 'k'), draft('a', 'a-c', '2'), draft('a', 'a-p', '3')]
    const now = memory([channel('a')])
    expect(runSync(writeBatch(now.statements, drafts)).map(summary)).toEqual([
      [1, 0, false],
      [2, 0, false],
      [3, 1, false],
    ])
    expect(now.asked).toEqual(['lock, retries', 'store 1,2,3'])

    const later = memory([channel('a')], [], true)
    expect((await runAsync(writeBatch(later.statements, drafts))).map(summary)).toEqual([
      [1, 0, false],
      [2, 0, false],
      [3, 1, false],
    ])
    expect(later.asked).toEqual(now.asked)
  })

  it('asks only for what the batch needs: no retries without client_msg_ids, no reservation when all is refused', () => {
    const db = memory([channel('a', 'ended')])
    expect(runSync(writeBatch(db.statements, [draft('a', 'a-p', '1')])).map(summary)).toEqual(['CHANNEL_NOT_ACTIVE'])
    expect(db.asked).toEqual(['lock'])
  })

  it('answers a stored retry with its original and writes nothing', () => {
    const db = memory([channel('a')], [storedRow('a', 'a-c', 3, 'k')])
    expect(runSync(writeBatch(db.statements, [draft('a', 'a-c', 'again', 'k')])).map(summary)).toEqual([[3, 0, true]])
    expect(db.asked).toEqual(['lock, retries'])
  })

  it('fails the batch when a channel changed under its lock, so that its transaction rolls back', () => {
    const row = channel('a')
    const db = memory([row])
    // What a lock prevents: the channel ends between the read and the reservation.
    const read = { ...row }
    db.statements.lockChannels = () => ({ channels: [read], stored: [] })
    row.status = 'ended'
    expect(() => runSync(writeBatch(db.statements, [draft('a', 'a-p', '1')]))).toThrow(/changed under their lock/)
  })

  it('refuses to drive asynchronous statements synchronously', () => {
    const db = memory([channel('a')], [], true)
    expect(() => runSync(writeBatch(db.statements, [draft('a', 'a-p', '1')]))).toThrow(/synchronous/)
  })
})
