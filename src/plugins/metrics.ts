// The hub's metrics as a Fastify plugin: one registry per app (src/metrics.ts), served as text
// at GET /metrics.
import fp from 'fastify-plugin'
import { createMetrics, type HubMetrics } from '../metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: HubMetrics
  }
}

export const metricsPlugin = fp(
  async (app) => {
    const metrics = createMetrics()
    app.decorate('metrics', metrics)
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    })
  },
  { name: 'metrics' },
)
