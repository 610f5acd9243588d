// The database as a Fastify plugin: opened (and migrated) at registration from DATABASE_URL,
// drained and closed when the app closes.
import fp from 'fastify-plugin'
import { channelsByStatus } from '../observe/signals.js'
import { openStore, type Store } from '../store/index.js'
import { StorageHealth } from '../store/storage-health.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

export const storePlugin = fp(
  async (app) => {
    const store = await openStore({
      databaseUrl: app.config.DATABASE_URL,
      maxBatch: app.config.BATCH_MAX_MESSAGES,
      batchWaitMs: app.config.BATCH_WAIT_MS,
      onBatch: (size, seconds) => {
        app.metrics.batchSize.observe(size)
        app.metrics.batchSeconds.observe(seconds)
      },
      onError: (error) => app.log.error({ err: error }, 'database error outside a request'),
      health: new StorageHealth(app.log, app.metrics.registry),
      pool: {
        connectTimeoutMs: app.config.DATABASE_CONNECT_TIMEOUT_MS,
        statementTimeoutMs: app.config.DATABASE_STATEMENT_TIMEOUT_MS,
        idleTimeoutMs: app.config.DATABASE_IDLE_TIMEOUT_MS,
      },
    })
    store.writer.onCommitted((batch) => app.metrics.messagesStored.inc(batch.length))
    if (store.database.migrated.length > 0) app.log.info({ migrations: store.database.migrated }, 'database migrated')
    app.decorate('store', store)
    channelsByStatus(app.metrics.registry, () => store.channels.countByStatus())
    app.addHook('onClose', async () => {
      app.log.info('shutdown: closing the database')
      await store.close()
    })
  },
  { name: 'store', dependencies: ['metrics'] },
)
