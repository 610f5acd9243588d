// Builds the hub as a Fastify instance: its named plugins (src/plugins: infrastructure, the chat
// layer, the /ws side), then the REST routes, registered explicitly. The validated configuration
// is decorated first, as app.config, and every plugin reads it there. It does not listen
// (src/server.ts does).
import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { serializeRequest } from './auth/redact.js'
import { asyncapiPlugin } from './plugins/asyncapi.js'
import { authPlugin } from './plugins/auth.js'
import { brokerPlugin } from './plugins/broker.js'
import { chatPlugin } from './plugins/chat.js'
import { eventsPlugin } from './plugins/events.js'
import { consolePlugin } from './plugins/console.js'
import { errorsPlugin } from './plugins/errors.js'
import { metricsPlugin } from './plugins/metrics.js'
import { requestIdOf, requestSignalsPlugin } from './plugins/request-signals.js'
import { retentionPlugin } from './plugins/retention.js'
import { securityPlugin } from './plugins/security.js'
import { storePlugin } from './plugins/store.js'
import { swaggerPlugin } from './plugins/swagger.js'
import { transportPlugin } from './plugins/transport.js'
import { validationPlugin } from './plugins/validation.js'
import { agentRoutes } from './routes/agents.js'
import { channelRoutes } from './routes/channels.js'
import { healthRoutes } from './routes/health.js'
import { messageRoutes } from './routes/messages.js'
import { serviceRoutes } from './routes/services.js'
import { PROTOCOL_VERSION } from './protocol/builders.js'
import { WS_ROOT, wsAtRoot } from './transport/ws-route.js'

export type App = FastifyInstance

declare module 'fastify' {
  interface FastifyInstance {
    /** The validated configuration the app was built with. */
    config: Config
  }
}

export async function buildApp(config: Config): Promise<App> {
  const app = Fastify({
    logger: { level: config.LOG_LEVEL, serializers: { req: serializeRequest } },
    trustProxy: config.TRUST_PROXY,
    bodyLimit: config.MAX_FRAME_BYTES,
    // A client that sends its request slowly (or never finishes it) is cut, not waited for:
    // checked every second, not Node's default of every 30.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: { requestTimeout: config.REQUEST_TIMEOUT_MS, headersTimeout: config.REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    // While the hub shuts down, requests go through their routes: a /ws upgrade is refused there
    // (503, its socket closed), where Fastify's own early 503 would leave an upgrade's socket open
    // and the HTTP server's close waiting on it until SHUTDOWN_TIMEOUT_MS.
    return503OnClosing: false,
    requestIdHeader: false,
    genReqId: requestIdOf,
    rewriteUrl: wsAtRoot,
    // The validators a response serializer runs for its unions are compiled as the routes are,
    // at start-up, instead of by each route's first answer (15–30 ms of the event loop each).
    serializerOpts: { compileValidators: true },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.decorate('config', config)

  await app.register(errorsPlugin)
  await app.register(validationPlugin)
  // Before every route, so that the OpenAPI document lists them all (/metrics included).
  await app.register(swaggerPlugin)
  await app.register(metricsPlugin)
  await app.register(requestSignalsPlugin)
  await app.register(eventsPlugin)
  // Before authentication and the routes: its rate limit runs first, and it documents their 429.
  await app.register(securityPlugin)
  // Before the /ws side: it documents the WebSocket routes as they are registered.
  await app.register(asyncapiPlugin, { protocolVersion: PROTOCOL_VERSION, aliases: [WS_ROOT] })
  await app.register(storePlugin)
  await app.register(brokerPlugin)
  await app.register(retentionPlugin)
  await app.register(authPlugin)
  await app.register(chatPlugin)
  await app.register(transportPlugin)

  await app.register(healthRoutes)
  await app.register(channelRoutes)
  await app.register(messageRoutes)
  await app.register(serviceRoutes)
  await app.register(agentRoutes)
  await app.register(consolePlugin)
  return app
}
