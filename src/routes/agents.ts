// REST for agents: who the hub knows and who is connected right now.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Errors } from '../errors.js'
import { toAgent } from '../store/mappers.js'
import { Agent, AgentId } from '../protocol/shapes.js'
import { Cursor, ListLimit, NextCursor, errors } from './common.js'

const tags = ['agents']

export const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app
  const { router } = app.hub

  app.get(
    '/agents',
    {
      schema: {
        tags,
        summary: 'List agents by id, with online presence',
        querystring: Type.Object({ limit: ListLimit, cursor: Type.Optional(Cursor) }),
        response: { 200: Type.Object({ agents: Type.Array(Agent), next_cursor: NextCursor }), ...errors(400) },
      },
    },
    async (request) => {
      const page = await store.agents.list(request.query.limit, request.query.cursor)
      return {
        agents: page.items.map((row) => toAgent(row, router.connectionsOf(row.id))),
        next_cursor: page.next_cursor,
      }
    },
  )

  app.get(
    '/agents/:id',
    {
      schema: {
        tags,
        summary: 'Read an agent and its presence',
        params: Type.Object({ id: AgentId }),
        response: { 200: Agent, ...errors(404) },
      },
    },
    async (request) => {
      const row = await store.agents.get(request.params.id)
      if (!row) throw new Errors.NotFound(`Agent ${request.params.id} does not exist`)
      return toAgent(row, router.connectionsOf(row.id))
    },
  )
}
