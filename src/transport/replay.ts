// Store-and-forward: when an agent connects, send it the chat requests waiting for it and every
// message it has not received, page by page, in seq order, then switch the connection to live
// delivery. Where the client told its last seq per channel (resume), that is where replay
// starts; elsewhere, at what the hub last sent the agent. The same reads fill a live gap
// (back-fill) and catch connected agents up when cross-instance events may have been lost.
import { movesOn, type Role } from '../domain/channel.js'
import { messageJson, requestFrame, statusFrame } from '../protocol/builders.js'
import type { Store } from '../store/index.js'
import type { Backfill, Connection } from './connection.js'
import type { Router } from './router.js'

const PAGE = 200

/** Replays the backlog and goes live; returns how many messages it wrote. */
export async function replayBacklog(
  connection: Connection,
  store: Store,
  router: Router,
  clientCursors = new Map<string, number>(),
): Promise<number> {
  let replayed = 0
  try {
    await router.reachable(connection.agentId)
    for (const channel of await store.channels.pendingFor(connection.agentId)) {
      // A catch-up running meanwhile may have sent it already.
      if (connection.toldOf(channel.id) !== undefined) continue
      connection.sendFrame(requestFrame(channel))
      connection.told(channel.id, 'pending')
    }
    const starts = new Map<string, { role: Role; after: number; through?: number }>()
    for (const { channelId, role } of await store.inboxes.memberships(connection.agentId, [...clientCursors.keys()])) {
      starts.set(channelId, { role, after: clientCursors.get(channelId) ?? 0 })
    }
    for (const inbox of await store.inboxes.of([connection.agentId])) {
      connection.told(inbox.channelId, inbox.status)
      const start = starts.get(inbox.channelId)
      if (start) {
        start.through = inbox.inboundSeq
        continue
      }
      const after = Math.max(inbox.deliveredSeq, store.cursors.unsaved(inbox.channelId, inbox.role))
      starts.set(inbox.channelId, { role: inbox.role, after, through: inbox.inboundSeq })
    }
    // Every channel's starting point is known before any live message can go out on it.
    for (const [channelId, { after }] of starts) connection.startAt(channelId, after)
    for (const [channelId, { role, after, through }] of starts) {
      // Messages committed after the inbox was read arrive live (held until goLive).
      if (through !== undefined && through <= after) continue
      replayed += await replayRange(connection, store, router, channelId, role, after)
    }
  } finally {
    connection.goLive()
  }
  return replayed
}

/** Fills a gap in live delivery from the store: the channel's inbound messages in (after, through]. */
export const backfillFrom =
  (store: Store, router: Router): Backfill =>
  async (connection, channelId, role, after, through) => {
    await replayRange(connection, store, router, channelId, role, after, through)
  }

/**
 * Delivers from the store what the agents connected here may have missed: used when the events
 * other hub instances publish could have been lost (Redis was unreachable). Messages, then the
 * channels' status: a request waiting for a provider, and an answer or end of a channel a
 * connection last knew as pending or active.
 */
export async function catchUp(store: Store, router: Router): Promise<void> {
  const agents = router.agents()
  if (agents.length === 0) return
  for (const { agentId, channelId, role, inboundSeq } of await store.inboxes.of(agents)) {
    for (const connection of router.agentConnections(agentId)) connection.catchUp(channelId, role, inboundSeq)
  }
  const followed = new Set(router.all().flatMap((connection) => connection.following()))
  for (const channel of await store.inboxes.statesOf([...followed], agents)) {
    for (const agentId of [channel.providerId, channel.consumerId]) {
      for (const connection of router.agentConnections(agentId)) {
        // Only news: a status further on than the connection's (read before a live frame moved it
        // on, the row may be behind), and of a channel it does not know, only a request to its provider.
        const told = connection.toldOf(channel.id)
        const { status } = channel
        if (told === undefined ? status !== 'pending' : !movesOn(told, status)) continue
        const frame = statusFrame(channel, agentId)
        if (!frame) continue
        connection.sendFrame(frame)
        connection.told(channel.id, status)
      }
    }
  }
}

async function replayRange(
  connection: Connection,
  store: Store,
  router: Router,
  channelId: string,
  role: Role,
  after: number,
  through?: number,
): Promise<number> {
  let replayed = 0
  const before = through === undefined ? undefined : through + 1
  for (;;) {
    if (!connection.isOpen) return replayed
    const messages = await store.messages.backlog(channelId, connection.agentId, after, PAGE, before)
    let written: Promise<void> = Promise.resolve()
    for (const message of messages) {
      // Replay is paced by the reader: it never fills the buffer that live delivery is cut at.
      if (connection.congested) await Promise.race([written, connection.gone])
      if (!connection.isOpen) return replayed
      const sent = router.sentCallback(message, role)
      written = new Promise((resolve) => {
        const fresh = connection.replay(message, messageJson(message), (error) => {
          sent(error)
          resolve()
        })
        if (fresh) replayed++
        else resolve()
      })
    }
    const last = messages.at(-1)
    if (!last || messages.length < PAGE) return replayed
    after = last.seq
    await Promise.race([written, connection.gone])
  }
}
