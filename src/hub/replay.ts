// Store-and-forward: when an agent connects, send it the chat requests waiting for it and every
// message it has not received, page by page, in seq order, then switch the connection to live
// delivery. Where the client told its last seq per channel (resume), that is where replay
// starts; elsewhere, at what the hub last sent the agent.
import { requestFrame } from '../chat/frames.js'
import type { Store } from '../store/index.js'
import type { Role } from '../store/channels.js'
import type { Connection } from './connection.js'
import { messageJson, type Router } from './router.js'

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
    for (const channel of await store.channels.pendingFor(connection.agentId)) {
      connection.sendFrame(requestFrame(channel))
    }
    const starts = new Map<string, { role: Role; after: number }>()
    for (const { channelId, role } of await store.channels.memberships(connection.agentId, [...clientCursors.keys()])) {
      starts.set(channelId, { role, after: clientCursors.get(channelId) ?? 0 })
    }
    for (const backlog of await store.channels.backlogFor(connection.agentId)) {
      if (starts.has(backlog.channelId)) continue
      const after = Math.max(backlog.deliveredSeq, store.cursors.unsaved(backlog.channelId, backlog.role))
      starts.set(backlog.channelId, { role: backlog.role, after })
    }
    for (const [channelId, { role, after }] of starts) {
      replayed += await replayChannel(connection, store, router, channelId, role, after)
    }
  } finally {
    connection.goLive()
  }
  return replayed
}

async function replayChannel(
  connection: Connection,
  store: Store,
  router: Router,
  channelId: string,
  role: Role,
  after: number,
): Promise<number> {
  let replayed = 0
  for (;;) {
    if (!connection.isOpen) return replayed
    const messages = await store.messages.backlog(channelId, connection.agentId, after, PAGE)
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
