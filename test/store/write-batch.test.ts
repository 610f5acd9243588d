// The group commit's plan without a database: which drafts are refused, which repeat a stored or
// an earlier client_msg_id, what each channel's reservation moves, and the seqs and previousSeqs a
// settled batch gets.
import { describe, expect, it } from 'vitest'
import { plan, reservations, retryKeys, settle, type Reservation } from '../../src/store/write-batch.js'
import { byId, channel, draft, storedRow, summary } from './batch-fixtures.js'

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
