// Exactly-once, in-order delivery per channel, from seqs alone. Each channel keeps a
// watermark: every seq at or below it has been delivered or is one of this agent's own
// messages (which the hub never echoes back). A message above watermark+1 waits in a buffer
// until the gap closes, so a live message that overtakes the post-reconnect catch-up cannot
// push older ones below the watermark and lose them. A channel's watermark starts just below
// the first seq this client sees on it: what came before belongs to an earlier session, and
// the hub's own replay covers anything that session never received.
import type { Message } from './types.js'

interface ChannelState {
  watermark: number
  own: Set<number>
  buffered: Map<number, Message>
  ended: boolean
}

export class SeqTracker {
  private readonly channels = new Map<string, ChannelState>()

  constructor(private readonly selfId: string) {}

  /** A channel's state became known (e.g. chat_accept with last_seq); no-op if already tracked. */
  see(channelId: string, lastSeq: number): void {
    this.state(channelId, lastSeq)
  }

  /** Offers a message from any source (live, replay, history); returns those now deliverable, in order. */
  offer(message: Message): Message[] {
    if (message.sender_id === this.selfId) return this.markOwn(message.channel_id, message.seq)
    const state = this.state(message.channel_id, message.seq - 1)
    if (message.seq <= state.watermark || state.buffered.has(message.seq)) return []
    state.buffered.set(message.seq, message)
    return this.drain(state)
  }

  /** One of this agent's messages holds `seq` (an ack, or history); it is never delivered. */
  markOwn(channelId: string, seq: number): Message[] {
    const state = this.state(channelId, seq)
    if (seq <= state.watermark) return []
    state.own.add(seq)
    return this.drain(state)
  }

  /** Gives up on a gap the hub could not fill: delivers what waits behind it, in order. */
  skipGap(channelId: string): Message[] {
    const state = this.channels.get(channelId)
    if (state === undefined) return []
    const out: Message[] = []
    for (const seq of [...state.buffered.keys()].sort((a, b) => a - b)) {
      out.push(state.buffered.get(seq)!)
      state.watermark = seq
    }
    state.buffered.clear()
    for (const seq of state.own) if (seq <= state.watermark) state.own.delete(seq)
    return out.concat(this.drain(state))
  }

  hasGap(channelId: string): boolean {
    return (this.channels.get(channelId)?.buffered.size ?? 0) > 0
  }

  watermark(channelId: string): number | undefined {
    return this.channels.get(channelId)?.watermark
  }

  /** The channel ended or was rejected: once caught up, it needs no more catch-ups. */
  markEnded(channelId: string): void {
    const state = this.channels.get(channelId)
    if (state !== undefined) state.ended = true
  }

  isEnded(channelId: string): boolean {
    return this.channels.get(channelId)?.ended ?? false
  }

  /** Channels a reconnect must catch up on. Ended ones are kept only to dedupe stragglers. */
  openChannels(): string[] {
    return [...this.channels].filter(([, state]) => !state.ended).map(([id]) => id)
  }

  private state(channelId: string, initialWatermark: number): ChannelState {
    let state = this.channels.get(channelId)
    if (state === undefined) {
      state = { watermark: Math.max(0, initialWatermark), own: new Set(), buffered: new Map(), ended: false }
      this.channels.set(channelId, state)
    }
    return state
  }

  private drain(state: ChannelState): Message[] {
    const out: Message[] = []
    for (;;) {
      const next = state.watermark + 1
      const message = state.buffered.get(next)
      if (message !== undefined) {
        state.buffered.delete(next)
        out.push(message)
      } else if (!state.own.delete(next)) {
        return out
      }
      state.watermark = next
    }
  }
}
