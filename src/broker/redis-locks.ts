// Per-key locks across hub instances: the process-local lock first, then a Redis key set with
// NX and a random token (released only by its holder, expiring on its own if the holder dies).
// Without Redis the local lock alone serialises, as on a single instance.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { Errors, retryable } from '../errors.js'
import { KeyedLock, type Locks } from '../lib/keyed-lock.js'

/** A lock outlives a crashed holder by at most this long. */
const LOCK_TTL_MS = 10_000
/** How long to wait for a lock another instance holds. */
const WAIT_MS = 5_000

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`

export class RedisLocks implements Locks {
  private readonly local = new KeyedLock()

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onUnavailable: (error: unknown) => void,
  ) {}

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const name = `${this.prefix}lock:${key}`
      const token = await this.acquire(name)
      try {
        return await work()
      } finally {
        if (token) await this.redis.eval(RELEASE, 1, name, token).catch(this.onUnavailable)
      }
    })
  }

  /** The lock's token, or undefined when Redis cannot be asked (the local lock stands alone). */
  private async acquire(name: string): Promise<string | undefined> {
    const token = randomUUID()
    const deadline = Date.now() + WAIT_MS
    for (let attempt = 0; ; attempt++) {
      try {
        if ((await this.redis.set(name, token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') return token
      } catch (error) {
        this.onUnavailable(error)
        return undefined
      }
      if (Date.now() > deadline) throw retryable(new Errors.Unavailable('Another hub instance is busy with these agents; try again'), LOCK_TTL_MS / 10)
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100) * (0.5 + Math.random())))
    }
  }
}
