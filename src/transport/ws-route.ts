// GET /ws (also reached at `/`, see wsAtRoot): identifies the agent at upgrade (refusing with an
// HTTP error, not a closed socket), checks the page's Origin and the agent's connection count,
// then greets it, replays what it missed and serves its frames.
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { presentedAtUpgrade } from '../auth/credentials.js'
import { closeAtExpiry } from '../auth/expiry.js'
import { listOf } from '../config.js'
import { Errors } from '../errors.js'
import { welcomeFrame } from '../protocol/builders.js'
import { EXAMPLE } from '../protocol/examples.js'
import { refusal } from '../routes/common.js'
import { Connection } from './connection.js'
import { logConnection } from './connection-log.js'
import { FrameDispatcher } from './dispatcher.js'
import { WorkQueue } from './work-queue.js'
import { grantedHandlers } from './frame-grants.js'
import { createHandlers, type Replay } from './handlers.js'
import { ConnectionSlots, OriginPolicy } from './limits.js'

// The upgrade request, as the AsyncAPI document shows it. agent_id is checked in preValidation,
// with the credential, so that a malformed one is answered 400 with a message of its own.
const WsQuery = Type.Object({
  agent_id: Type.Optional(
    Type.String({
      description:
        'The connecting agent (or the X-Agent-Id header), 1–128 characters of [A-Za-z0-9._:-]: needed by a keyless agent; sent with a credential, it must name its agent.',
      examples: [EXAMPLE.consumer],
    }),
  ),
  api_key: Type.Optional(Type.String({ description: 'The API key or JWT, when it cannot be sent as Authorization: Bearer.' })),
  resume: Type.Optional(
    Type.String({ description: '1 (or true): the first frame will be `resume`; replay waits for it.', examples: ['1'] }),
  ),
})
const WsHeaders = Type.Object({
  authorization: Type.Optional(Type.String({ description: 'Bearer <API key or JWT> of the agent: it alone says who connects.' })),
  'x-agent-id': Type.Optional(Type.String({ description: 'The connecting agent, as agent_id.' })),
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
    'No credential (and no keyless agent_id from the hub’s machine), or an unknown, revoked or expired one. Sent with WWW-Authenticate: Bearer.',
    new Errors.Unauthorized('Present the agent’s API key or token (Authorization: Bearer …), or name a keyless agent with agent_id'),
    new Errors.Unauthorized('Unknown API key (keys are issued by the operator: POST /agents, or `claw-chat-hub keys issue <agent>`)'),
    new Errors.Unauthorized('The token expired at 2024-11-25T10:00:00.000Z'),
  ),
  403: refusal(
    "The credential is another agent's than agent_id, or the page's Origin is not one of WS_ALLOWED_ORIGINS.",
    new Errors.Forbidden(`This credential is ${EXAMPLE.provider}’s, not ${EXAMPLE.consumer}’s`),
    new Errors.OriginNotAllowed('https://elsewhere.example'),
  ),
  429: refusal(
    'The agent already holds MAX_CONNECTIONS_PER_AGENT connections, its address MAX_CONNECTIONS_PER_ADDRESS, or this address passed RATE_LIMIT_PER_MINUTE.',
    new Errors.TooManyConnections(EXAMPLE.consumer, 16),
    new Errors.TooManyFromAddress('203.0.113.7', 4096),
    new Errors.RateLimited('More than 1200 requests a minute from this address; retry in 1 minute'),
  ),
  503: refusal(
    'The hub is shutting down (connect to another instance, or again shortly), cannot reach its database, or cannot fetch the keys at HUB_JWKS_URL.',
    new Errors.Unavailable('The hub is shutting down; connect again shortly'),
  ),
}

export const wsRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { store, metrics, chat, config } = app
  const hub = app.transport
  const refuseWhileClosing = () => {
    if (hub.closing) throw new Errors.Unavailable('The hub is shutting down; connect again shortly')
  }
  const replay: Replay = (connection, cursors) =>
    hub.delivery.replay(connection.deliveries, hub.router.reachable(connection.agentId), cursors)
  const handlers = createHandlers(store, chat, replay, (seconds) => metrics.ackSeconds.observe(seconds))
  const origins = new OriginPolicy(listOf(config.WS_ALLOWED_ORIGINS), () => metrics.limitBreaches.inc({ limit: 'ws_allowed_origins' }))
  const slots = new ConnectionSlots(app.broker.slots('max_connections_per_agent'), config.MAX_CONNECTIONS_PER_AGENT, () =>
    metrics.limitBreaches.inc({ limit: 'max_connections_per_agent' }),
  )
  const queue = new WorkQueue(config.MAX_QUEUED_FRAMES, config.MAX_TOTAL_QUEUED_FRAMES)
  const addresses = new ConnectionSlots(
    app.broker.slots('max_connections_per_address'),
    config.MAX_CONNECTIONS_PER_ADDRESS,
    () => metrics.limitBreaches.inc({ limit: 'max_connections_per_address' }),
    (address, max) => new Errors.TooManyFromAddress(address, max),
  )

  app.get(
    '/ws',
    {
      websocket: true,
      schema: { hide: true, querystring: WsQuery, headers: WsHeaders, response: refusals },
      onRequest: (request, _reply, done) => {
        origins.check(request.headers.origin)
        done()
      },
      preValidation: async (request) => {
        refuseWhileClosing()
        await addresses.take(request.ip, request.raw)
        request.identity = await app.auth.agent(presentedAtUpgrade(request, request.query))
        const { agentId } = request.identity
        // Held from here until the socket closes, so racing upgrades cannot pass the limit together.
        await slots.take(agentId, request.raw)
        // The agent exists (for GET /agents) before its welcome frame.
        await store.agents.touch(agentId)
        // Shutdown may have begun while this upgrade was authenticated: it joins no closing hub.
        refuseWhileClosing()
        corkUntilWelcome(request.raw.socket)
      },
    },
    (socket, request) => {
      const { agentId, grant } = request.identity
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
      const dispatcher = new FrameDispatcher(connection, grantedHandlers(handlers, grant), {
        maxFrameBytes: config.MAX_FRAME_BYTES,
        maxFramesPerSecond: config.MAX_FRAMES_PER_SECOND,
        inFlight: { maxFrames: config.MAX_FRAMES_IN_FLIGHT, maxBytes: config.MAX_BYTES_IN_FLIGHT },
        log: request.log,
        metrics,
        tasks: hub.tasks,
        closing: () => hub.closing,
        storage: store.health,
        queue,
      })
      socket.on('message', (data) => dispatcher.receive(data))
      socket.on('close', () => {
        slots.release(request.raw)
        addresses.release(request.raw)
        hub.router.remove(connection)
        metrics.connections.dec()
        hub.tasks.run(
          () => store.agents.touch(agentId),
          (error) => request.log.warn({ err: error, agent_id: agentId }, 'last-seen update failed'),
        )
      })

      hub.router.add(connection)
      metrics.connections.inc()
      const connections = () => hub.router.connectionsOf(agentId)
      logConnection({ connection, socket, address: request.ip, log: request.log, events: app.events, connections })
      closeAtExpiry(socket, request.identity)
      connection.sendFrame(welcomeFrame(agentId, config.MAX_FRAME_BYTES))
      request.raw.socket.uncork()
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

/**
 * Holds the socket's writes from here to the welcome frame, so that the 101 answer and the
 * welcome leave in one write (one syscall, one packet). Should anything between (a hook, a
 * refusal) wait for I/O, the writes go out at the next tick as they would have.
 */
function corkUntilWelcome(socket: Socket): void {
  socket.cork()
  process.nextTick(() => socket.uncork())
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

