// The chat layer as a Fastify plugin: channel life cycle and messaging on the store, reaching
// agents and serialising the work on each pair of agents through the broker. Every committed
// message is published to its recipient, wherever it is connected; channel changes and messages
// are also told to app.events (for the console), when someone listens.
import fp from 'fastify-plugin'
import { createChat, type Chat, type ChatBroker } from '../chat/index.js'

/** Chat requests expired per sweep, and the longest time between sweeps. */
const EXPIRE_BATCH = 100
const MAX_EXPIRY_SWEEP_MS = 60_000

declare module 'fastify' {
  interface FastifyInstance {
    chat: Chat
  }
}

export const chatPlugin = fp(
  async (app) => {
    const { store, broker, metrics, events } = app
    const observed: ChatBroker = {
      locks: broker.locks,
      publishFrame: (agentIds, frame, replies) => {
        broker.publishFrame(agentIds, frame, replies)
        if (events.listened && 'channel_id' in frame && typeof frame.channel_id === 'string') {
          events.emit({ kind: 'channel', channel_id: frame.channel_id, change: frame.type })
        }
      },
    }
    const chat = createChat(store, observed, {
      maxPendingRequests: app.config.MAX_PENDING_REQUESTS,
      onPendingLimit: () => metrics.limitBreaches.inc({ limit: 'max_pending_requests' }),
    })
    store.writer.onCommitted((batch) => {
      broker.publishMessages(batch)
      if (!events.listened) return
      for (const { message } of batch) events.emit({ kind: 'message', message })
    })
    app.decorate('chat', chat)

    // Chat requests nobody answered expire: looked for a tenth of PENDING_REQUEST_TTL_MS apart.
    const ttl = app.config.PENDING_REQUEST_TTL_MS
    const expiry = setInterval(() => {
      chat.lifecycle.expire(new Date(Date.now() - ttl), EXPIRE_BATCH).then(
        (expired) => metrics.requestsExpired.inc(expired),
        (error: unknown) => app.log.warn({ err: error }, 'expiring chat requests failed'),
      )
    }, Math.min(ttl / 10, MAX_EXPIRY_SWEEP_MS)).unref()
    app.addHook('onClose', () => clearInterval(expiry))
  },
  { name: 'chat', dependencies: ['metrics', 'store', 'broker', 'events'] },
)
