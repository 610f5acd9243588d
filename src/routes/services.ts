// REST for services: list them and bind one to its provider.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { actingAgent } from '../chat/access.js'
import { toService } from '../protocol/resources.js'
import { AgentId, Description, Service, ServiceId } from '../protocol/shapes.js'
import { Errors } from '../errors.js'
import { EXAMPLE, SERVICE_EXAMPLE } from '../protocol/examples.js'
import { Cursor, ListLimit, NextCursor, errors, ok } from './common.js'

const tags = ['services']
const ServicePage = Type.Object(
  { services: Type.Array(Service), next_cursor: NextCursor },
  { $id: 'ServicePage', description: 'A page of services, by id.', examples: [{ services: [SERVICE_EXAMPLE], next_cursor: null }] },
)
const NewService = Type.Object(
  { service_id: ServiceId, provider_id: Type.Optional(AgentId), description: Type.Optional(Description) },
  {
    $id: 'NewService',
    description: 'The service, and (operator only) the provider it is bound to.',
    examples: [{ service_id: EXAMPLE.service, description: EXAMPLE.description }],
  },
)

export const serviceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app

  app.get(
    '/services',
    {
      schema: {
        tags,
        operationId: 'listServices',
        summary: 'List services by id',
        querystring: Type.Object({ provider_id: Type.Optional(AgentId), limit: ListLimit, cursor: Type.Optional(Cursor) }),
        response: { 200: ok('A page of services, optionally of one provider.', ServicePage), ...errors(400, 401) },
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
        operationId: 'registerService',
        summary: 'Bind a service to its provider',
        description:
          'A service id belongs to the first provider that registers it; registering it again as that provider updates its description. An agent registers for itself (provider_id may be left out); the operator names provider_id.',
        body: NewService,
        response: {
          201: ok('The service, bound to its provider (its description updated if it was already).', Service),
          ...errors(400, 401, 403, new Errors.ServiceTaken(EXAMPLE.service)),
        },
      },
    },
    async (request, reply) => {
      const { service_id: serviceId, description } = request.body
      const providerId = actingAgent(request.actor, request.body.provider_id, 'provider_id')
      request.grant.assertRegister(serviceId)
      const service = await store.services.register(providerId, serviceId, description)
      return reply.status(201).send(toService(service))
    },
  )
}
