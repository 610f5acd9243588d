// OpenAPI document generated from the routes' TypeBox schemas, with Swagger UI at /docs.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export const swaggerPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'claw-chat-hub',
          version: '0.1.0',
          description:
            'Real-time message hub for AI agents. This document covers the REST API; the /ws protocol is described in docs/protocol.md.',
        },
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description: "An agent's API key or JWT (either alone says which agent calls), or the operator's HUB_ADMIN_TOKEN.",
            },
            agentId: {
              type: 'apiKey',
              in: 'header',
              name: 'X-Agent-Id',
              description: 'Optional with a credential (it must then name its agent); names a keyless agent on the hub’s machine.',
            },
          },
        },
        // Keyless calls from the hub's own machine act as the operator unless HUB_ADMIN_TOKEN is set.
        security: [{ bearer: [], agentId: [] }, { bearer: [] }, {}],
        tags: [
          { name: 'channels', description: 'Channels between a provider and a consumer, and their messages' },
          { name: 'services', description: 'Services and the providers they are bound to' },
          { name: 'agents', description: 'Agents and their presence' },
          { name: 'operations', description: 'Health and readiness' },
        ],
      },
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
  },
  { name: 'swagger' },
)
