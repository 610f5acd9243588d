// Builds or starts a real hub on a fresh database (SQLite, or Postgres with
// HUB_TEST_DATABASE=postgres), for app.inject() tests and for tests over real sockets on
// 127.0.0.1. close() shuts it down and drops the database.
import type { AddressInfo } from 'node:net'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { tempDatabase } from './database.js'

export { tempSqliteUrl, tempDatabase } from './database.js'

export interface TestHub {
  app: App
  httpUrl: string
  wsUrl: string
  databaseUrl: string
  close: () => Promise<void>
}

export interface HubOptions {
  env?: Record<string, string>
  /** Reuse this database (e.g. to restart a hub on the same data). */
  databaseUrl?: string
  /** Address to listen on (default 127.0.0.1; the URLs given still point at 127.0.0.1). */
  host?: string
}

/** A built (not listening) app on a fresh database, for app.inject() tests. */
export async function buildTestApp(options: HubOptions = {}): Promise<{ app: App; close: () => Promise<void> }> {
  const temp = options.databaseUrl ? undefined : await tempDatabase()
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl ?? temp?.url,
    LOG_LEVEL: 'error',
    ...options.env,
  })
  const app = await buildApp(config)
  await app.ready()
  return {
    app,
    close: async () => {
      await app.close()
      await temp?.remove()
    },
  }
}

export async function startHub(options: HubOptions = {}): Promise<TestHub> {
  const temp = options.databaseUrl ? undefined : await tempDatabase()
  const databaseUrl = options.databaseUrl ?? (temp as { url: string }).url
  const { app, close } = await buildTestApp({ ...options, databaseUrl })
  await app.listen({ port: 0, host: options.host ?? '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    app,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    databaseUrl,
    close: async () => {
      await close()
      await temp?.remove()
    },
  }
}
