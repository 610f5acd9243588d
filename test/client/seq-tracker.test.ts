// Exactly-once, in-order delivery from seqs: duplicates, own messages, gaps, baselines.
import { describe, expect, it } from 'vitest'
import { SeqTracker } from '../../src/client/seq-tracker.js'
import type { Message } from '../../src/client/types.js'

const message = (seq: number, sender = 'peer', channel = 'ch_1'): Message => ({
  message_id: `msg_${channel}_${seq}`,
  channel_id: channel,
  sender_id: sender,
  content: `m${seq}`,
  seq,
  timestamp: new Date(0).toISOString(),
})
const seqs = (messages: Message[]) => messages.map((m) => m.seq)

describe('SeqTracker', () => {
  it('delivers each seq once and drops replays at or below the watermark', () => {
    const tracker = new SeqTracker('me')
    expect(seqs(tracker.offer(message(1)))).toEqual([1])
    expect(seqs(tracker.offer(message(2)))).toEqual([2])
    expect(tracker.offer(message(2))).toEqual([])
    expect(tracker.offer(message(1))).toEqual([])
    expect(tracker.watermark('ch_1')).toBe(2)
  })

  it('starts a channel just below the first seq it sees', () => {
    const tracker = new SeqTracker('me')
    expect(seqs(tracker.offer(message(7)))).toEqual([7])
    expect(tracker.offer(message(5))).toEqual([])
  })

  it('steps over its own messages, known from acks or from history', () => {
    const tracker = new SeqTracker('me')
    tracker.see('ch_1', 0)
    expect(tracker.markOwn('ch_1', 1)).toEqual([])
    expect(seqs(tracker.offer(message(2)))).toEqual([2])
    expect(tracker.offer(message(3, 'me'))).toEqual([])
    expect(seqs(tracker.offer(message(4)))).toEqual([4])
    expect(tracker.watermark('ch_1')).toBe(4)
  })

  it('holds messages behind a gap and releases them in order once it fills', () => {
    const tracker = new SeqTracker('me')
    tracker.see('ch_1', 2)
    expect(tracker.offer(message(5))).toEqual([])
    expect(tracker.offer(message(4))).toEqual([])
    expect(tracker.hasGap('ch_1')).toBe(true)
    expect(seqs(tracker.offer(message(3)))).toEqual([3, 4, 5])
    expect(tracker.hasGap('ch_1')).toBe(false)
  })

  it('an ack can close a gap', () => {
    const tracker = new SeqTracker('me')
    tracker.see('ch_1', 0)
    expect(tracker.offer(message(2))).toEqual([])
    expect(seqs(tracker.markOwn('ch_1', 1))).toEqual([2])
  })

  it('skipGap gives up on missing seqs and delivers what waited, in order', () => {
    const tracker = new SeqTracker('me')
    tracker.see('ch_1', 0)
    tracker.offer(message(4))
    tracker.offer(message(3))
    expect(seqs(tracker.skipGap('ch_1'))).toEqual([3, 4])
    expect(tracker.offer(message(1))).toEqual([])
    expect(seqs(tracker.offer(message(5)))).toEqual([5])
  })

  it('keeps channels apart and leaves ended ones out of catch-up', () => {
    const tracker = new SeqTracker('me')
    tracker.offer(message(1, 'peer', 'ch_a'))
    tracker.offer(message(1, 'peer', 'ch_b'))
    tracker.markEnded('ch_a')
    expect(tracker.openChannels()).toEqual(['ch_b'])
    expect(tracker.offer(message(1, 'peer', 'ch_a'))).toEqual([])
  })
})
