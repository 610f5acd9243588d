// The hub's metrics as a Fastify plugin: one registry per app (src/metrics.ts), served as text
// at GET /metrics.
import fp from 'fastify-plugin'
import { Type } from '@sinclair/typebox'
import { createMetrics, type HubMetrics } from '../metrics.js'
import { providerOf } from '../store/database-url.js'
import { API_VERSION } from './asyncapi.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: HubMetrics
  }
}

export const metricsPlugin = fp(
  async (app) => {
    const metrics = createMetrics({ version: API_VERSION, database: providerOf(app.config.DATABASE_URL) })
    app.decorate('metrics', metrics)
    const schema = {
      tags: ['operations'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics of this instance',
      security: [],
      produces: ['text/plain'],
      response: { 200: { description: 'The metrics, in the Prometheus text format.', content: { 'text/plain': { schema: Type.String() } } } },
    }
    app.get('/metrics', { schema }, async (_request, reply) => {
      reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    })
  },
  { name: 'metrics' },
)
