// Liveness (the process answers) and readiness (the database answers too, and can take writes;
// within a second, whatever the database does: a hung query answers 503). With REDIS_URL,
// readiness also tells whether Redis is up; without it the instance still serves, reaching the
// other instances' agents through the database, so it stays ready.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ok } from './common.js'

const tags = ['operations']
const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    database: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('full'), Type.Literal('read_only')], {
      description: 'down: unreachable or not answering within a second; full, read_only: it answers but cannot store messages.',
    }),
    redis: Type.Optional(
      Type.Union([Type.Literal('up'), Type.Literal('down')], {
        description: 'With REDIS_URL only. down: other instances are reached by polling the database until Redis is back.',
      }),
    ),
    connections: Type.Integer({ description: 'Open /ws connections on this instance.' }),
  },
  {
    $id: 'Readiness',
    description: 'Whether this instance can serve, and why not.',
    examples: [
      { status: 'ready', database: 'up', connections: 12 },
      { status: 'unavailable', database: 'down', redis: 'up', connections: 3 },
      { status: 'unavailable', database: 'full', connections: 3 },
    ],
  },
)

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        operationId: 'getLiveness',
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: ok('The process is up.', Type.Object({ status: Type.Literal('ok') })) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        operationId: 'getReadiness',
        summary: 'Readiness: can the hub serve (is the database up)? Reports Redis too, with REDIS_URL',
        security: [],
        response: {
          200: ok('Ready: the database answers.', Readiness),
          503: ok('Not ready: the database does not answer, or cannot take writes (take this instance out of rotation).', Readiness),
        },
      },
    },
    async (_request, reply) => {
      const ping = await app.store.ping()
      return reply.status(ping.up ? 200 : 503).send({
        status: ping.up ? 'ready' : 'unavailable',
        database: ping.up ? 'up' : ping.fault === 'unreachable' ? 'down' : ping.fault,
        ...app.broker.readiness(),
        connections: app.transport.router.size,
      })
    },
  )
}
