// Authentication as a Fastify plugin: every REST request (but health, metrics and the API
// documents) gets its caller before its handler runs; /ws upgrades are admitted by ws-route with
// the same Authenticator (presentedAtUpgrade). Every 401 says how to authenticate
// (WWW-Authenticate: Bearer, RFC 6750).
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Authenticator, type Identity } from '../auth/authenticator.js'
import { agentIdFrom, bearerOf } from '../auth/credentials.js'
import type { ServiceGrant } from '../auth/grant.js'
import type { Actor } from '../domain/actor.js'

declare module 'fastify' {
  interface FastifyInstance {
    auth: Authenticator
  }
  interface FastifyRequest {
    /** Who is calling (set for every authenticated REST route). */
    actor: Actor
    /** Which services the caller may register and request (set with actor). */
    grant: ServiceGrant
    /** The agent of a /ws upgrade (set once admitted). */
    identity: Identity
  }
}

// The console's page and assets carry no data (what they show comes from authenticated calls).
const PUBLIC = /^\/(healthz|readyz|metrics|ws|docs|asyncapi\.json|console$|console\/app\.(js|css)$)(\/|$)/
const REALM = 'Bearer realm="claw-chat-hub"'

export const authPlugin = fp(
  async (app) => {
    const auth = new Authenticator(app.store, app.config, {
      // Credentials read are kept only while every instance's changes reach this one.
      usable: () => app.broker.readiness().redis !== 'down',
      onKeySetError: (error) => app.log.warn({ err: error }, 'cannot read the keys at HUB_JWKS_URL'),
    })
    app.broker.onCredentialsChanged((agentId) => (agentId === undefined ? auth.credentials.clear() : auth.credentials.forget(agentId)))
    app.decorate('auth', auth)
    app.decorateRequest('actor', null as never)
    app.decorateRequest('grant', null as never)
    app.decorateRequest('identity', null as never)
    if (auth.mode === 'off') {
      app.log.warn('HUB_AUTH=off: AUTHENTICATION IS DISABLED — anyone who reaches this hub can act as any agent')
    } else {
      app.log.info(
        { auth: auth.mode, jwt: auth.tokens.enabled },
        auth.mode === 'strict' ? 'every request must authenticate' : 'keyless agents only from this machine',
      )
    }
    app.addHook('onReady', async () => {
      const legacy = await app.store.agents.countLegacyKeys()
      if (legacy > 0) app.log.warn({ agents: legacy }, 'agents with keys stored before key digests: each key still works, and moves to a digest when next used; rotate keys an agent chose itself')
    })

    const identify = async (request: FastifyRequest) => {
      const agentId = agentIdFrom(request.headers['x-agent-id'], 'X-Agent-Id')
      const caller = await auth.caller({ credential: bearerOf(request), agentId, ip: request.ip })
      request.actor = caller.actor
      request.grant = caller.grant
    }
    // A callback, so that the public routes (a /ws upgrade among them) pay for no promise.
    app.addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions.url
      if (route === undefined || PUBLIC.test(route)) return done()
      identify(request).then(() => done(), done)
    })
    app.addHook('onSend', async (request, reply) => {
      if (reply.statusCode !== 401) return
      const presented = request.headers.authorization !== undefined || /[?&]api_key=/.test(request.url)
      reply.header('www-authenticate', presented ? `${REALM}, error="invalid_token"` : REALM)
    })
  },
  { name: 'auth', dependencies: ['store', 'broker'] },
)
