// Redis killed (SIGKILL) under two hub instances while agents on different instances talk: both
// instances stay up and ready, deliver through the database meanwhile, and return to pub/sub when
// a new redis-server comes up, with nothing lost or repeated. The redis-server is the test's own.
import { afterAll, describe, expect, it } from 'vitest'
import { privateRedis, startCluster, type PrivateRedis, type TestCluster } from '../helpers/cluster.js'
import { testDatabaseKind } from '../helpers/database.js'
import { until } from '../helpers/poll.js'
import { record } from './outcome.js'
import { Traffic } from './traffic.js'

const PAIRS = 2
const PER_SIDE = 200

let redis: PrivateRedis | undefined
let cluster: TestCluster | undefined
let traffic: Traffic | undefined
afterAll(async () => {
  await traffic?.close()
  await cluster?.stop()
  await redis?.kill()
})

const redisState = async (url: string) => ((await (await fetch(`${url}/readyz`)).json()) as { redis?: string }).redis

describe.skipIf(testDatabaseKind() !== 'postgres')('Redis killed under two instances', () => {
  it('keeps delivering across instances while Redis is dead, and returns to it', async () => {
    redis = await privateRedis()
    cluster = await startCluster(2, redis.url)
    const [a, b] = cluster.hubs as [(typeof cluster.hubs)[0], (typeof cluster.hubs)[0]]
    const urls = Array.from({ length: PAIRS }, () => ({ provider: a.wsUrl, consumer: b.wsUrl }))
    traffic = await Traffic.open(urls, 'redis-kill')
    traffic.send(PER_SIDE)
    const total = PAIRS * 2 * PER_SIDE
    await expect.poll(() => traffic?.acked, { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(total / 4)

    await redis.kill()
    const killedAt = Date.now()
    await until(async () => (await redisState(a.url)) === 'down' && (await redisState(b.url)) === 'down', 15_000, 'both instances reporting Redis down')
    const ackedWhileDown = traffic.acked
    // Messages keep flowing from instance to instance without Redis.
    await until(() => traffic !== undefined && traffic.acked > ackedWhileDown + 200, 30_000, 'acks while Redis is down')
    const ackedDuringOutage = traffic.acked - ackedWhileDown
    await redis.start()
    const down = (Date.now() - killedAt) / 1000
    const backAt = Date.now()
    await until(async () => (await redisState(a.url)) === 'up' && (await redisState(b.url)) === 'up', 20_000, 'both instances back on Redis')
    const seconds = (Date.now() - backAt) / 1000
    const tally = await traffic.finish(a.url)
    record('redis-kill', tally, seconds, cluster.hubs, `Redis dead ${down.toFixed(2)} s, acked and delivered through the database meanwhile ${ackedDuringOutage}`)

    for (const hub of cluster.hubs) expect(hub.child.exitCode).toBeNull()
    expect(tally).toMatchObject({ sent: total, acked: total, stored: total, delivered: total, lost: 0, duplicates: 0 })
  }, 90_000)
})
