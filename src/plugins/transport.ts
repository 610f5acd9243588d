// The /ws side of the hub as a Fastify plugin: delivery, the router of the agents connected
// here (started as the broker's handler), heartbeats, and the GET /ws endpoint. On shutdown it
// refuses new frames and connections, finishes storing (and acking) what it accepted, then
// closes every socket with 1001.
import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import { Delivery } from '../delivery/delivery.js'
import { CloseCode } from '../protocol/close-codes.js'
import { TaskSet } from '../lib/task-set.js'
import { within } from '../lib/within.js'
import { ConnectionBudgets, SWEEP_MS } from '../transport/budgets.js'
import { skipFinishedReceiverEnd } from '../transport/receiver-end.js'
import { Router } from '../transport/router.js'
import { wsRoute } from '../transport/ws-route.js'

export interface Transport {
  router: Router
  delivery: Delivery
  /** Per-connection work (frames, replays, last-seen updates) that shutdown waits for. */
  tasks: TaskSet
  /** True once shutdown has begun. */
  closing: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    transport: Transport
  }
}

/** Frames up to this multiple of the limit get an error frame; larger ones close the socket (1009). */
const HARD_LIMIT_FACTOR = 4
/** How long a closing socket may take to complete the close handshake at shutdown. */
const CLOSE_GRACE_MS = 2000

export const transportPlugin = fp(
  async (app) => {
    const { store, metrics, broker, config } = app
    skipFinishedReceiverEnd()
    // A batch's messages share their timestamp: each delivered one reads the last one parsed.
    const stored = { text: '', ms: NaN }
    const delivery = new Delivery(store, {
      delivered: (storedAt) => {
        if (storedAt !== stored.text) Object.assign(stored, { text: storedAt, ms: Date.parse(storedAt) })
        metrics.messagesDelivered.inc()
        metrics.deliverySeconds.observe(Math.max(0, Date.now() - stored.ms) / 1000)
      },
      gap: () => metrics.gapFills.inc(),
      undeliverable: (channelId, seq) => {
        metrics.undeliverable.inc()
        app.log.error({ channel_id: channelId, seq }, 'stored message cannot be serialised; skipped')
      },
    })
    const router = new Router(broker, delivery)
    const transport: Transport = { router, delivery, tasks: new TaskSet(), closing: false }
    app.decorate('transport', transport)
    await broker.start(router)

    const heartbeat = setInterval(() => {
      for (const connection of router.all()) if (!connection.heartbeat()) metrics.heartbeatTimeouts.inc()
    }, config.HEARTBEAT_INTERVAL_MS).unref()
    const budgets = new ConnectionBudgets({
      fragmentTimeoutMs: config.FRAGMENT_TIMEOUT_MS,
      maxTotalBufferedBytes: config.MAX_TOTAL_BUFFERED_BYTES,
      onBreach: (limit) => metrics.limitBreaches.inc({ limit }),
    })
    const sweep = setInterval(() => budgets.sweep(router.all()), SWEEP_MS).unref()

    await app.register(websocket, {
      options: { maxPayload: config.MAX_FRAME_BYTES * HARD_LIMIT_FACTOR },
      preClose: async () => {
        transport.closing = true
        clearInterval(heartbeat)
        clearInterval(sweep)
        // Frames already accepted finish (their messages stored and acked) before sockets close.
        // Each wait is bounded and says what it left, so a shutdown that runs out of
        // SHUTDOWN_TIMEOUT_MS has named its cause.
        app.log.info({ connections: router.all().length, frames: transport.tasks.size }, 'shutdown: finishing the frames in progress')
        if (!(await transport.tasks.settled(CLOSE_GRACE_MS))) app.log.warn({ frames: transport.tasks.size }, 'shutdown: frames still in progress; closing anyway')
        if (!(await within(CLOSE_GRACE_MS, store.writer.drain()))) app.log.warn({ queued: store.writer.backlog }, 'shutdown: messages still being stored')
        // Taken now: an upgrade authenticated before shutdown began may have joined meanwhile.
        const connections = router.all()
        for (const connection of connections) connection.close(CloseCode.GOING_AWAY, 'hub shutting down')
        // A peer that stopped reading never completes the close handshake: do not wait for it.
        await Promise.all(connections.map((connection) => connection.closed(CLOSE_GRACE_MS)))
        for (const connection of router.all()) connection.terminate()
        // A socket still open would hold the HTTP server's close (and the process) open.
        for (const socket of app.websocketServer.clients) socket.terminate()
        app.websocketServer.close()
        if (!(await transport.tasks.settled(CLOSE_GRACE_MS))) app.log.warn({ frames: transport.tasks.size }, 'shutdown: work still running after the sockets closed')
        app.log.info('shutdown: sockets closed')
      },
      // A client breaking the protocol at the socket level (oversized frame, bad framing) is
      // the client's problem: a warning, and the socket goes.
      errorHandler: (error, socket, request) => {
        request.log.warn({ err: error }, 'socket error')
        socket.terminate()
      },
    })
    await app.register(wsRoute)
  },
  { name: 'transport', dependencies: ['metrics', 'events', 'store', 'broker', 'auth', 'chat'] },
)
