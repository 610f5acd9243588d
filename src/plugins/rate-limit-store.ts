// Where the per-address request limit (RATE_LIMIT_PER_MINUTE, REST calls and /ws upgrades) is
// counted: with REDIS_URL in Redis, so that every instance behind a load balancer counts against
// one limit (rate-limiter-flexible's Redis store), and in memory otherwise. While Redis is
// unreachable each instance counts on its own in memory, so that requests are neither refused
// nor let through unlimited. An @fastify/rate-limit store.
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { within } from '../lib/within.js'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'

/** Redis must answer this fast, or the request is counted in memory instead. */
const REDIS_TIMEOUT_MS = 500
/** How long start-up waits for Redis before counting in memory until it is there. */
const CONNECT_WAIT_MS = 3000

type Counted = Parameters<Parameters<FastifyRateLimitStore['incr']>[1]>[1] & object

export interface RateLimitCounter {
  /** The @fastify/rate-limit store class, bound to this counter. */
  store: FastifyRateLimitStoreCtor
  /** Resolves once Redis is connected (or at once without it, or after a few seconds regardless). */
  ready(): Promise<void>
  close(): Promise<void>
}

/** Counts `max` requests per `windowMs` for each key, in Redis when `redisUrl` is set. */
export function rateLimitCounter(max: number, windowMs: number, redisUrl: string | undefined, prefix: string): RateLimitCounter {
  const duration = Math.ceil(windowMs / 1000)
  const memory = new RateLimiterMemory({ points: max, duration })
  let redis: Redis | undefined
  let limiter: RateLimiterAbstract = memory
  if (redisUrl !== undefined) {
    // No offline queue: a request is not held while Redis is away; the insurance counts it.
    redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: REDIS_TIMEOUT_MS, lazyConnect: false })
    redis.on('error', () => undefined) // reconnects by itself; the insurance limiter covers the gap
    limiter = new RateLimiterRedis({
      storeClient: redis,
      points: max,
      duration,
      keyPrefix: `${prefix}rate`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    })
  }
  class Store implements FastifyRateLimitStore {
    incr(key: string, done: (error: Error | null, counted?: Counted) => void): void {
      // A refusal comes as a rejection carrying the count; anything else rejected is an error.
      limiter.consume(key).then(
        (res) => done(null, { current: res.consumedPoints, ttl: res.msBeforeNext }),
        (refused: unknown) =>
          refused instanceof RateLimiterRes ? done(null, { current: refused.consumedPoints, ttl: refused.msBeforeNext }) : done(refused as Error),
      )
    }

    child(): Store {
      return this
    }
  }
  return {
    store: Store,
    ready: async () => {
      if (redis && redis.status !== 'ready') await within(CONNECT_WAIT_MS, once(redis, 'ready'))
    },
    close: async () => {
      if (redis) await redis.quit().catch(() => redis?.disconnect())
    },
  }
}
