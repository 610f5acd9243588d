// The chat layer as a Fastify plugin: channel life cycle and messaging on the store, reaching
// agents and serialising the work on each pair of agents through the broker. Every committed
// message is published to its recipient, wherever it is connected.
import fp from 'fastify-plugin'
import { createChat, type Chat } from '../chat/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    chat: Chat
  }
}

export const chatPlugin = fp(
  async (app) => {
    const { store, broker, metrics } = app
    const chat = createChat(store, broker, {
      maxPendingRequests: app.config.MAX_PENDING_REQUESTS,
      onPendingLimit: () => metrics.limitBreaches.inc({ limit: 'max_pending_requests' }),
    })
    store.writer.onCommitted((batch) => broker.publishMessages(batch))
    app.decorate('chat', chat)
  },
  { name: 'chat', dependencies: ['metrics', 'store', 'broker'] },
)
