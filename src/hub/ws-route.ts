// GET /ws: identifies the agent at upgrade (refusing with an HTTP error, not a closed socket),
// checks the page's Origin and the agent's connection count, then greets it, replays what it
// missed and serves its frames.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { closeAtExpiry } from '../auth/expiry.js'
import { grantedHandlers } from '../auth/frame-grants.js'
import { presentedAtUpgrade } from '../auth/plugin.js'
import { Errors } from '../errors.js'
import { Connection } from './connection.js'
import { FrameDispatcher } from './dispatcher.js'
import { createHandlers } from './handlers.js'
import { ConnectionSlots, OriginPolicy } from './limits.js'
import { backfillFrom, replayBacklog } from './replay.js'

export const PROTOCOL_VERSION = 1

const WsQuery = Type.Object({
  agent_id: Type.Optional(
    Type.String({ description: 'The connecting agent (or X-Agent-Id): needed by a keyless agent, else it must match the credential.' }),
  ),
  api_key: Type.Optional(Type.String({ description: 'The API key or JWT, when it cannot be sent as Authorization: Bearer.' })),
  resume: Type.Optional(Type.String({ description: '1: the first frame will be `resume`; replay waits for it.' })),
})

export interface WsRouteOptions {
  maxFrameBytes: number
  maxBufferedBytes: number
  maxFramesPerSecond: number
  maxConnectionsPerAgent: number
  /** Origins whose pages may open /ws; an upgrade carrying another Origin is refused (403). */
  allowedOrigins: string[]
}

export const wsRoute: FastifyPluginAsyncTypebox<WsRouteOptions> = async (app, options) => {
  const { store, metrics, hub } = app
  const handlers = createHandlers(store, hub.chat, hub.router)
  const backfill = backfillFrom(store, hub.router)
  const origins = new OriginPolicy(options.allowedOrigins, () => metrics.limitBreaches.inc({ limit: 'ws_allowed_origins' }))
  const slots = new ConnectionSlots(options.maxConnectionsPerAgent, () =>
    metrics.limitBreaches.inc({ limit: 'max_connections_per_agent' }),
  )

  app.get(
    '/ws',
    {
      websocket: true,
      schema: { hide: true, querystring: WsQuery },
      onRequest: async (request) => origins.check(request.headers.origin),
      preValidation: async (request) => {
        if (hub.closing) throw new Errors.Unavailable('The hub is shutting down; connect again shortly')
        request.identity = await app.auth.agent(presentedAtUpgrade(request, request.query))
        const { agentId } = request.identity
        // Held from here until the socket closes, so racing upgrades cannot pass the limit together.
        slots.take(agentId, request.raw)
        // The agent exists (for GET /agents) before its welcome frame.
        await store.agents.touch(agentId)
      },
    },
    (socket, request) => {
      const { agentId, grant } = request.identity
      const resume = request.query.resume === '1' || request.query.resume === 'true'
      const connection = new Connection(
        agentId,
        socket,
        {
          maxBufferedBytes: options.maxBufferedBytes,
          onSlow: () => metrics.slowConsumers.inc(),
          onGap: () => metrics.gapFills.inc(),
        },
        backfill,
        resume,
      )
      const dispatcher = new FrameDispatcher(connection, grantedHandlers(handlers, grant), {
        maxFrameBytes: options.maxFrameBytes,
        maxFramesPerSecond: options.maxFramesPerSecond,
        log: request.log,
        metrics,
        tasks: hub.tasks,
        closing: () => hub.closing,
      })
      socket.on('message', (data) => dispatcher.receive(data))
      socket.on('close', () => {
        slots.release(request.raw)
        hub.router.remove(connection)
        metrics.connections.dec()
        hub.tasks.run(
          () => store.agents.touch(agentId),
          (error) => request.log.warn({ err: error, agent_id: agentId }, 'last-seen update failed'),
        )
      })

      hub.router.add(connection)
      metrics.connections.inc()
      closeAtExpiry(socket, request.identity)
      connection.sendFrame({
        type: 'welcome',
        agent_id: agentId,
        protocol: PROTOCOL_VERSION,
        server_time: new Date().toISOString(),
        max_frame_bytes: options.maxFrameBytes,
      })
      // A resuming client names its cursors first; everyone else is replayed from the hub's.
      if (!resume) {
        hub.tasks.run(
          () => replayBacklog(connection, store, hub.router),
          (error) => request.log.error({ err: error, agent_id: agentId }, 'replay failed'),
        )
      }
    },
  )
}
