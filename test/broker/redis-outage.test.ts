// Redis is the fast path between hub instances, never the only one: when it drops connections
// or goes away entirely, instances say so (log line, /readyz) and keep delivering across
// instances from the database — messages and the channels' life cycle — count connection limits
// on each instance alone, and pick pub/sub up again when it is back. Nothing is lost or repeated on the way. The test runs a redis-server of
// its own, so that it can cut, kill and pause it.
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { testDatabaseKind } from '../helpers/database.js'
import { privateRedis, startCluster, type PrivateRedis, type TestCluster } from '../helpers/cluster.js'
import { until } from '../helpers/poll.js'
import { openChannel, WsAgent, type Frame } from '../helpers/ws-agent.js'

let cluster: TestCluster | undefined
let redis: PrivateRedis | undefined
const agents: WsAgent[] = []
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close().catch(() => undefined)))
  await cluster?.stop()
  await redis?.kill()
})

const readiness = async (url: string) => (await fetch(`${url}/readyz`)).json() as Promise<Record<string, unknown>>

describe.skipIf(testDatabaseKind() !== 'postgres')('hub instances when Redis fails', () => {
  it('keeps delivering across instances through the database while Redis is gone, then returns to it', async () => {
    redis = await privateRedis()
    cluster = await startCluster(2, redis.url)
    const [a, b] = cluster.hubs as [(typeof cluster.hubs)[0], (typeof cluster.hubs)[0]]
    const provider = await WsAgent.connect(a.wsUrl, 'provider')
    const consumer = await WsAgent.connect(b.wsUrl, 'consumer')
    agents.push(provider, consumer)
    await provider.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
    const channelId = await openChannel(provider, consumer, 'svc')

    const received: number[] = []
    provider.socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Frame
      if (frame.type === 'chat_message') received.push(frame.seq)
    })
    const acked: number[] = []
    const send = async (count: number, tag: string) => {
      for (let i = 0; i < count; i++) {
        const ack = await consumer.ask({ type: 'chat_message', channel_id: channelId, content: `${tag}-${i}` }, 'ack')
        expect(ack.type).toBe('ack')
        acked.push(ack.seq)
      }
    }

    // A blip: Redis drops every subscriber connection while messages flow.
    const admin = new Redis(redis.url)
    const sending = send(60, 'blip')
    await until(() => acked.length >= 20)
    await admin.client('KILL', 'TYPE', 'pubsub')
    await sending
    await until(() => received.length === acked.length)
    expect(received).toEqual(acked)
    await admin.quit()

    // Redis goes away: both instances report it, stay ready, and deliver through the database.
    await redis.kill()
    await until(async () => (await readiness(a.url)).redis === 'down' && (await readiness(b.url)).redis === 'down')
    expect(await readiness(a.url)).toMatchObject({ status: 'ready', database: 'up', redis: 'down' })
    await send(20, 'down')
    await until(() => received.length === acked.length)
    expect(received).toEqual(acked)
    // The other direction too.
    const ack = await provider.ask({ type: 'chat_message', channel_id: channelId, content: 'still here' }, 'ack')
    expect(await consumer.next('chat_message', (f) => f.seq === ack.seq)).toMatchObject({ content: 'still here' })
    expect(a.stdout() + a.stderr()).toContain('Redis connection lost')

    // The life cycle's frames, too: a request, its answer (as the reply to the request) and an end.
    const second = await WsAgent.connect(b.wsUrl, 'consumer-2')
    agents.push(second)
    // Its connection limits were counted on B alone, and said so, rather than refusing it.
    const metrics = await (await fetch(`${b.url}/metrics`)).text()
    const unshared = /^hub_connection_slots_unshared_total\{limit="max_connections_per_agent"\} (\d+)/m.exec(metrics)
    expect(Number(unshared?.[1])).toBeGreaterThanOrEqual(1)
    second.send({ type: 'chat_request', service_id: 'svc', request_id: 'while-down' })
    const request = await provider.next('chat_request', (f) => f.consumer_id === 'consumer-2')
    provider.send({ type: 'chat_accept', channel_id: request.channel_id })
    expect(await second.next('chat_accept', (f) => f.request_id === 'while-down')).toMatchObject({
      channel_id: request.channel_id,
      status: 'active',
    })
    second.send({ type: 'chat_end', channel_id: request.channel_id, reason: 'bye' })
    expect(await provider.next('chat_end', (f) => f.channel_id === request.channel_id)).toMatchObject({ reason: 'bye' })

    // Redis is back: the instances rejoin it, and messages go on, still exactly once and in order.
    await redis.start()
    await until(async () => (await readiness(a.url)).redis === 'up' && (await readiness(b.url)).redis === 'up', 15_000)
    await send(20, 'back')
    await until(() => received.length === acked.length)
    expect(received).toEqual(acked)

    // Redis stops answering without closing anything (as a half-open connection would): the
    // instances notice by their pings, and the messages arrive through the database meanwhile.
    const pauser = new Redis(redis.url)
    await pauser.client('PAUSE', 9000)
    pauser.disconnect()
    await send(10, 'paused')
    await until(() => received.length === acked.length, 7000)
    expect(received).toEqual(acked)
    await until(async () => (await readiness(a.url)).redis === 'up' && (await readiness(b.url)).redis === 'up', 15_000)
    await send(10, 'resumed')
    await until(() => received.length === acked.length)
    expect(received).toEqual(acked)
    expect(new Set(acked).size).toBe(acked.length)
  }, 60_000)
})
