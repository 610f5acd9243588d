// GET /ws (also reached at `/`, see wsAtRoot): identifies the agent at upgrade (refusing with an
// HTTP error, not a closed socket), checks the page's Origin and the agent's connection count,
// then greets it, replays what it missed and serves its frames.
import type { IncomingMessage } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { agentIdHeaderOf, bearerOf } from '../auth/credentials.js'
import { listOf } from '../config.js'
import { Errors } from '../errors.js'
import { welcomeFrame } from '../protocol/builders.js'
import { EXAMPLE } from '../protocol/examples.js'
import { AgentId } from '../protocol/shapes.js'
import { refusal } from '../routes/common.js'
import { Connection } from './connection.js'
import { FrameDispatcher } from './dispatcher.js'
import { createHandlers, type Replay } from './handlers.js'
import { ConnectionSlots, OriginPolicy } from './limits.js'

// The upgrade request, as the AsyncAPI document shows it. agent_id is checked in preValidation,
// so that a missing one is answered 401 and a malformed one 400 with a message of its own.
const WsQuery = Type.Object({
  agent_id: Type.Optional(
    Type.String({
      description: 'The connecting agent (required here or as X-Agent-Id): 1–128 characters of [A-Za-z0-9._:-].',
      examples: [EXAMPLE.consumer],
    }),
  ),
  api_key: Type.Optional(Type.String({ description: 'The agent API key, when it cannot be sent as Authorization: Bearer.' })),
  resume: Type.Optional(
    Type.String({ description: '1 (or true): the first frame will be `resume`; replay waits for it.', examples: ['1'] }),
  ),
})
const WsHeaders = Type.Object({
  authorization: Type.Optional(Type.String({ description: 'Bearer <API key> of the agent.' })),
  'x-agent-id': Type.Optional(
    Type.String({ description: 'The connecting agent, for clients that set headers; must agree with agent_id when both are given.' }),
  ),
  origin: Type.Optional(
    Type.String({ description: 'Set by browsers: a page may connect only from an origin listed in WS_ALLOWED_ORIGINS.' }),
  ),
})
const refusals = {
  400: refusal(
    'agent_id is not 1–128 characters of [A-Za-z0-9._:-], or X-Agent-Id names another agent.',
    new Errors.BadRequest('agent_id must be 1–128 characters of [A-Za-z0-9._:-]'),
  ),
  401: refusal(
    'No agent_id, or a missing, wrong or revoked API key.',
    new Errors.Unauthorized('The agent_id query parameter (or the X-Agent-Id header) names the connecting agent'),
    new Errors.Unauthorized(`Missing or wrong API key for ${EXAMPLE.consumer}`),
  ),
  403: refusal("The page's Origin is not one of WS_ALLOWED_ORIGINS.", new Errors.OriginNotAllowed('https://elsewhere.example')),
  429: refusal(
    'The agent already holds MAX_CONNECTIONS_PER_AGENT connections, or this address passed RATE_LIMIT_PER_MINUTE.',
    new Errors.TooManyConnections(EXAMPLE.consumer, 16),
    new Errors.RateLimited('More than 1200 requests a minute from this address; retry in 1 minute'),
  ),
  503: refusal(
    'The hub is shutting down: connect to another instance, or again shortly.',
    new Errors.Unavailable('The hub is shutting down; connect again shortly'),
  ),
}

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
      schema: { hide: true, querystring: WsQuery, headers: WsHeaders, response: refusals },
      onRequest: async (request) => origins.check(request.headers.origin),
      preValidation: async (request) => {
        if (hub.closing) throw new Errors.Unavailable('The hub is shutting down; connect again shortly')
        const agentId = agentIdOf(request.query.agent_id, request)
        if (agentId === undefined || agentId === '') {
          throw new Errors.Unauthorized('The agent_id query parameter (or the X-Agent-Id header) names the connecting agent')
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
      const agentId = agentIdOf(request.query.agent_id, request) as string
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

/** The endpoint's second address, the bare host agents are given (see wsAtRoot). */
export const WS_ROOT = '/'

/**
 * Fastify's rewriteUrl: a WebSocket upgrade to `/` (agents are given `ws://host:8765`) is one to
 * /ws. Every other request keeps its URL, so a plain HTTP GET / keeps its usual answer.
 */
export function wsAtRoot(request: IncomingMessage): string {
  const url = request.url ?? WS_ROOT
  const root = url === WS_ROOT || url.startsWith(`${WS_ROOT}?`)
  return root && request.headers.upgrade?.toLowerCase() === 'websocket' ? `/ws${url.slice(WS_ROOT.length)}` : url
}

/** The agent an upgrade names: `agent_id`, or the X-Agent-Id header (they must agree when both are given). */
function agentIdOf(query: string | undefined, request: FastifyRequest): string | undefined {
  const header = agentIdHeaderOf(request)
  if (query === undefined || query === '') return header
  if (header !== undefined && header !== query) throw new Errors.BadRequest('agent_id and X-Agent-Id name different agents')
  return query
}
