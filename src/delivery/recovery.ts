// Delivery from the store. When an agent connects, its backlog: the chat requests waiting for
// it and every message it has not received, page by page, in seq order, before the connection
// goes live — from the client's last seq per channel where it resumes, elsewhere from what the
// hub last sent the agent. The same reads fill a live gap (each channel's recover source) and
// catch the agents connected here up when publications from other instances may have been lost.
import { movesOn, type Role } from '../domain/channel.js'
import { inTurn } from '../lib/turns.js'
import { requestFrame, statusFrame } from '../protocol/builders.js'
import type { Store } from '../store/index.js'
import type { Deliveries } from './deliveries.js'
import type { Recover } from './ports.js'

const PAGE = 200

/** The agents connected to this instance, and their connections' deliveries. */
export interface LocalDeliveries {
  agents(): string[]
  deliveriesOf(agentId: string): Deliveries[]
}

/**
 * A channel's messages for one recipient, read from the store a page at a time (PAGE messages
 * and at most a history page's bytes) as they are taken, each read a unit of the loop's turns.
 */
export function storedMessages(store: Store, channelId: string, recipientId: string): Recover {
  return async function* (after, through) {
    const before = through === undefined ? undefined : through + 1
    for (;;) {
      const { messages, more, through } = await inTurn(() => store.messages.backlog(channelId, recipientId, after, PAGE, before))
      yield* messages
      // From the last seq the read covered: a page whose messages were all removed meanwhile
      // (retention, between its two reads) still moves on to what follows.
      if (through === undefined || !more) return
      after = through
    }
  }
}

/**
 * Replays the backlog, then goes live; returns how many messages it wrote. `reachable` settles
 * once publications for the agent reach this instance: from then on the store misses nothing
 * that is not on its way live.
 */
export async function replayBacklog(
  deliveries: Deliveries,
  store: Store,
  reachable: Promise<void>,
  clientCursors = new Map<string, number>(),
): Promise<number> {
  const { agentId } = deliveries
  let replayed = 0
  try {
    await reachable
    const owed = await store.inboxes.owedTo(agentId)
    for (const channel of owed.requests) {
      // A catch-up running meanwhile may have sent it already.
      if (deliveries.statusOf(channel.id) === undefined) deliveries.tell(requestFrame(channel))
    }
    const starts = new Map<string, { role: Role; after: number; through?: number }>()
    for (const { channelId, role } of await store.inboxes.memberships(agentId, [...clientCursors.keys()])) {
      starts.set(channelId, { role, after: clientCursors.get(channelId) ?? 0 })
    }
    for (const inbox of owed.inboxes) {
      deliveries.know(inbox.channelId, inbox.status)
      const start = starts.get(inbox.channelId)
      if (start) {
        start.through = inbox.inboundSeq
        continue
      }
      const after = Math.max(inbox.deliveredSeq, store.cursors.unsaved(inbox.channelId, inbox.role))
      starts.set(inbox.channelId, { role: inbox.role, after, through: inbox.inboundSeq })
    }
    // Every channel's starting point is known before any live message can go out on it.
    for (const [channelId, { role, after }] of starts) deliveries.channel(channelId, role).startAt(after)
    for (const [channelId, { after, through }] of starts) {
      // Messages committed after the inbox was read arrive live (held until goLive).
      if (through !== undefined && through <= after) continue
      replayed += await deliveries.channel(channelId).replay(after, through)
    }
  } finally {
    deliveries.goLive()
  }
  return replayed
}

/**
 * Delivers from the store what the agents connected here may have missed: used when the events
 * other hub instances publish could have been lost (Redis was unreachable). Messages, then the
 * channels' status: a request waiting for a provider, and an answer or end of a channel a
 * connection last knew as pending or active.
 */
export async function catchUp(store: Store, local: LocalDeliveries): Promise<void> {
  const agents = local.agents()
  if (agents.length === 0) return
  for (const { agentId, channelId, role, inboundSeq } of await store.inboxes.of(agents)) {
    for (const deliveries of local.deliveriesOf(agentId)) deliveries.catchUp(channelId, role, inboundSeq)
  }
  const followed = new Set(agents.flatMap((agentId) => local.deliveriesOf(agentId).flatMap((deliveries) => deliveries.following())))
  for (const channel of await store.inboxes.statesOf([...followed], agents)) {
    for (const agentId of [channel.providerId, channel.consumerId]) {
      for (const deliveries of local.deliveriesOf(agentId)) {
        // Only news: a status further on than the connection's (read before a live frame moved it
        // on, the row may be behind), and of a channel it does not know, only a request to its provider.
        const told = deliveries.statusOf(channel.id)
        if (told === undefined ? channel.status !== 'pending' : !movesOn(told, channel.status)) continue
        const frame = statusFrame(channel, agentId)
        if (frame) deliveries.tell(frame)
      }
    }
  }
}
