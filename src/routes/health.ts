// Liveness (the process answers) and readiness (the database answers too).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

const tags = ['operations']
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  database: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  connections: Type.Integer({ description: 'Open /ws connections on this instance.' }),
})

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      schema: { tags, summary: 'Liveness', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    { schema: { tags, summary: 'Readiness: can the hub serve (is the database up)?', security: [], response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      const up = await app.store.ping()
      return reply.status(up ? 200 : 503).send({
        status: up ? 'ready' : 'unavailable',
        database: up ? 'up' : 'down',
        connections: app.hub.router.size,
      })
    },
  )
}
