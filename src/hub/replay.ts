// Store-and-forward: when an agent connects, send it the chat requests waiting for it and every
// message it has not been sent yet, page by page, then switch the connection to live delivery.
import { requestFrame } from '../chat/frames.js'
import type { Store } from '../store/index.js'
import type { Connection } from './connection.js'
import { messageJson, type Router } from './router.js'

const PAGE = 200

export async function replayBacklog(connection: Connection, store: Store, router: Router): Promise<void> {
  try {
    for (const channel of await store.channels.pendingFor(connection.agentId)) {
      connection.sendFrame(requestFrame(channel))
    }
    for (const backlog of await store.channels.backlogFor(connection.agentId)) {
      let after = Math.max(backlog.deliveredSeq, store.cursors.unsaved(backlog.channelId, backlog.role))
      for (;;) {
        if (!connection.isOpen) return
        const messages = await store.messages.backlog(backlog.channelId, connection.agentId, after, PAGE)
        let written: Promise<void> = Promise.resolve()
        for (const message of messages) {
          const sent = router.sentCallback(message, backlog.role)
          written = new Promise((resolve) => {
            const fresh = connection.replay(message, messageJson(message), (error) => {
              sent(error)
              resolve()
            })
            if (!fresh) resolve()
          })
        }
        const last = messages.at(-1)
        if (!last || messages.length < PAGE) break
        after = last.seq
        // Backpressure: the next page waits until this one has left for the network.
        await written
      }
    }
  } finally {
    connection.goLive()
  }
}
