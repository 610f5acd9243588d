// The slots of a connection limit counted across the cluster. Each instance keeps what it holds
// in memory (the truth for that instance) and mirrors it to a hash of its own in Redis,
// <prefix>slots:<limit>:<instance>, that expires with its heartbeat like its presence hash. A
// slot is granted by one Lua script that adds up the holdings of the live instances (presence's
// sorted set) and records this instance's new count, so two instances racing for the last slot
// cannot both win. Every write is this instance's absolute count, in order on one connection,
// and each heartbeat rewrites the hash: a write lost while Redis was away cannot leak a slot or
// send a count below zero, and a dead instance's slots stop counting once its heartbeat expires.
//
// While Redis cannot be asked (the commands connection fails fast), the limit is counted on this
// instance alone: Redis being down must not refuse well-behaved agents, and each instance still
// bounds what it holds. That is logged once per outage and counted (onUnshared).
//
// The script reads the other instances' hashes by name, as presence's reads do: one Redis (or a
// primary with replicas), not a Redis Cluster, whose slots would split them.
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { SlotCounts, type Slot, type SlotCounter } from '../lib/slot-counts.js'

// KEYS: live instances (scored by expiry), this instance's hash. ARGV: now, the hash prefix of
// every instance, this instance, the key, this instance's count with the new slot, max, ttl.
const TAKE = `
local total = tonumber(ARGV[5])
for _, id in ipairs(redis.call('zrangebyscore', KEYS[1], ARGV[1], '+inf')) do
  if id ~= ARGV[3] then total = total + tonumber(redis.call('hget', ARGV[2] .. id, ARGV[4]) or '0') end
end
if total > tonumber(ARGV[6]) then return 0 end
redis.call('hset', KEYS[2], ARGV[4], ARGV[5])
redis.call('pexpire', KEYS[2], ARGV[7])
return 1`

export interface ClusterSlotsOptions {
  /** The limit's setting, in lower case (as in hub_limit_breaches_total). */
  limit: string
  prefix: string
  instanceId: string
  /** Presence's sorted set of live instances. */
  instancesKey: string
  /** How long this instance's hash outlives its last heartbeat. */
  ttlMs: number
  log: FastifyBaseLogger
  /** Called for each slot counted on this instance alone, Redis being unreachable. */
  onUnshared: () => void
}

export class ClusterSlots implements SlotCounter {
  private readonly local = new SlotCounts()
  private readonly hashPrefix: string
  private readonly hashKey: string
  /** True while slots are counted here alone (logged when it starts and ends). */
  private unshared = false

  constructor(
    private readonly redis: Redis,
    private readonly options: ClusterSlotsOptions,
  ) {
    this.hashPrefix = `${options.prefix}slots:${options.limit}:`
    this.hashKey = `${this.hashPrefix}${options.instanceId}`
  }

  take(key: string, max: number): Slot | undefined {
    const slot = this.local.take(key, max)
    if (!slot) return undefined
    let released = false
    return {
      granted: this.claim(key, this.local.count(key), max),
      release: () => {
        if (released) return
        released = true
        slot.release()
        this.mirror(key)
      },
    }
  }

  /** Rewrites this instance's hash from its own count and extends its life (every heartbeat). */
  async beat(): Promise<void> {
    const held = this.local.all()
    const multi = this.redis.multi().del(this.hashKey)
    if (held.size > 0) multi.hset(this.hashKey, held).pexpire(this.hashKey, this.options.ttlMs)
    await multi.exec()
  }

  /** This instance leaves the cluster: its slots stop counting. */
  async leave(): Promise<void> {
    await this.redis.del(this.hashKey)
  }

  private async claim(key: string, own: number, max: number): Promise<boolean> {
    if (this.redis.status !== 'ready') return this.countedHere(new Error(`Redis connection ${this.redis.status}`))
    try {
      const { instancesKey, instanceId, ttlMs } = this.options
      const keys = [instancesKey, this.hashKey]
      const granted = await this.redis.eval(TAKE, keys.length, ...keys, Date.now(), this.hashPrefix, instanceId, key, own, max, ttlMs)
      this.shared()
      return granted === 1
    } catch (error) {
      return this.countedHere(error)
    }
  }

  /** Records this instance's count of the key; a failed write is made good by the next beat. */
  private mirror(key: string): void {
    if (this.redis.status !== 'ready') return
    const count = this.local.count(key)
    const write =
      count > 0
        ? this.redis.multi().hset(this.hashKey, key, count).pexpire(this.hashKey, this.options.ttlMs).exec()
        : this.redis.hdel(this.hashKey, key)
    write.catch(() => undefined)
  }

  private countedHere(error: unknown): boolean {
    this.options.onUnshared()
    if (!this.unshared) {
      this.unshared = true
      this.options.log.warn(
        { err: error, limit: this.options.limit },
        'Redis unreachable: this connection limit is counted on this instance alone until it answers',
      )
    }
    return true
  }

  private shared(): void {
    if (!this.unshared) return
    this.unshared = false
    this.options.log.info({ limit: this.options.limit }, 'Redis answers again: this connection limit is counted across the cluster')
  }
}
