// One active channel per pair and service whatever Redis does: two hub processes on one
// database and no Redis between them (so no lock they share) open the same pair's channel at
// once, over REST, by a message to target_agent, and by chat requests, and the database keeps
// one. A request accepted while the pair already has an active channel is answered with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDatabase, type TempDatabase } from '../helpers/database.js'
import { freshPort, spawnHub, waitReady } from '../helpers/process.js'
import { WsAgent } from '../helpers/ws-agent.js'
import { until } from '../helpers/poll.js'

const ROUNDS = 10

interface Hub {
  httpUrl: string
  wsUrl: string
  stop(): Promise<unknown>
}

let database: TempDatabase
let a: Hub
let b: Hub

async function start(): Promise<Hub> {
  const hub = spawnHub({ PORT: freshPort(), DATABASE_URL: database.url, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '100000' })
  await waitReady(hub, 60_000)
  return { httpUrl: hub.url, wsUrl: hub.url.replace('http', 'ws'), stop: () => hub.stop() }
}

beforeAll(async () => {
  database = await tempDatabase()
  a = await start()
  b = await start()
}, 120_000)
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  await database.remove()
})

interface ChannelBody {
  channel_id: string
  status: string
  end_reason: string | null
}

async function openOver(hub: Hub, body: Record<string, string>): Promise<ChannelBody> {
  const response = await fetch(`${hub.httpUrl}/channels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(response.status, await response.clone().text()).toBeLessThan(300)
  return (await response.json()) as ChannelBody
}

/** The consumer's channels in a status, read on the first hub. */
async function channelsOf(consumerId: string, status: string): Promise<ChannelBody[]> {
  const response = await fetch(`${a.httpUrl}/channels?agent_id=${consumerId}&status=${status}`)
  return ((await response.json()) as { channels: ChannelBody[] }).channels
}

/** A provider of a fresh service, registered on the first hub. */
async function provider(name: string): Promise<{ agent: WsAgent; serviceId: string }> {
  const agent = await WsAgent.connect(a.wsUrl, name)
  const serviceId = `${name}-svc`
  await agent.ask({ type: 'register_service', service_id: serviceId }, 'register_service')
  return { agent, serviceId }
}

/** The same consumer, connected to both hubs. */
const onBoth = (consumerId: string) => Promise.all([WsAgent.connect(a.wsUrl, consumerId), WsAgent.connect(b.wsUrl, consumerId)])

describe('two hubs without Redis', () => {
  it('open one channel when both open a pair over REST at once, with a service and without', async () => {
    const { agent, serviceId } = await provider('rest-prov')
    for (let round = 0; round < ROUNDS; round++) {
      for (const service of [{}, { service_id: serviceId }] as Record<string, string>[]) {
        const pair = { provider_id: agent.agentId, consumer_id: `rest-cons-${round}`, ...service }
        const opened = await Promise.all([a, b, a, b].map((hub) => openOver(hub, pair)))
        expect(new Set(opened.map((channel) => channel.channel_id)).size).toBe(1)
      }
      expect(await channelsOf(`rest-cons-${round}`, 'active')).toHaveLength(2)
    }
    await agent.close()
  })

  it('open one channel when messages to target_agent race on both', async () => {
    const { agent, serviceId } = await provider('msg-prov')
    for (let round = 0; round < ROUNDS; round++) {
      const consumers = await onBoth(`msg-cons-${round}`)
      const acks = await Promise.all(
        consumers.map((consumer) => consumer.ask({ type: 'chat_message', target_agent: agent.agentId, service_id: serviceId, content: 'hi' }, 'ack')),
      )
      expect(new Set(acks.map((ack) => ack.channel_id)).size).toBe(1)
      expect(await channelsOf(`msg-cons-${round}`, 'active')).toHaveLength(1)
      await Promise.all(consumers.map((consumer) => consumer.close()))
    }
    await agent.close()
  })

  it('keep one pending request when chat requests race on both, and one active channel once accepted', async () => {
    const { agent, serviceId } = await provider('req-prov')
    for (let round = 0; round < ROUNDS; round++) {
      const consumerId = `req-cons-${round}`
      const consumers = await onBoth(consumerId)
      for (const consumer of consumers) consumer.send({ type: 'chat_request', service_id: serviceId })
      // The provider (connected to the first hub) hears of each request made there.
      await agent.next('chat_request', (frame) => frame.consumer_id === consumerId)
      // Both requests are in once the second hub's has made its way too.
      await consumers[1].ask({ type: 'ping' }, 'pong')
      expect(await channelsOf(consumerId, 'pending')).toHaveLength(1)
      await agent.ask({ type: 'chat_accept', consumer_id: consumerId }, 'chat_accept')
      expect(await channelsOf(consumerId, 'active')).toHaveLength(1)
      await Promise.all(consumers.map((consumer) => consumer.close()))
    }
    await agent.close()
  })

  it('answer an accept with the active channel the pair already has, and retire the request', async () => {
    const { agent, serviceId } = await provider('late-prov')
    const consumer = await WsAgent.connect(a.wsUrl, 'late-cons')
    consumer.send({ type: 'chat_request', service_id: serviceId, request_id: 'ask' })
    const request = await agent.next('chat_request', (frame) => frame.consumer_id === 'late-cons')
    const opened = await openOver(b, { provider_id: agent.agentId, consumer_id: 'late-cons', service_id: serviceId })
    expect(opened.channel_id).not.toBe(request.channel_id)

    // Another connection of the consumer's, which did not ask.
    const other = await WsAgent.connect(a.wsUrl, 'late-cons')
    const accepted = await agent.ask({ type: 'chat_accept', channel_id: request.channel_id }, 'chat_accept')
    expect(accepted.channel_id).toBe(opened.channel_id)
    // The consumer's request is answered with the channel it can use; every connection of it learns of that channel first.
    expect(await consumer.next('chat_accept', (frame) => frame.request_id === 'ask')).toMatchObject({ channel_id: opened.channel_id })
    await until(() => other.frames.some((frame) => frame.type === 'chat_reject'), 10_000, 'the retired request')
    expect(other.frames.filter((frame) => frame.type === 'chat_accept' || frame.type === 'chat_reject')).toMatchObject([
      { type: 'chat_accept', channel_id: opened.channel_id },
      { type: 'chat_reject', channel_id: request.channel_id, reason: 'duplicate' },
    ])
    expect((await channelsOf('late-cons', 'active')).map((channel) => channel.channel_id)).toEqual([opened.channel_id])
    expect(await channelsOf('late-cons', 'rejected')).toMatchObject([{ channel_id: request.channel_id, end_reason: 'duplicate' }])
    await Promise.all([agent.close(), consumer.close(), other.close()])
  })
})
