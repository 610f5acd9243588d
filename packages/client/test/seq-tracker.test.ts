// Exactly-once delivery from seqs, and the resume cursors: repeats, own messages, first sights,
// and a resume frame that stays within the hub's limits.
import { describe, expect, it } from 'vitest'
import { ResumeFrame } from '../../../src/protocol/frames.js'
import { RESUME_MAX_CHANNELS, SeqTracker } from '../src/seq-tracker.js'
import type { Message } from '../src/types.js'

const message = (seq: number, sender = 'peer', channel = 'ch_1'): Message => ({
  message_id: `msg_${channel}_${seq}`,
  channel_id: channel,
  sender_id: sender,
  content: `m${seq}`,
  seq,
  timestamp: new Date(0).toISOString(),
})
const accepted = (tracker: SeqTracker, ...seqs: number[]) => seqs.filter((seq) => tracker.accept(message(seq)))

describe('SeqTracker delivery', () => {
  it('delivers each seq once and drops repeats at or below the cursor', () => {
    const tracker = new SeqTracker('me')
    expect(accepted(tracker, 1, 2, 2, 1)).toEqual([1, 2])
    expect(tracker.cursor('ch_1')).toBe(2)
  })

  it('starts a channel at the first seq it sees: what came before belongs to an earlier session', () => {
    const tracker = new SeqTracker('me')
    expect(accepted(tracker, 7, 5, 8)).toEqual([7, 8])
  })

  it('never holds a message back: the seqs between are this agent’s own, sent over REST or another socket', () => {
    const tracker = new SeqTracker('me')
    tracker.see('ch_1', 0)
    expect(accepted(tracker, 3, 6)).toEqual([3, 6])
    expect(tracker.accept(message(7, 'me'))).toBe(false)
  })

  it('does not count acked seqs: an ack may overtake a lower seq committed in the same batch', () => {
    const tracker = new SeqTracker('me')
    expect(accepted(tracker, 1)).toEqual([1])
    tracker.own('ch_1', 3)
    expect(tracker.cursor('ch_1')).toBe(1)
    expect(accepted(tracker, 2, 4)).toEqual([2, 4])
  })

  it('resumes a channel first seen through an ack from just below it, or lower once something arrives', () => {
    const tracker = new SeqTracker('me')
    tracker.own('ch_1', 5)
    tracker.own('ch_1', 9)
    expect(tracker.cursor('ch_1')).toBe(4)
    expect(accepted(tracker, 3, 4, 3)).toEqual([3, 4])
    expect(tracker.cursor('ch_1')).toBe(4)
  })

  it('keeps channels apart', () => {
    const tracker = new SeqTracker('me')
    expect(tracker.accept(message(1, 'peer', 'ch_a'))).toBe(true)
    expect(tracker.accept(message(1, 'peer', 'ch_b'))).toBe(true)
    expect(tracker.accept(message(1, 'peer', 'ch_a'))).toBe(false)
  })
})

describe('SeqTracker resume cursors', () => {
  it('lists every known channel, open ones first, then the most recently ended', () => {
    const tracker = new SeqTracker('me')
    tracker.see('ch_accepted', 0)
    for (const channel of ['ch_a', 'ch_b', 'ch_c']) tracker.accept(message(2, 'peer', channel))
    tracker.own('ch_mine', 1)
    tracker.markEnded('ch_b')
    tracker.markEnded('ch_a')
    expect(tracker.resumeCursors(1 << 20)).toEqual([
      { channel_id: 'ch_accepted', last_seq: 0 },
      { channel_id: 'ch_c', last_seq: 2 },
      { channel_id: 'ch_mine', last_seq: 0 },
      { channel_id: 'ch_a', last_seq: 2 },
      { channel_id: 'ch_b', last_seq: 2 },
    ])
  })

  it('stays within the frame size and the hub’s item limit, and forgets the oldest ended channels', () => {
    expect(RESUME_MAX_CHANNELS).toBe(ResumeFrame.properties.channels.maxItems)
    const tracker = new SeqTracker('me')
    for (let i = 0; i < RESUME_MAX_CHANNELS + 5; i++) tracker.accept(message(1, 'peer', `ch_${i}`))
    expect(tracker.resumeCursors(16 << 20)).toHaveLength(RESUME_MAX_CHANNELS)
    const small = tracker.resumeCursors(1024)
    expect(small.length).toBeGreaterThan(10)
    expect(JSON.stringify({ type: 'resume', request_id: 'resume', channels: small }).length).toBeLessThanOrEqual(1024)

    for (let i = 0; i < RESUME_MAX_CHANNELS + 5; i++) tracker.markEnded(`ch_${i}`)
    expect(tracker.cursor('ch_4')).toBeUndefined()
    expect(tracker.cursor('ch_5')).toBe(1)
    expect(tracker.resumeCursors(16 << 20)[0]).toEqual({ channel_id: `ch_${RESUME_MAX_CHANNELS + 4}`, last_seq: 1 })
  })
})

describe('SeqTracker after a resume', () => {
  it('leaves out the channels that ended before a resume was answered, and still drops their repeats', () => {
    const tracker = new SeqTracker('me')
    for (const channel of ['ch_open', 'ch_ended']) tracker.accept(message(3, 'peer', channel))
    tracker.markEnded('ch_ended')
    expect(tracker.resumeCursors(1 << 20).map((cursor) => cursor.channel_id)).toEqual(['ch_open', 'ch_ended'])
    tracker.resumed()
    tracker.markEnded('ch_open')
    expect(tracker.resumeCursors(1 << 20).map((cursor) => cursor.channel_id)).toEqual(['ch_open'])
    expect(tracker.accept(message(3, 'peer', 'ch_ended'))).toBe(false)
    tracker.resumed()
    expect(tracker.resumeCursors(1 << 20)).toEqual([])
  })
})
