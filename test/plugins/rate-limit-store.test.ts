// The per-address request limit with REDIS_URL: two instances on one database and one Redis
// count against one RATE_LIMIT_PER_MINUTE, REST calls and /ws upgrades alike; and with Redis
// unreachable each instance still counts, on its own, in memory.
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { rateLimitCounter } from '../../src/plugins/rate-limit-store.js'
import { SHARED_REDIS_URL } from '../helpers/cluster.js'
import { buildTestApp, tempDatabase } from '../helpers/hub.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Two instances sharing a database and a Redis key prefix of their own. */
async function twoInstances(env: Record<string, string>): Promise<[App, App]> {
  const database = await tempDatabase()
  cleanups.push(() => database.remove())
  const shared = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: `test-${randomBytes(4).toString('hex')}:`, ...env }
  const apps: App[] = []
  for (let i = 0; i < 2; i++) {
    const { app, close } = await buildTestApp({ databaseUrl: database.url, env: shared })
    cleanups.push(close)
    apps.push(app)
  }
  return apps as [App, App]
}

describe('RATE_LIMIT_PER_MINUTE with REDIS_URL', () => {
  it('is counted across instances: requests spread over two of them share one limit', async () => {
    const [first, second] = await twoInstances({ RATE_LIMIT_PER_MINUTE: '4' })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 === 0 ? first : second).inject({ url: '/services' })).statusCode)
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
    const refused = await first.inject({ url: '/services' })
    expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    // Another address has its own count, on either instance (a foreign one: refused for its credential, not its rate).
    expect((await second.inject({ url: '/services', remoteAddress: '203.0.113.9' })).statusCode).toBe(401)
  })

  it('counts in memory, per instance, while Redis cannot be reached', async () => {
    const counter = rateLimitCounter(2, 60_000, 'redis://127.0.0.1:1', 'test-unreachable:')
    cleanups.push(() => counter.close())
    const store = new counter.store({})
    const incr = () =>
      new Promise<number>((resolve, reject) => store.incr('203.0.113.1', (error, counted) => (error ? reject(error) : resolve(counted?.current ?? -1))))
    expect([await incr(), await incr(), await incr()]).toEqual([1, 2, 3])
  })
})
