// The slots of a connection limit counted across instances, against the machine's Redis (each
// test with a key prefix of its own): racing instances never pass the limit together, a slot
// given back on one instance can be taken on another, a dead instance's slots stop counting once
// its heartbeat expires, no count leaks or goes below zero, and without Redis each instance
// counts on its own instead of refusing.
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { instancesKey, Presence } from '../../src/broker/redis-presence.js'
import { ClusterSlots } from '../../src/broker/redis-slots.js'
import type { Slot } from '../../src/lib/slot-counts.js'
import { SHARED_REDIS_URL } from '../helpers/cluster.js'
import { freshPort } from '../helpers/process.js'
import { poll } from '../helpers/poll.js'

const connections: Redis[] = []
afterAll(async () => {
  await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())))
})

const silentLog = () => ({ warn: vi.fn(), info: vi.fn() }) as unknown as FastifyBaseLogger & { warn: ReturnType<typeof vi.fn> }

/** One instance: its commands connection (as the hub opens it), its heartbeat and its slots. */
async function instance(prefix: string, instanceId: string, ttlMs = 60_000, url = SHARED_REDIS_URL) {
  const redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: 1000, maxRetriesPerRequest: null })
  redis.on('error', () => undefined)
  connections.push(redis)
  const log = silentLog()
  const onUnshared = vi.fn()
  const slots = new ClusterSlots(redis, { limit: 'max_test', prefix, instanceId, instancesKey: instancesKey(prefix), ttlMs, log, onUnshared })
  const presence = new Presence(redis, { prefix, instanceId, ttlMs, local: () => new Map() })
  if (url === SHARED_REDIS_URL) {
    await poll(() => redis.status, (status) => status === 'ready', 5000, 'Redis connection')
    await Promise.all([presence.beat(), slots.beat()])
  }
  return { redis, slots, presence, log, onUnshared }
}

const newPrefix = () => `test-slots-${randomBytes(4).toString('hex')}:`

/** Takes a slot and waits for the answer: the slot when granted, undefined when refused (and given back). */
async function take(slots: ClusterSlots, key: string, max: number): Promise<Slot | undefined> {
  const slot = slots.take(key, max)
  if (!slot) return undefined
  if (await slot.granted) return slot
  slot.release()
  return undefined
}

describe('connection slots across instances (Redis)', () => {
  it('grants exactly the limit to instances racing for it, and a slot given back on one can be taken on the other', async () => {
    const prefix = newPrefix()
    const a = await instance(prefix, 'a')
    const b = await instance(prefix, 'b')
    const attempts = Array.from({ length: 12 }, (_, i) => take((i % 2 === 0 ? a : b).slots, 'agent-1', 3))
    const granted = (await Promise.all(attempts)).filter((slot) => slot !== undefined)
    expect(granted).toHaveLength(3)
    expect(await take(a.slots, 'agent-1', 3)).toBeUndefined()
    expect(await take(b.slots, 'agent-1', 3)).toBeUndefined()
    // Another key is not affected.
    expect(await take(a.slots, 'agent-2', 3)).toBeDefined()

    // Given back wherever it was held, the slot can be taken on either instance.
    granted[0]?.release()
    const again = await poll(() => take(b.slots, 'agent-1', 3), (slot) => slot !== undefined, 5000, 'the freed slot')
    expect(await take(a.slots, 'agent-1', 3)).toBeUndefined()

    // Releasing twice gives back one slot; once all are back, nothing is left in Redis.
    again?.release()
    again?.release()
    for (const slot of granted) slot?.release()
    await poll(() => a.redis.hgetall(`${prefix}slots:max_test:a`), (held) => held['agent-1'] === undefined, 5000, "a's holdings of agent-1")
    await poll(() => b.redis.hgetall(`${prefix}slots:max_test:b`), (held) => Object.keys(held).length === 0, 5000, "b's holdings")
    const four = await Promise.all([take(a.slots, 'agent-1', 3), take(b.slots, 'agent-1', 3), take(a.slots, 'agent-1', 3), take(b.slots, 'agent-1', 3)])
    expect(four.filter((slot) => slot !== undefined)).toHaveLength(3)
    expect(a.onUnshared).not.toHaveBeenCalled()
  })

  it("stops counting a dead instance's slots once its heartbeat expires", async () => {
    const prefix = newPrefix()
    const a = await instance(prefix, 'a')
    const b = await instance(prefix, 'b')
    expect(await take(b.slots, 'agent', 2)).toBeDefined()
    expect(await take(b.slots, 'agent', 2)).toBeDefined()
    expect(await take(a.slots, 'agent', 2)).toBeUndefined()
    // b's last beat says it lives 300 ms more; then it dies, never beating again nor giving its slots back.
    await new Presence(b.redis, { prefix, instanceId: 'b', ttlMs: 300, local: () => new Map() }).beat()
    const first = await poll(() => take(a.slots, 'agent', 2), (slot) => slot !== undefined, 10_000, "b's slots expiring")
    expect(first).toBeDefined()
    expect(await take(a.slots, 'agent', 2)).toBeDefined()
    expect(await take(a.slots, 'agent', 2)).toBeUndefined()
  })

  it('makes good on its heartbeat whatever a lost write left in Redis', async () => {
    const prefix = newPrefix()
    const a = await instance(prefix, 'a')
    const b = await instance(prefix, 'b')
    expect(await take(a.slots, 'agent', 2)).toBeDefined()
    // As if a release had reached Redis and a take had not (or the other way round).
    await a.redis.hset(`${prefix}slots:max_test:a`, 'agent', 5, 'ghost', 1)
    expect(await take(b.slots, 'agent', 2)).toBeUndefined()
    await a.slots.beat()
    expect(await a.redis.hgetall(`${prefix}slots:max_test:a`)).toEqual({ agent: '1' })
    expect(await take(b.slots, 'agent', 2)).toBeDefined()
  })

  it('counts on this instance alone while Redis cannot be asked, and says so once', async () => {
    // Nothing listens on this port: the connection keeps retrying, its commands fail at once.
    const down = await instance(newPrefix(), 'a', 60_000, `redis://127.0.0.1:${freshPort()}`)
    expect(await take(down.slots, 'agent', 2)).toBeDefined()
    expect(await take(down.slots, 'agent', 2)).toBeDefined()
    // This instance's own count still holds the limit.
    expect(down.slots.take('agent', 2)).toBeUndefined()
    expect(down.onUnshared).toHaveBeenCalledTimes(2)
    expect(down.log.warn).toHaveBeenCalledTimes(1)
  })
})
