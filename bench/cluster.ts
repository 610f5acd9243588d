// The Redis side of a benchmark on several hub instances: a key prefix of this run's own (so that
// runs sharing a Redis never hear each other, and what a run leaves behind can be removed), a
// check that each instance has joined (until then frames between instances go through the
// database's fallback poll, not pub/sub), and the Redis server's CPU time, which every message
// between instances costs as well.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { until } from '../test/helpers/poll.js'

const REDIS_URL = process.env.HUB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const JOIN_TIMEOUT_MS = 10_000

export interface Cluster {
  /** What each instance of this cluster is started with. */
  env: { REDIS_URL: string; REDIS_PREFIX: string }
  /** Resolves once the instance listening on `port` reports Redis up. */
  joined(port: number): Promise<void>
  /** CPU seconds (user + system) the Redis server has used so far. */
  redisCpuSeconds(): Promise<number>
  /** Removes this run's keys and disconnects. */
  close(): Promise<void>
}

export async function redisCluster(): Promise<Cluster> {
  const prefix = `bench-${randomBytes(4).toString('hex')}:`
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect().catch((error: unknown) => {
    throw new Error(`cannot reach Redis at ${REDIS_URL} (set HUB_TEST_REDIS_URL): ${String(error)}`)
  })
  return {
    env: { REDIS_URL, REDIS_PREFIX: prefix },
    joined: (port) => until(() => redisUp(port), JOIN_TIMEOUT_MS, `the hub on port ${port} reporting Redis up`),
    redisCpuSeconds: async () => {
      const info = await redis.info('cpu')
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN)
      return field('used_cpu_user') + field('used_cpu_sys')
    },
    close: async () => {
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
        if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]))
      }
      await redis.quit()
    },
  }
}

async function redisUp(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined)
  const readiness = (await response?.json().catch(() => undefined)) as { redis?: string } | undefined
  return readiness?.redis === 'up'
}
