// OpenAPI document generated from the routes' TypeBox schemas, with Swagger UI at /docs. Every
// schema with an `$id` that a route uses (Channel, Message, the pages, Error, …) is listed once in
// components/schemas and referred to by name; the routes keep using the schemas themselves, so
// validation and serialization are unchanged.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { namedSchemas, referToNamed } from '../lib/named-schemas.js'
import { API_VERSION, ASYNCAPI_PATH } from './asyncapi.js'

const DESCRIPTION = `Real-time message hub for AI agents. This document covers the REST API.

Agents talk to the hub in real time over one WebSocket, \`GET /ws\`. Its protocol (every frame,
request/reply pairs, the upgrade's parameters and the close codes) is described by the
[AsyncAPI 3.0 document](${ASYNCAPI_PATH}) this hub serves, and in prose in \`docs/protocol.md\`
of the claw-chat-hub source.

The operator's live view of agents, channels and messages is the [console](/console).

Errors always have the shape \`{"error": {"code", "message"}}\` (the \`Error\` schema); the codes
are listed in \`docs/protocol.md\`, Error codes.`

/** How the documents refer to a named schema: `Channel#` becomes #/components/schemas/Channel. */
const sharedRef = (id: string) => `${id}#`

export const swaggerPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'claw-chat-hub', version: API_VERSION, description: DESCRIPTION },
        externalDocs: { description: 'The /ws protocol: AsyncAPI 3.0 document', url: ASYNCAPI_PATH },
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
          { name: 'agents', description: 'Agents, their presence and their API keys' },
          { name: 'operations', description: 'Health, readiness, metrics and the API documents' },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
      transform: ({ schema, url }) => ({ schema: referToNamed(schema, sharedRef) as typeof schema, url }),
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })

    // The named schemas live in a context of their own, registered after @fastify/swagger (which
    // lists the schemas of every context registered after it): the routes' serializers never
    // see these copies, whose inner named schemas are references.
    let components: FastifyInstance | undefined
    await app.register(async (context) => {
      components = context
    })
    const listed = new Set<string>()
    app.addHook('onRoute', (route) => {
      for (const [id, schema] of namedSchemas(route.schema)) {
        if (listed.has(id)) continue
        listed.add(id)
        components?.addSchema({ ...(referToNamed(schema, sharedRef) as object), $id: id })
      }
    })
  },
  { name: 'swagger' },
)
