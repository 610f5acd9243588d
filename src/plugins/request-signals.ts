// What every HTTP request tells the operator: its X-Request-Id (a sane one the caller sent, else
// a new one), echoed on the response and carried by its log lines as reqId; its duration, in
// hub_http_request_duration_seconds by route; and, when refused for its credentials, why
// (hub_auth_failures_total). /ws upgrades are requests too: their refusals count alike.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import { authFailureReason } from '../observe/auth-failures.js'

/** An incoming X-Request-Id is kept when it is this: short, printable, no spaces. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

/** Fastify's genReqId: the caller's X-Request-Id when sane, else a fresh UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID()
}

export const requestSignalsPlugin = fp(
  async (app) => {
    const { metrics } = app
    // Hooks with nothing to wait for take a callback: an async one costs every request a promise
    // and a turn of the microtask queue.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id)
      done()
    })
    app.addHook('onError', async (_request, _reply, error) => {
      const reason = authFailureReason(error)
      if (reason) metrics.authFailures.inc({ reason })
    })
    app.addHook('onResponse', async (request, reply) => {
      // Unknown paths share one label, so that scanners cannot grow the series without bound.
      const route = request.routeOptions.url ?? 'unmatched'
      metrics.httpSeconds.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      )
    })
  },
  { name: 'request-signals', dependencies: ['metrics'] },
)
