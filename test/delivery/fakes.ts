// Fakes for delivery's unit tests: an outlet that records what it is sent (and can fall behind or
// close), and a store of messages to recover from, which can also fail or be held back.
import type { Outlet, Recover, Sent } from '../../src/delivery/ports.js'
import type { MessageInfo } from '../../src/protocol/shapes.js'
import { waitingUnits } from '../../src/lib/turns.js'

export const message = (seq: number, senderId = 'provider', channelId = 'ch'): MessageInfo => ({
  message_id: `msg_${channelId}_${seq}`,
  channel_id: channelId,
  sender_id: senderId,
  content: `m${seq}`,
  seq,
  timestamp: '2026-01-01T00:00:00.000Z',
})

export interface FakeOutlet extends Outlet {
  /** Every frame written, parsed. */
  frames: Record<string, unknown>[]
  /** The seqs of the chat_message frames written to the channel, in order. */
  seqs(channelId?: string): number[]
  isOpen: boolean
  congested: boolean
  /** Write callbacks not yet called (only kept while `holdWrites` is set). */
  unsent: Sent[]
  holdWrites: boolean
  slow: number
  failed: number
}

export function fakeOutlet(): FakeOutlet {
  const outlet: FakeOutlet = {
    frames: [],
    seqs: (channelId = 'ch') =>
      outlet.frames.filter((f) => f.type === 'chat_message' && f.channel_id === channelId).map((f) => f.seq as number),
    isOpen: true,
    congested: false,
    gone: new Promise(() => undefined),
    unsent: [],
    holdWrites: false,
    slow: 0,
    failed: 0,
    send: (json, onSent) => {
      if (!outlet.isOpen) return onSent?.(new Error('closed'))
      outlet.frames.push(JSON.parse(json) as Record<string, unknown>)
      if (!onSent) return
      if (outlet.holdWrites) outlet.unsent.push(onSent)
      else onSent()
    },
    dropSlow: () => {
      outlet.slow++
      outlet.isOpen = false
    },
    fail: () => {
      outlet.failed++
      outlet.isOpen = false
    },
  }
  return outlet
}

/** Messages "in the store": recover(after, through) yields the recipient's in that range and records each ask. */
export function fakeStore(messages: MessageInfo[] = []) {
  const asked: [number, number | undefined][] = []
  let gate: Promise<void> = Promise.resolve()
  let failure: Error | undefined
  const store = {
    messages,
    asked,
    /** Recovery waits until the returned function is called. */
    holdBack(): () => void {
      let open = () => undefined as void
      gate = new Promise((resolve) => (open = resolve))
      return open
    },
    failWith(error: Error): void {
      failure = error
    },
    recover: (async function* (after, through) {
      asked.push([after, through])
      await gate
      if (failure) throw failure
      yield* messages.filter((m) => m.seq > after && (through === undefined || m.seq <= through))
    }) satisfies Recover,
  }
  return store
}

/** Resolves once pending promise callbacks (a recovery in the fakes) have run. */
/**
 * Lets pending work run: the loop's next check phase, and every unit still waiting for a turn of
 * its own (lib/turns.ts; on a loaded machine a turn's budget can be spent before they start).
 */
export async function settle(): Promise<void> {
  do await new Promise((resolve) => setImmediate(resolve))
  while (waitingUnits() > 0)
}
