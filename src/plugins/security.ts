// The hub's HTTP hardening: security headers (helmet) with a Content-Security-Policy the Swagger
// UI at /docs works under, CORS closed to every origin not listed, and a per-client-address
// request rate limit on everything but health and metrics (/ws upgrades included), answered
// 429 RATE_LIMITED in the hub's error shape and documented on each route it covers; with
// REDIS_URL counted across instances (rate-limit-store.ts).
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import helmet from 'helmet'
import { listOf } from '../config.js'
import { Errors } from '../errors.js'
import { errors } from '../routes/common.js'
import { rateLimitCounter } from './rate-limit-store.js'

/** Probes that must answer however busy a client is. */
const UNLIMITED = new Set(['/healthz', '/readyz', '/metrics'])
/** Security headers are for pages a browser renders; an upgrade answers 101 (or a JSON refusal). */
const NO_SECURITY_HEADERS = new Set(['/ws'])
const ONE_MINUTE_MS = 60_000

export const securityPlugin = fp(
  async (app) => {
    // The same headers on every response: helmet's middleware is built once, here (its Fastify
    // plugin built it again, directives parsed and all, for every request).
    const securityHeaders = helmet({
      contentSecurityPolicy: {
        directives: {
          // The hub serves plain HTTP: upgrading /docs' own scripts to https would break the page.
          upgradeInsecureRequests: null,
          // What Swagger UI says it needs besides its own files (today: nothing).
          scriptSrc: ["'self'", ...app.swaggerCSP.script],
          styleSrc: ["'self'", 'https:', "'unsafe-inline'", ...app.swaggerCSP.style],
        },
      },
    })
    app.addHook('onRequest', (request, reply, done) => {
      if (NO_SECURITY_HEADERS.has(request.routeOptions.url ?? '')) return done()
      securityHeaders(request.raw, reply.raw, () => done())
    })

    // Browser origins allowed to call the REST API; none listed: CORS stays closed.
    const origins = listOf(app.config.CORS_ORIGINS).map((origin) => origin.replace(/\/+$/, ''))
    await app.register(cors, {
      origin: origins.length > 0 ? origins : false,
      exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    })

    const { RATE_LIMIT_PER_MINUTE, REDIS_URL, REDIS_PREFIX } = app.config
    const counter = rateLimitCounter(RATE_LIMIT_PER_MINUTE, ONE_MINUTE_MS, REDIS_URL, REDIS_PREFIX)
    app.addHook('onClose', () => counter.close())
    await counter.ready()
    await app.register(rateLimit, {
      // Applied below as a root hook instead, so that it runs before authentication does.
      global: false,
      max: RATE_LIMIT_PER_MINUTE,
      timeWindow: ONE_MINUTE_MS,
      store: counter.store,
      allowList: (request) => UNLIMITED.has(request.routeOptions.url ?? ''),
      onExceeded: () => app.metrics.limitBreaches.inc({ limit: 'rate_limit_per_minute' }),
      errorResponseBuilder: (_request, context) =>
        new Errors.RateLimited(`More than ${context.max} requests a minute from this address; retry in ${context.after}`),
    })
    app.addHook('onRequest', app.rateLimit())
    // A /ws upgrade refused here, before @fastify/websocket's own hooks have marked it, keeps a
    // socket the HTTP server no longer manages: end it once the refusal is written.
    app.addHook('onResponse', async (request) => {
      // Node marks the requests it handed to 'upgrade' listeners (the typings leave it out).
      if ((request.raw as { upgrade?: boolean }).upgrade === true) request.raw.socket.destroy()
    })

    // Every limited route documents its 429 (routes registered from here on: all REST routes).
    app.addHook('onRoute', (route) => {
      if (route.schema === undefined || route.schema.hide === true || UNLIMITED.has(route.url)) return
      const response = (route.schema.response ?? {}) as Record<number, unknown>
      route.schema = { ...route.schema, response: { ...response, ...errors(429) } }
    })
  },
  { name: 'security', dependencies: ['metrics', 'swagger'] },
)
