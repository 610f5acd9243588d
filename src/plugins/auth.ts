// Authentication as a Fastify plugin: every REST request (but health, metrics and the API
// documents) gets its actor before its handler runs; /ws upgrades are admitted by ws-route with
// the same Authenticator.
import fp from 'fastify-plugin'
import { Value } from '@sinclair/typebox/value'
import { Authenticator } from '../auth/authenticator.js'
import { agentIdHeaderOf, bearerOf } from '../auth/credentials.js'
import type { Actor } from '../domain/actor.js'
import { Errors } from '../errors.js'
import { AgentId } from '../protocol/shapes.js'

declare module 'fastify' {
  interface FastifyInstance {
    auth: Authenticator
  }
  interface FastifyRequest {
    /** Who is calling (set for every authenticated REST route). */
    actor: Actor
  }
}

const PUBLIC = /^\/(healthz|readyz|metrics|ws|docs|asyncapi\.json)(\/|$)/

export const authPlugin = fp(
  async (app) => {
    const auth = new Authenticator(app.store, app.config)
    app.decorate('auth', auth)
    app.decorateRequest('actor', null as never)
    if (auth.mode === 'off') {
      app.log.warn('HUB_AUTH=off: AUTHENTICATION IS DISABLED — anyone who reaches this hub can act as any agent')
    } else {
      app.log.info({ auth: auth.mode }, auth.mode === 'strict' ? 'every request must authenticate' : 'keyless agents only from this machine')
    }

    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url
      if (route === undefined || PUBLIC.test(route)) return
      const agentId = agentIdHeaderOf(request)
      if (agentId !== undefined && !Value.Check(AgentId, agentId)) {
        throw new Errors.BadRequest('X-Agent-Id must be 1–128 characters of [A-Za-z0-9._:-]')
      }
      request.actor = await auth.actor(agentId, { key: bearerOf(request), ip: request.ip })
    })
  },
  { name: 'auth', dependencies: ['store'] },
)
