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
              description: "An agent's API key (with X-Agent-Id), or the operator's HUB_ADMIN_TOKEN.",
            },
            agentId: { type: 'apiKey', in: 'header', name: 'X-Agent-Id', description: 'The agent the API key belongs to.' },
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
