// Starts a real hub on 127.0.0.1 (port 0) with a fresh SQLite database, for tests that need
// real sockets. close() shuts it down and removes the database.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

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
}

export function tempSqliteUrl(): { url: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'claw-hub-'))
  return { url: `file:${join(dir, 'hub.db')}`, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A built (not listening) app on a fresh SQLite database, for app.inject() tests. */
export async function buildTestApp(options: HubOptions = {}): Promise<{ app: App; close: () => Promise<void> }> {
  const temp = options.databaseUrl ? undefined : tempSqliteUrl()
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
      temp?.remove()
    },
  }
}

export async function startHub(options: HubOptions = {}): Promise<TestHub> {
  const temp = options.databaseUrl ? undefined : tempSqliteUrl()
  const databaseUrl = options.databaseUrl ?? (temp as { url: string }).url
  const { app, close } = await buildTestApp({ ...options, databaseUrl })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    app,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    databaseUrl,
    close: async () => {
      await close()
      temp?.remove()
    },
  }
}
