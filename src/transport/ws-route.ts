// GET /ws: identifies the agent at upgrade (refusing with an HTTP error, not a closed socket),
// checks the page's Origin and the agent's connection count, then greets it, replays what it
// missed and serves its frames.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { bearerOf } from '../auth/credentials.js'
import { listOf } from '../config.js'
import { Errors } from '../errors.js'
import { welcomeFrame } from '../protocol/builders.js'
import { AgentId } from '../protocol/shapes.js'
import { Connection } from './connection.js'
import { FrameDispatcher } from './dispatcher.js'
import { createHandlers, type Replay } from './handlers.js'
import { ConnectionSlots, OriginPolicy } from './limits.js'

const WsQuery = Type.Object({
  agent_id: Type.Optional(Type.String({ description: 'The connecting agent.' })),
  api_key: Type.Optional(Type.String({ description: 'The agent API key, when it cannot be sent as Authorization: Bearer.' })),
  resume: Type.Optional(Type.String({ description: '1: the first frame will be `resume`; replay waits for it.' })),
})

export const wsRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { store, metrics, chat, config } = app
  const hub = app.transport
  const replay: Replay = (connection, cursors) =>
    hub.delivery.replay(connection.deliveries, hub.router.reachable(connection.agentId), cursors)
  const handlers = createHandlers(store, chat, replay)
  const origins = new OriginPolicy(listOf(config.WS_ALLOWED_ORIGINS), () => metrics.limitBreaches.inc({ limit: 'ws_allowed_origins' }))
  const slots = new ConnectionSlots(config.MAX_CONNECTIONS_PER_AGENT, () =>
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
        const agentId = request.query.agent_id
        if (agentId === undefined || agentId === '') {
          throw new Errors.Unauthorized('The agent_id query parameter names the connecting agent')
        }
        if (!Value.Check(AgentId, agentId)) {
          throw new Errors.BadRequest('agent_id must be 1–128 characters of [A-Za-z0-9._:-]')
        }
        await app.auth.agent(agentId, { key: bearerOf(request) ?? request.query.api_key, ip: request.ip })
        // Held from here until the socket closes, so racing upgrades cannot pass the limit together.
        slots.take(agentId, request.raw)
        // The agent exists (for GET /agents) before its welcome frame.
        await store.agents.touch(agentId)
      },
    },
    (socket, request) => {
      const agentId = request.query.agent_id as string
      const resume = request.query.resume === '1' || request.query.resume === 'true'
      const connection = new Connection(
        agentId,
        socket,
        {
          maxBufferedBytes: config.MAX_BUFFERED_BYTES,
          onSlow: () => metrics.slowConsumers.inc(),
        },
        hub.delivery,
        resume,
      )
      const dispatcher = new FrameDispatcher(connection, handlers, {
        maxFrameBytes: config.MAX_FRAME_BYTES,
        maxFramesPerSecond: config.MAX_FRAMES_PER_SECOND,
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
      connection.sendFrame(welcomeFrame(agentId, config.MAX_FRAME_BYTES))
      // A resuming client names its cursors first; everyone else is replayed from the hub's.
      if (!resume) {
        hub.tasks.run(
          () => replay(connection),
          (error) => request.log.error({ err: error, agent_id: agentId }, 'replay failed'),
        )
      }
    },
  )
}
