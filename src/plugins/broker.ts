// The broker as a Fastify plugin: the LocalBroker when the hub runs alone, or with REDIS_URL the
// RedisBroker that joins the other instances (reporting hub_redis_up and
// hub_connection_slots_unshared_total at /metrics). The /ws side
// starts it with its router as the handler; the broker is released when the app closes.
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { Broker } from '../broker/broker.js'
import { LocalBroker } from '../broker/local-broker.js'
import { RedisBroker } from '../broker/redis-broker.js'

declare module 'fastify' {
  interface FastifyInstance {
    broker: Broker
  }
}

export const brokerPlugin = fp(
  async (app) => {
    const { REDIS_URL, REDIS_PREFIX, PRESENCE_TTL_MS } = app.config
    let broker: Broker = new LocalBroker()
    if (REDIS_URL !== undefined) {
      const redisUp = new Gauge({
        name: 'hub_redis_up',
        help: '1 while Redis carries cross-instance delivery, 0 while the database is polled instead.',
        registers: [app.metrics.registry],
      })
      const unshared = new Counter({
        name: 'hub_connection_slots_unshared_total',
        help: 'Upgrades whose connection limit (label: its setting) was counted on this instance alone, Redis being unreachable.',
        labelNames: ['limit'],
        registers: [app.metrics.registry],
      })
      broker = new RedisBroker({
        url: REDIS_URL,
        prefix: REDIS_PREFIX,
        presenceTtlMs: PRESENCE_TTL_MS,
        log: app.log,
        onStateChange: (up) => redisUp.set(up ? 1 : 0),
        onUnsharedSlot: (limit) => unshared.inc({ limit }),
      })
    }
    app.decorate('broker', broker)
    app.addHook('onClose', () => broker.close())
  },
  { name: 'broker', dependencies: ['metrics'] },
)
