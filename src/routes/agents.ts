// REST for agents: who the hub knows and who is connected right now, on any hub instance; and,
// for the operator, issuing, rotating and revoking API keys — the only way a key comes to be.
// A key is shown once, when issued; a rotated or revoked key's open connections are closed at
// once (4401). Reads change nothing.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { generateKey, keyDigest } from '../auth/api-keys.js'
import { requireAdmin } from '../auth/credentials.js'
import { Errors } from '../errors.js'
import { CloseCode } from '../protocol/close-codes.js'
import type { Agent as AgentRow } from '../generated/sqlite/client.js'
import { hasKey } from '../store/agents.js'
import { toAgent } from '../protocol/resources.js'
import { Agent, AgentId, Text } from '../protocol/shapes.js'
import { AGENT_EXAMPLE, EXAMPLE } from '../protocol/examples.js'
import { Cursor, ListLimit, NextCursor, errors, ok } from './common.js'

const tags = ['agents']
const Params = Type.Object({ id: AgentId })
const IssuedKey = Type.Object(
  {
    agent: Agent,
    api_key: Type.String({ description: 'The new key. It is shown only now: the hub keeps only its SHA-256 digest.' }),
  },
  {
    $id: 'IssuedKey',
    description: 'An agent and its new API key.',
    examples: [{ agent: { ...AGENT_EXAMPLE, online: false, connections: 0 }, api_key: 'chk_3q7VbN2xY8mK4pR6tW1zA9sD5fG0hJcLu2Ee0oXy1Qk' }],
  },
)
const AgentPage = Type.Object(
  { agents: Type.Array(Agent), next_cursor: NextCursor },
  { $id: 'AgentPage', description: 'A page of agents, by id.', examples: [{ agents: [AGENT_EXAMPLE], next_cursor: null }] },
)
const NewAgent = Type.Object(
  {
    agent_id: AgentId,
    display_name: Type.Optional(Text(200, { description: 'A name for people reading lists of agents.', examples: ['Weather provider'] })),
  },
  { $id: 'NewAgent', description: 'The agent to register.', examples: [{ agent_id: EXAMPLE.provider, display_name: 'Weather provider' }] },
)

export const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, broker } = app
  const withPresence = async (row: AgentRow) => toAgent(row, (await broker.connections([row.id])).get(row.id) ?? 0)

  const issue = async (agentId: string, displayName?: string) => {
    const apiKey = generateKey()
    const row = await store.agents.setKey(agentId, keyDigest(apiKey), displayName)
    broker.publishCredentialsChanged(agentId)
    broker.publishClose(agentId, CloseCode.UNAUTHORIZED, 'API key replaced')
    return { agent: await withPresence(row), api_key: apiKey }
  }

  app.get(
    '/agents',
    {
      schema: {
        tags,
        operationId: 'listAgents',
        summary: 'List agents by id, with online presence',
        querystring: Type.Object({ limit: ListLimit, cursor: Type.Optional(Cursor) }),
        response: { 200: ok('A page of agents, with their presence on every hub instance.', AgentPage), ...errors(400, 401) },
      },
    },
    async (request) => {
      const page = await store.agents.list(request.query.limit, request.query.cursor)
      const connections = await broker.connections(page.items.map((row) => row.id))
      return {
        agents: page.items.map((row) => toAgent(row, connections.get(row.id) ?? 0)),
        next_cursor: page.next_cursor,
      }
    },
  )

  app.get(
    '/agents/:id',
    {
      schema: {
        tags,
        operationId: 'getAgent',
        summary: 'Read an agent and its presence',
        params: Params,
        response: { 200: ok('The agent.', Agent), ...errors(401, new Errors.NotFound(`Agent ${EXAMPLE.provider} does not exist`)) },
      },
    },
    async (request) => {
      const row = await store.agents.get(request.params.id)
      if (!row) throw new Errors.NotFound(`Agent ${request.params.id} does not exist`)
      return withPresence(row)
    },
  )

  app.post(
    '/agents',
    {
      schema: {
        tags,
        operationId: 'registerAgent',
        summary: 'Register an agent and issue its API key (operator)',
        description: 'Refused (409) for an agent that already has a key: rotate it with POST /agents/{id}/key.',
        body: NewAgent,
        response: {
          201: ok('The agent and its key.', IssuedKey),
          ...errors(400, 401, new Errors.Forbidden('Only the operator may do this'), new Errors.AgentHasKey(EXAMPLE.provider)),
        },
      },
    },
    async (request, reply) => {
      requireAdmin(request.actor)
      const { agent_id: agentId, display_name: displayName } = request.body
      const existing = await store.agents.get(agentId)
      if (existing && hasKey(existing)) throw new Errors.AgentHasKey(agentId)
      return reply.status(201).send(await issue(agentId, displayName))
    },
  )

  app.post(
    '/agents/:id/key',
    {
      schema: {
        tags,
        operationId: 'rotateAgentKey',
        summary: "Rotate an agent's API key (operator)",
        description: 'Issues a new key; the old one stops working and connections made with it are closed (4401).',
        params: Params,
        response: {
          200: ok('The agent and its new key.', IssuedKey),
          ...errors(401, new Errors.Forbidden('Only the operator may do this'), new Errors.NotFound(`Agent ${EXAMPLE.provider} does not exist`)),
        },
      },
    },
    async (request) => {
      requireAdmin(request.actor)
      if (!(await store.agents.get(request.params.id))) throw new Errors.NotFound(`Agent ${request.params.id} does not exist`)
      return issue(request.params.id)
    },
  )

  app.delete(
    '/agents/:id/key',
    {
      schema: {
        tags,
        operationId: 'revokeAgentKey',
        summary: "Revoke an agent's API key (operator)",
        description: 'The agent cannot connect until a new key is issued; its open connections are closed (4401).',
        params: Params,
        response: {
          200: ok('The agent, without a key.', Agent),
          ...errors(401, new Errors.Forbidden('Only the operator may do this'), new Errors.NotFound(`Agent ${EXAMPLE.provider} does not exist`)),
        },
      },
    },
    async (request) => {
      requireAdmin(request.actor)
      const row = await store.agents.revokeKey(request.params.id)
      if (!row) throw new Errors.NotFound(`Agent ${request.params.id} does not exist`)
      broker.publishCredentialsChanged(row.id)
      broker.publishClose(row.id, CloseCode.UNAUTHORIZED, 'API key revoked')
      return withPresence(row)
    },
  )
}
