// The real-time hub as a Fastify plugin: the router of connected agents (joined to the other hub
// instances on Redis when there are several), the chat layer wired to it, heartbeats, and the
// GET /ws endpoint. On shutdown it refuses new frames and connections, finishes storing (and
// acking) what it accepted, then closes every socket with 1001.
import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import { Gauge } from 'prom-client'
import { createChat, type Chat } from '../chat/index.js'
import { CloseCode } from '../protocol/close-codes.js'
import { TaskSet } from '../lib/task-set.js'
import { RedisCluster } from '../cluster/redis-cluster.js'
import { catchUp } from './replay.js'
import { Router } from './router.js'
import { wsRoute, type WsRouteOptions } from './ws-route.js'

export interface Hub {
  router: Router
  chat: Chat
  /** Per-connection work (frames, replays, last-seen updates) that shutdown waits for. */
  tasks: TaskSet
  /** True once shutdown has begun. */
  closing: boolean
  /** The other hub instances, with REDIS_URL. */
  cluster: RedisCluster | undefined
  /** The agents' open connections, on every instance. */
  connections(agentIds: string[]): Promise<Map<string, number>>
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub
  }
}

export interface HubPluginOptions extends WsRouteOptions {
  heartbeatIntervalMs: number
  /** Chat requests one consumer may have waiting for an answer. */
  maxPendingRequests: number
  /** Several instances: the Redis they share. */
  redis?: { url: string; prefix: string; presenceTtlMs: number } | undefined
}

/** Frames up to this multiple of the limit get an error frame; larger ones close the socket (1009). */
const HARD_LIMIT_FACTOR = 4
/** How long a closing socket may take to complete the close handshake at shutdown. */
const CLOSE_GRACE_MS = 2000

export const hubPlugin = fp<HubPluginOptions>(
  async (app, options) => {
    const { store, metrics } = app
    const router = new Router(store.cursors, () => metrics.messagesDelivered.inc())
    let cluster: RedisCluster | undefined
    if (options.redis) {
      const redisUp = new Gauge({
        name: 'hub_redis_up',
        help: '1 while Redis carries cross-instance delivery, 0 while the database is polled instead.',
        registers: [metrics.registry],
      })
      const joined = new RedisCluster({
        ...options.redis,
        router,
        catchUp: () => catchUp(store, router),
        log: app.log,
        onStateChange: (up) => redisUp.set(up ? 1 : 0),
      })
      router.connectPeers(joined)
      await joined.start()
      app.addHook('onClose', () => joined.close())
      cluster = joined
    }
    store.writer.onCommitted((batch) => router.deliver(batch))
    const chat = createChat(
      store,
      router,
      {
        maxPendingRequests: options.maxPendingRequests,
        onPendingLimit: () => metrics.limitBreaches.inc({ limit: 'max_pending_requests' }),
      },
      cluster?.locks,
    )
    const hub: Hub = {
      router,
      chat,
      tasks: new TaskSet(),
      closing: false,
      cluster,
      connections: async (agentIds) =>
        cluster ? cluster.connections(agentIds) : new Map(agentIds.map((id) => [id, router.connectionsOf(id)])),
    }
    app.decorate('hub', hub)

    const heartbeat = setInterval(() => {
      for (const connection of router.all()) if (!connection.heartbeat()) metrics.heartbeatTimeouts.inc()
    }, options.heartbeatIntervalMs).unref()

    await app.register(websocket, {
      options: { maxPayload: options.maxFrameBytes * HARD_LIMIT_FACTOR },
      preClose: async () => {
        hub.closing = true
        clearInterval(heartbeat)
        // Frames already accepted finish (their messages stored and acked) before sockets close.
        await hub.tasks.settled(CLOSE_GRACE_MS)
        await store.writer.drain()
        const connections = router.all()
        for (const connection of connections) connection.close(CloseCode.GOING_AWAY, 'hub shutting down')
        // A peer that stopped reading never completes the close handshake: do not wait for it.
        await Promise.all(connections.map((connection) => connection.closed(CLOSE_GRACE_MS)))
        for (const connection of connections) connection.terminate()
        app.websocketServer.close()
        await hub.tasks.settled()
      },
      // A client breaking the protocol at the socket level (oversized frame, bad framing) is
      // the client's problem: a warning, and the socket goes.
      errorHandler: (error, socket, request) => {
        request.log.warn({ err: error }, 'socket error')
        socket.terminate()
      },
    })
    await app.register(wsRoute, options)
  },
  { name: 'hub', dependencies: ['store', 'metrics', 'auth'] },
)
