// Serves the AsyncAPI 3.0 document of /ws at GET /asyncapi.json. It is built (once, on first use)
// from the frame schemas and from the WebSocket routes as registered, so their query and header
// schemas and documented refusals are what the document shows; `app.asyncapi()` returns it.
import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import type { RouteOptions } from 'fastify'
import { buildAsyncApi, type WsEndpoint } from '../protocol/asyncapi.js'
import { ok } from '../routes/common.js'

export const ASYNCAPI_PATH = '/asyncapi.json'
/** The version both API documents (this one and the OpenAPI one) give the hub. */
export const API_VERSION = '0.1.0'

declare module 'fastify' {
  interface FastifyInstance {
    asyncapi(): Record<string, unknown>
  }
}

export interface AsyncApiPluginOptions {
  /** The protocol version `welcome` announces. */
  protocolVersion: number
  /** Paths rewritten to the WebSocket route before routing (no route of their own), e.g. `/`. */
  aliases?: string[]
}

const isWebSocket = (route: RouteOptions & { websocket?: boolean; wsHandler?: unknown }) =>
  route.websocket === true || route.wsHandler !== undefined

export const asyncapiPlugin = fp<AsyncApiPluginOptions>(
  async (app, options) => {
    const endpoints: WsEndpoint[] = []
    app.addHook('onRoute', (route) => {
      // Fastify also adds a HEAD route for each GET one: the upgrade is the GET.
      if (!isWebSocket(route) || route.method !== 'GET' || endpoints.some((e) => e.url === route.url)) return
      const schema = (route.schema ?? {}) as Omit<WsEndpoint, 'url'>
      endpoints.push({ url: route.url, querystring: schema.querystring, headers: schema.headers, response: schema.response })
    })

    let document: { value: Record<string, unknown>; json: string } | undefined
    const built = () => {
      if (!document) {
        const [main] = endpoints
        const aliases = main ? (options.aliases ?? []).map((url) => ({ ...main, url })) : []
        const value = buildAsyncApi({
          version: API_VERSION,
          protocolVersion: options.protocolVersion,
          endpoints: [...endpoints, ...aliases],
        })
        document = { value, json: JSON.stringify(value) }
      }
      return document
    }
    app.decorate('asyncapi', () => built().value)

    app.get(
      ASYNCAPI_PATH,
      {
        schema: {
          tags: ['operations'],
          operationId: 'getAsyncApi',
          summary: 'The AsyncAPI 3.0 document of the /ws protocol',
          description: 'Every frame both ways with its schema, the request/reply pairs, the upgrade parameters and the close codes.',
          security: [],
          response: { 200: ok('The AsyncAPI document.', Type.Object({ asyncapi: Type.Literal('3.0.0') }, { additionalProperties: true })) },
        },
      },
      // Sent as the text it was serialized to once, not through the response schema.
      async (_request, reply) => reply.type('application/json; charset=utf-8').send(built().json),
    )
  },
  { name: 'asyncapi' },
)
