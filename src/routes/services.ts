// REST for services: list them and bind one to its provider.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { toService } from '../store/mappers.js'
import { AgentId, Service, ServiceId } from '../protocol/shapes.js'
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
        response: { 200: Type.Object({ services: Type.Array(Service), next_cursor: NextCursor }), ...errors(400) },
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
        description: 'A service id belongs to the first provider that registers it; registering it again as that provider updates its description.',
        body: Type.Object({
          service_id: ServiceId,
          provider_id: AgentId,
          description: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: { 201: Service, ...errors(400, 409) },
      },
    },
    async (request, reply) => {
      const { service_id: serviceId, provider_id: providerId, description } = request.body
      const service = await store.services.register(providerId, serviceId, description)
      return reply.status(201).send(toService(service))
    },
  )
}
