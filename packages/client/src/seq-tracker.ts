// Exactly-once delivery per channel, from seqs alone, and the cursors a `resume` frame carries.
// The hub writes other agents' messages to a connection in seq order and without gaps, and a
// resumed connection starts right after the cursor this client sent: so one number per channel
// suffices, the highest seq delivered. A message at or below it is a repeat; anything above it
// is new and next in line, so nothing is ever held back waiting for a gap to close.
// This agent's own seqs never move that number: the hub skips them in any replay anyway, and
// an ack can overtake another agent's message with a lower seq committed in the same batch, so
// counting acked seqs would drop that message (live) or skip it (on resume).
// A channel first seen through an ack or a chat_accept has delivered nothing yet; it resumes
// from a floor (just below the acked seq, or the accept's last_seq): what came before belongs
// to an earlier session, and the hub's own cursor covered it when this connection opened.
import type { ResumeCursor } from './open-socket.js'
import type { Message } from './types.js'

/** The hub's limit on a resume frame's channels (maxItems of ResumeFrame in src/protocol). */
export const RESUME_MAX_CHANNELS = 10_000
/** `{"type":"resume","request_id":"resume","channels":[]}` and some slack. */
const FRAME_OVERHEAD_BYTES = 128

interface ChannelState {
  /** Highest seq delivered, or the floor while `delivered` is false. */
  cursor: number
  delivered: boolean
  ended: boolean
  /** Ended, and a resume answered since: the hub has replayed all it held, nothing more can come. */
  drained: boolean
}

export class SeqTracker {
  /** Open channels in first-seen order; ended ones move to the end as they end. */
  private readonly channels = new Map<string, ChannelState>()
  private endedCount = 0

  constructor(private readonly selfId: string) {}

  /** A channel became known without a message (chat_accept's last_seq); no-op if tracked. */
  see(channelId: string, floor: number): void {
    if (!this.channels.has(channelId)) this.channels.set(channelId, { cursor: Math.max(0, floor), delivered: false, ended: false, drained: false })
  }

  /** One of this agent's messages was acked: only a first sight of the channel counts. */
  own(channelId: string, seq: number): void {
    this.see(channelId, seq - 1)
  }

  /** True when the message is new and must be delivered; it then becomes the channel's cursor. */
  accept(message: Message): boolean {
    if (message.sender_id === this.selfId) return false
    const state = this.channels.get(message.channel_id)
    if (state === undefined) {
      this.channels.set(message.channel_id, { cursor: message.seq, delivered: true, ended: false, drained: false })
      return true
    }
    if (state.delivered && message.seq <= state.cursor) return false
    state.cursor = message.seq
    state.delivered = true
    return true
  }

  /** The channel ended or was rejected. It stays listed (a replay may still carry its last messages). */
  markEnded(channelId: string): void {
    const state = this.channels.get(channelId)
    if (state === undefined || state.ended) return
    state.ended = true
    this.channels.delete(channelId)
    this.channels.set(channelId, state)
    if (++this.endedCount > RESUME_MAX_CHANNELS) this.forgetOldestEnded()
  }

  cursor(channelId: string): number | undefined {
    return this.channels.get(channelId)?.cursor
  }

  /**
   * Cursors for a `resume` frame that fits in `maxFrameBytes` and the hub's item limit, for the
   * channels that can still deliver: open ones, and ended ones no resume has drained yet (a
   * replay may still carry their last messages). A channel left out resumes from the hub's own
   * record, which is never behind what this client received; a repeat is still recognised here.
   */
  resumeCursors(maxFrameBytes: number): ResumeCursor[] {
    const open: ResumeCursor[] = []
    const ended: ResumeCursor[] = []
    for (const [channelId, state] of this.channels) {
      if (!state.drained) (state.ended ? ended : open).push({ channel_id: channelId, last_seq: state.cursor })
    }
    const out: ResumeCursor[] = []
    let bytes = FRAME_OVERHEAD_BYTES
    // Open channels first, then the most recently ended.
    for (const cursor of [...open, ...ended.reverse()]) {
      bytes += Buffer.byteLength(JSON.stringify(cursor)) + 1
      if (out.length === RESUME_MAX_CHANNELS || bytes > maxFrameBytes) break
      out.push(cursor)
    }
    return out
  }

  /** A resume was answered: every channel ended by now has had its last messages replayed. */
  resumed(): void {
    for (const state of this.channels.values()) if (state.ended) state.drained = true
  }

  private forgetOldestEnded(): void {
    for (const [channelId, state] of this.channels) {
      if (!state.ended) continue
      this.channels.delete(channelId)
      this.endedCount--
      return
    }
  }
}
