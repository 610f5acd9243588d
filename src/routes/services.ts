// REST for services: list them and bind one to its provider.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { actingAgent } from '../chat/access.js'
import { toService } from '../protocol/resources.js'
import { AgentId, Description, Service, ServiceId } from '../protocol/shapes.js'
import { Cursor, ListLimit, NextCursor, errors } from './common.js'

const tags = ['services']

export const serviceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app

  app.get(
    '/services',
    {
      schema: {
        tags,
        summary: 'List services by id',
        querystring: Type.Object({ provider_id: Type.Optional(AgentId), limit: ListLimit, cursor: Type.Optional(Cursor) }),
        response: { 200: Type.Object({ services: Type.Array(Service), next_cursor: NextCursor }), ...errors(400, 401) },
      },
    },
    async (request) => {
      const { limit, cursor, provider_id: providerId } = request.query
      const page = await store.services.list(limit, cursor, providerId)
      return { services: page.items.map(toService), next_cursor: page.next_cursor }
    },
  )

  app.post(
    '/services',
    {
      schema: {
        tags,
        summary: 'Bind a service to its provider',
        description:
          'A service id belongs to the first provider that registers it; registering it again as that provider updates its description. An agent registers for itself (provider_id may be left out); the operator names provider_id.',
        body: Type.Object({
          service_id: ServiceId,
          provider_id: Type.Optional(AgentId),
          description: Type.Optional(Description),
        }),
        response: { 201: Service, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { service_id: serviceId, description } = request.body
      const providerId = actingAgent(request.actor, request.body.provider_id, 'provider_id')
      const service = await store.services.register(providerId, serviceId, description)
      return reply.status(201).send(toService(service))
    },
  )
}
